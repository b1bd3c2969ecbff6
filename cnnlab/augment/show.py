"""`show_augmentations`: the lecture's grid of random variants of one image."""

from __future__ import annotations

import math

import keras
import numpy as np

from cnnlab.augment.generator import ImageDataGenerator
from cnnlab.figure import Figure


def _variants(image: np.ndarray, source, n: int, seed: int | None) -> np.ndarray:
    batch = np.repeat(image[None].astype(np.float32), n, axis=0)
    if isinstance(source, ImageDataGenerator):
        return np.asarray(source.flow(batch, batch_size=n, shuffle=False, seed=seed)[0])
    if isinstance(source, keras.layers.Layer):
        return keras.ops.convert_to_numpy(source(batch, training=True))
    raise TypeError(
        "`generator_or_layers` must be an ImageDataGenerator or a Keras layer/Sequential. "
        f"Got {type(source).__name__}."
    )


def show_augmentations(
    image, generator_or_layers, n: int = 15, *, columns: int = 5, seed: int | None = None
) -> Figure:
    """A figure of ``n`` random augmentations of one image (the slide shows 15).

    Args:
        image: one image (H, W, C) or (H, W), pixel values in [0, 255] (as files load).
        generator_or_layers: an `ImageDataGenerator` or the layers from `augmentation_layers`.
        n: how many variants to draw.
        columns: panels per row.
        seed: makes the variants reproducible (generators only; seed layers when building them).

    Returns:
        A matplotlib ``Figure`` (not shown: display it, or call ``fig.savefig``).

    Example:
        >>> fig = show_augmentations(skimage.data.chelsea(), ImageDataGenerator(rotation_range=40))
        >>> len(fig.axes)
        15
    """
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"`image` must be (H, W, C) or (H, W). Got shape {np.shape(image)}.")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive int. Got {n!r}.")
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise ValueError(f"`columns` must be a positive int. Got {columns!r}.")
    variants = _variants(array, generator_or_layers, n, seed)
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    figure = Figure(figsize=(2.2 * columns, 2.2 * rows * array.shape[0] / array.shape[1]))
    for index, variant in enumerate(variants):
        axes = figure.add_subplot(rows, columns, index + 1)
        low, high = float(variant.min()), float(variant.max())
        # Show what the model sees, stretched to the display range only when it is not [0, 1].
        if low < 0 or high > 1:
            variant = (variant - low) / (high - low) if high > low else np.zeros_like(variant)
        gray = variant.shape[-1] == 1
        axes.imshow(
            variant[..., 0] if gray else variant[..., :3],
            cmap="gray" if gray else None,
            vmin=0,
            vmax=1,
        )
        axes.set_axis_off()
    figure.suptitle(f"{n} random augmentations")
    figure.tight_layout()
    return figure
