"""VGG-16 (Simonyan and Zisserman, 2014): only 3x3 convolutions and 2x2 max-pools, stacked deep.

With the defaults this is layer for layer ``keras.applications.VGG16`` (same layer names, same
138,357,544 parameters). Its memory and parameter table is the lecture's: about 15.2 million
activation values per image, input included (the slide's 24M is an overcount), and 138M
parameters, 102.8M of them in the first dense layer.

Example:
    >>> vgg16().count_params()
    138357544
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_block
from .geometry import check_plan, image_shape, positive_int

# (filters, convolutions) of the five blocks; each block ends with a 2x2 max-pool.
BLOCKS = ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3))


def vgg16(
    *,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    num_classes: int = 1000,
    width: float = 1.0,
    dense_units: int = 4096,
    batch_norm: bool = False,
    dropout: float = 0.0,
) -> keras.Model:
    """Build VGG-16 (configuration D): 13 convolutions in 5 blocks, then 3 dense layers.

    Args:
        input_shape: ``(height, width, channels)``; at least 32x32 (five halvings).
        num_classes: units of the softmax output (``predictions``).
        width: multiplier of every block's filter count (64, 128, 256, 512, 512), e.g. 0.25
            for a CIFAR-sized model; each count is rounded and at least 1.
        dense_units: units of ``fc1`` and ``fc2`` (4096 in the paper).
        batch_norm: add batch normalisation after every convolution (the later "VGG-BN").
        dropout: dropout rate after ``fc1`` and ``fc2`` (the paper trains with 0.5;
            ``keras.applications`` has none, hence the default 0).

    Returns:
        A ``keras.Model`` named ``"vgg16"``; layers ``block{b}_conv{c}``, ``block{b}_pool``,
        ``flatten``, ``fc1``, ``fc2``, ``predictions``.

    Raises:
        ValueError: if the input is smaller than 32x32 (naming the block where the size reaches
            0), or an argument is out of range.

    Example:
        >>> vgg16(input_shape=(32, 32, 3), num_classes=10, width=0.25).output_shape
        (None, 10)
    """
    input_shape = image_shape(input_shape)
    positive_int("num_classes", num_classes)
    positive_int("dense_units", dense_units)
    if isinstance(width, bool) or not isinstance(width, (int, float)) or not width > 0:
        raise ValueError(f"`width` must be a positive number. Got {width!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be in [0, 1). Got {dropout!r}.")
    check_plan("vgg16", input_shape, [(f"block{b}_pool", 2, 2, "valid") for b in range(1, 6)])
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for block, (filters, convolutions) in enumerate(BLOCKS, start=1):
        for index in range(1, convolutions + 1):
            x = conv_block(
                x, max(1, round(filters * width)), batch_norm=batch_norm,
                name=f"block{block}_conv{index}",
            )  # fmt: skip
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)  # halves H and W
    x = layers.Flatten(name="flatten")(x)  # (N, 7 * 7 * 512) at 224x224
    for name in ("fc1", "fc2"):
        x = layers.Dense(dense_units, activation="relu", name=name)(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="vgg16")


__all__ = ["vgg16"]
