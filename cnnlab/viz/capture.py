"""Reading what one layer computes inside any Keras model, nested models and subclasses included.

Tutorial code builds ``keras.Model(model.inputs, layer.output)``, which fails with "not connected"
as soon as the layer sits inside a nested base model, and ``Sequential.input`` raises until the
model is called. Here the layer's ``call`` is wrapped for the duration of one traced forward pass
and its output captured, so the same code serves Sequential, Functional, nested and subclassed
models. The traced function is cached per (model, layer), so later calls run a compiled graph.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np

_SPATIAL_SKIP = ("Pooling", "Dropout", "Flatten", "Reshape", "ZeroPadding", "Cropping")


def iter_layers(model):
    """Every layer of ``model`` depth first, nested models' layers after the nested model itself."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from iter_layers(layer)


def _output_rank(layer) -> int | None:
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError, RuntimeError):
        return None


def find_layer(model, name: str | None, *, kind: str = "last_spatial"):
    """The layer called ``name`` anywhere in ``model``, or, when ``name`` is None, by ``kind``.

    kinds: ``"last_spatial"``, the last layer with a 4-D output that is not pooling, dropout or
    reshaping (the last convolution block: what Grad-CAM and feature maps want), or
    ``"first_conv"``, the first layer with a convolution kernel.

    Raises:
        ValueError: no such layer; the message lists the layers that would fit.
    """
    layers = list(iter_layers(model))
    if name is not None:
        for layer in layers:
            if layer.name == name:
                return layer
        spatial = [layer.name for layer in layers if _output_rank(layer) == 4]
        raise ValueError(
            f"`layer` must name a layer of the model, e.g. one of {spatial[-8:]}. Got {name!r}."
        )
    if kind == "first_conv":
        for layer in layers:
            if hasattr(layer, "kernel") and len(getattr(layer.kernel, "shape", ())) == 4:
                return layer
        raise ValueError("`model` must contain a convolution layer. Got none.")
    candidates = [
        layer
        for layer in layers
        if not hasattr(layer, "layers")
        and _output_rank(layer) == 4
        and not any(word in type(layer).__name__ for word in _SPATIAL_SKIP)
    ]
    if not candidates:
        raise ValueError("`model` must contain a layer with 4-D (batch, H, W, C) output. Got none.")
    return candidates[-1]


def _patched_call(layer, captured: list):
    original = layer.call

    def call(*args, **kwargs):
        outputs = original(*args, **kwargs)
        captured.append(outputs)
        return outputs

    return call


class _Capture:
    """Runs ``model`` once with ``layer.call`` wrapped, returning (layer output, model output)."""

    def __init__(self, model, layer):
        # Weak references: the cache below is keyed weakly by the model and must not keep it alive.
        self._model, self._layer = weakref.ref(model), weakref.ref(layer)

    def __call__(self, batch, *, before=None, after=None):
        """Forward pass; ``before``/``after`` patch and restore other layers during the trace."""
        model, layer = self._model(), self._layer()
        captured: list = []
        layer.call = _patched_call(layer, captured)
        if before:
            before()
        try:
            predictions = model(batch, training=False)
        finally:
            del layer.call  # back to the class's method
            if after:
                after()
        if not captured:
            raise ValueError(
                f"`layer` {layer.name!r} did not run during the forward pass of the model."
            )
        return captured[-1], predictions


_FORWARD_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layer_output(model, layer, batch: np.ndarray) -> np.ndarray:
    """What ``layer`` outputs when ``model`` runs on ``batch`` (inference mode)."""
    import tensorflow as tf

    per_model = _FORWARD_CACHE.setdefault(model, {})
    function = per_model.get(layer.name)
    if function is None:
        capture = _Capture(model, layer)
        function = tf.function(lambda x: capture(x)[0], reduce_retracing=True)
        per_model[layer.name] = function
    return keras.ops.convert_to_numpy(function(tf.convert_to_tensor(batch)))
