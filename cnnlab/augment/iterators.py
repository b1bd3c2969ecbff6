"""The iterators ``flow`` and ``flow_from_directory`` return, with Keras 2's checks and attributes."""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np
import tensorflow as tf

from cnnlab.augment import files
from cnnlab.augment.flow import BatchFlow

_CLASS_MODES = ("categorical", "binary", "sparse", "input", None)


class NumpyArrayIterator(BatchFlow):
    """Batches from in-memory arrays (what ``ImageDataGenerator.flow`` returns), as Keras 2.

    ``subset='validation'`` keeps the first ``validation_split`` of the arrays, 'training' the
    rest. Attributes: ``x`` (kept in its own dtype, converted per batch), ``y``,
    ``sample_weight``, ``n``, ``batch_size``, ``shuffle``, ``seed``, ``index_array``.
    """

    def __init__(
        self,
        x,
        y,
        generator,
        *,
        batch_size,
        shuffle,
        sample_weight,
        seed,
        subset,
        ignore_class_split,
        dtype,
    ):
        x = np.asarray(x)
        if x.ndim != 4 or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
            raise ValueError(f"`x` must be a numeric array (N, H, W, C). Got shape {x.shape}.")
        arrays = {"y": y, "sample_weight": sample_weight}
        for name, array in arrays.items():
            if array is not None:
                arrays[name] = np.asarray(array)
                if len(arrays[name]) != len(x):
                    raise ValueError(
                        f"`{name}` must have one entry per image ({len(x)}). "
                        f"Got {len(arrays[name])}."
                    )
        if subset is not None:
            x, arrays = _split(x, arrays, subset, generator._validation_split, ignore_class_split)
        super().__init__(generator, len(x), batch_size, shuffle, seed)
        self.x, self.y, self.sample_weight = x, arrays["y"], arrays["sample_weight"]
        self.subset, self.dtype = subset, dtype
        self._extras = [a for a in (self.y, self.sample_weight) if a is not None]

    def _load(self, indices):
        images = tf.numpy_function(lambda i: self.x[i], [indices], tf.as_dtype(self.x.dtype))
        return tf.cast(tf.ensure_shape(images, (None, *self.x.shape[1:])), tf.float32)

    def _outputs(self, images, indices):
        if not self._extras:
            return (images,)
        dtypes = [tf.as_dtype(a.dtype) for a in self._extras]
        extras = tf.numpy_function(lambda i: [a[i] for a in self._extras], [indices], dtypes)
        extras = [
            tf.ensure_shape(e, (None, *a.shape[1:]))
            for e, a in zip(extras, self._extras, strict=True)
        ]
        return (images, *extras)


class DirectoryIterator(BatchFlow):
    """Batches read from a folder with one subfolder per class (``flow_from_directory``), as Keras 2.

    Attributes as Keras 2: ``directory``, ``filenames`` (``class/file`` paths), ``filepaths``,
    ``classes`` (class index per file), ``labels``, ``class_indices``, ``num_classes``,
    ``samples``, ``n``, ``batch_size``, ``target_size``, ``color_mode``, ``class_mode``,
    ``image_shape``, ``subset``, ``index_array``; and ``unreadable``: the ``(path, reason)`` pairs
    of files that were skipped.
    """

    def __init__(self, directory, generator, *, options, strict, batch_size, shuffle, seed):
        directory = os.fspath(directory)
        options = _directory_options(generator, directory, options)
        self.directory = directory
        self.data_format, self.dtype = "channels_last", generator.dtype
        self.__dict__.update(options)  # target_size, color_mode, class_mode, classes, ...
        classes = options["classes"] or sorted(  # hidden folders (.ipynb_checkpoints) are no class
            name
            for name in os.listdir(directory)
            if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
        )
        self.class_indices = {name: index for index, name in enumerate(classes)}
        self.num_classes = len(classes)
        filenames, labels = files.list_images(directory, classes, self.split, self.follow_links)
        paths = [os.path.join(directory, name) for name in filenames]
        routes, self.unreadable = files.inspect_images(paths)
        if self.unreadable:
            listing = "; ".join(f"{path} ({why})" for path, why in self.unreadable)
            message = f"{len(self.unreadable)} unreadable image files in {directory!r}: {listing}"
            if strict:
                raise ValueError(f"`strict=True` needs every image file to decode. {message}.")
            warnings.warn(f"Skipped {message}.", UserWarning, stacklevel=3)
        keep = routes != files.UNREADABLE
        self.filenames = [name for name, ok in zip(filenames, keep, strict=True) if ok]
        self.classes = np.asarray(labels, dtype=np.int32)[keep]
        self.samples = len(self.filenames)
        self._paths = tf.constant(
            [p for p, ok in zip(paths, keep, strict=True) if ok] or [""], tf.string
        )
        self._routes = tf.constant(routes[keep] if keep.any() else [0], tf.int32)
        channels = files.COLOR_CHANNELS[self.color_mode]
        self.image_shape = (*self.target_size, channels)
        super().__init__(generator, self.samples, batch_size, shuffle, seed)
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")

    @property
    def filepaths(self) -> list[str]:
        return [os.path.join(self.directory, name) for name in self.filenames]

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    sample_weight = None

    def _load(self, indices):
        decode = functools.partial(
            files.decode_image,
            color_mode=self.color_mode,
            target_size=self.target_size,
            interpolation=self.interpolation,
            keep_aspect_ratio=self.keep_aspect_ratio,
        )
        return tf.map_fn(
            lambda item: decode(item[0], item[1]),
            (tf.gather(self._paths, indices), tf.gather(self._routes, indices)),
            fn_output_signature=tf.TensorSpec(self.image_shape, tf.float32),
            parallel_iterations=16,
        )

    def _outputs(self, images, indices):
        if self.class_mode is None:
            return (images,)
        if self.class_mode == "input":
            return images, images
        labels = tf.gather(tf.constant(self.classes), indices)
        if self.class_mode == "categorical":
            return images, tf.one_hot(labels, self.num_classes, dtype=self.dtype)
        return images, tf.cast(labels, self.dtype)  # "binary" and "sparse", floats as Keras 2


