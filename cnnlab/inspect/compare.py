"""``compare_models``: the lecture's comparison of architectures, as a table and a figure.

Example:
    >>> comparison = compare_models(["lenet5", "alexnet"])
    >>> [row["params"] for row in comparison.rows]
    [61706, 62378344]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import keras

from .table import format_bytes, format_html_table, format_shape, format_text_table
from .walk import layer_table

# Published ImageNet top-1 accuracy (single centre crop) of the keras.applications models, from
# the "Available models" table of the Keras documentation, https://keras.io/api/applications/ .
# name -> (parameter count with the 1000-class top, input side measured at, top-1 accuracy).
# A model gets the figure only if its name, parameter count and input size all match.
PUBLISHED_TOP1 = {
    "xception": (22_910_480, 299, 0.790),
    "vgg16": (138_357_544, 224, 0.713),
    "vgg19": (143_667_240, 224, 0.713),
    "resnet50": (25_636_712, 224, 0.749),
    "resnet50v2": (25_613_800, 224, 0.760),
    "resnet101": (44_707_176, 224, 0.764),
    "resnet101v2": (44_675_560, 224, 0.772),
    "resnet152": (60_419_944, 224, 0.766),
    "resnet152v2": (60_380_648, 224, 0.780),
    "inception_v3": (23_851_784, 299, 0.779),
    "inception_resnet_v2": (55_873_736, 299, 0.803),
    "mobilenet_1.00_224": (4_253_864, 224, 0.704),
    "mobilenetv2_1.00_224": (3_538_984, 224, 0.713),
    "densenet121": (8_062_504, 224, 0.750),
}


@dataclass
class ModelComparison:
    """What :func:`compare_models` returns: one dict per model in ``rows``, and a ``figure``."""

    rows: list[dict]
    figure: object  # matplotlib.figure.Figure

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = ["Model", "Input", "Params", "GFLOPs (MACs)", "Activations/image",
                  "Weights", "Activations (fwd)", "Top-1 (Keras)"]  # fmt: skip
        body = [
            [row["name"], format_shape(row["input_shape"]), f"{row['params']:,}",
             f"{row['flops'] / 1e9:.3g}", f"{row['activations']:,}",
             format_bytes(row["parameter_bytes"]), format_bytes(row["activation_bytes"]),
             "-" if row["top1"] is None else f"{row['top1']:.1%}"]
            for row in self.rows
        ]  # fmt: skip
        return header, body

    def __str__(self) -> str:
        return format_text_table(*self._cells(), right={2, 3, 4, 5, 6, 7})

    def _repr_html_(self) -> str:
        return format_html_table(*self._cells())


def published_top1(model: keras.Model) -> float | None:
    """ImageNet top-1 accuracy from the Keras table if ``model`` is that network, else None.

    The name, the exact parameter count and the input size must all match the published
    configuration (so ``vgg16(num_classes=10)`` gets None).

    Example:
        >>> from cnnlab.models import resnet
        >>> published_top1(resnet(depth=50))
        0.749
    """
    entry = PUBLISHED_TOP1.get(model.name)
    if entry is None or model.count_params() != entry[0]:
        return None
    shape = tuple(model.inputs[0].shape[1:3])
    return entry[2] if shape == (entry[1], entry[1]) else None


def compare_models(names_or_models: Iterable[str | keras.Model], *, dtype: str = "float32"):
    """Compare models side by side: parameters, FLOPs, memory and published top-1 accuracy.

    Names are built with :func:`cnnlab.models.get_model` at their default (ImageNet-sized for
    alexnet, vgg16 and the resnets) input. The figure has two panels: parameters against
    multiply-adds for every model, and top-1 accuracy against multiply-adds (marker area
    proportional to parameters) for the models with a published accuracy, as in Canziani et al.

    Args:
        names_or_models: registry names (``"vgg16"``) and/or built Keras models.
        dtype: value type for the byte columns (see :func:`layer_table`).

    Returns:
        A :class:`ModelComparison`; ``rows`` hold ``name``, ``input_shape``, ``params``,
        ``flops``, ``activations``, ``parameter_bytes``, ``activation_bytes`` (forward, one image)
        and ``top1`` (or None); ``figure`` is a matplotlib Figure (nothing is shown).

    Raises:
        TypeError: if an item is neither a name nor a Keras model.
        ValueError: if the list is empty or a name is unknown.

    Example:
        >>> comparison = compare_models(["lenet5", "resnet50"])
        >>> [row["top1"] for row in comparison.rows]
        [None, 0.749]
    """
    from cnnlab.figure import Figure
    from cnnlab.models import get_model

    if isinstance(names_or_models, (str, keras.Model)):
        names_or_models = [names_or_models]
    rows = []
    for item in names_or_models:
        if isinstance(item, str):
            name, model = item, get_model(item)
        elif isinstance(item, keras.Model):
            name, model = item.name, item
        else:
            raise TypeError(
                f"`names_or_models` must hold registry names or keras.Model objects. Got {item!r}."
            )
        table = layer_table(model, dtype=dtype)
        rows.append({
            "name": name, "input_shape": table.rows[0].output_shape,
            "params": table.total_params, "flops": table.total_flops,
            "activations": table.total_activations,
            "parameter_bytes": table.memory["parameters"],
            "activation_bytes": table.memory["activations_forward"],
            "top1": published_top1(model),
        })  # fmt: skip
    if not rows:
        raise ValueError("`names_or_models` must name at least one model. Got none.")
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    sizes, accuracy = figure.subplots(1, 2)
    for row in rows:
        gflops, millions = max(row["flops"], 1) / 1e9, row["params"] / 1e6
        sizes.scatter(gflops, millions)
        sizes.annotate(row["name"], (gflops, millions), textcoords="offset points", xytext=(4, 4))
        if row["top1"] is not None:
            accuracy.scatter(gflops, 100 * row["top1"], s=20 + 4 * millions, alpha=0.6)
            accuracy.annotate(row["name"], (gflops, 100 * row["top1"]), textcoords="offset points",
                              xytext=(4, 4))  # fmt: skip
    sizes.set(xscale="log", yscale="log", xlabel="multiply-adds per image (G)",
              ylabel="parameters (millions)", title="Size and cost")  # fmt: skip
    accuracy.set(xlabel="multiply-adds per image (G)", ylabel="ImageNet top-1 (%)",
                 title="Published top-1 (keras.io/api/applications)\nmarker area ~ parameters")  # fmt: skip
    if all(row["top1"] is None for row in rows):
        accuracy.text(0.5, 0.5, "no published accuracy for these models", ha="center",
                      transform=accuracy.transAxes)  # fmt: skip
    return ModelComparison(rows, figure)


__all__ = ["PUBLISHED_TOP1", "ModelComparison", "compare_models", "published_top1"]
