"""The plain ConvNet pattern of the lecture: blocks of (convolution + ReLU) x k then max-pool,
then a dense layer and a softmax.

Example:
    >>> simple_cnn().get_layer("block2_pool").output.shape
    (None, 8, 8, 64)
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_block
from .geometry import check_plan, image_shape, positive_int


def simple_cnn(
    *,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    num_classes: int = 10,
    blocks: int = 2,
    convs_per_block: int = 2,
    filters: int = 32,
    dense_units: int = 128,
    dropout: float = 0.0,
) -> keras.Model:
    """Build ``blocks`` conv blocks (filters doubling each block), then dense + softmax.

    Block ``b`` has ``convs_per_block`` 3x3 "same" convolutions with ``filters * 2**(b-1)``
    channels and ReLU, then a 2x2 max-pool; ``flatten``, ``fc1`` (ReLU) and ``predictions``
    follow.

    Args:
        input_shape: ``(height, width, channels)``; at least ``2**blocks`` on each side.
        num_classes: units of the softmax output.
        blocks: number of conv blocks (each halves the spatial size).
        convs_per_block: convolutions in each block.
        filters: channels of the first block.
        dense_units: units of the hidden dense layer ``fc1``.
        dropout: dropout rate before the output layer (0 for none).

    Returns:
        A ``keras.Model`` named ``"simple_cnn"``.

    Raises:
        ValueError: if the input is too small for ``blocks`` poolings or an argument is out of
            range.

    Example:
        >>> simple_cnn(input_shape=(28, 28, 1), blocks=2).output_shape
        (None, 10)
    """
    input_shape = image_shape(input_shape)
    for name, value in [("num_classes", num_classes), ("blocks", blocks),
                        ("convs_per_block", convs_per_block), ("filters", filters),
                        ("dense_units", dense_units)]:  # fmt: skip
        positive_int(name, value)
    if not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be in [0, 1). Got {dropout!r}.")
    check_plan(
        "simple_cnn", input_shape, [(f"block{b}_pool", 2, 2, "valid") for b in range(1, blocks + 1)]
    )
    inputs = keras.Input(input_shape, name="input")
    x = inputs
    for block in range(1, blocks + 1):
        for index in range(1, convs_per_block + 1):
            x = conv_block(x, filters * 2 ** (block - 1), name=f"block{block}_conv{index}")
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="fc1")(x)
    if dropout:
        x = layers.Dropout(dropout, name="fc1_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="simple_cnn")


__all__ = ["simple_cnn"]
