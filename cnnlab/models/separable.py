"""A small MobileNet-style network of depthwise-separable convolutions.

Each :func:`~cnnlab.models.blocks.separable_block` is a depthwise 3x3 layer followed by a
pointwise 1x1 layer, so a layer table shows where the parameters and multiply-adds go: a
separable block costs about ``1/filters + 1/9`` of the 3x3 convolution it replaces.

Example:
    >>> separable_cnn().get_layer("block4_pointwise_relu").output.shape
    (None, 8, 8, 256)
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_block, separable_block
from .geometry import check_plan, image_shape, positive_int


def separable_cnn(
    *,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    num_classes: int = 10,
    filters: int = 32,
    blocks: int = 4,
) -> keras.Model:
    """Build a 3x3 stem convolution, ``blocks`` separable blocks, global pooling and softmax.

    Block ``i`` (from 1) has ``filters * 2**(i//2 + 1)`` output channels and stride 2 when ``i``
    is even, so the default 4 blocks give 64, 128 (/2), 128, 256 (/2) channels.

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: units of the softmax output.
        filters: channels of the stem convolution.
        blocks: number of separable blocks.

    Returns:
        A ``keras.Model`` named ``"separable_cnn"``.

    Raises:
        ValueError: if an argument is not a positive int or the input shape is malformed.

    Example:
        >>> separable_cnn(num_classes=3).output_shape
        (None, 3)
    """
    input_shape = image_shape(input_shape)
    for name, value in [("num_classes", num_classes), ("filters", filters), ("blocks", blocks)]:
        positive_int(name, value)
    check_plan(
        "separable_cnn",
        input_shape,
        [(f"block{i}_depthwise", 3, 2 if i % 2 == 0 else 1, "same") for i in range(1, blocks + 1)],
    )
    inputs = keras.Input(input_shape, name="input")
    x = conv_block(inputs, filters, batch_norm=True, use_bias=False, name="stem_conv")
    for index in range(1, blocks + 1):
        x = separable_block(
            x, filters * 2 ** (index // 2 + 1), strides=2 if index % 2 == 0 else 1,
            name=f"block{index}",
        )  # fmt: skip
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="separable_cnn")


__all__ = ["separable_cnn"]
