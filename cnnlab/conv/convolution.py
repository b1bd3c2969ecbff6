"""Convolution layers in numpy, computing exactly what ``keras.layers.Conv2D``/``Conv1D`` compute.

Deep-learning "convolution" is a cross-correlation: output position ``(y, x)`` of filter ``f`` is

    z[y, x, f] = sum over i, j, c of  w[i, j, c, f] * x_pad[y*S + i*D, x*S + j*D, c]  +  b[f]

that is ``w . patch + b`` for the ``F x F x C_in`` patch under the kernel. ``conv2d_naive`` writes
those loops out; ``conv2d`` gathers all patches into the rows of a matrix (im2col) and does one
matrix product, which is how it keeps up with Keras. ``convolve2d`` flips the kernel to give the
convolution of the mathematics.

Shapes follow Keras (channels last): ``image`` is ``(H, W)``, ``(H, W, C_in)`` or a batch
``(N, H, W, C_in)``; ``kernel`` is ``(kh, kw)`` (one channel, one filter), ``(kh, kw, C_in)`` (one
filter) or Keras' ``(kh, kw, C_in, C_out)``. The output drops the batch axis when the image has
none and the filter axis when the kernel has none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnlab.conv.geometry import output_length, positive_ints, resolve_padding

__all__ = ["conv1d", "conv2d", "conv2d_naive", "convolve2d"]

# Rows of the im2col matrix built at a time: a few MiB stays in cache, which beats one huge copy.
_CHUNK_BYTES = 8 * 2**20


def numeric_array(value: object, name: str) -> np.ndarray:
    """``value`` as a real numeric array, or ``TypeError`` naming ``name``."""
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_) or np.iscomplexobj(
        array
    ):
        raise TypeError(f"`{name}` must be an array of real numbers. Got dtype {array.dtype}.")
    return array


def _prepare(image, kernel, bias, *, spatial: int, input_name: str):
    """Batch + channels-last views of the inputs, with what to squeeze from the output."""
    layouts = {
        1: ("(L)", "(L, C_in)", "(N, L, C_in)"),
        2: ("(H, W)", "(H, W, C_in)", "(N, H, W, C_in)"),
    }
    kernels = {
        1: ("(F)", "(F, C_in)", "(F, C_in, C_out)"),
        2: ("(kh, kw)", "(kh, kw, C_in)", "(kh, kw, C_in, C_out)"),
    }
    x = numeric_array(image, input_name)
    k = numeric_array(kernel, "kernel")
    if x.ndim not in (spatial, spatial + 1, spatial + 2):
        raise ValueError(
            f"`{input_name}` must have shape {', '.join(layouts[spatial])}. Got shape {x.shape}."
        )
    if k.ndim not in (spatial, spatial + 1, spatial + 2) or 0 in k.shape:
        raise ValueError(
            f"`kernel` must have shape {', '.join(kernels[spatial])} with positive sizes. "
            f"Got shape {k.shape}."
        )
    squeeze_batch, squeeze_filters = x.ndim < spatial + 2, k.ndim < spatial + 2
    x = x.reshape((1,) * squeeze_batch + x.shape + (1,) * (x.ndim == spatial))
    k = k.reshape(k.shape + (1,) * (spatial + 2 - k.ndim))
    if x.shape[-1] != k.shape[-2]:
        raise ValueError(
            f"`kernel` must have as many input channels as `{input_name}` ({x.shape[-1]}). "
            f"Got kernel shape {np.shape(kernel)} for {input_name} shape {np.shape(image)}."
        )
    dtype = np.result_type(x.dtype, k.dtype, np.float32)
    c_out = k.shape[-1]
    if bias is None:
        b = np.zeros(c_out, dtype)
    else:
        b = numeric_array(bias, "bias")
        if b.shape not in ((), (c_out,)):
            raise ValueError(
                f"`bias` must be a scalar or have shape ({c_out},), one value per filter. "
                f"Got shape {b.shape}."
            )
        b = np.broadcast_to(b.astype(dtype), (c_out,))
    squeeze = tuple(a for a, s in ((0, squeeze_batch), (-1, squeeze_filters)) if s)
    return x.astype(dtype, copy=False), k.astype(dtype, copy=False), b, squeeze


def _geometry(
    x, k, stride, padding, dilation, input_name, *, modes=("valid", "same"), pads=None,
    axes=("height", "width"),
):  # fmt: skip
    """Strides, dilations, ``((top, bottom), (left, right))`` and output size, all validated."""
    strides = positive_ints(stride, "stride", 2)
    dilations = positive_ints(dilation, "dilation", 2)
    sizes, kernel_sizes = x.shape[1:3], k.shape[:2]
    if pads is None:
        pads = resolve_padding(padding, sizes, kernel_sizes, strides, dilations, modes=modes)
    out = tuple(
        output_length(
            sizes[a], kernel_sizes[a], strides[a], dilations[a], *pads[a],
            input_name=f"`{input_name}` {axes[a]}", kernel_name=f"`kernel` {axes[a]}",
        )
        for a in range(2)
    )  # fmt: skip
    return strides, dilations, pads, out


def _zero_pad(x: np.ndarray, pads) -> np.ndarray:
    if not any(any(p) for p in pads):
        return x
    return np.pad(x, ((0, 0), *pads, (0, 0)))


def _patches(x_pad, kernel_sizes, strides, dilations) -> np.ndarray:
    """Every receptive field as a read-only view, ``(N, H_out, W_out, kh, kw, C_in)``; no copy."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_sizes, strides, dilations
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = sliding_window_view(x_pad, span, axis=(1, 2))  # (N, H', W', C, span_h, span_w)
    windows = windows[:, ::sh, ::sw, :, ::dh, ::dw]
    return windows.transpose(0, 1, 2, 4, 5, 3)


