"""Features from a frozen backbone, with labels and file names kept aligned, cached on disk.

Two traps are closed. Order: ``model.predict`` on a shuffled ``tf.data.Dataset`` reads the
dataset once, and reading its labels again afterwards reshuffles them, so features and labels no
longer match; here every dataset is read exactly once and images, labels and paths travel
together. Cost: the features of a fixed dataset never change, so they are stored as ``.npz``
under a key made of the backbone name, a hash of its weights, its preprocessing, the image size
and the data (the file list with sizes and times for a folder, a hash of every image otherwise);
a second call reads the file. For arrays and datasets the key is built from per-image hashes,
sorted, so a reshuffled dataset still finds its features, which are then put in its new order.
Hashes are 128-bit XXH3 (``xxhash``): about ten times faster than SHA-1 here, so finding the
cache costs a few milliseconds (a cryptographic hash made hashing cost more than reading).

Example:
    >>> backbone = load_backbone("tiny")
    >>> features = extract_features(backbone, (images, labels), cache=False)  # doctest: +SKIP
    >>> features.features.shape
    (100, 128)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import xxhash

from cnnlab.settings import data_home

__all__ = ["Features", "extract_features", "weights_fingerprint"]

_HASH = "xxh3-128"  # part of every cache key: another hash function must not find old files


@dataclass
class Features:
    """Backbone outputs and what they belong to, row by row.

    ``features`` float32 (N, D); ``labels`` (N,) int class indices or ``None``; ``paths`` the
    image files (a folder was given) or ``None``; ``class_names`` or ``None``; ``cache_file``
    the ``.npz`` read or written, ``None`` without a cache.
    """

    features: np.ndarray
    labels: np.ndarray | None
    paths: list[str] | None
    class_names: list[str] | None
    cache_file: Path | None = None

    def __len__(self) -> int:
        return len(self.features)


def weights_fingerprint(model) -> str:
    """128-bit XXH3 hash of the names, shapes, dtypes and values of every weight of ``model``.

    BatchNormalization statistics and frozen weights count too: any change to any value gives
    another fingerprint (this is how the feature cache notices a fine-tuned backbone).

    Example:
        >>> weights_fingerprint(load_backbone("tiny").model)  # doctest: +SKIP
        'c1b0...'
    """
    digest = xxhash.xxh3_128()
    variables = model.weights
    for variable, value in zip(variables, _weight_values(variables), strict=True):
        value = np.ascontiguousarray(value)
        digest.update(f"{variable.path}:{value.shape}:{value.dtype.str};".encode())
        digest.update(value.view(np.uint8).reshape(-1))
    return digest.hexdigest()


def _weight_values(variables) -> list[np.ndarray]:
    """The values of ``variables`` as numpy arrays; one TensorFlow call reads them all.

    Reading 260 variables one by one costs ~20 ms in eager TensorFlow; ``tf.identity_n`` reads
    them in one op (~3 ms), and ``np.asarray`` views its CPU results without copying them.
    """
    if not variables:
        return []
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return [np.asarray(tensor) for tensor in tf.identity_n([v.value for v in variables])]
    return [keras.ops.convert_to_numpy(v.value) for v in variables]


def extract_features(
    backbone,
    data,
    *,
    batch_size: int = 32,
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
) -> Features:
    """Run every image of ``data`` through ``backbone`` once and keep rows aligned with labels.

    Args:
        backbone: a ``Backbone`` from ``load_backbone``.
        data: images (N, height, width, 3) in [0, 255]; a tuple ``(images, labels)``; a
            ``tf.data.Dataset`` of ``(images, labels)`` or of images, batched or not, shuffled
            or not (it is read once); or an image folder (``folder/<class>/<image>``), read in
            sorted order, broken files skipped (see ``cnnlab.data.image_folder_dataset``).
        batch_size: images per forward pass.
        cache: read the features from, and write them to, a ``.npz`` file.
        cache_dir: where the cache files live; default ``<data cache>/features`` (see
            ``cnnlab.assets.data_home``).
        progress: show a tqdm progress bar.

    Returns:
        ``Features``: ``features`` (N, D) float32 and, row by row, ``labels``, ``paths`` (for a
        folder) and ``class_names``.

    Raises:
        ValueError: images whose size is not the backbone's, [0, 1] images, or a bad argument.
        TypeError: ``data`` of another kind.

    Example:
        >>> features = extract_features(load_backbone("tiny"), "photos/")  # doctest: +SKIP
        >>> features.features.shape, features.paths[0]
        ((40, 128), 'photos/cat/1.jpg')
    """
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"`batch_size` must be a positive int. Got {batch_size!r}.")
    folder = Path(cache_dir) if cache_dir is not None else data_home() / "features"
    if isinstance(data, (str, os.PathLike)):
        return _from_folder(backbone, os.fspath(data), batch_size, cache, folder, progress)
    images, labels, class_names = _collect(data)
    if images.ndim != 4 or images.shape[1:] != tuple(backbone.input_shape):
        raise ValueError(
            f"`data` must hold images of shape (N, {', '.join(map(str, backbone.input_shape))}) "
            f"for {backbone.name}. Got {images.shape}; resize them first (tf.image.resize)."
        )
    if not cache:  # nothing hashed: no cost over a plain predict
        rows = _run(backbone, _batches(images, batch_size), len(images), progress)
        return Features(rows, labels, None, class_names, None)
    images = np.ascontiguousarray(images)  # hashed in place, without a copy per image
    digests = np.array([xxhash.xxh3_128_hexdigest(image) for image in images])
    path = _cache_file(folder, backbone, [str(images.dtype), *sorted(digests)])
    if path.is_file():
        stored = np.load(path, allow_pickle=False)
        row_of = {digest: i for i, digest in enumerate(stored["digests"])}
        rows = stored["features"][[row_of[d] for d in digests]]
        return Features(rows, labels, None, class_names, path)
    rows = _run(backbone, _batches(images, batch_size), len(images), progress)
    _save(path, features=rows, digests=digests)
    return Features(rows, labels, None, class_names, path)


def _collect(data):
    """Images, labels and class names of arrays or a dataset, read exactly once."""
    import tensorflow as tf

    class_names = getattr(data, "class_names", None)
    if isinstance(data, tf.data.Dataset):
        images, labels = [], []
        for element in data.as_numpy_iterator():
            image, label = element if isinstance(element, tuple) else (element, None)
            images.append(image)
            labels.append(label)
        if not images:
            raise ValueError("`data` must hold at least one image. Got an empty dataset.")
        batched = images[0].ndim == 4
        join = np.concatenate if batched else np.stack
        images = join(images)
        labels = None if labels[0] is None else join(labels)
    elif isinstance(data, tuple) and len(data) == 2:
        images, labels = np.asarray(data[0]), np.asarray(data[1])
    elif isinstance(data, (np.ndarray, list)) or hasattr(data, "__array__"):
        images, labels = np.asarray(data), None
    else:
        raise TypeError(
            "`data` must be an image array, (images, labels), a tf.data.Dataset or a folder "
            f"path. Got {type(data).__name__}."
        )
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim == 2:  # one-hot ("categorical") labels
            labels = labels.argmax(axis=1)
        labels = labels.reshape(len(labels))
        if len(labels) != len(images):
            raise ValueError(
                f"`data` must have one label per image. Got {len(images)} images and {len(labels)} labels."
            )
    return images, labels, list(class_names) if class_names is not None else None


def _batches(images: np.ndarray, batch_size: int):
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size]


def _run(backbone, batches, total: int, progress: bool) -> np.ndarray:
    """Preprocess and predict batch by batch; (N, D) float32."""
    from tqdm.auto import tqdm

    out = []
    with tqdm(
        total=total, desc=f"features {backbone.name}", unit="img", disable=not progress
    ) as bar:
        for batch in batches:
            scores = backbone.model.predict_on_batch(backbone.preprocess(batch))
            out.append(np.asarray(scores, np.float32).reshape(len(batch), -1))
            bar.update(len(batch))
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def _from_folder(backbone, directory, batch_size, cache: bool, folder, progress) -> Features:
    if not os.path.isdir(directory):
        raise ValueError(
            f"`data` must be an existing folder when given as a path. Got {directory!r}."
        )
    path = (
        _cache_file(folder, backbone, [os.path.abspath(directory), *_listing(directory)])
        if cache
        else None
    )
    if path is not None and path.is_file():
        stored = np.load(path, allow_pickle=False)
        return Features(
            stored["features"], stored["labels"], stored["paths"].tolist(),
            stored["class_names"].tolist(), path,
        )  # fmt: skip
    from cnnlab.data import image_folder_dataset

    dataset = image_folder_dataset(directory, backbone.input_shape[:2], batch_size, shuffle=False)
    labels = []

    def batches():
        for images, batch_labels in dataset.as_numpy_iterator():
            labels.append(batch_labels)
            yield images

    rows = _run(backbone, batches(), len(dataset.file_paths), progress)
    labels = np.concatenate(labels).astype(np.int64)
    paths, names = list(dataset.file_paths), list(dataset.class_names)
    if path is not None:
        _save(
            path, features=rows, labels=labels, paths=np.array(paths), class_names=np.array(names)
        )
    return Features(rows, labels, paths, names, path)


def _listing(directory: str) -> list[str]:
    """Every file below ``directory`` with its size and modification time, in a fixed order."""
    listing = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            stat = os.stat(os.path.join(root, name))
            listing.append(
                f"{os.path.relpath(os.path.join(root, name), directory)}:{stat.st_size}:{stat.st_mtime_ns}"
            )
    return listing


def _cache_file(folder: Path, backbone, data_parts: list[str]) -> Path:
    """The ``.npz`` of these data through this backbone: its name hashes every part of the key."""
    parts = [
        _HASH, backbone.name, weights_fingerprint(backbone.model), backbone.mode,
        str(backbone.input_shape), *data_parts,
    ]  # fmt: skip
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return folder / f"{key}.npz"


def _save(path: Path, **arrays) -> None:
    """Write ``.npz`` atomically: a temporary file in the same folder, then one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as handle:
        np.savez(handle, **arrays)
    os.replace(handle.name, path)
