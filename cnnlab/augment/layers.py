"""ImageDataGenerator arguments translated into Keras 3 preprocessing layers, with the unit changes.

The layers take other units than the generator: RandomRotation a fraction of a full turn,
RandomTranslation fractions of the size, RandomShear a shear factor about the top-left corner,
RandomZoom ``z - 1`` and the same zoom for both axes unless ``width_factor`` is given, and most
default to ``fill_mode='reflect'``. `augmentation_layers` converts every argument it can;
`explain_translation` prints the argument-by-argument mapping and what has no layer equivalent.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import keras

from cnnlab.augment.config import AugmentConfig, ShiftRange
from cnnlab.augment.generator import ImageDataGenerator

_UNMAPPED_NOTES = {
    "brightness_range": "no layer multiplies brightness (RandomBrightness adds an offset)",
    "preprocessing_function": "it receives one numpy image; a layer receives batches of tensors",
    "featurewise_center": "use keras.layers.Normalization(axis=-1) and call .adapt(x_train)",
    "featurewise_std_normalization": "use keras.layers.Normalization(axis=-1) and .adapt(x_train)",
    "samplewise_center": "no per-image standardization layer",
    "samplewise_std_normalization": "no per-image standardization layer",
    "validation_split": "not a layer: image_dataset_from_directory(validation_split=, subset=)",
}


class TranslationRow(NamedTuple):
    """One generator argument, its value, the layer that replaces it ('' if none) and a note."""

    argument: str
    value: object
    layer: str
    note: str


class TranslationTable(list):
    """The rows of `explain_translation`; ``str()`` gives the printed table."""

    def __str__(self) -> str:
        lines = []
        for row in self:
            layer = row.layer or "(no layer equivalent)"
            lines.append(f"{row.argument}={row.value!r}\n    -> {layer}\n       {row.note}")
        return "\n".join(lines) if lines else "(only default arguments: nothing to translate)"

    def __repr__(self) -> str:
        unmapped = sum(not row.layer for row in self)
        return f"<TranslationTable: {len(self)} arguments, {unmapped} without a layer equivalent>"


def _shift_factor(spec: ShiftRange, name: str, size: int | None) -> tuple[float, str]:
    bound = max(abs(v) for v in spec.values)
    if spec.fraction:
        exact = spec.kind == "uniform"
        return bound, "" if exact else f"Keras 2 drew one of {spec.values}; the layer is uniform"
    if size is None:
        raise ValueError(
            f"`image_size` must be given to convert a pixel `{name}` into the layer's fraction. "
            "Got None."
        )
    note = f"{bound:g} px of {size} px"
    if spec.kind == "choice":
        note += f"; Keras 2 drew one of {len(spec.values)} whole-pixel values, the layer is uniform"
    return bound / size, note


def _geometry_rows(config: AugmentConfig, arguments: dict, image_size, seeds, geometry) -> list:
    """Rows for rotation, shifts, shear and zoom: the layers that resample."""
    tail = ", ".join(f"{k}={v!r}" for k, v in geometry.items())
    rows: list[tuple] = []
    if config.rotation_range:
        factor = config.rotation_range / 360
        layer = keras.layers.RandomRotation(factor, seed=next(seeds), **geometry)
        note = f"degrees -> fraction of a full turn: {config.rotation_range:g} / 360"
        rows.append(("rotation_range", layer, f"RandomRotation(factor={factor:.4g}, {tail})", note))
    height, width = (None, None) if image_size is None else image_size
    shifts = {"width_shift_range": (config.width_shift, width)}
    shifts["height_shift_range"] = (config.height_shift, height)
    factors = {
        name: _shift_factor(spec, name, size) if spec.kind != "none" else (0.0, "")
        for name, (spec, size) in shifts.items()
    }
    if any(spec.kind != "none" for spec, _ in shifts.values()):
        (w, _), (h, _) = factors.values()
        layer = keras.layers.RandomTranslation(h, w, seed=next(seeds), **geometry)
        text = f"RandomTranslation(height_factor={h:.4g}, width_factor={w:.4g}, {tail})"
        for name, (_, note) in factors.items():
            if name in arguments:
                rows.append((name, layer, text, note or "same fraction of the image size"))
    if config.shear_range:
        k = math.sin(math.radians(config.shear_range))
        layer = keras.layers.RandomShear(x_factor=k, y_factor=0.0, seed=next(seeds), **geometry)
        note = (
            f"Keras 2 shears by an angle in degrees about the centre ({config.shear_range:g} "
            f"deg); RandomShear takes the factor sin(angle) = {k:.4g} about the top-left corner, "
            "so it also shifts the image a little"
        )
        text = f"RandomShear(x_factor={k:.4g}, y_factor=0, {tail})"
        rows.append(("shear_range", layer, text, note))
    if config.zoom_range != (1.0, 1.0):
        lower, upper = config.zoom_range[0] - 1, config.zoom_range[1] - 1
        layer = keras.layers.RandomZoom(
            (lower, upper), (lower, upper), seed=next(seeds), **geometry
        )
        text = f"RandomZoom(height_factor=({lower:.4g}, {upper:.4g}), width_factor=(same), {tail})"
        note = "zoom z -> z - 1; width_factor given so x and y zoom independently, as Keras 2"
        rows.append(("zoom_range", layer, text, note))
    return rows


def _other_rows(config: AugmentConfig, arguments: dict, seeds, geometry) -> list:
    """Rows for flips, channel shift, fill settings, rescale and what has no layer."""
    rows: list[tuple] = []
    flips = [n for n in ("horizontal", "vertical") if getattr(config, f"{n}_flip")]
    if flips:
        mode = "_and_".join(flips)
        layer = keras.layers.RandomFlip(mode, seed=next(seeds))
        for name in flips:
            rows.append((f"{name}_flip", layer, f"RandomFlip({mode!r})", "probability 1/2"))
    if config.channel_shift_range:
        factor = config.channel_shift_range / 255
        layer = keras.layers.RandomBrightness(factor, value_range=(0, 255), seed=next(seeds))
        note = (
            "adds one random offset to all channels as Keras 2 did, but clips to [0, 255] "
            "instead of the image's own min/max"
        )
        text = f"RandomBrightness(factor={factor:.4g}, value_range=(0, 255))"
        rows.append(("channel_shift_range", layer, text, note))
    tail = ", ".join(f"{k}={v!r}" for k, v in geometry.items())
    for name in ("fill_mode", "cval", "interpolation_order"):
        if name in arguments:
            note = "passed to every geometric layer (the layers default to fill_mode='reflect')"
            rows.append((name, None, tail, note))
    if config.rescale:
        layer = keras.layers.Rescaling(config.rescale)
        note = "last, as Keras 2 rescaled after augmenting (cval and channel shift stay in pixels)"
        rows.append(("rescale", layer, f"Rescaling({config.rescale!r})", note))
    for name, note in _UNMAPPED_NOTES.items():
        if arguments.get(name):
            rows.append((name, None, "", note))
    return rows


def _rows(arguments: dict, image_size, seed=None) -> list[tuple]:
    """(argument, layer or None, layer text, note) for every argument given."""
    config = ImageDataGenerator(**arguments)._engine_config()  # checks every argument
    seeds = itertools.count(seed) if seed is not None else itertools.repeat(None)
    geometry = {
        "fill_mode": config.fill_mode,
        "fill_value": config.cval,
        "interpolation": "bilinear" if config.interpolation_order == 1 else "nearest",
    }
    rows = _geometry_rows(config, arguments, image_size, seeds, geometry)
    return rows + _other_rows(config, arguments, seeds, geometry)


def explain_translation(
    *, image_size: tuple[int, int] | None = None, **arguments
) -> TranslationTable:
    """Print how each ImageDataGenerator argument maps to a Keras 3 preprocessing layer.

    Args:
        image_size: (height, width), needed only to convert shifts given in pixels.
        **arguments: ImageDataGenerator arguments, e.g. the lecture slide's.

    Returns:
        The rows (argument, value, layer, note); rows with ``layer == ''`` have no equivalent.

    Example:
        >>> table = explain_translation(rotation_range=40, brightness_range=(0.5, 1.5))
        rotation_range=40 ...
        >>> [row.layer == "" for row in table]
        [False, True]
    """
    rows = _rows(arguments, image_size)
    table = TranslationTable(
        TranslationRow(name, arguments.get(name), text, note) for name, _, text, note in rows
    )
    print(table)
    return table


def augmentation_layers(
    *,
    image_size: tuple[int, int] | None = None,
    seed: int | None = None,
    skip_unmapped: bool = False,
    **arguments,
) -> keras.Sequential:
    """The ``keras.Sequential`` of preprocessing layers closest to an ImageDataGenerator.

    Order as Keras 2: rotation, translation, shear, zoom (each resamples once: a chain of
    layers interpolates several times where the generator does once), flips, the channel shift as
    RandomBrightness, then Rescaling. See `explain_translation` for the unit conversions.

    Args:
        image_size: (height, width), needed only to convert shifts given in pixels.
        seed: base seed for the random layers (layer i gets ``seed + i``).
        skip_unmapped: leave out arguments that have no layer instead of raising.
        **arguments: ImageDataGenerator arguments.

    Returns:
        A ``keras.Sequential`` named "augmentation"; active only when called with training=True.

    Raises:
        NotImplementedError: for arguments without a layer equivalent, unless ``skip_unmapped``.

    Example:
        >>> layers = augmentation_layers(rotation_range=40, zoom_range=0.2, horizontal_flip=True)
        >>> [layer.__class__.__name__ for layer in layers.layers]
        ['RandomRotation', 'RandomZoom', 'RandomFlip']
    """
    rows = _rows(arguments, image_size, seed)
    missing = [name for name, layer, text, _ in rows if layer is None and not text]
    if missing and not skip_unmapped:
        raise NotImplementedError(
            f"{', '.join(missing)} ha{'s' if len(missing) == 1 else 've'} no preprocessing-layer "
            "equivalent; see explain_translation(...), or pass skip_unmapped=True to leave "
            f"{'it' if len(missing) == 1 else 'them'} out."
        )
    layers = []
    for _, layer, _, _ in rows:
        if layer is not None and all(layer is not other for other in layers):
            layers.append(layer)
    return keras.Sequential(layers, name="augmentation")
