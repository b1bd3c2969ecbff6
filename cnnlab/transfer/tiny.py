"""``tiny``: our own small pretrained backbone, so transfer learning is real without internet.

The source task: scikit-learn's real handwritten digits 0-4 blended into patches of the real
photographs that ship with scikit-image, scikit-learn and matplotlib, as MNIST-M blends MNIST into
photos (``digits_on_photos``; four backgrounds per training digit), 5 classes. The target task
the lessons (and the tests) use: digits 5-9 blended the same way, with only a few labelled
examples per class. A network that has seen thousands of strokes on cluttered backgrounds has
learnt to pull strokes out of clutter; one trained from scratch on 50 images has not.

Architecture: three blocks ``block{n}_conv`` (3x3, no bias) -> ``block{n}_bn`` ->
``block{n}_relu`` -> ``block{n}_pool`` (2x2 max) with 32, 64 and 128 filters, then global
average pooling (``avg_pool``, 128 features) and the classifier ``predictions``. Inputs are
[0, 255] pixels divided by 255 (preprocessing mode ``"unit"``).

``make pretrain`` runs ``python -m cnnlab.transfer.pretrain``, which trains it deterministically
and writes the package data ``cnnlab/resources/models/tiny.keras`` and its model card ``tiny.md``.

Example:
    >>> model = build_tiny(num_classes=5)
    >>> model.output_shape
    (None, 5)
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from cnnlab.settings import resource

__all__ = [
    "TINY_INPUT_SHAPE",
    "build_tiny",
    "digits_on_photos",
    "load_tiny",
    "tiny_weights_path",
]

TINY_INPUT_SHAPE = (32, 32, 3)
FILTERS = (32, 64, 128)
SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
EPOCHS = 20
SEED = 0


def tiny_weights_path() -> Path:
    """Where the shipped pretrained ``tiny`` lives: ``cnnlab/resources/models/tiny.keras``."""
    return resource("models", "tiny.keras", must_exist=False)


def build_tiny(
    *,
    input_shape: tuple[int, int, int] = TINY_INPUT_SHAPE,
    num_classes: int = len(SOURCE_DIGITS),
    include_top: bool = True,
    pooling: str | None = "avg",
    seed: int | None = None,
) -> keras.Model:
    """The ``tiny`` architecture with fresh weights (seeded when ``seed`` is given).

    Example:
        >>> build_tiny(include_top=False).output_shape
        (None, 128)
    """
    if seed is not None:
        keras.utils.set_random_seed(seed)
    inputs = keras.Input(input_shape, name="input_layer")
    x = inputs
    for block, filters in enumerate(FILTERS, 1):
        x = keras.layers.Conv2D(
            filters, 3, padding="same", use_bias=False, name=f"block{block}_conv"
        )(x)
        # momentum 0.9: the moving statistics settle within the few hundred steps of pretraining
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"block{block}_bn")(x)
        x = keras.layers.Activation("relu", name=f"block{block}_relu")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    if include_top or pooling == "avg":
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    if include_top:
        x = keras.layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="tiny")


def load_tiny(
    *, weights="pretrained", include_top=False, pooling="avg", input_shape=TINY_INPUT_SHAPE
):
    """``tiny`` with the shipped weights (``"pretrained"``/``"imagenet"``), a file's, or none.

    A file is a ``tiny`` with its 5-class classifier saved by Keras 3 (``.keras``, as ``make
    pretrain`` writes, or ``.weights.h5``); only its weights are read.
    """
    if weights is None:
        return build_tiny(input_shape=input_shape, include_top=include_top, pooling=pooling)
    if weights in ("pretrained", "imagenet"):
        path = resource("models", "tiny.keras")  # a clear error if the installation lacks it
    else:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(
                f"`weights` must be 'pretrained', None or a .keras file. Got {str(path)!r}, "
                "which is not a file."
            )
    # Weights only, into the architecture built here: the file's config.json is in the schema of
    # the Keras that saved it, which an older Keras cannot always read (Keras 3.10 rejects the
    # `input_axes` that newer ones record for GlorotUniform); its weights load in every Keras 3.
    trained = build_tiny(include_top=True)
    trained.load_weights(path)
    if include_top:
        return trained
    model = build_tiny(input_shape=input_shape, include_top=False, pooling=pooling)
    for layer in model.layers:  # convolutions are size-independent: copy by name
        if layer.weights:
            layer.set_weights(trained.get_layer(layer.name).get_weights())
    return model


def digits_on_photos(digits=SOURCE_DIGITS, *, split: str = "train", copies: int = 1, seed: int = 0):
    """Handwritten digits blended into patches of real photographs, as MNIST-M does.

    Each 32x32 digit of ``cnnlab.data.load_digits`` (values ``d`` in [0, 1]) is combined with a
    32x32 patch ``b`` cut at a random place of a random bundled photograph (``sample_image``):
    ``|b - 255 d|`` per channel, the recipe of MNIST-M (Ganin & Lempitsky, 2015), so strokes
    invert whatever lies beneath them and colour, texture and edges of the photo are clutter.

    Args:
        digits: which digits to keep; labels are their positions in this tuple.
        split: ``"train"`` or ``"test"`` half of ``load_digits(32, seed=0)`` (25 % test).
        copies: backgrounds per digit image.
        seed: seeds the choice of photographs and patches.

    Returns:
        ``(images float32 (N, 32, 32, 3) in [0, 255], labels int64 (N,))``.

    Raises:
        ValueError: ``split`` is neither ``"train"`` nor ``"test"``.

    Example:
        >>> x, y = digits_on_photos((5, 6, 7, 8, 9), split="test")
        >>> x.shape, sorted(set(y.tolist()))
        ((224, 32, 32, 3), [0, 1, 2, 3, 4])
    """
    from cnnlab.data import list_sample_images, load_digits, sample_image

    if split not in ("train", "test"):
        raise ValueError(f"`split` must be 'train' or 'test'. Got {split!r}.")
    data = load_digits(32, channels=3, seed=0)
    images, labels = (
        (data.x_train, data.y_train) if split == "train" else (data.x_test, data.y_test)
    )
    keep = np.isin(labels, digits)
    images, labels = images[keep], np.searchsorted(np.array(digits), labels[keep])
    photos = [sample_image(name).astype(np.float32) for name in list_sample_images()]
    rng = np.random.default_rng(seed)
    out = np.empty((copies * len(images), 32, 32, 3), np.float32)
    for copy in range(copies):
        for i, image in enumerate(images):
            photo = photos[rng.integers(len(photos))]
            row = rng.integers(0, photo.shape[0] - 32 + 1)
            col = rng.integers(0, photo.shape[1] - 32 + 1)
            out[copy * len(images) + i] = np.abs(
                photo[row : row + 32, col : col + 32] - 255.0 * image
            )
    return out, np.tile(labels, copies).astype(np.int64)
