"""Folders of image files: find the broken ones, then load the rest as a ``tf.data`` pipeline.

Real photo collections hold broken files: Microsoft's cats-vs-dogs has 0-byte and corrupt
JPEGs, and copies interrupted mid-way leave truncated ones. ``keras.utils.image_dataset_from_
directory`` lists files by extension only and crashes mid-epoch at the first one it cannot
decode. ``verify_images`` opens every file with Pillow: ``verify()`` checks the structure, and a
real decode with ``load()`` catches truncation, which ``verify()`` misses. ``image_folder_dataset``
lets Keras list the folder (same class names, labels, order and split), drops the files the check
found bad, and decodes the rest with the same TensorFlow ops as Keras, or with Pillow for the
few files TensorFlow reads wrongly or not at all (palette and 1-bit BMPs, TIFF data under an
image extension).
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

__all__ = ["VerifyReport", "image_folder_dataset", "verify_images"]

_NOT_IMAGE = "no image format recognised (another kind of file, or a damaged header)"
# What TensorFlow's decode_image reads correctly, as (Pillow format, modes); None: any mode.
_TF_DECODES = {
    "JPEG": {"L", "RGB", "CMYK"},
    "PNG": None,
    "GIF": None,
    "BMP": {"RGB", "RGBA"},
    "WEBP": {"RGB", "RGBA"},
}


@dataclass
class VerifyReport:
    """What ``verify_images`` found.

    ``good``: readable image paths, in sorted walk order; ``bad``: path -> one-line reason;
    ``formats``: good path -> ``(Pillow format, mode)``, for example ``("JPEG", "CMYK")``.
    Paths are strings joined from the folder as given, the way Keras writes ``file_paths``.
    """

    good: list[str] = field(default_factory=list)
    bad: dict[str, str] = field(default_factory=dict)
    formats: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{len(self.good)} good image(s), {len(self.bad)} bad file(s)"]
        lines += [f"  {path}: {reason}" for path, reason in self.bad.items()]
        return "\n".join(lines)


def _check_image(path: str) -> tuple[str | None, tuple[str, str] | None]:
    """``(reason, None)`` for a bad file, ``(None, (format, mode))`` for a good one."""
    from PIL import Image, UnidentifiedImageError

    try:
        if os.path.getsize(path) == 0:
            return "empty file (0 bytes)", None
        with Image.open(path) as image:
            kind = (image.format, image.mode)
            image.verify()
    except UnidentifiedImageError:
        return f"not an image: {_NOT_IMAGE}", None
    except Exception as error:  # any failure to parse means the file is unusable
        return f"corrupt: {_one_line(error)}", None
    try:
        with Image.open(path) as image:
            image.load()  # a real decode: verify() does not notice a file cut short
    except Exception as error:
        text = _one_line(error)
        problem = "truncated" if "truncated" in text else "cannot decode"
        return f"{problem} {kind[0]}: {text}", None
    return None, kind


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else error.__class__.__name__


def _check_all(paths: list[str], progress: bool) -> VerifyReport:
    from tqdm.auto import tqdm

    report = VerifyReport()
    workers = min(8, os.cpu_count() or 1)
    # Pillow warns about odd metadata (EXIF) of images whose pixels are fine; that is not a defect.
    with warnings.catch_warnings(), ThreadPoolExecutor(workers) as pool:
        warnings.simplefilter("ignore")
        results = pool.map(_check_image, paths)
        bar = tqdm(results, total=len(paths), disable=not progress, desc="verify", unit="file")
        for path, (reason, kind) in zip(paths, bar, strict=True):
            if reason is None:
                report.good.append(path)
                report.formats[path] = kind
            else:
                report.bad[path] = reason
    return report


def verify_images(directory: str | os.PathLike, *, progress: bool = False) -> VerifyReport:
    """Open and decode every file under ``directory``; report the readable images and the rest.

    Every regular file is checked, in every subfolder (links are not followed, as in Keras).
    A file is bad when it is empty, not an image at all (a text file, ``Thumbs.db``), fails
    Pillow's structural ``verify()``, or cannot be fully decoded (a truncated or damaged JPEG).
    Files are only read, never changed.

    Args:
        directory: the folder to check.
        progress: show a tqdm progress bar.

    Returns:
        A ``VerifyReport`` with ``good`` (list of paths) and ``bad`` (path -> reason).

    Raises:
        ValueError: ``directory`` is not a folder.

    Example:
        >>> report = verify_images("PetImages")  # doctest: +SKIP
        >>> len(report.good), report.bad["PetImages/Cat/666.jpg"]
        (24998, 'empty file (0 bytes)')
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder. Got {directory!r}.")
    paths = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        paths += [os.path.join(root, name) for name in sorted(files)]
    return _check_all([p for p in paths if os.path.isfile(p) and not os.path.islink(p)], progress)


