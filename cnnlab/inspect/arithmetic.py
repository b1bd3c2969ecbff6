"""Per-layer arithmetic from a layer's hyperparameters: receptive field, jump, geometry, FLOPs.

Each function looks at one Keras layer and the symbolic shapes around it; nothing runs on data.
The formulas and conventions are in the docstring of :mod:`cnnlab.inspect`.

Example:
    >>> import keras
    >>> conv = keras.layers.Conv2D(96, 11, strides=4)
    >>> multiply_adds(conv, (None, 227, 227, 3), (None, 55, 55, 96))
    105415200
"""

from __future__ import annotations

import math

from keras import layers as L

VIEWS = (L.Flatten, L.Reshape)
_GLOBAL = (
    L.Flatten, L.GlobalAveragePooling1D, L.GlobalAveragePooling2D, L.GlobalAveragePooling3D,
    L.GlobalMaxPooling1D, L.GlobalMaxPooling2D, L.GlobalMaxPooling3D,
)  # fmt: skip
_SHIFTS = (
    L.ZeroPadding1D,
    L.ZeroPadding2D,
    L.ZeroPadding3D,
    L.Cropping1D,
    L.Cropping2D,
    L.Cropping3D,
)
_TRANSPOSED = (L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose)
_SEPARABLE = (L.SeparableConv1D, L.SeparableConv2D)
_DEPTHWISE = (L.DepthwiseConv1D, L.DepthwiseConv2D)
_CONV = (L.Conv1D, L.Conv2D, L.Conv3D)


def spatial_axes(shape, layer=None) -> tuple:
    first = getattr(layer, "data_format", "channels_last") == "channels_first"
    return tuple(shape[2:]) if first else tuple(shape[1:-1])


def receptive_field(layer, inputs: list, out_shape) -> tuple:
    """(receptive field, jump, geometry issue or "") of ``layer``'s output."""
    if not inputs or any(t.rf is None for t in inputs):
        return None, None, ""
    rf, jump = inputs[0].rf, inputs[0].jump
    if isinstance(layer, _GLOBAL):
        if jump is None:
            return rf, None, ""
        sizes = spatial_axes(inputs[0].spec.shape, layer)
        return tuple(r + (w - 1) * j for r, w, j in zip(rf, sizes, jump, strict=True)), None, ""
    if isinstance(layer, _SHIFTS):
        return rf, jump, ""
    window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
    if window is not None and not isinstance(layer, _TRANSPOSED) and jump is not None:
        strides = tuple(layer.strides)
        dilation = tuple(getattr(layer, "dilation_rate", None) or (1,) * len(window))
        sizes = spatial_axes(inputs[0].spec.shape, layer)
        effective = [d * (k - 1) + 1 for k, d in zip(window, dilation, strict=True)]
        issue = ""
        if layer.padding == "valid":
            for w, f, s in zip(sizes, effective, strides, strict=True):
                if (w - f) % s:
                    issue = (f"(W - F + 2P)/S + 1 = ({w} - {f} + 2*0)/{s} + 1 = "
                             f"{(w - f) / s + 1:g} is not an integer: Keras floors it to "
                             f"{(w - f) // s + 1} and never reads the last {(w - f) % s} "
                             "input row(s)/column(s)")  # fmt: skip
                    break
        rf = tuple(r + (f - 1) * j for r, f, j in zip(rf, effective, jump, strict=True))
        return rf, tuple(j * s for j, s in zip(jump, strides, strict=True)), issue
    same = all(spatial_axes(t.spec.shape) == spatial_axes(out_shape) for t in inputs)
    if not same or len({len(t.rf) for t in inputs}) != 1:
        return None, None, ""
    rf = tuple(max(axis) for axis in zip(*(t.rf for t in inputs), strict=True))
    if any(t.jump is None for t in inputs):
        return rf, None, ""
    return rf, tuple(max(axis) for axis in zip(*(t.jump for t in inputs), strict=True)), ""


def multiply_adds(layer, in_shape, out_shape) -> int:
    """Multiply-adds of one image through ``layer`` (0 for layers without weights)."""
    if not isinstance(layer, (*_CONV, *_DEPTHWISE, *_SEPARABLE, *_TRANSPOSED, L.Dense)):
        return 0
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    channels = in_shape[1] if channels_first else in_shape[-1]
    if isinstance(layer, L.Dense):
        return math.prod(out_shape[1:-1]) * in_shape[-1] * layer.units
    window = math.prod(layer.kernel_size)
    if isinstance(layer, _TRANSPOSED):  # every input value is spread over a window
        return math.prod(spatial_axes(in_shape, layer)) * channels * window * layer.filters
    positions = math.prod(spatial_axes(out_shape, layer))
    if isinstance(layer, _SEPARABLE):
        return positions * channels * layer.depth_multiplier * (window + layer.filters)
    if isinstance(layer, _DEPTHWISE):
        return positions * channels * layer.depth_multiplier * window
    return positions * layer.filters * window * (channels // layer.groups)


def trainable_count(layer) -> int:
    return sum(math.prod(weight.shape) for weight in layer.trainable_weights)


__all__ = ["VIEWS", "multiply_adds", "receptive_field", "spatial_axes", "trainable_count"]
