"""``layer_table``: walk a Keras model's graph, nested models included, and infer every shape.

The connections between layers come from the model's own config (``get_config()["layers"]`` and
their ``inbound_nodes``, the public description Keras saves models with), so Sequential and
Functional models, ``keras.applications`` networks and models nested inside others are all
handled the same way. Shapes are inferred with each layer's ``compute_output_spec`` on symbolic
tensors: no data flows and no weights are touched.

Example:
    >>> from cnnlab.models import lenet5
    >>> layer_table(lenet5()).rows[1].output_shape
    (28, 28, 6)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras

from .arithmetic import VIEWS, multiply_adds, receptive_field, trainable_count
from .table import BYTES_PER_VALUE, LayerRow, LayerTable


class _Tensor:
    """A symbolic tensor during the walk: its KerasTensor spec plus receptive field and jump."""

    __slots__ = ("jump", "rf", "spec")

    def __init__(self, spec, rf, jump):
        self.spec, self.rf, self.jump = spec, rf, jump


class _Walker:
    def __init__(self):
        self.rows: list[LayerRow] = []
        self.issues: list[str] = []
        self.seen: set[int] = set()
        self.configs: dict[int, dict | None] = {}

    def config(self, model) -> dict | None:
        """``model``'s Functional config, computed once per model (None if not Functional)."""
        if id(model) not in self.configs:
            self.configs[id(model)] = _graph_config(model, quiet=True)
        return self.configs[id(model)]

    def walk(self, model, inputs: list[_Tensor], prefix: str) -> list[_Tensor]:
        """Propagate ``inputs`` through ``model``'s graph, adding one row per leaf layer call."""
        if isinstance(model, keras.Sequential):
            flowing = inputs
            for layer in model.layers:
                flowing = self.call(layer, [flowing[0]], {}, prefix, 0)
            return flowing
        config = self.config(model)
        tensors = dict(zip(_refs(config["input_layers"]), inputs, strict=True))
        by_name = {layer.name: layer for layer in model.layers}
        for layer_config in config["layers"]:
            layer = by_name[layer_config["name"]]
            for index, node in enumerate(layer_config["inbound_nodes"]):
                args = _resolve(node["args"], tensors)
                kwargs = _resolve(node["kwargs"], tensors)
                outputs = self.call(layer, args, kwargs, prefix, index)
                for position, tensor in enumerate(outputs):
                    tensors[(layer.name, index, position)] = tensor
        outputs = []
        for name, index, position in _refs(config["output_layers"]):
            # Keras numbers a nested Functional's nodes from 1 in `output_layers` (node 0 is its
            # own graph) but from 0 in `inbound_nodes`.
            offset = 1 if self.config(by_name[name]) else 0
            outputs.append(tensors[(name, index - offset, position)])
        return outputs

    def call(self, layer, args, kwargs, prefix: str, index: int) -> list[_Tensor]:
        flat = [t for t in keras.tree.flatten((args, kwargs)) if isinstance(t, _Tensor)]
        suffix = f" (call {index + 1})" if index else ""
        if isinstance(layer, keras.Sequential) or self.config(layer):
            return self.walk(layer, flat, f"{prefix}{layer.name}{suffix}/")
        specs = keras.tree.map_structure(lambda t: t.spec if isinstance(t, _Tensor) else t, args)
        spec_kwargs = {
            k: keras.tree.map_structure(lambda t: t.spec if isinstance(t, _Tensor) else t, v)
            for k, v in kwargs.items()
        }
        outputs = keras.tree.flatten(layer.compute_output_spec(*specs, **spec_kwargs))
        name = f"{prefix}{layer.name}{suffix}"
        first = id(layer) not in self.seen
        self.seen.add(id(layer))
        rf, jump, issue = receptive_field(layer, flat, outputs[0].shape)
        if issue:
            self.issues.append(f"{name}: {issue}")
        shapes = tuple(tuple(o.shape[1:]) for o in outputs)
        note = "view of its input, not counted" if isinstance(layer, VIEWS) else ""
        note = issue or note or ("" if first else "shared weights, counted at first call")
        self.rows.append(
            LayerRow(
                name=name,
                type=type(layer).__name__,
                output_shape=shapes[0] if len(shapes) == 1 else shapes,
                activations=0 if isinstance(layer, VIEWS) else sum(map(math.prod, shapes)),
                params=layer.count_params() if first else 0,
                trainable_params=trainable_count(layer) if first else 0,
                flops=multiply_adds(layer, flat[0].spec.shape if flat else (), outputs[0].shape),
                receptive_field=rf,
                jump=jump,
                note=note,
            )
        )
        return [_Tensor(spec, rf, jump) for spec in outputs]


