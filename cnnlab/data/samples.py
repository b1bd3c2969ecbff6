"""Real photographs that ship inside installed packages, and small labelled datasets made from them.

Everything here works offline: the pictures are files inside the scikit-image, scikit-learn and
matplotlib wheels (checked on scikit-image 0.26, scikit-learn 1.9, matplotlib 3.11). scikit-image
fetches some of its other images over the network with pooch; none of those are used here.

==============  ==============  ===============  ==============================================
name            shape           from             picture, licence
==============  ==============  ===============  ==============================================
astronaut       (512, 512, 3)   scikit-image     Eileen Collins, NASA; public domain
brick           (512, 512, 3)   scikit-image     brick wall texture (grey); CC0
chelsea         (300, 451, 3)   scikit-image     Chelsea the cat, Stefan van der Walt; CC0
coffee          (400, 600, 3)   scikit-image     coffee cup, Rachel Michetti; CC0
grass           (512, 512, 3)   scikit-image     grass texture (grey); CC0
gravel          (512, 512, 3)   scikit-image     gravel texture (grey); CC0
rocket          (427, 640, 3)   scikit-image     DSCOVR launch, SpaceX; public domain
china           (427, 640, 3)   scikit-learn     Summer Palace, Beijing; CC BY 2.0
flower          (427, 640, 3)   scikit-learn     a flower; CC BY 2.0
grace_hopper    (600, 512, 3)   matplotlib       Grace Hopper, US Navy photograph; public domain
==============  ==============  ===============  ==============================================

The grey textures are stacked to three identical channels, so every sample is uint8 RGB.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Shapes",
    "TrainTestSplit",
    "list_sample_images",
    "load_digits",
    "make_shapes",
    "sample_image",
    "texture_patches",
]

_SKIMAGE = ("astronaut", "brick", "chelsea", "coffee", "grass", "gravel", "rocket")
_SKLEARN = ("china", "flower")
_MATPLOTLIB = ("grace_hopper",)
TEXTURES = ("brick", "grass", "gravel")
SHAPE_CLASSES = ("square", "circle", "triangle")


def list_sample_images() -> list[str]:
    """Names accepted by ``sample_image``, sorted.

    Example:
        >>> list_sample_images()[:3]
        ['astronaut', 'brick', 'chelsea']
    """
    return sorted((*_SKIMAGE, *_SKLEARN, *_MATPLOTLIB))


@functools.cache
def _read(name: str) -> np.ndarray:
    if name in _SKIMAGE:
        import skimage.data

        image = getattr(skimage.data, name)()
    elif name in _SKLEARN:
        from sklearn.datasets import load_sample_image

        image = load_sample_image(f"{name}.jpg")
    else:
        from matplotlib import cbook
        from PIL import Image

        with cbook.get_sample_data(f"{name}.jpg") as handle, Image.open(handle) as picture:
            image = np.asarray(picture.convert("RGB"))
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    image = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    image.flags.writeable = False  # the cached original; callers get copies
    return image


def sample_image(name: str) -> np.ndarray:
    """A real photograph as a fresh uint8 RGB array of shape (height, width, 3).

    Args:
        name: one of ``list_sample_images()`` (see the table in this module's docstring).

    Returns:
        A new array each call, so changing it never changes the next one.

    Raises:
        ValueError: unknown name.

    Example:
        >>> sample_image("chelsea").shape, sample_image("chelsea").dtype
        ((300, 451, 3), dtype('uint8'))
    """
    if name not in list_sample_images():
        raise ValueError(f"`name` must be one of {', '.join(list_sample_images())}. Got {name!r}.")
    return _read(name).copy()


@dataclass
class TrainTestSplit:
    """Images and labels split in two; unpacks like ``keras.datasets``' ``load_data()``.

    ``x_*`` are float32 arrays (N, height, width, channels) with values in [0, 1]; ``y_*`` are
    int64 class indices into ``class_names``.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        yield self.x_train, self.y_train
        yield self.x_test, self.y_test


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an int of at least {minimum}. Got {value!r}.")


def _check_fraction(name: str, value) -> None:
    if not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"`{name}` must be a number strictly between 0 and 1. Got {value!r}.")


