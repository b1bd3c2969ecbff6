"""Showing images, kernels and feature maps so that what is drawn is what the numbers say.

``plt.imshow`` draws a float image as if it were in [0, 1] and clips the rest, so a float image
in [0, 255] (what most Keras pipelines produce) shows as white noise. ``imshow`` here decides the
display range from the dtype and the values and says in one line what it rescaled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from cnnlab.figure import Figure, subplots
from cnnlab.viz.capture import find_layer, layer_output


def display_array(image) -> tuple[np.ndarray, str]:
    """The array to draw (uint8, or float in [0, 1]) and a one-line note saying what was rescaled.

    Rules: uint8 and bool are drawn as they are; floats within [0, 1] too; non-negative floats
    whose maximum lies in (64, 255] are taken for a [0, 255] photo and shown as 8-bit values;
    anything else (negative values, say a filtered image) is min-max scaled.
    A trailing channel axis of 1 is dropped (drawn in grey).

    Raises:
        ValueError: the image is not (H, W), (H, W, 1), (H, W, 3) or (H, W, 4).
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"`image` must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4). Got {np.shape(image)}."
        )
    if array.dtype == np.uint8:
        return array, ""
    if array.dtype == bool:
        return array.astype(np.uint8) * 255, "boolean image shown as black/white"
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"`image` must hold numbers. Got dtype {array.dtype}.")
    array = array.astype(np.float64)
    finite = array[np.isfinite(array)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if np.issubdtype(np.asarray(image).dtype, np.integer) and low >= 0 and high <= 255:
        return array.astype(np.uint8), ""
    if low >= 0 and high <= 1:
        return array, ""
    if low >= 0 and 64 < high <= 255:
        # A photo kept as floats in [0, 255] (what most Keras pipelines produce): rounded to 8
        # bits, so a float copy of a uint8 photo draws exactly like the photo.
        return np.round(array).astype(np.uint8), "float values in [0, 255] shown as 8-bit"
    # Anything else (a filtered image with negative values, a ReLU map up to 3.7, a dark
    # float image) is stretched to the full grey range, and the note says so.
    span = high - low or 1.0
    return (array - low) / span, f"values in [{low:.3g}, {high:.3g}] min-max scaled for display"


def _draw(ax, image, title=None, cmap=None, *, note_on_axes=True) -> str:
    array, note = display_array(image)
    if array.ndim == 2:
        # vmin/vmax fixed so that a flat or low-contrast grey image is not stretched by matplotlib.
        top = 255 if array.dtype == np.uint8 else 1.0
        ax.imshow(array, cmap=cmap or "gray", vmin=0, vmax=top, interpolation="nearest")
    else:
        ax.imshow(array, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(str(title), fontsize=9)
    if note and note_on_axes:
        ax.set_xlabel(note, fontsize=7)
    return note


def imshow(image, *, title: str | None = None, cmap: str | None = None, ax=None) -> Figure:
    """Draw one image with the right display range; the axis label notes any rescaling.

    Args:
        image: (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); uint8, float in [0, 1] or [0, 255], or
            any other range (min-max scaled).
        title: optional title.
        cmap: colour map for single-channel images (default grey).
        ax: draw into this Axes instead of a new figure.

    Returns:
        The Figure (``fig.cnnlab_note`` holds the rescaling note, ``""`` when none).

    Example:
        >>> fig = imshow(np.full((4, 4, 3), 200.0))
        >>> fig.cnnlab_note
        'float values in [0, 255] shown as 8-bit'
    """
    if ax is None:
        fig, ax = subplots(figsize=(4, 4))
    else:
        fig = ax.figure
    fig.cnnlab_note = _draw(ax, image, title, cmap)
    return fig


def _grid(count: int, ncols: int | None, size: float = 1.8):
    if count < 1:
        raise ValueError(f"`images` must contain at least one image. Got {count}.")
    ncols = min(count, ncols or min(count, 8))
    if ncols < 1:
        raise ValueError(f"`ncols` must be a positive int. Got {ncols}.")
    nrows = math.ceil(count / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for ax in axes.flat[count:]:
        ax.axis("off")
    return fig, axes.flat


def show_images(
    images, titles: Sequence | None = None, *, ncols: int | None = None, cmap: str | None = None
) -> Figure:
    """A grid of images, each drawn with ``imshow``'s display rules.

    Args:
        images: a sequence of images or an array (N, H, W[, C]).
        titles: one title per image (class names, predictions...).
        ncols: images per row (default up to 8).

    Example:
        >>> fig = show_images(np.zeros((10, 8, 8), np.uint8), ncols=5)
        >>> len([ax for ax in fig.axes if ax.images])
        10
    """
    images = list(images)
    if titles is not None and len(titles) != len(images):
        raise ValueError(
            f"`titles` must have one entry per image ({len(images)}). Got {len(titles)}."
        )
    fig, axes = _grid(len(images), ncols)
    notes = []
    for i, (ax, image) in enumerate(zip(axes, images, strict=False)):
        notes.append(
            _draw(ax, image, None if titles is None else titles[i], cmap, note_on_axes=False)
        )
    fig.tight_layout()
    rescaled = [n for n in notes if n]
    if rescaled:  # one line for the whole grid: per-tile notes would overlap
        unique = sorted(set(rescaled), key=rescaled.index)
        text = unique[0] if len(unique) == 1 else "each image rescaled for display"
        fig.text(
            0.5,
            0.002,
            f"{len(rescaled)} of {len(notes)} images: {text}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    fig.cnnlab_notes = notes
    return fig


def _kernel_array(kernels_or_layer) -> np.ndarray:
    """A (kh, kw, C_in, C_out) kernel from an array, a Conv2D-like layer or a model (first conv)."""
    if hasattr(kernels_or_layer, "layers") and not hasattr(kernels_or_layer, "kernel"):
        layer = find_layer(kernels_or_layer, None, kind="first_conv")
        kernels_or_layer = layer
    if hasattr(kernels_or_layer, "kernel"):
        kernel = np.asarray(kernels_or_layer.kernel)
    elif hasattr(kernels_or_layer, "depthwise_kernel"):
        kernel = np.asarray(kernels_or_layer.depthwise_kernel)
    else:
        kernel = np.asarray(kernels_or_layer)
    if kernel.ndim == 2:
        kernel = kernel[:, :, None, None]
    elif kernel.ndim == 3:
        kernel = kernel[:, :, :, None]
    if kernel.ndim != 4:
        raise ValueError(
            f"`kernels_or_layer` must be a kernel (kh, kw[, C_in[, C_out]]), a convolution layer or a model. Got shape {kernel.shape}."
        )
    return kernel


def show_kernels(kernels_or_layer, *, max_filters: int = 64, ncols: int = 8) -> Figure:
    """Draw convolution filters: RGB tiles for a first layer (3 input channels), else one grey
    tile per (filter, input channel) for the first few channels.

    Each tile is min-max scaled on its own, the usual way to look at learned filters (positive
    weights bright, negative dark).

    Args:
        kernels_or_layer: an array (kh, kw[, C_in[, C_out]]), a Conv2D layer or a model (its
            first convolution is used).
        max_filters: draw at most this many output filters.

    Example:
        >>> fig = show_kernels(np.random.rand(11, 11, 3, 96))
        >>> len([ax for ax in fig.axes if ax.images])
        64
    """
    kernel = _kernel_array(kernels_or_layer)
    _, _, c_in, c_out = kernel.shape
    count = min(c_out, max_filters)

    def scaled(tile):
        low, high = tile.min(), tile.max()
        return (tile - low) / (high - low) if high > low else np.full_like(tile, 0.5)

    if c_in in (1, 3):  # one tile per filter: RGB for a colour input, grey for a grey one
        tiles = [
            scaled(kernel[:, :, :, i] if c_in == 3 else kernel[:, :, 0, i]) for i in range(count)
        ]
        titles = [str(i) for i in range(count)]
    else:
        channels = min(c_in, 8)
        tiles = [scaled(kernel[:, :, c, i]) for i in range(count) for c in range(channels)]
        titles = [f"f{i} c{c}" for i in range(count) for c in range(channels)]
        ncols = channels
    fig, axes = _grid(len(tiles), ncols, size=1.0)
    for ax, tile, title in zip(axes, tiles, titles, strict=False):
        ax.imshow(
            tile, cmap=None if tile.ndim == 3 else "gray", vmin=0, vmax=1, interpolation="nearest"
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=6)
    fig.suptitle(f"{c_out} filters of shape {kernel.shape[0]}x{kernel.shape[1]}x{c_in}", fontsize=9)
    return fig


def show_feature_maps(
    model, image, *, layer: str | None = None, max_maps: int = 32, ncols: int = 8
) -> Figure:
    """The activation maps one layer computes for one image, as a grid of grey tiles.

    Works for any model (Sequential, Functional, subclassed) and layers inside nested models: the
    layer's output is captured during an ordinary forward pass.

    Args:
        model: a Keras model.
        image: one image (H, W, C) as the model expects it (or a batch of one).
        layer: the layer's name (searched in nested models too); default the last layer with
            4-D output (the deepest feature maps).
        max_maps: draw at most this many channels.

    Raises:
        ValueError: unknown layer name, or a layer whose output is not (1, H, W, C).
    """
    target = find_layer(model, layer, kind="last_spatial")
    batch = np.asarray(image, dtype="float32")
    if batch.ndim == 3:
        batch = batch[None]
    if batch.ndim != 4 or batch.shape[0] != 1:
        raise ValueError(
            f"`image` must be one image (H, W, C) or a batch of one (1, H, W, C). Got shape {np.shape(image)}."
        )
    maps = np.asarray(layer_output(model, target, batch))
    if maps.ndim != 4:
        raise ValueError(
            f"`layer` must name a layer with spatial output (1, H, W, C). Got {target.name!r} with output shape {maps.shape}."
        )
    count = min(maps.shape[-1], max_maps)
    fig, axes = _grid(count, ncols, size=1.2)
    for i, ax in enumerate(axes):
        if i >= count:
            break
        ax.imshow(maps[0, :, :, i], cmap="viridis", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(str(i), fontsize=6)
    fig.suptitle(
        f"{target.name}: {maps.shape[-1]} maps of {maps.shape[1]}x{maps.shape[2]}", fontsize=9
    )
    fig.cnnlab_maps = maps[0]
    return fig
