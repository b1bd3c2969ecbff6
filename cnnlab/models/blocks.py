"""The building blocks every architecture in :mod:`cnnlab.models` is made of, each written once.

Each block takes a Keras tensor and a ``name`` prefix and returns a tensor; every layer it adds is
named ``{name}_{role}`` (``stage3_block2_conv1``), so a model summary reads like the paper.

Example:
    >>> import keras
    >>> x = keras.Input((32, 32, 3))
    >>> residual_block(x, 16, name="stage1_block1").shape
    (None, 32, 32, 16)
"""

from __future__ import annotations

from keras import layers

from .geometry import positive_int

# keras.applications' ResNets use this epsilon; keeping it makes weights interchangeable.
BATCH_NORM_EPSILON = 1.001e-5


def conv_block(
    x,
    filters: int,
    *,
    name: str,
    kernel_size: int | tuple[int, int] = 3,
    strides: int = 1,
    padding: str = "same",
    activation: str | None = "relu",
    batch_norm: bool = False,
    use_bias: bool = True,
):
    """Convolution, then optional batch normalisation, then the activation.

    Without batch normalisation the activation is fused into the ``Conv2D`` layer (as in
    ``keras.applications.VGG16``), so the layer table has one row per convolution, like the
    lecture's VGG table. With it, the layers are ``{name}``, ``{name}_bn`` and ``{name}_relu``.

    Args:
        x: input tensor ``(N, H, W, C)``.
        filters: number of output channels.
        name: name of the convolution layer and prefix of the others.
        kernel_size, strides, padding, use_bias: as in ``keras.layers.Conv2D``.
        activation: activation name, or ``None`` for a linear block.
        batch_norm: insert ``BatchNormalization`` between convolution and activation.

    Returns:
        The output tensor ``(N, H', W', filters)``.

    Example:
        >>> import keras
        >>> conv_block(keras.Input((32, 32, 3)), 64, name="block1_conv1").shape
        (None, 32, 32, 64)
    """
    positive_int("filters", filters)
    if not batch_norm:
        return layers.Conv2D(
            filters, kernel_size, strides=strides, padding=padding, activation=activation,
            use_bias=use_bias, name=name,
        )(x)  # fmt: skip
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name
    )(x)
    x = layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_{activation}")(x)
    return x


def _shortcut(x, channels: int, strides: int, name: str):
    """Identity when shapes agree, else a 1x1 projection with batch norm (option B of He et al.)."""
    if strides == 1 and x.shape[-1] == channels:
        return x
    x = layers.Conv2D(channels, 1, strides=strides, name=f"{name}_shortcut_conv")(x)
    return layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=f"{name}_shortcut_bn")(x)