def _check_channels(channels) -> None:
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3. Got {channels!r}.")


def load_digits(
    image_size: int = 32, *, test_size: float = 0.25, seed: int = 0, channels: int = 1
) -> TrainTestSplit:
    """scikit-learn's 1,797 real handwritten digits (8x8, 0-16), resized and split reproducibly.

    The digits were scanned from 43 people (UCI "optdigits"). Images are resized with bilinear
    interpolation (smoothed first when shrinking) and scaled to [0, 1]; the split is stratified,
    so each digit keeps its share in both halves, and depends only on ``seed``.

    Args:
        image_size: side of the square output images, at least 4 (8 keeps the originals).
        test_size: fraction of the images held out for testing.
        seed: seeds the split.
        channels: 1 for grey, 3 for three identical channels (for ImageNet backbones).

    Returns:
        A ``TrainTestSplit`` with ``class_names`` "0" to "9".

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_digits(32)
        >>> x_train.shape, x_test.shape
        ((1347, 32, 32, 1), (450, 32, 32, 1))
    """
    _check_int("image_size", image_size, 4)
    _check_fraction("test_size", test_size)
    _check_channels(channels)
    from skimage.transform import resize
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    digits = datasets.load_digits()
    images = digits.images / 16.0  # (1797, 8, 8), values 0..16
    if image_size != 8:
        images = resize(
            images,
            (len(images), image_size, image_size),
            order=1,
            mode="edge",
            anti_aliasing=image_size < 8,
        )
    images = np.repeat(images[..., None], channels, axis=-1).astype(np.float32)
    labels = digits.target.astype(np.int64)
    train, test = train_test_split(
        np.arange(len(labels)), test_size=test_size, stratify=labels, random_state=seed
    )
    names = tuple(str(d) for d in range(10))
    return TrainTestSplit(images[train], labels[train], images[test], labels[test], names)


def texture_patches(
    patch_size: int = 32,
    *,
    patches_per_class: int = 200,
    test_fraction: float = 0.25,
    seed: int = 0,
    textures: Sequence[str] = TEXTURES,
    channels: int = 1,
) -> TrainTestSplit:
    """Labelled patches cut at random places from real texture photographs (brick, grass, gravel).

    Training patches come from the left part of each photograph and test patches from the
    right part (the last ``test_fraction`` of its width), so no test patch overlaps a training
    patch: a model must generalise to unseen texture, not recognise pixels it has seen.

    Args:
        patch_size: side of the square patches in pixels.
        patches_per_class: patches per texture, training and test together.
        test_fraction: share of each texture's patches, and of its width, kept for testing.
        seed: seeds the patch positions and the order of the samples.
        textures: names from ``list_sample_images()``; each one is a class.
        channels: 1 for grey (luminance), 3 for RGB.

    Returns:
        A ``TrainTestSplit``; ``class_names`` are the texture names.

    Example:
        >>> split = texture_patches(32, patches_per_class=40)
        >>> split.x_train.shape, split.x_test.shape
        ((90, 32, 32, 1), (30, 32, 32, 1))
    """
    _check_int("patch_size", patch_size, 2)
    _check_int("patches_per_class", patches_per_class, 2)
    _check_fraction("test_fraction", test_fraction)
    _check_channels(channels)
    if isinstance(textures, str) or len(textures) < 2:
        raise ValueError(f"`textures` must name at least two sample images. Got {textures!r}.")
    n_test = max(1, round(patches_per_class * test_fraction))
    n_train = patches_per_class - n_test
    if n_train < 1:
        raise ValueError(
            f"`patches_per_class` must leave training patches after `test_fraction`. Got "
            f"{patches_per_class} patches with test_fraction={test_fraction}."
        )
    parts: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    labels: dict[str, list[np.ndarray]] = {"train": [], "test": []}
    for label, name in enumerate(textures):
        image = sample_image(name).astype(np.float32) / 255.0
        if channels == 1:
            from skimage.color import rgb2gray

            image = rgb2gray(image)[..., None].astype(np.float32)
        height, width = image.shape[:2]
        boundary = round(width * (1 - test_fraction))
        regions = {"train": (0, boundary), "test": (boundary, width)}
        for part, count in (("train", n_train), ("test", n_test)):
            left, right = regions[part]
            if right - left < patch_size or height < patch_size:
                raise ValueError(
                    f"`patch_size` must fit the {part} region of {name!r} ({height}x"
                    f"{right - left} pixels). Got {patch_size}."
                )
            rng = np.random.default_rng([seed, label, zlib.crc32(part.encode())])
            rows = rng.integers(0, height - patch_size + 1, count)
            cols = rng.integers(left, right - patch_size + 1, count)
            parts[part].append(
                np.stack(
                    [
                        image[r : r + patch_size, c : c + patch_size]
                        for r, c in zip(rows, cols, strict=True)
                    ]
                )
            )
            labels[part].append(np.full(count, label, dtype=np.int64))
    rng = np.random.default_rng(seed)
    out = {}
    for part in ("train", "test"):
        x, y = np.concatenate(parts[part]), np.concatenate(labels[part])
        order = rng.permutation(len(y))
        out[part] = (x[order], y[order])
    return TrainTestSplit(*out["train"], *out["test"], tuple(textures))