def _correlate(x, k, b, strides, dilations, pads, out_size) -> np.ndarray:
    """Vectorised core: im2col in cache-sized chunks, one matmul per chunk."""
    kh, kw, c_in, c_out = k.shape
    patches = _patches(_zero_pad(x, pads), (kh, kw), strides, dilations)
    n, (out_h, out_w) = x.shape[0], out_size
    out = np.empty((n, out_h, out_w, c_out), x.dtype)
    weights = k.reshape(kh * kw * c_in, c_out)  # rows in (i, j, c) order, like each patch row
    rows = max(1, _CHUNK_BYTES // max(1, out_w * weights.shape[0] * x.itemsize))
    images = max(1, rows // max(1, out_h))  # whole images per chunk, or row blocks of one image
    for first in range(0, n, images):
        for top in range(0, out_h, rows if images == 1 else out_h):
            block = (slice(first, first + images), slice(top, top + rows))
            columns = patches[block].reshape(-1, weights.shape[0])  # the im2col copy
            np.matmul(columns, weights, out=out[block].reshape(-1, c_out))
    out += b
    return out


def conv2d(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence = "valid",
    bias: np.ndarray | float | None = None,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """Cross-correlate ``image`` with ``kernel`` exactly as ``keras.layers.Conv2D`` does.

    Output size per axis: ``floor((W - F_eff + P_before + P_after) / S) + 1`` with
    ``F_eff = D * (F - 1) + 1`` (``floor((W - F + 2P) / S) + 1`` without dilation). Unlike Keras,
    a stride and a dilation both above 1 are allowed (Keras' Conv2D raises ``ValueError``); the
    formula above still gives the result.

    Args:
        image: ``(H, W)``, ``(H, W, C_in)`` or ``(N, H, W, C_in)``.
        kernel: ``(kh, kw)``, ``(kh, kw, C_in)`` or ``(kh, kw, C_in, C_out)`` (Keras' layout).
        stride: ``S``, an int or ``(s_h, s_w)``.
        padding: ``"valid"``, ``"same"`` (Keras' rule: output ``ceil(W / S)``, any odd zero at the
            bottom/right), zeros on every side (int), ``(p_h, p_w)``, or
            ``((top, bottom), (left, right))``.
        bias: a scalar or one value per filter, added to every output position.
        dilation: ``D``, gap between kernel taps, an int or ``(d_h, d_w)``.

    Returns:
        Float array (at least float32): ``(N, H_out, W_out, C_out)``, without ``N`` when the image
        has no batch axis and without ``C_out`` when the kernel has no filter axis.

    Raises:
        TypeError: non-numeric ``image``, ``kernel`` or ``bias``.
        ValueError: bad shapes, channel mismatch, invalid ``stride``/``dilation``/``padding``, or
            a kernel that does not fit (the message gives the formula with the values).

    Example:
        >>> image, kernel = sample_image_5x5()
        >>> conv2d(image, kernel)[0]
        array([12., 12., 17.], dtype=float32)
        >>> conv2d(np.zeros((8, 56, 56, 64)), np.zeros((3, 3, 64, 32)), padding="same").shape
        (8, 56, 56, 32)
    """
    x, k, b, squeeze = _prepare(image, kernel, bias, spatial=2, input_name="image")
    strides, dilations, pads, out_size = _geometry(x, k, stride, padding, dilation, "image")
    return _correlate(x, k, b, strides, dilations, pads, out_size).squeeze(squeeze)


def conv2d_naive(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence = "valid",
    bias: np.ndarray | float | None = None,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """``conv2d`` written as plain loops: one dot product ``w . patch + b`` per output value.

    Same arguments, result and errors as :func:`conv2d`; thousands of times slower, and meant to
    be read (or stepped through) next to the formula.

    Example:
        >>> image, kernel = sample_image_5x5()
        >>> conv2d_naive(image, kernel, padding="same").shape
        (5, 5)
    """
    x, k, b, squeeze = _prepare(image, kernel, bias, spatial=2, input_name="image")
    (s_h, s_w), (d_h, d_w), pads, (out_h, out_w) = _geometry(
        x, k, stride, padding, dilation, "image"
    )
    x_pad = _zero_pad(x, pads)
    kernel_h, kernel_w, _, filters = k.shape
    out = np.zeros((x.shape[0], out_h, out_w, filters), x.dtype)
    for n in range(x.shape[0]):
        for row in range(out_h):
            for col in range(out_w):
                top, left = row * s_h, col * s_w
                # The receptive field: kernel_h x kernel_w taps, d_h and d_w apart, all channels.
                patch = x_pad[
                    n,
                    top : top + d_h * (kernel_h - 1) + 1 : d_h,
                    left : left + d_w * (kernel_w - 1) + 1 : d_w,
                    :,
                ]
                for f in range(filters):
                    out[n, row, col, f] = np.sum(patch * k[:, :, :, f]) + b[f]
    return out.squeeze(squeeze)


def convolve2d(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence = "valid",
    bias: np.ndarray | float | None = None,
    dilation: int | Sequence[int] = 1,
) -> np.ndarray:
    """True 2-D convolution, ``(f * g)(x, y) = sum_{n, m} f(n, m) g(x - n, y - m)``.

    The index ``x - n`` runs the image backwards under the kernel, which is the same as flipping the
    kernel upside down and left to right, then cross-correlating (:func:`conv2d`). Deep-learning
    libraries skip the flip: the kernel is learned, so a flipped kernel is just another kernel the
    network could have learned, and cross-correlation is the simpler computation.

    Same arguments as :func:`conv2d`, with two differences that keep this the mathematicians'
    operation: ``padding="full"`` adds ``F_eff - 1`` zeros on every side (every overlap, as in
    ``scipy.signal.convolve2d(mode="full")``), and ``"same"`` puts any odd zero at the top/left, so
    that at stride 1 the result equals ``scipy.signal.convolve2d(mode="same")``.

    Example:
        >>> image, kernel = sample_image_5x5()
        >>> convolve2d(image, kernel, padding="full").shape
        (7, 7)
    """
    x, k, b, squeeze = _prepare(image, kernel, bias, spatial=2, input_name="image")
    k = k[::-1, ::-1]
    if isinstance(padding, str) and padding.lower() == "same":
        strides, dilations, pads, out_size = _geometry(x, k, stride, "same", dilation, "image")
        pads = tuple((after, before) for before, after in pads)  # mirror Keras' rule
    else:
        strides, dilations, pads, out_size = _geometry(
            x, k, stride, padding, dilation, "image", modes=("valid", "same", "full")
        )
    return _correlate(x, k, b, strides, dilations, pads, out_size).squeeze(squeeze)


def conv1d(
    sequence: np.ndarray,
    kernel: np.ndarray,
    *,
    stride: int = 1,
    padding: str | int | Sequence[int] = "valid",
    bias: np.ndarray | float | None = None,
    dilation: int = 1,
) -> np.ndarray:
    """Cross-correlate a sequence with a kernel exactly as ``keras.layers.Conv1D`` does.

    Convolution only needs a grid with neighbours: a sound wave, a sentence, a DNA strand (one-hot,
    4 channels) scanned by a motif kernel. Output length ``floor((L - F_eff + P_before + P_after) /
    S) + 1``; as in :func:`conv2d`, a stride and a dilation may both exceed 1 (Keras refuses).

    Args:
        sequence: ``(L,)``, ``(L, C_in)`` or a batch ``(N, L, C_in)``.
        kernel: ``(F,)``, ``(F, C_in)`` or Keras' ``(F, C_in, C_out)``.
        stride: ``S``, a positive int.
        padding: ``"valid"``, ``"same"`` (Keras' rule), ``"causal"`` (``F_eff - 1`` zeros before
            only, so output ``t`` sees inputs up to ``t``), zeros on both ends (int), or
            ``(before, after)``.
        bias: a scalar or one value per filter.
        dilation: ``D``, gap between kernel taps.

    Returns:
        Float array ``(N, L_out, C_out)``, without ``N``/``C_out`` when the inputs have none.

    Raises:
        TypeError: non-numeric inputs.
        ValueError: bad shapes, invalid ``stride``/``dilation``/``padding``, or a kernel that does
            not fit (the message gives the formula with the values).

    Example:
        >>> dna = np.eye(4)[[0, 2, 3, 0, 2, 3, 1]]   # "AGTAGTC" one-hot over ACGT: (7, 4)
        >>> motif = np.eye(4)[[0, 2, 3]]              # "AGT" as a (3, 4) kernel
        >>> conv1d(dna, motif)                        # 3 where the motif sits
        array([3., 0., 0., 3., 0.])
    """
    x, k, b, squeeze = _prepare(sequence, kernel, bias, spatial=1, input_name="sequence")
    x, k = x[:, None], k[None]  # a sequence is an image of height 1: (N, 1, L, C), (1, F, C, C_out)
    strides = (1, positive_ints(stride, "stride", 1)[0])
    dilations = (1, positive_ints(dilation, "dilation", 1)[0])
    modes = ("valid", "same", "causal")
    pad = resolve_padding(
        padding, x.shape[2:3], k.shape[1:2], strides[1:], dilations[1:], modes=modes
    )
    pads = ((0, 0), *pad)
    _, _, _, out_size = _geometry(
        x, k, strides, None, dilations, "sequence", pads=pads, axes=("height", "length")
    )
    out = _correlate(x, k, b, strides, dilations, pads, out_size)[:, 0]
    return out.squeeze(squeeze)