def image_folder_dataset(
    directory: str | os.PathLike,
    image_size: int | tuple[int, int],
    batch_size: int | None = 32,
    validation_split: float | None = None,
    seed: int = 1337,
    *,
    label_mode: str | None = "int",
    color_mode: str = "rgb",
    class_names: list[str] | None = None,
    shuffle: bool = True,
    interpolation: str = "bilinear",
    report: VerifyReport | None = None,
    progress: bool = False,
):
    """``keras.utils.image_dataset_from_directory`` that skips broken files instead of crashing.

    The folder is laid out as Keras expects (``directory/<class>/**/<image>``). Keras itself lists
    it, so class names (sorted subfolder names), integer labels, file order, shuffling and the
    validation split are exactly Keras'; then every listed file is verified (see
    ``verify_images``) and the bad ones are dropped with one warning before anything is decoded.
    Images come out as float32 in [0, 255], resized to ``image_size``, like Keras'.

    Args:
        directory: the image folder.
        image_size: ``(height, width)`` or one int for a square.
        batch_size: images per batch; ``None`` yields single images.
        validation_split: fraction held out for validation, or ``None`` for no split.
        seed: seeds Keras' shuffle and split, so the split is the same on every run.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or ``None`` (images only).
        color_mode: ``"rgb"``, ``"grayscale"`` or ``"rgba"``.
        class_names: the subfolders to use, in label order (default: all, sorted).
        shuffle: shuffle the training files (validation files keep Keras' order).
        interpolation: resize method, as ``tf.image.resize`` names it.
        report: a ``VerifyReport`` of this folder from an earlier ``verify_images``, to skip
            checking again.
        progress: show a progress bar while verifying.

    Returns:
        A ``tf.data.Dataset`` of ``(images, labels)``, or ``(training, validation)`` datasets
        when ``validation_split`` is given. Each has ``class_names``, ``file_paths`` (the files
        it reads, in Keras' order before the training shuffle) and ``skipped`` (bad path -> reason).

    Raises:
        ValueError: bad arguments (Keras' own checks) or a folder without images.

    Example:
        >>> train, val = image_folder_dataset("PetImages", 180, 32, validation_split=0.2)  # doctest: +SKIP
        >>> train.class_names, next(iter(train))[0].shape
        (['Cat', 'Dog'], TensorShape([32, 180, 180, 3]))
    """
    directory = os.fspath(directory)
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(
            "`validation_split` must be None or a number strictly between 0 and 1. "
            f"Got {validation_split!r}."
        )
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(
            f"`label_mode` must be 'int', 'categorical', 'binary' or None. Got {label_mode!r}."
        )
    listed = _list_with_keras(
        directory, image_size, validation_split, seed, class_names, color_mode, shuffle,
        interpolation,
    )  # fmt: skip
    names = list(listed[0].class_names)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"`label_mode='binary'` needs exactly 2 classes. Got {names}.")
    paths = [p for ds in listed for p in ds.file_paths]
    if report is None:
        report = _check_all(paths, progress)
    # Match by absolute path, so a report made with another spelling of the folder still applies.
    kinds = {os.path.abspath(p): kind for p, kind in report.formats.items()}
    reasons = {os.path.abspath(p): reason for p, reason in report.bad.items()}
    bad = {
        p: reasons.get(os.path.abspath(p), "not in the given report")
        for p in paths
        if os.path.abspath(p) not in kinds
    }
    if bad:
        first, reason = next(iter(bad.items()))
        warnings.warn(
            f"image_folder_dataset skips {len(bad)} unreadable file(s) of {len(paths)} under "
            f"{directory}, for example {first}: {reason}. verify_images({directory!r}) lists them.",
            UserWarning,
            stacklevel=2,
        )
    size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    channels = {"rgb": 3, "grayscale": 1, "rgba": 4}[color_mode]
    datasets = []
    for index, ds in enumerate(listed):
        keep = [p for p in ds.file_paths if p not in bad]
        if not keep:
            raise ValueError(
                f"`directory` must hold readable images for every subset. Got none of "
                f"{len(ds.file_paths)} listed file(s) readable in {directory!r}."
            )
        labels = [names.index(os.path.relpath(p, directory).split(os.sep)[0]) for p in keep]
        native = [_tf_decodes(kinds[os.path.abspath(p)]) for p in keep]
        shuffle_buffer = (batch_size * 8 if batch_size else 1024) if index == 0 and shuffle else 0
        out = _build(keep, labels, native, size, channels, interpolation, label_mode, len(names),
                     shuffle_buffer, seed, batch_size)  # fmt: skip
        out.class_names, out.file_paths, out.skipped = names, keep, bad
        datasets.append(out)
    return tuple(datasets) if validation_split else datasets[0]