@dataclass
class Shapes:
    """A synthetic dataset with the truth about every image.

    ``images`` float32 (N, size, size, 3) in [0, 1]; ``labels`` int64 (N,) into
    ``class_names``; ``boxes`` int64 (N, 4) as ``(y_min, x_min, y_max, x_max)`` in pixels, max
    exclusive, the tight box around the shape; ``masks`` bool (N, size, size), the shape's pixels.
    """

    images: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    masks: np.ndarray
    class_names: tuple[str, ...]


def make_shapes(
    num_images: int = 300, *, image_size: int = 64, seed: int = 0, noise: float = 0.05
) -> Shapes:
    """One bright square, circle or triangle per image on a dark noisy background, seeded.

    Sizes (a quarter to 60 % of the image side), positions and colours are random; classes are
    balanced. A square fills its box, a circle about 79 % of it, a triangle about half, which is
    what a model has to tell apart. The boxes let a test check where Grad-CAM looks.

    Args:
        num_images: how many images.
        image_size: side of the square images, at least 16.
        seed: everything random follows from it.
        noise: standard deviation of the Gaussian noise on the background.

    Returns:
        A ``Shapes`` with ``class_names`` ``("square", "circle", "triangle")``.

    Example:
        >>> shapes = make_shapes(30, image_size=32)
        >>> shapes.images.shape, shapes.boxes.shape
        ((30, 32, 32, 3), (30, 4))
    """
    _check_int("num_images", num_images, 1)
    _check_int("image_size", image_size, 16)
    if not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"`noise` must be a non-negative number. Got {noise!r}.")
    from skimage.draw import disk, polygon

    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(num_images) % len(SHAPE_CLASSES)).astype(np.int64)
    images = np.empty((num_images, image_size, image_size, 3), np.float32)
    masks = np.zeros((num_images, image_size, image_size), bool)
    boxes = np.empty((num_images, 4), np.int64)
    for i, label in enumerate(labels):
        side = rng.uniform(0.25, 0.6) * image_size
        top, left = rng.uniform(0, image_size - side, 2)
        shape = (image_size, image_size)
        if SHAPE_CLASSES[label] == "square":
            rows, cols = polygon(
                [top, top, top + side, top + side], [left, left + side, left + side, left], shape
            )
        elif SHAPE_CLASSES[label] == "circle":
            rows, cols = disk((top + side / 2, left + side / 2), side / 2, shape=shape)
        else:
            rows, cols = polygon(
                [top, top + side, top + side], [left + side / 2, left + side, left], shape
            )
        masks[i, rows, cols] = True
        background = rng.uniform(0.0, 0.3, 3) + rng.normal(0, noise, (*shape, 3))
        images[i] = np.clip(background, 0, 1)
        images[i][masks[i]] = rng.uniform(0.6, 1.0, 3)
        ys, xs = np.nonzero(masks[i])
        boxes[i] = ys.min(), xs.min(), ys.max() + 1, xs.max() + 1
    return Shapes(images, labels, boxes, masks, SHAPE_CLASSES)