def _split(x, arrays, subset, fraction, ignore_class_split):
    if subset not in ("training", "validation"):
        raise ValueError(f"`subset` must be 'training', 'validation' or None. Got {subset!r}.")
    cut = int(len(x) * fraction)
    y = arrays["y"]
    same = y is None or np.array_equal(np.unique(y[:cut]), np.unique(y[cut:]))
    if not same and not ignore_class_split:
        raise ValueError(
            "`y` must hold the same classes in the training and validation subsets "
            "(shuffle arrays sorted by label, or pass ignore_class_split=True). Got "
            f"{np.unique(y[:cut]).tolist()} and {np.unique(y[cut:]).tolist()}."
        )
    part = slice(None, cut) if subset == "validation" else slice(cut, None)
    return x[part], {k: None if v is None else v[part] for k, v in arrays.items()}


def _directory_options(generator, directory, options: dict) -> dict:
    """Check flow_from_directory's arguments; return them in the form the iterator stores."""
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder. Got {directory!r}.")
    if options["color_mode"] not in files.COLOR_CHANNELS:
        raise ValueError(
            f"`color_mode` must be one of {tuple(files.COLOR_CHANNELS)}. "
            f"Got {options['color_mode']!r}."
        )
    if options["class_mode"] not in _CLASS_MODES:
        raise ValueError(
            f"`class_mode` must be one of {_CLASS_MODES}. Got {options['class_mode']!r}."
        )
    interpolation = options["interpolation"]
    if interpolation == "hamming":
        raise NotImplementedError(
            "cnnlab's flow_from_directory does not support `interpolation='hamming'`."
        )
    if interpolation not in files.INTERPOLATIONS:
        raise ValueError(
            f"`interpolation` must be one of {tuple(files.INTERPOLATIONS)}. Got {interpolation!r}."
        )
    target = options["target_size"]
    size = tuple(target) if isinstance(target, (tuple, list)) else ()
    if len(size) != 2 or not all(isinstance(s, int) and s > 0 for s in size):
        raise ValueError(f"`target_size` must be (height, width) ints > 0. Got {target!r}.")
    fraction = generator._validation_split
    splits = {None: None, "validation": (0.0, fraction), "training": (fraction, 1.0)}
    if options["subset"] not in splits:
        raise ValueError(
            f"`subset` must be 'training', 'validation' or None. Got {options['subset']!r}."
        )
    classes = options["classes"]
    return {
        **options,
        "target_size": size,
        "classes": list(classes) if classes else None,
        "split": splits[options["subset"]],
        "keep_aspect_ratio": bool(options["keep_aspect_ratio"]),
        "follow_links": bool(options["follow_links"]),
    }