def residual_block(x, filters: int, *, name: str, strides: int = 1):
    """The basic residual block of ResNet-18/34: two 3x3 convolutions and a shortcut.

    ``output = relu(x' + F(x))`` where ``F`` is conv-bn-relu-conv-bn and ``x'`` is ``x`` itself
    or, when the stride or channel count changes, a 1x1 projection of it.

    Args:
        x: input tensor ``(N, H, W, C)``.
        filters: channels of both convolutions and of the output.
        name: prefix of every layer (``stage2_block1`` gives ``stage2_block1_conv1`` ...).
        strides: stride of the first convolution and of the projection.

    Returns:
        ``(N, ceil(H / strides), ceil(W / strides), filters)``.

    Example:
        >>> import keras
        >>> residual_block(keras.Input((32, 32, 16)), 32, strides=2, name="stage2_block1").shape
        (None, 16, 16, 32)
    """
    shortcut = _shortcut(x, filters, strides, name)
    y = conv_block(x, filters, strides=strides, batch_norm=True, name=f"{name}_conv1")
    y = conv_block(y, filters, batch_norm=True, activation=None, name=f"{name}_conv2")
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def bottleneck_block(x, filters: int, *, name: str, strides: int = 1, expansion: int = 4):
    """The bottleneck residual block of ResNet-50/101/152: 1x1 reduce, 3x3, 1x1 expand.

    As in the original paper and ``keras.applications.ResNet50`` (v1), the stride sits on the
    first 1x1 convolution and the output has ``expansion * filters`` channels.

    Args:
        x: input tensor ``(N, H, W, C)``.
        filters: channels of the two inner convolutions.
        name: prefix of every layer.
        strides: stride of the first convolution and of the projection.
        expansion: output channels are ``expansion * filters``.

    Returns:
        ``(N, ceil(H / strides), ceil(W / strides), expansion * filters)``.

    Example:
        >>> import keras
        >>> bottleneck_block(keras.Input((56, 56, 64)), 64, name="stage2_block1").shape
        (None, 56, 56, 256)
    """
    channels = expansion * positive_int("filters", filters)
    shortcut = _shortcut(x, channels, strides, name)
    y = conv_block(
        x, filters, kernel_size=1, strides=strides, batch_norm=True, name=f"{name}_conv1"
    )
    y = conv_block(y, filters, batch_norm=True, name=f"{name}_conv2")
    y = conv_block(
        y, channels, kernel_size=1, batch_norm=True, activation=None, name=f"{name}_conv3"
    )
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def inception_module(
    x,
    *,
    name: str,
    filters_1x1: int,
    filters_3x3_reduce: int,
    filters_3x3: int,
    filters_5x5_reduce: int,
    filters_5x5: int,
    filters_pool_projection: int,
):
    """The GoogLeNet inception module: four parallel branches concatenated along channels.

    Branches: 1x1; 1x1 reduce then 3x3; 1x1 reduce then 5x5; 3x3 max-pool then 1x1 projection.
    The 1x1 reductions are what keep the 3x3 and 5x5 convolutions cheap (Szegedy et al., 2014).

    Args:
        x: input tensor ``(N, H, W, C)``.
        name: prefix of every layer (``{name}_3x3_reduce``, ``{name}_concat`` ...).
        filters_*: output channels of each convolution, named as in Table 1 of the paper.

    Returns:
        ``(N, H, W, filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_projection)``.

    Example:
        >>> import keras
        >>> inception_module(keras.Input((28, 28, 192)), name="inception3a", filters_1x1=64,
        ...     filters_3x3_reduce=96, filters_3x3=128, filters_5x5_reduce=16, filters_5x5=32,
        ...     filters_pool_projection=32).shape
        (None, 28, 28, 256)
    """
    branch_1 = conv_block(x, filters_1x1, kernel_size=1, name=f"{name}_1x1")
    branch_3 = conv_block(x, filters_3x3_reduce, kernel_size=1, name=f"{name}_3x3_reduce")
    branch_3 = conv_block(branch_3, filters_3x3, kernel_size=3, name=f"{name}_3x3")
    branch_5 = conv_block(x, filters_5x5_reduce, kernel_size=1, name=f"{name}_5x5_reduce")
    branch_5 = conv_block(branch_5, filters_5x5, kernel_size=5, name=f"{name}_5x5")
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = conv_block(
        branch_pool, filters_pool_projection, kernel_size=1, name=f"{name}_pool_projection"
    )
    return layers.Concatenate(name=f"{name}_concat")([branch_1, branch_3, branch_5, branch_pool])


def separable_block(x, filters: int, *, name: str, strides: int = 1, kernel_size: int = 3):
    """A depthwise-separable convolution as two visible layers (MobileNet v1 style).

    The depthwise layer filters each input channel on its own (``k*k*C`` weights); the pointwise
    1x1 layer mixes channels (``C*filters`` weights). Together they cost about
    ``1/filters + 1/k**2`` of a full ``k x k`` convolution. Each is followed by batch norm and ReLU.

    Args:
        x: input tensor ``(N, H, W, C)``.
        filters: output channels of the pointwise convolution.
        name: prefix of every layer (``{name}_depthwise``, ``{name}_pointwise`` ...).
        strides: stride of the depthwise convolution.
        kernel_size: side of the depthwise kernel.

    Returns:
        ``(N, ceil(H / strides), ceil(W / strides), filters)``.

    Example:
        >>> import keras
        >>> separable_block(keras.Input((32, 32, 32)), 64, strides=2, name="block1").shape
        (None, 16, 16, 64)
    """
    positive_int("filters", filters)
    x = layers.DepthwiseConv2D(
        kernel_size, strides=strides, padding="same", use_bias=False, name=f"{name}_depthwise"
    )(x)
    x = layers.BatchNormalization(epsilon=BATCH_NORM_EPSILON, name=f"{name}_depthwise_bn")(x)
    x = layers.Activation("relu", name=f"{name}_depthwise_relu")(x)
    return conv_block(
        x, filters, kernel_size=1, batch_norm=True, use_bias=False, name=f"{name}_pointwise"
    )


__all__ = [
    "bottleneck_block",
    "conv_block",
    "inception_module",
    "residual_block",
    "separable_block",
]
