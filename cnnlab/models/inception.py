"""A small GoogLeNet-style network built from inception modules (Szegedy et al., 2014).

GoogLeNet stacks nine inception modules; ``mini_inception`` keeps three, with the channel counts
of the paper's ``inception3a``, ``inception3b`` and ``inception4a`` halved, on a CIFAR-sized
input. It is enough to see the four branches, the 1x1 reductions and the concatenation in a
layer table, and it trains in minutes.

Example:
    >>> mini_inception().get_layer("inception3a_concat").output.shape
    (None, 16, 16, 128)
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_block, inception_module
from .geometry import check_plan, image_shape, positive_int

# Table 1 of the paper, halved: 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection.
MODULES = {
    "inception3a": (32, 48, 64, 8, 16, 16),
    "inception3b": (64, 64, 96, 16, 48, 32),
    "inception4a": (96, 48, 104, 8, 24, 32),
}


def mini_inception(
    *, input_shape: tuple[int, int, int] = (32, 32, 3), num_classes: int = 10
) -> keras.Model:
    """Build a stem, three inception modules with max-pools between, and a softmax classifier.

    Layout: ``stem_conv`` (3x3, 64) and ``stem_pool`` (2x2) -> ``inception3a`` ->
    ``inception3b`` -> ``pool3`` (2x2) -> ``inception4a`` -> global average pooling ->
    ``predictions``. A 32x32 input gives 16x16 then 8x8 maps.

    Args:
        input_shape: ``(height, width, channels)``; at least 4x4.
        num_classes: units of the softmax output.

    Returns:
        A ``keras.Model`` named ``"mini_inception"``.

    Raises:
        ValueError: if the input is too small or an argument is not a positive int.

    Example:
        >>> mini_inception(num_classes=5).output_shape
        (None, 5)
    """
    input_shape = image_shape(input_shape)
    positive_int("num_classes", num_classes)
    check_plan(
        "mini_inception", input_shape, [("stem_pool", 2, 2, "valid"), ("pool3", 2, 2, "valid")]
    )
    inputs = keras.Input(input_shape, name="input")
    x = conv_block(inputs, 64, batch_norm=True, name="stem_conv")
    x = layers.MaxPooling2D(2, name="stem_pool")(x)
    for name, filters in MODULES.items():
        if name == "inception4a":
            x = layers.MaxPooling2D(2, name="pool3")(x)
        x = inception_module(
            x, name=name, filters_1x1=filters[0], filters_3x3_reduce=filters[1],
            filters_3x3=filters[2], filters_5x5_reduce=filters[3], filters_5x5=filters[4],
            filters_pool_projection=filters[5],
        )  # fmt: skip
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mini_inception")


__all__ = ["mini_inception"]
