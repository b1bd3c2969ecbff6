"""Shape arithmetic of convolution and pooling: output sizes and Keras' ``"same"`` padding.

Along one spatial axis, a window of ``F`` taps spaced ``D`` apart (the dilation) covers
``F_eff = D * (F - 1) + 1`` inputs. With ``P_before``/``P_after`` zeros added and a step of ``S``,

    W_out = floor((W - F_eff + P_before + P_after) / S) + 1

which is the textbook ``floor((W - F + 2P) / S) + 1`` for symmetric padding and no dilation.
Beware of the variant ``(W - F + 2P + 1) / S`` found on some slides: for W=5, F=3, P=0, S=2 it
gives 1.5, while a 3-wide window fits at positions 0 and 2, so the answer is 2.

Keras' ``padding="same"`` chooses the padding so that ``W_out = ceil(W / S)``: the total is
``max((W_out - 1) * S + F_eff - W, 0)``, split with the odd zero at the end (bottom/right), as
TensorFlow does. ``"valid"`` means no padding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["output_size", "same_padding"]

_FORMULA = "floor((W - F_eff + P_before + P_after) / S) + 1 with F_eff = D * (F - 1) + 1"


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _listed(value: object) -> object:
    return value.tolist() if isinstance(value, np.ndarray) and value.ndim == 1 else value


def positive_ints(value: object, name: str, length: int) -> tuple[int, ...]:
    """``value`` as ``length`` positive ints (an int is repeated); ``ValueError`` naming ``name``."""
    values = (value,) * length if _is_int(value) else _listed(value)
    if (
        not isinstance(values, Sequence)
        or len(values) != length
        or not all(_is_int(v) and v > 0 for v in values)
    ):
        allowed = "a positive int" + (
            f" or a tuple of {length} positive ints" if length > 1 else ""
        )
        raise ValueError(f"`{name}` must be {allowed}. Got {value!r}.")
    return tuple(int(v) for v in values)


def resolve_padding(
    padding: object,
    sizes: Sequence[int],
    kernel_sizes: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    *,
    modes: tuple[str, ...] = ("valid", "same"),
) -> tuple[tuple[int, int], ...]:
    """``padding`` as one ``(before, after)`` pair of zero counts per spatial axis.

    Accepted: a mode in ``modes`` (``"valid"``, ``"same"``, and where allowed ``"full"``: F_eff - 1
    on both sides, ``"causal"``: F_eff - 1 before only), a non-negative int (all sides), one int
    per axis (symmetric), or one ``(before, after)`` pair per axis; with a single axis, a bare
    ``(before, after)`` pair.
    """
    ndim = len(sizes)
    if isinstance(padding, str):
        mode = padding.lower()
        effective = [d * (f - 1) + 1 for f, d in zip(kernel_sizes, dilations, strict=True)]
        if mode == "valid" and mode in modes:
            return ((0, 0),) * ndim
        if mode == "same" and mode in modes:
            return tuple(
                _same_pair(w, f, s) for w, f, s in zip(sizes, effective, strides, strict=True)
            )
        if mode == "full" and mode in modes:
            return tuple((f - 1, f - 1) for f in effective)
        if mode == "causal" and mode in modes:
            return tuple((f - 1, 0) for f in effective)
    else:
        pairs = _padding_pairs(padding, ndim)
        if pairs is not None:
            return pairs
    shape = "(before, after)" if ndim == 1 else "(p_h, p_w) or ((top, bottom), (left, right))"
    quoted = ", ".join(f'"{m}"' for m in modes)
    raise ValueError(
        f"`padding` must be one of {quoted}, a non-negative int, or {shape} of non-negative ints. "
        f"Got {padding!r}."
    )


def _padding_pairs(padding: object, ndim: int) -> tuple[tuple[int, int], ...] | None:
    def non_negative(v: object) -> bool:
        return _is_int(v) and v >= 0

    if non_negative(padding):
        return ((int(padding), int(padding)),) * ndim
    if not isinstance(padding, Sequence):
        return None
    if ndim == 1 and len(padding) == 2 and all(non_negative(v) for v in padding):
        return ((int(padding[0]), int(padding[1])),)
    if len(padding) != ndim:
        return None
    pairs = []
    for item in padding:
        if non_negative(item):
            pairs.append((int(item), int(item)))
        elif isinstance(item, Sequence) and len(item) == 2 and all(non_negative(v) for v in item):
            pairs.append((int(item[0]), int(item[1])))
        else:
            return None
    return tuple(pairs)


def _same_pair(size: int, effective_kernel: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)  # ceil(W / S)
    total = max((out - 1) * stride + effective_kernel - size, 0)
    return total // 2, total - total // 2  # the odd zero goes after (bottom / right), like Keras


def output_length(
    size: int,
    kernel: int,
    stride: int,
    dilation: int,
    before: int,
    after: int,
    *,
    input_name: str = "`input_size`",
    kernel_name: str = "`kernel_size`",
) -> int:
    """One axis of ``floor((W - F_eff + P_before + P_after) / S) + 1``, or a ``ValueError`` if < 1."""
    effective = dilation * (kernel - 1) + 1
    span = size - effective + before + after
    if span < 0:
        raise ValueError(
            f"The output size {_FORMULA} must be at least 1. Got "
            f"floor(({size} - {effective} + {before} + {after}) / {stride}) + 1 = "
            f"{span // stride + 1} for {input_name}={size}, {kernel_name}={kernel}, "
            f"`dilation`={dilation}, `padding`=({before}, {after}), `stride`={stride}."
        )
    return span // stride + 1


def _axes(input_size: object) -> tuple[tuple[int, ...], bool]:
    scalar = _is_int(input_size)
    sizes = (input_size,) if scalar else _listed(input_size)
    if not isinstance(sizes, Sequence) or not sizes or not all(_is_int(v) and v > 0 for v in sizes):
        raise ValueError(
            f"`input_size` must be a positive int or a tuple of positive ints. Got {input_size!r}."
        )
    return tuple(int(v) for v in sizes), scalar


def output_size(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence = 0,
    dilation: int | Sequence[int] = 1,
) -> int | tuple[int, ...]:
    """Spatial size after a convolution or pooling window: ``floor((W - F + 2P) / S) + 1``.

    With dilation ``D`` the window spans ``F_eff = D * (F - 1) + 1`` inputs and ``F`` becomes
    ``F_eff``; with unequal padding ``2P`` becomes ``P_before + P_after``.

    Args:
        input_size: ``W``, or one size per axis such as ``(height, width)``.
        kernel_size: ``F``, an int or one per axis.
        stride: ``S``, an int or one per axis.
        padding: ``P`` zeros on each side (int), ``"valid"`` (0), ``"same"`` (Keras' rule, output
            ``ceil(W / S)``), one int per axis, or one ``(before, after)`` pair per axis (a bare
            pair when ``input_size`` is an int).
        dilation: ``D``, an int or one per axis.

    Returns:
        The output size: an int for an int ``input_size``, else a tuple with one size per axis.

    Raises:
        ValueError: a non-positive size, kernel, stride or dilation, a negative or malformed
            padding, or a window that does not fit (the message shows the formula with values).

    Example:
        >>> output_size(227, 11, stride=4)   # AlexNet's first layer
        55
        >>> output_size((56, 56), 3, stride=2, padding="same")
        (28, 28)
    """
    sizes, scalar = _axes(input_size)
    kernels = positive_ints(kernel_size, "kernel_size", len(sizes))
    strides = positive_ints(stride, "stride", len(sizes))
    dilations = positive_ints(dilation, "dilation", len(sizes))
    pads = resolve_padding(padding, sizes, kernels, strides, dilations)
    result = tuple(
        output_length(w, f, s, d, *p)
        for w, f, s, d, p in zip(sizes, kernels, strides, dilations, pads, strict=True)
    )
    return result[0] if scalar else result


def same_padding(
    input_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
) -> tuple[int, int] | tuple[tuple[int, int], ...]:
    """The zeros Keras adds for ``padding="same"``: ``(before, after)``, the odd one after.

    The output keeps ``ceil(W / S)`` positions, which needs ``max((ceil(W / S) - 1) * S + F_eff - W,
    0)`` zeros in all; ``before = total // 2`` and the rest goes after (bottom / right).

    Args:
        input_size: ``W``, or one size per axis such as ``(height, width)``.
        kernel_size: ``F``, an int or one per axis.
        stride: ``S``, an int or one per axis.
        dilation: ``D``, an int or one per axis.

    Returns:
        ``(before, after)`` for an int ``input_size``, else one such pair per axis.

    Raises:
        ValueError: a non-positive size, kernel, stride or dilation.

    Example:
        >>> same_padding(5, 3)
        (1, 1)
        >>> same_padding((224, 224), 2, stride=2), same_padding(6, 4)
        (((0, 0), (0, 0)), (1, 2))
    """
    sizes, scalar = _axes(input_size)
    kernels = positive_ints(kernel_size, "kernel_size", len(sizes))
    strides = positive_ints(stride, "stride", len(sizes))
    dilations = positive_ints(dilation, "dilation", len(sizes))
    pads = resolve_padding("same", sizes, kernels, strides, dilations)
    return pads[0] if scalar else pads


def count(shape: int | Sequence[int], name: str) -> int:
    """A positive int, or the product of a shape of positive ints; ``ValueError`` naming ``name``."""
    values = (shape,) if _is_int(shape) else _listed(shape)
    if (
        not isinstance(values, Sequence)
        or not values
        or not all(_is_int(v) and v > 0 for v in values)
    ):
        raise ValueError(
            f"`{name}` must be a positive int or a shape of positive ints. Got {shape!r}."
        )
    return math.prod(int(v) for v in values)
