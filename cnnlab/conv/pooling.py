"""Max and average pooling in numpy, matching ``keras.layers.MaxPooling2D``/``AveragePooling2D``.

Pooling summarises each window of a channel by its maximum or mean: no weights, channels kept
apart, and the spatial size shrinks by the stride (``floor((W - F) / S) + 1`` with ``"valid"``,
``ceil(W / S)`` with ``"same"``). With ``"same"``, the padded positions are ignored rather than
read as zeros: a max over padding is the max of the real values, and an average divides by the
number of real values in the window, as Keras does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnlab.conv.convolution import numeric_array
from cnnlab.conv.geometry import output_length, positive_ints, resolve_padding

__all__ = ["avg_pool2d", "max_pool2d"]


def _pool(image, pool_size, stride, padding, reduce):
    array = numeric_array(image, "image")
    if array.ndim not in (2, 3, 4):
        raise ValueError(
            f"`image` must have shape (H, W), (H, W, C) or (N, H, W, C). Got shape {array.shape}."
        )
    x = array.reshape((1,) * (array.ndim < 4) + array.shape + (1,) * (array.ndim == 2))
    x = x.astype(np.result_type(x.dtype, np.float32), copy=False)
    sizes = positive_ints(pool_size, "pool_size", 2)
    strides = sizes if stride is None else positive_ints(stride, "stride", 2)
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f'`padding` must be "valid" or "same", as in Keras. Got {padding!r}.')
    pads = resolve_padding(padding, x.shape[1:3], sizes, strides, (1, 1))
    for axis, name in enumerate(("height", "width")):
        output_length(
            x.shape[1 + axis], sizes[axis], strides[axis], 1, *pads[axis],
            input_name=f"`image` {name}", kernel_name=f"`pool_size` {name}",
        )  # fmt: skip
    squeeze = tuple(a for a, s in ((0, array.ndim < 4), (-1, array.ndim == 2)) if s)
    return reduce(x, sizes, strides, pads).squeeze(squeeze)


def _windows(x, sizes, strides):
    """Every pooling window as a view: ``(N, H_out, W_out, C, p_h, p_w)``."""
    return sliding_window_view(x, sizes, axis=(1, 2))[:, :: strides[0], :: strides[1]]


def _max(x, sizes, strides, pads):
    # -inf padding never wins a max; NaNs in the image still propagate.
    padded = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=-np.inf)
    return _windows(padded, sizes, strides).max(axis=(-2, -1))


def _mean(x, sizes, strides, pads):
    # Sum with zero padding, then divide by how many real values each window holds.
    totals = _windows(np.pad(x, ((0, 0), *pads, (0, 0))), sizes, strides).sum(axis=(-2, -1))
    real = np.pad(np.ones((1, *x.shape[1:3], 1), x.dtype), ((0, 0), *pads, (0, 0)))
    return totals / _windows(real, sizes, strides).sum(axis=(-2, -1))


def max_pool2d(
    image: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    *,
    stride: int | Sequence[int] | None = None,
    padding: str = "valid",
) -> np.ndarray:
    """Maximum of each ``pool_size`` window, per channel, as ``keras.layers.MaxPooling2D``.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
        pool_size: window, an int or ``(p_h, p_w)``.
        stride: step, an int or ``(s_h, s_w)``; ``None`` means ``pool_size`` (Keras' default).
        padding: ``"valid"`` or ``"same"`` (padding never wins the max).

    Returns:
        Float array of the same rank as ``image`` with pooled height and width.

    Raises:
        TypeError: non-numeric ``image``.
        ValueError: bad ``image`` shape, ``pool_size``, ``stride`` or ``padding``, or a window that
            does not fit.

    Example:
        >>> max_pool2d(np.arange(16.0).reshape(4, 4))
        array([[ 5.,  7.],
               [13., 15.]])
    """
    return _pool(image, pool_size, stride, padding, _max)


def avg_pool2d(
    image: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    *,
    stride: int | Sequence[int] | None = None,
    padding: str = "valid",
) -> np.ndarray:
    """Mean of each ``pool_size`` window, per channel, as ``keras.layers.AveragePooling2D``.

    With ``padding="same"`` the mean is over the real values in the window only.

    Args:
        image: ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``.
        pool_size: window, an int or ``(p_h, p_w)``.
        stride: step, an int or ``(s_h, s_w)``; ``None`` means ``pool_size`` (Keras' default).
        padding: ``"valid"`` or ``"same"``.

    Returns:
        Float array of the same rank as ``image`` with pooled height and width.

    Raises:
        TypeError: non-numeric ``image``.
        ValueError: bad ``image`` shape, ``pool_size``, ``stride`` or ``padding``, or a window that
            does not fit.

    Example:
        >>> avg_pool2d(np.arange(16.0).reshape(4, 4))
        array([[ 2.5,  4.5],
               [10.5, 12.5]])
    """
    return _pool(image, pool_size, stride, padding, _mean)
