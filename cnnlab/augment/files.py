"""Image folders: listing like Keras 2, checking every file once, decoding with TensorFlow ops.

Each file is opened with Pillow when the folder is indexed (header, plus a cheap decode that
catches truncated or corrupt files: JPEGs at 1/8 scale, PNG chunk checksums), and gets a decode
route: TensorFlow's own decoders for plain 8-bit JPEG and PNG, Pillow (inside ``tf.data``) for the
rest (CMYK JPEGs, palette or 1-bit or 16-bit PNGs, BMP, TIFF, PPM), which TensorFlow decodes
wrongly or not at all. Unreadable files are reported at index time, never in the middle of an epoch.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf
from PIL import Image

IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
COLOR_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
# Keras 2 (PIL) resampling names -> (tf.image.resize method, antialias when shrinking).
INTERPOLATIONS = {
    "nearest": ("nearest", False),
    "bilinear": ("bilinear", True),
    "bicubic": ("bicubic", True),
    "lanczos": ("lanczos3", True),
    "box": ("area", False),
}
# Decode routes.
UNREADABLE, JPEG, PNG, PILLOW = -1, 0, 1, 2
_TF_MODES = {"JPEG": ("L", "RGB"), "PNG": ("L", "LA", "RGB", "RGBA")}
# ITU-R 601-2 luma, the weights of PIL's convert("L").
_LUMA = (0.299, 0.587, 0.114)


def list_images(
    directory: str, classes: list[str], split: tuple[float, float] | None, follow_links: bool
) -> tuple[list[str], list[int]]:
    """Relative paths ``class/file`` and class indices, in Keras 2's order and split.

    Each class folder is walked recursively (folders and files sorted, hidden ones skipped); with
    ``split=(a, b)`` only the files from ``int(a * n)`` to ``int(b * n)`` of each class are kept,
    as Keras 2 did.
    """
    filenames: list[str] = []
    labels: list[int] = []
    for index, name in enumerate(classes):
        root = os.path.join(directory, name)
        if not os.path.isdir(root):
            raise ValueError(f"`classes` must name folders inside {directory!r}. Got {name!r}.")
        found = []
        for folder, subfolders, files in sorted(os.walk(root, followlinks=follow_links)):
            subfolders[:] = [s for s in subfolders if not s.startswith(".")]
            for file in sorted(files):
                if file.startswith("."):  # macOS "._name.jpg" and other hidden files
                    continue
                if file.lower().endswith(tuple("." + e for e in IMAGE_EXTENSIONS)):
                    found.append(
                        os.path.join(name, os.path.relpath(os.path.join(folder, file), root))
                    )
        if split is not None:
            found = found[int(split[0] * len(found)) : int(split[1] * len(found))]
        filenames += found
        labels += [index] * len(found)
    return filenames, labels


def _inspect(path: str) -> tuple[int, str]:
    try:
        with Image.open(path) as image:
            kind, mode = image.format, image.mode
            if kind == "JPEG":
                image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
            elif kind == "PNG":
                image.verify()
            else:
                image.load()
    except Exception as error:  # any decoder failure means the file cannot be used
        return UNREADABLE, f"{type(error).__name__}: {error}"
    if mode in _TF_MODES.get(kind, ()):
        return (JPEG if kind == "JPEG" else PNG), ""
    return PILLOW, ""


def inspect_images(paths: list[str]) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Decode route per file (`JPEG`, `PNG`, `PILLOW` or `UNREADABLE`) and the unreadable ones."""
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(_inspect, paths))
    routes = np.array([route for route, _ in results], dtype=np.int32)
    bad = [
        (path, why)
        for path, (route, why) in zip(paths, results, strict=True)
        if route == UNREADABLE
    ]
    return routes, bad


def _pillow_decode(path: bytes, color_mode: str) -> np.ndarray:
    target = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}[color_mode]
    with Image.open(path.decode()) as image:
        if image.mode == "P" and "transparency" in image.info:
            image = image.convert("RGBA")  # what Pillow asks for before any other conversion
        array = np.asarray(image if image.mode == target else image.convert(target), np.uint8)
    return array[..., None] if array.ndim == 2 else array


def _to_color_mode(rgb: tf.Tensor, color_mode: str) -> tf.Tensor:
    if color_mode == "grayscale":
        gray = tf.reduce_sum(tf.cast(rgb, tf.float32) * tf.constant(_LUMA), -1, keepdims=True)
        return tf.cast(tf.round(gray), tf.uint8)
    if color_mode == "rgba":
        return tf.concat(
            [rgb, tf.fill(tf.concat([tf.shape(rgb)[:2], [1]], 0), tf.constant(255, tf.uint8))], -1
        )
    return rgb


def _center_crop(image: tf.Tensor, target_size: tuple[int, int]) -> tf.Tensor:
    # Keras 2's keep_aspect_ratio: the largest centred box with the target's aspect ratio.
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    crop_height = tf.minimum(height, (width * target_size[0]) // target_size[1])
    crop_width = tf.minimum(width, (height * target_size[1]) // target_size[0])
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return image[top : top + crop_height, left : left + crop_width]


def decode_image(
    path: tf.Tensor,
    route: tf.Tensor,
    *,
    color_mode: str,
    target_size: tuple[int, int],
    interpolation: str,
    keep_aspect_ratio: bool,
) -> tf.Tensor:
    """Read one file and return it as float32 (target_height, target_width, channels) in [0, 255]."""
    channels = COLOR_CHANNELS[color_mode]

    def from_jpeg():
        data = tf.io.read_file(path)
        # INTEGER_ACCURATE is libjpeg's default, as in Pillow; TF's own default is the fast IDCT.
        rgb = tf.io.decode_jpeg(
            data, channels=3, dct_method="INTEGER_ACCURATE", try_recover_truncated=True
        )
        return _to_color_mode(rgb, color_mode)

    def from_png():
        data = tf.io.read_file(path)
        if color_mode == "rgba":
            return tf.io.decode_png(data, channels=4)
        return _to_color_mode(tf.io.decode_png(data, channels=3), color_mode)

    def from_pillow():
        decode = functools.partial(_pillow_decode, color_mode=color_mode)
        image = tf.numpy_function(decode, [path], tf.uint8, stateful=False)
        return tf.ensure_shape(image, [None, None, channels])

    image = tf.switch_case(route, [from_jpeg, from_png, from_pillow])
    image = tf.ensure_shape(image, [None, None, channels])
    if keep_aspect_ratio:
        image = _center_crop(image, target_size)
    method, antialias = INTERPOLATIONS[interpolation]
    image = tf.cast(
        tf.image.resize(image, target_size, method=method, antialias=antialias), tf.float32
    )
    if method in ("bicubic", "lanczos3"):  # these overshoot; PIL clips to the uint8 range
        image = tf.clip_by_value(image, 0.0, 255.0)
    return tf.ensure_shape(image, [*target_size, channels])
