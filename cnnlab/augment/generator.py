"""`ImageDataGenerator`: the Keras 2 class, same arguments and meaning, on the fused tf.data engine."""

from __future__ import annotations

import os
import random
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from cnnlab.augment import config as options
from cnnlab.augment import engine
from cnnlab.augment.iterators import DirectoryIterator, NumpyArrayIterator
from cnnlab.augment.resample import xla_available


def _unsupported(**settings: object) -> None:
    for name, (value, default) in settings.items():
        if value is not default and value != default:
            raise NotImplementedError(
                f"cnnlab's ImageDataGenerator does not support `{name}` (got {value!r}); "
                "see the docstring for what it supports."
            )


class ImageDataGenerator:
    """Keras 2's image augmentation generator, rebuilt on one fused affine op inside ``tf.data``.

    Same constructor arguments and meaning as Keras 2: ``rotation_range`` in degrees;
    ``width_shift_range``/``height_shift_range`` as a fraction of the size (float < 1), pixels
    (float >= 1, or int n for whole pixels in ``-(n-1)..n-1``) or a list of allowed values;
    ``shear_range`` in degrees; ``zoom_range`` z meaning independent x and y zooms in
    ``[1 - z, 1 + z]`` (values > 1 shrink the content); flips with probability 1/2;
    ``channel_shift_range`` adds one random intensity to every channel, clipped to the image's own
    range; ``brightness_range`` multiplies; ``fill_mode`` ('nearest', 'constant' with ``cval``,
    'reflect', 'wrap'). Then, per image and in this order, ``preprocessing_function`` (one image in,
    same shape out), ``rescale`` (after augmentation, as Keras 2's ``standardize``), samplewise and
    featurewise normalization (statistics from ``fit(x)``; std normalization turns centring on).

    Differences from Keras 2, on purpose: ``width_shift_range`` moves images horizontally (Keras 2
    from 2.2 on swapped the two shifts, tf-keras#310) and rotation/zoom turn about the true centre
    of non-square images; 'wrap' repeats the image with period = its size; brightness is not
    rounded to integers; ``for batch in flow`` stops after one epoch. Not supported
    (``NotImplementedError``): ``zca_whitening``, ``data_format='channels_first'``,
    ``interpolation_order`` other than 0 or 1, ``save_to_dir``, ``flow_from_dataframe``.

    Example:
        >>> gen = ImageDataGenerator(rescale=1 / 255, rotation_range=40, horizontal_flip=True)
        >>> x, y = gen.flow(np.zeros((8, 64, 64, 3)), np.arange(8), batch_size=4, seed=0)[0]
        >>> x.shape, y.shape
        ((4, 64, 64, 3), (4,))
    """

    def __init__(
        self,
        featurewise_center: bool = False,
        samplewise_center: bool = False,
        featurewise_std_normalization: bool = False,
        samplewise_std_normalization: bool = False,
        zca_whitening: bool = False,
        zca_epsilon: float = 1e-6,
        rotation_range: float = 0,
        width_shift_range: float | int | list = 0.0,
        height_shift_range: float | int | list = 0.0,
        brightness_range: tuple[float, float] | None = None,
        shear_range: float = 0.0,
        zoom_range: float | tuple[float, float] = 0.0,
        channel_shift_range: float = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: float | None = None,
        preprocessing_function: Callable | None = None,
        data_format: str | None = None,
        validation_split: float = 0.0,
        interpolation_order: int = 1,
        dtype: str | None = None,
    ):
        _unsupported(zca_whitening=(zca_whitening, False))
        if data_format not in (None, "channels_last"):
            _unsupported(data_format=(data_format, "channels_last"))
        if interpolation_order not in (0, 1):
            _unsupported(interpolation_order=(interpolation_order, 1))
        split = options.non_negative("validation_split", validation_split)
        if split >= 1:
            raise ValueError(f"`validation_split` must be in [0, 1). Got {validation_split!r}.")
        # Public attributes as Keras 2 keeps them; `_engine_config` validates and reads them, so
        # changing one later (gen.zoom_range = 0.3) takes effect as it did in Keras 2.
        self.featurewise_center = bool(featurewise_center or featurewise_std_normalization)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_center = bool(samplewise_center or samplewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.zca_whitening, self.zca_epsilon = False, zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = brightness_range
        self.shear_range = shear_range
        self.zoom_range = list(options.parse_zoom(zoom_range))
        self.channel_shift_range = channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = bool(horizontal_flip), bool(vertical_flip)
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.data_format = "channels_last"
        self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.interpolation_order = int(interpolation_order)
        self.dtype = options.parse_dtype(dtype)
        self._validation_split = split
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self._engine_config()  # every argument checked now, with its name in the error

    def _engine_config(self) -> options.AugmentConfig:
        return options.make_config(self)

    # --- batches ---------------------------------------------------------------------------------
    def flow(
        self,
        x,
        y=None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight=None,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: str | None = None,
    ) -> NumpyArrayIterator:
        """Augmented batches from arrays ``x`` (N, H, W, C) and optional ``y``/``sample_weight``.

        Returns a ``keras.utils.PyDataset`` that ``model.fit``/``predict`` and ``for`` loops
        accept, yielding ``x`` or ``(x, y)`` or ``(x, y, sample_weight)`` numpy batches.
        ``subset='validation'`` takes the first ``validation_split`` of the arrays, 'training'
        the rest (as Keras 2). Deterministic for a given ``seed``.

        Raises:
            ValueError: for arrays of the wrong rank or length, or a bad ``subset``.
            NotImplementedError: for ``save_to_dir`` or a tuple ``x``.

        Example:
            >>> ImageDataGenerator().flow(np.zeros((10, 32, 32, 3)), batch_size=4).n
            10
        """
        _unsupported(save_to_dir=(save_to_dir, None))
        if isinstance(x, (tuple, list)):
            _unsupported(**{"x as a tuple of arrays": (type(x).__name__, "array")})
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            subset=subset,
            ignore_class_split=ignore_class_split,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory: str | os.PathLike,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        *,
        strict: bool = False,
    ) -> DirectoryIterator:
        """Augmented batches of the images in ``directory/<class>/...``, labelled by folder.

        Classes are the sorted subfolder names (or ``classes``); ``class_mode`` gives one-hot
        ('categorical'), 0/1 ('binary'), index ('sparse') labels, the images ('input') or none.
        Files are decoded and resized (``interpolation``, default 'nearest' as Keras 2) with
        TensorFlow; grayscale, RGBA, CMYK and palette files are converted to ``color_mode``.
        Unreadable files are skipped with one warning listing them (``strict=True`` raises).

        Raises:
            ValueError: for a missing folder, a bad option value, or unreadable files with strict.
            NotImplementedError: for ``save_to_dir``.

        Example:
            >>> flow = ImageDataGenerator(rescale=1 / 255).flow_from_directory("train")
            Found 12 images belonging to 2 classes.
            >>> flow[0][0].shape
            (12, 256, 256, 3)
        """
        _unsupported(save_to_dir=(save_to_dir, None))
        settings = {
            "target_size": target_size,
            "color_mode": color_mode,
            "classes": classes,
            "class_mode": class_mode,
            "interpolation": interpolation,
            "keep_aspect_ratio": keep_aspect_ratio,
            "follow_links": follow_links,
            "subset": subset,
        }
        return DirectoryIterator(
            directory,
            self,
            options=settings,
            strict=strict,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
        )

    def flow_from_dataframe(self, *args, **kwargs):
        """Not supported: raises ``NotImplementedError`` (write the files into class folders)."""
        _unsupported(flow_from_dataframe=("called", "not called"))

    # --- single images -----------------------------------------------------------------------
    def get_random_transform(self, img_shape: tuple[int, ...], seed: int | None = None) -> dict:
        """Draw one image's parameters: Keras 2's dict (``tx`` horizontal, ``ty`` vertical, pixels).

        Example:
            >>> ImageDataGenerator(rotation_range=40).get_random_transform((64, 64, 3), seed=1)["zx"]
            1.0
        """
        height, width = int(img_shape[0]), int(img_shape[1])
        seed_pair = tf.constant([random.getrandbits(31) if seed is None else seed, 0], tf.int64)
        draws = engine.draw_parameters(self._engine_config(), seed_pair, 1, height, width)
        params = {k: v.numpy()[0].item() for k, v in draws.items()}
        params.setdefault("channel_shift_intensity", None)
        params.setdefault("brightness", None)
        return params

    def apply_transform(self, x, transform_parameters: dict) -> np.ndarray:
        """Apply one parameter dict (Keras 2 keys) to one image (H, W, C); same dtype back.

        Gives the same pixels as Keras 2's ``apply_transform`` for the same dict (interpolation
        differences aside), except the true centre for non-square images; integer images are
        rounded and clipped back to their type.

        Example:
            >>> ImageDataGenerator().apply_transform(np.zeros((32, 48, 3)), {"theta": 90}).shape
            (32, 48, 3)
        """
        image = np.asarray(x)
        if image.ndim != 3:
            raise ValueError(f"`x` must be one image (H, W, C). Got shape {image.shape}.")
        params, moves = engine.parameters_from_dict(transform_parameters)
        batch = tf.constant(image[None], tf.float32)
        config = self._engine_config()
        out = engine.transform_batch(
            batch, params, config, geometric=moves, use_xla=xla_available()
        )
        return _like(out.numpy()[0], image.dtype)

    def random_transform(self, x, seed: int | None = None) -> np.ndarray:
        """A randomly transformed copy of one image (H, W, C), without standardization."""
        image = np.asarray(x)
        return self.apply_transform(image, self.get_random_transform(image.shape, seed))

    def standardize(self, x) -> np.ndarray:
        """Keras 2's ``standardize`` for one image (H, W, C) or a batch; returns a new array."""
        array = np.asarray(x, dtype=np.float32)
        if array.ndim not in (3, 4):
            raise ValueError(f"`x` must be an image or a batch of images. Got shape {array.shape}.")
        config = self._engine_config()
        config.check_statistics()
        batch = tf.constant(array if array.ndim == 4 else array[None])
        out = engine.standardize_batch(batch, config).numpy()
        return out if array.ndim == 4 else out[0]

    def fit(self, x, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Compute the per-channel mean and std of ``x`` (N, H, W, C) for featurewise options.

        As Keras 2: ``rescale`` is applied first; with ``augment=True`` the statistics come from
        ``rounds`` randomly transformed copies. Stored as ``self.mean``/``self.std`` (1, 1, C).
        """
        array = np.asarray(x)
        if array.ndim != 4:
            raise ValueError(f"`x` must be a batch of images (N, H, W, C). Got {array.shape}.")
        if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
            raise ValueError(f"`rounds` must be a positive int. Got {rounds!r}.")
        seed_pair = tf.constant([random.getrandbits(31) if seed is None else seed, 3], tf.int64)
        scale = float(self.rescale) if self.rescale else 1.0
        mean, std = engine.channel_statistics(
            array, self._engine_config(), scale, rounds=rounds if augment else 0, seed=seed_pair
        )
        self.mean = mean.reshape(1, 1, -1).astype(np.float32) if self.featurewise_center else None
        self.std = (
            std.reshape(1, 1, -1).astype(np.float32) if self.featurewise_std_normalization else None
        )


def _like(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(array), info.min, info.max).astype(dtype)
    return array.astype(dtype) if np.issubdtype(dtype, np.floating) else array
