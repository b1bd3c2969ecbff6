"""ResNet (He, Zhang, Ren and Sun, 2015): blocks that learn a residual added to their input.

``resnet(depth=...)`` builds the ImageNet networks of Table 1 of the paper: 18 and 34 layers with
basic blocks, 50, 101 and 152 with bottleneck blocks. Stages are named after the paper's
``conv2_x`` ... ``conv5_x``: ``stage2`` ... ``stage5``. Depths 50/101/152 are layer for layer
``keras.applications.ResNet50/101/152`` (v1: stride on the first 1x1 convolution, biases on
every convolution), so their parameter counts agree exactly (25,636,712 for ResNet-50).
``mini_resnet`` is the small CIFAR network of section 4.2 of the paper.

Example:
    >>> resnet(depth=50).count_params()
    25636712
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import bottleneck_block, conv_block, residual_block
from .geometry import check_plan, image_shape, positive_int

# depth -> (block function, blocks per stage), Table 1 of He et al. (2015).
DEPTHS = {
    18: (residual_block, (2, 2, 2, 2)),
    34: (residual_block, (3, 4, 6, 3)),
    50: (bottleneck_block, (3, 4, 6, 3)),
    101: (bottleneck_block, (3, 4, 23, 3)),
    152: (bottleneck_block, (3, 8, 36, 3)),
}
STAGE_FILTERS = (64, 128, 256, 512)


def resnet(
    *,
    depth: int = 50,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    num_classes: int = 1000,
) -> keras.Model:
    """Build an ImageNet ResNet of 18, 34, 50, 101 or 152 layers.

    Stem: 7x7/2 convolution (zero padding 3), batch norm, ReLU, 3x3/2 max-pool (zero padding 1),
    giving 56x56x64 from 224x224. Four stages follow; the first block of stages 3-5 halves the
    size. Global average pooling and a softmax dense layer finish the network, so any input size
    works (down to 1x1, degenerately).

    Args:
        depth: 18, 34, 50, 101 or 152.
        input_shape: ``(height, width, channels)``.
        num_classes: units of the softmax output (``predictions``).

    Returns:
        A ``keras.Model`` named ``f"resnet{depth}"``.

    Raises:
        ValueError: if ``depth`` is not one of the five, or an argument is out of range.

    Example:
        >>> resnet(depth=18, input_shape=(64, 64, 3), num_classes=10).output_shape
        (None, 10)
    """
    if isinstance(depth, bool) or not isinstance(depth, int) or depth not in DEPTHS:
        raise ValueError(f"`depth` must be one of {sorted(DEPTHS)}. Got {depth!r}.")
    input_shape = image_shape(input_shape)
    positive_int("num_classes", num_classes)
    check_plan(f"resnet{depth}", input_shape, [("stem_conv", 7, 2, 3), ("stem_pool", 3, 2, 1)])
    block, repeats = DEPTHS[depth]
    inputs = keras.Input(input_shape, name="input")
    x = layers.ZeroPadding2D(3, name="stem_pad")(inputs)
    x = conv_block(x, 64, kernel_size=7, strides=2, padding="valid", batch_norm=True,
                   name="stem_conv")  # fmt: skip
    x = layers.ZeroPadding2D(1, name="stem_pool_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool")(x)  # (N, 56, 56, 64) at 224
    for stage, (filters, count) in enumerate(zip(STAGE_FILTERS, repeats, strict=True), start=2):
        for index in range(1, count + 1):
            strides = 2 if stage > 2 and index == 1 else 1
            x = block(x, filters, strides=strides, name=f"stage{stage}_block{index}")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"resnet{depth}")


def mini_resnet(
    *,
    input_shape: tuple[int, int, int] = (32, 32, 3),
    num_classes: int = 10,
    filters: int = 16,
    blocks_per_stage: int = 3,
) -> keras.Model:
    """Build the CIFAR-10 ResNet of He et al. (section 4.2): 6n + 2 layers, 3 stages.

    A 3x3 convolution, then three stages of ``blocks_per_stage`` basic residual blocks with
    ``filters``, ``2 * filters`` and ``4 * filters`` channels (the last two start with stride 2),
    then global average pooling and the classifier. ``blocks_per_stage=3`` is ResNet-20. Unlike
    the paper (zero-padded identity shortcuts, option A) the shortcuts that change shape are 1x1
    projections, like :func:`resnet`'s.

    Args:
        input_shape: ``(height, width, channels)``.
        num_classes: units of the softmax output.
        filters: channels of the first stage.
        blocks_per_stage: ``n`` in the paper's 6n + 2.

    Returns:
        A ``keras.Model`` named ``"mini_resnet"``.

    Raises:
        ValueError: if an argument is not a positive int or the input shape is malformed.

    Example:
        >>> mini_resnet().get_layer("stage3_block1_out").output.shape
        (None, 8, 8, 64)
    """
    input_shape = image_shape(input_shape)
    positive_int("num_classes", num_classes)
    positive_int("filters", filters)
    positive_int("blocks_per_stage", blocks_per_stage)
    inputs = keras.Input(input_shape, name="input")
    x = conv_block(inputs, filters, batch_norm=True, name="stem_conv")
    for stage in range(1, 4):
        for index in range(1, blocks_per_stage + 1):
            strides = 2 if stage > 1 and index == 1 else 1
            x = residual_block(
                x, filters * 2 ** (stage - 1), strides=strides, name=f"stage{stage}_block{index}"
            )
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="mini_resnet")


__all__ = ["mini_resnet", "resnet"]
