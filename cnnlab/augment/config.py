"""Validated augmentation settings: ImageDataGenerator arguments turned into what the engine draws.

Keras 2 accepted several spellings for one setting (``zoom_range=0.2`` or ``[0.8, 1.2]``; a shift
as a fraction, as pixels, or as a list of allowed values). This module checks each argument once,
with one-sentence errors, and stores it in a single canonical form (`AugmentConfig`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

FILL_MODES = ("nearest", "constant", "reflect", "wrap")


@dataclass(frozen=True)
class ShiftRange:
    """How one shift (width or height) is drawn, in Keras 2's rules.

    ``kind`` is ``"none"``, ``"uniform"`` (uniform in ``[-values[0], values[0]]``) or ``"choice"``
    (one of ``values`` with a random sign). ``fraction`` multiplies the draw by the image size.
    """

    kind: str = "none"
    values: tuple[float, ...] = ()
    fraction: bool = False


def is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float after checking that it is a real number >= 0."""
    if not is_number(value) or not np.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a number >= 0. Got {value!r}.")
    return float(value)


def parse_shift(name: str, value: object) -> ShiftRange:
    """Keras 2 shift rules: float < 1 is a fraction of the size, float >= 1 is pixels, an int n
    draws a whole number of pixels from ``0..n-1`` with a random sign, and a list draws one of
    its values with a random sign (as fractions when all are < 1)."""
    if value is None or (is_number(value) and value == 0):
        return ShiftRange()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` must be >= 0. Got {value!r}.")
        return ShiftRange("choice", tuple(float(v) for v in range(int(value))), False)
    if is_number(value):
        size = non_negative(name, value)
        return ShiftRange("uniform", (size,), size < 1)
    values = np.asarray(value, dtype=object)
    if values.ndim != 1 or values.size == 0 or not all(is_number(v) for v in values):
        raise ValueError(
            f"`{name}` must be a number or a non-empty list of numbers (fraction of the size "
            f"when < 1, pixels otherwise). Got {value!r}."
        )
    floats = tuple(float(v) for v in values)
    return ShiftRange("choice", floats, max(floats) < 1)


def parse_zoom(value: object) -> tuple[float, float]:
    """``z`` -> ``(1 - z, 1 + z)``; ``[lower, upper]`` is kept. Both bounds must be positive."""
    if is_number(value):
        lower, upper = 1.0 - float(value), 1.0 + float(value)
    elif isinstance(value, (list, tuple, np.ndarray)) and len(value) == 2:
        if not all(is_number(v) for v in value):
            raise ValueError(f"`zoom_range` must hold two numbers. Got {value!r}.")
        lower, upper = float(value[0]), float(value[1])
    else:
        raise ValueError(f"`zoom_range` must be a float or a pair [lower, upper]. Got {value!r}.")
    if not 0 < lower <= upper:
        raise ValueError(
            f"`zoom_range` must give 0 < lower <= upper (a float z means [1 - z, 1 + z]). "
            f"Got {value!r}."
        )
    return lower, upper


def parse_brightness(value: object) -> tuple[float, float] | None:
    """``None`` or a pair ``(lower, upper)`` of brightness factors with 0 <= lower <= upper."""
    if value is None:
        return None
    ok = isinstance(value, (list, tuple, np.ndarray)) and len(value) == 2
    if not ok or not all(is_number(v) for v in value) or not 0 <= value[0] <= value[1]:
        raise ValueError(
            f"`brightness_range` must be None or a pair (lower, upper) with "
            f"0 <= lower <= upper. Got {value!r}."
        )
    return float(value[0]), float(value[1])


def parse_fill_mode(value: object) -> str:
    if value not in FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {FILL_MODES}. Got {value!r}.")
    return str(value)


@dataclass(frozen=True)
class AugmentConfig:
    """Everything the engine needs to augment and standardize a batch (one immutable snapshot)."""

    rotation_range: float = 0.0
    width_shift: ShiftRange = ShiftRange()
    height_shift: ShiftRange = ShiftRange()
    shear_range: float = 0.0
    zoom_range: tuple[float, float] = (1.0, 1.0)
    horizontal_flip: bool = False
    vertical_flip: bool = False
    channel_shift_range: float = 0.0
    brightness_range: tuple[float, float] | None = None
    fill_mode: str = "nearest"
    cval: float = 0.0
    interpolation_order: int = 1
    rescale: float | None = None
    preprocessing_function: Callable | None = None
    samplewise_center: bool = False
    samplewise_std_normalization: bool = False
    featurewise_center: bool = False
    featurewise_std_normalization: bool = False
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    dtype: str = "float32"

    @property
    def geometric(self) -> bool:
        """True when some draw moves pixels (rotation, shift, shear, zoom or a flip)."""
        return bool(
            self.rotation_range
            or self.width_shift.kind != "none"
            or self.height_shift.kind != "none"
            or self.shear_range
            or self.zoom_range != (1.0, 1.0)
            or self.horizontal_flip
            or self.vertical_flip
        )

    def check_statistics(self) -> None:
        """Raise when featurewise normalization is asked for but ``fit(x)`` has not run."""
        if (self.featurewise_center and self.mean is None) or (
            self.featurewise_std_normalization and self.std is None
        ):
            raise ValueError(
                "`featurewise_center`/`featurewise_std_normalization` need the dataset mean and "
                "std: call `generator.fit(x)` on sample images before drawing batches. Got no "
                "statistics."
            )


def parse_dtype(value: object) -> str:
    """A float dtype name ('float32' when None)."""
    try:
        dtype = np.dtype(value or "float32")
    except TypeError:
        dtype = np.dtype(object)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"`dtype` must name a float type such as 'float32'. Got {value!r}.")
    return dtype.name


def make_config(generator) -> AugmentConfig:
    """Check an ImageDataGenerator's public settings and return the engine's snapshot of them."""
    if generator.preprocessing_function is not None and not callable(
        generator.preprocessing_function
    ):
        raise TypeError(
            "`preprocessing_function` must be callable or None. "
            f"Got {generator.preprocessing_function!r}."
        )
    if generator.rescale is not None and not is_number(generator.rescale):
        raise TypeError(f"`rescale` must be a number or None. Got {generator.rescale!r}.")
    if not is_number(generator.cval):
        raise TypeError(f"`cval` must be a number. Got {generator.cval!r}.")
    as_tuple = lambda a: None if a is None else tuple(np.ravel(a).astype(float))  # noqa: E731
    return AugmentConfig(
        rotation_range=non_negative("rotation_range", generator.rotation_range),
        width_shift=parse_shift("width_shift_range", generator.width_shift_range),
        height_shift=parse_shift("height_shift_range", generator.height_shift_range),
        shear_range=non_negative("shear_range", generator.shear_range),
        zoom_range=parse_zoom(generator.zoom_range),
        horizontal_flip=bool(generator.horizontal_flip),
        vertical_flip=bool(generator.vertical_flip),
        channel_shift_range=non_negative("channel_shift_range", generator.channel_shift_range),
        brightness_range=parse_brightness(generator.brightness_range),
        fill_mode=parse_fill_mode(generator.fill_mode),
        cval=float(generator.cval),
        interpolation_order=generator.interpolation_order,
        rescale=None if generator.rescale is None else float(generator.rescale),
        preprocessing_function=generator.preprocessing_function,
        samplewise_center=generator.samplewise_center,
        samplewise_std_normalization=generator.samplewise_std_normalization,
        featurewise_center=generator.featurewise_center,
        featurewise_std_normalization=generator.featurewise_std_normalization,
        mean=as_tuple(generator.mean),
        std=as_tuple(generator.std),
        dtype=generator.dtype,
    )
