"""Spatial arithmetic and argument checks shared by the model builders.

Every builder describes the layers that change the spatial size (convolutions without padding,
pooling, strides) as a *plan*, and :func:`check_plan` walks it before a single Keras layer is
made. Keras floors ``(W - F + 2P)/S + 1`` silently and fails late and obscurely when a size reaches
zero; the plan lets us fail early, name the block, and say which input would work.

Example:
    >>> output_length(227, 11, stride=4)
    55
    >>> check_plan("tiny", (8, 8, 3), [("block1_pool", 2, 2, "valid")])
    (4, 4)
"""

from __future__ import annotations

from collections.abc import Sequence

# One spatial step of a plan: (layer or block name, kernel size F, stride S, padding).
# padding is "valid" (P = 0), "same" (Keras' ceil(W/S)) or an int P of explicit zero padding.
Step = tuple[str, int, int, "str | int"]

_LARGEST_SEARCHED = 4096


def positive_int(name: str, value: object) -> int:
    """Return ``value`` if it is a positive int, else raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"`{name}` must be a positive int. Got {value!r}.")
    if value < 1:
        raise ValueError(f"`{name}` must be a positive int. Got {value}.")
    return value


def image_shape(value: object, *, name: str = "input_shape") -> tuple[int, int, int]:
    """Check a ``(height, width, channels)`` tuple of positive ints and return it as a tuple."""
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise ValueError(
            f"`{name}` must be a (height, width, channels) tuple of positive ints. Got {value!r}."
        )
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise ValueError(
                f"`{name}` must be a (height, width, channels) tuple of positive ints. "
                f"Got {value!r}."
            )
    return (value[0], value[1], value[2])


def output_length(size: int, kernel_size: int, *, stride: int = 1, padding: str | int = 0) -> int:
    """Output length of a convolution or pooling along one axis, as Keras computes it.

    ``padding="same"`` gives ``ceil(W / S)``; ``"valid"`` means P = 0; an int is explicit zero
    padding P on each side. Otherwise the result is ``floor((W - F + 2P) / S) + 1`` (may be <= 0).
    """
    if padding == "same":
        return -(-size // stride)
    pad = 0 if padding == "valid" else int(padding)
    return (size - kernel_size + 2 * pad) // stride + 1


def _first_failure(size: int, plan: Sequence[Step]) -> tuple[int, Step, int] | None:
    """Walk ``plan`` from ``size``; return (index, step, size before it) where it hits 0, or None."""
    for index, step in enumerate(plan):
        _, kernel, stride, padding = step
        after = output_length(size, kernel, stride=stride, padding=padding)
        if after < 1:
            return index, step, size
        size = after
    return None


def _final_length(size: int, plan: Sequence[Step]) -> int:
    for _, kernel, stride, padding in plan:
        size = output_length(size, kernel, stride=stride, padding=padding)
    return size


def smallest_input(plan: Sequence[Step]) -> int:
    """Smallest side length for which every step of ``plan`` keeps at least one pixel."""
    for size in range(1, _LARGEST_SEARCHED + 1):
        if _first_failure(size, plan) is None:
            return size
    raise ValueError(f"no input up to {_LARGEST_SEARCHED} pixels fits this plan.")


def check_plan(model: str, input_shape: Sequence[int], plan: Sequence[Step]) -> tuple[int, int]:
    """Raise ``ValueError`` before Keras does if ``input_shape`` is too small for ``plan``.

    Returns the final ``(height, width)`` after the plan. The message names the step where the
    spatial size reaches zero, shows the formula with its numbers, and gives the smallest input
    that works.
    """
    finals = []
    for side in input_shape[:2]:
        failure = _first_failure(side, plan)
        if failure is not None:
            _, (where, kernel, stride, padding), before = failure
            pad = 0 if padding in ("valid", "same") else padding
            minimum = smallest_input(plan)
            raise ValueError(
                f"`input_shape` {tuple(input_shape)} is too small for {model}: the spatial size "
                f"reaches 0 at {where} (floor(({before} - {kernel} + 2*{pad})/{stride}) + 1 = "
                f"{output_length(before, kernel, stride=stride, padding=padding)}); "
                f"the smallest input that works is {minimum}x{minimum}."
            )
        finals.append(_final_length(side, plan))
    return finals[0], finals[1]