def layer_table(
    model: keras.Model,
    *,
    batch_size: int = 1,
    dtype: str = "float32",
    input_shape: Sequence[int] | None = None,
) -> LayerTable:
    """Tabulate every layer of ``model``: shape, activations, parameters, FLOPs, receptive field.

    Shapes are inferred symbolically (no forward pass); the conventions for activations, FLOPs,
    memory and receptive fields are in the module docstring. Nested models are expanded, their
    rows named ``outer_layer/inner_layer``.

    Args:
        model: a built Sequential or Functional Keras model (``keras.applications`` models
            included), possibly containing other models.
        batch_size: images per batch, for the activation memory totals.
        dtype: value type for the byte totals: ``"float16"``, ``"bfloat16"``, ``"float32"`` or
            ``"float64"``.
        input_shape: per-image input shape, to override the model's (needed when the model was
            built with ``None`` spatial sizes); single-input models only.

    Returns:
        A :class:`LayerTable`; ``print`` it, or show it in a notebook.

    Raises:
        TypeError: if ``model`` is not a Keras model whose layers form a graph (a subclassed
            model's ``call`` cannot be inspected without running it).
        ValueError: if an argument is out of range or an input size is unknown.

    Example:
        >>> from cnnlab.models import alexnet
        >>> layer_table(alexnet(input_shape=(224, 224, 3))).geometry_issues[0][:42]
        'conv1: (W - F + 2P)/S + 1 = (224 - 11 + 2*'
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be a positive int. Got {batch_size!r}.")
    if dtype not in BYTES_PER_VALUE:
        raise ValueError(f"`dtype` must be one of {', '.join(BYTES_PER_VALUE)}. Got {dtype!r}.")
    walker = _Walker()
    inputs = []
    for name, spec in _inputs(model, input_shape, walker):
        spatial = len(spec.shape) - 2
        start = (1,) * spatial if spatial > 0 else None  # one input pixel, one pixel apart
        size = math.prod(spec.shape[1:])
        walker.rows.append(
            LayerRow(name, "InputLayer", tuple(spec.shape[1:]), size, params=0,
                     trainable_params=0, flops=0, receptive_field=start, jump=start)
        )  # fmt: skip
        inputs.append(_Tensor(spec, start, start))
    walker.walk(model, inputs, "")
    return LayerTable(model.name, walker.rows, batch_size, dtype, walker.issues)


def _inputs(model, input_shape, walker: _Walker) -> list[tuple[str, keras.KerasTensor]]:
    """(name, symbolic tensor with batch axis None) of each model input, checked."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model. Got {type(model).__name__}.")
    if isinstance(model, keras.Sequential):
        first = model.get_config()["layers"][0]
        names = [first["config"]["name"] if first["class_name"] == "InputLayer" else "input"]
    elif walker.config(model):
        names = [name for name, _, _ in _refs(walker.config(model)["input_layers"])]
    else:
        raise TypeError(
            f"`model` must be a Sequential or Functional keras.Model; {type(model).__name__} is "
            "subclassed, and its call() cannot be inspected without running it."
        )
    try:
        shapes = [(tuple(t.shape), t.dtype) for t in model.inputs or []]
    except (AttributeError, ValueError):
        shapes = []
    if not shapes:
        raise ValueError(f"`model` {model.name!r} must be built (give it an Input). Got no inputs.")
    if input_shape is not None:
        rank = len(shapes[0][0]) - 1
        if len(shapes) != 1 or not isinstance(input_shape, Sequence) or len(input_shape) != rank:
            raise ValueError(
                f"`input_shape` must be one per-image shape of rank {rank} for a single-input "
                f"model. Got {input_shape!r}."
            )
        shapes = [((None, *input_shape), shapes[0][1])]
    for shape, _ in shapes:
        if any(not isinstance(size, int) or size < 1 for size in shape[1:]):
            raise ValueError(
                "`input_shape` must give every per-image size as a positive int; the model's "
                f"input is {shape}. Got {input_shape!r}."
            )
    specs = [keras.KerasTensor((None, *shape[1:]), dtype=dtype) for shape, dtype in shapes]
    return list(zip(names, specs, strict=True))


def _graph_config(model, *, quiet: bool = False) -> dict | None:
    """The Functional config of ``model`` (layers and their inbound nodes), or None."""
    if not isinstance(model, keras.Model) or isinstance(model, keras.Sequential):
        return None
    try:
        config = model.get_config()
    except NotImplementedError:
        config = None
    if isinstance(config, dict) and "input_layers" in config and "layers" in config:
        return config
    if quiet:
        return None
    raise TypeError(f"`model` {model.name!r} is not a Functional model.")


def _refs(struct) -> list[tuple[str, int, int]]:
    """Flatten Keras' ``input_layers``/``output_layers`` config into (layer, node, tensor) refs."""
    if isinstance(struct, (list, tuple)) and len(struct) == 3 and isinstance(struct[0], str):
        return [(struct[0], struct[1], struct[2])]
    if isinstance(struct, dict):
        struct = [struct[key] for key in sorted(struct)]
    return [ref for item in struct for ref in _refs(item)]


def _resolve(value, tensors: dict):
    """Rebuild a node's serialized call arguments, with our tensors in place of Keras tensors."""
    if isinstance(value, (list, tuple)):
        return type(value)(_resolve(item, tensors) for item in value)
    if not isinstance(value, dict):
        return value
    kind = value.get("class_name")
    if kind == "__keras_tensor__":
        return tensors[tuple(value["config"]["keras_history"])]
    if kind == "__tuple__":
        return tuple(_resolve(item, tensors) for item in value["config"]["value"])
    if kind is not None and "config" in value:
        return keras.saving.deserialize_keras_object(value)
    return {key: _resolve(item, tensors) for key, item in value.items()}


__all__ = ["layer_table"]