def _list_with_keras(directory, image_size, validation_split, seed, class_names, color_mode,
                     shuffle, interpolation) -> list:  # fmt: skip
    """Keras' own listing (class names, file order, split); it reads no image content."""
    import keras

    with contextlib.redirect_stdout(io.StringIO()):  # Keras prints "Using N files for training."
        listed = keras.utils.image_dataset_from_directory(
            directory,
            labels="inferred",
            label_mode="int",
            class_names=class_names,
            color_mode=color_mode,
            batch_size=None,
            image_size=image_size,
            shuffle=shuffle,
            seed=seed,
            validation_split=validation_split,
            subset="both" if validation_split else None,
            interpolation=interpolation,
            verbose=False,
        )
    return list(listed) if validation_split else [listed]


def _tf_decodes(kind: tuple[str, str]) -> bool:
    image_format, mode = kind
    if image_format not in _TF_DECODES:
        return False
    modes = _TF_DECODES[image_format]
    return modes is None or mode in modes


def _pillow_decode(path: bytes, channels: int) -> np.ndarray:
    """Decode one file the way TensorFlow would: first frame, 8 bits, ``channels`` channels."""
    from PIL import Image

    with Image.open(path.decode()) as image:
        image.seek(0)
        if image.mode.startswith("I"):  # 16/32-bit integer grey: scale to 8 bits as TF does
            grey = np.asarray(image, dtype=np.float64)
            grey = np.clip(np.round(grey / 257.0), 0, 255).astype(np.uint8)
            image = Image.fromarray(grey, mode="L")
        mode = {1: "L", 3: "RGB", 4: "RGBA"}[int(channels)]
        array = np.asarray(image.convert(mode), dtype=np.uint8)
    return array.reshape(array.shape[0], array.shape[1], int(channels))


def _build(paths, labels, native, size, channels, interpolation, label_mode, num_classes,
           shuffle_buffer, seed, batch_size):  # fmt: skip
    import tensorflow as tf

    def load(path, is_native):
        image = tf.cond(
            is_native,
            lambda: tf.io.decode_image(
                tf.io.read_file(path), channels=channels, expand_animations=False
            ),
            lambda: tf.numpy_function(_pillow_decode, [path, channels], tf.uint8, stateful=False),
        )
        image = tf.image.resize(
            tf.reshape(image, tf.stack([tf.shape(image)[0], tf.shape(image)[1], channels])),
            size,
            method=interpolation,
        )
        image.set_shape((*size, channels))
        return image

    columns = (tf.constant(paths, tf.string), tf.constant(native, tf.bool))
    if label_mode is not None:
        columns += (tf.constant(labels, tf.int32),)
    ds = tf.data.Dataset.from_tensor_slices(columns)
    if shuffle_buffer:
        ds = ds.shuffle(shuffle_buffer, seed=seed)

    def element(path, is_native, label=None):
        image = load(path, is_native)
        if label_mode is None:
            return image
        if label_mode == "categorical":
            label = tf.one_hot(label, num_classes)
        elif label_mode == "binary":
            label = tf.expand_dims(tf.cast(label, tf.float32), -1)
        return image, label

    ds = ds.map(element, num_parallel_calls=tf.data.AUTOTUNE)
    # Files were verified; this only guards against one changed on disk since.
    ds = ds.ignore_errors(log_warning=True)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds.prefetch(tf.data.AUTOTUNE)
