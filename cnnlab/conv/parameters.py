"""How many weights a layer learns: standard, depthwise and separable convolutions, dense layers.

A convolution shares one ``(F, F, C_in)`` kernel (plus a bias) across all positions of the image, so
its count does not depend on the image size: ``(F * F * C_in + 1) * C_out``. A dense layer
connecting the same input and output activations needs a weight per pair of values. AlexNet's first
layer makes the point: 96 kernels of 11 x 11 x 3 have 34,944 parameters, while a dense layer from
the 227 x 227 x 3 image to the 55 x 55 x 96 output needs about 44.9e9 (the slides' 43.7e9 counts a
224 x 224 x 3 input, which an 11 x 11 stride-4 convolution cannot turn into 55 x 55).
"""

from __future__ import annotations

from collections.abc import Sequence

from cnnlab.conv.geometry import count, positive_ints

__all__ = [
    "conv_param_count",
    "dense_param_count",
    "depthwise_param_count",
    "separable_param_count",
]


def _area(kernel_size: int | Sequence[int]) -> int:
    height, width = positive_ints(kernel_size, "kernel_size", 2)
    return height * width


def conv_param_count(
    kernel_size: int | Sequence[int], in_channels: int, out_channels: int, *, use_bias: bool = True
) -> int:
    """Parameters of a ``keras.layers.Conv2D``: ``(F * F * C_in + 1) * C_out``.

    Args:
        kernel_size: ``F``, or ``(kh, kw)`` for a rectangular kernel.
        in_channels: ``C_in``, channels of the input.
        out_channels: ``C_out``, the number of filters.
        use_bias: whether each filter has a bias (the ``+ 1``), as in Keras.

    Returns:
        The number of weights and biases.

    Raises:
        ValueError: a size or channel count that is not a positive int.

    Example:
        >>> conv_param_count(11, 3, 96)   # AlexNet conv1, kernel (11, 11, 3, 96)
        34944
    """
    area = _area(kernel_size)
    c_in = count(in_channels, "in_channels")
    c_out = count(out_channels, "out_channels")
    return (area * c_in + int(use_bias)) * c_out


def depthwise_param_count(
    kernel_size: int | Sequence[int],
    in_channels: int,
    *,
    depth_multiplier: int = 1,
    use_bias: bool = True,
) -> int:
    """Parameters of a ``keras.layers.DepthwiseConv2D``: ``(F * F + 1) * C_in * M``.

    Each input channel gets its own ``depth_multiplier`` (``M``) kernels of ``F x F``; channels are
    not mixed, so there are ``C_in * M`` outputs, each with a bias.

    Args:
        kernel_size: ``F``, or ``(kh, kw)``.
        in_channels: ``C_in``.
        depth_multiplier: ``M``, kernels per input channel.
        use_bias: whether each output channel has a bias.

    Returns:
        The number of weights and biases.

    Raises:
        ValueError: a size, channel count or multiplier that is not a positive int.

    Example:
        >>> depthwise_param_count(3, 32)
        320
    """
    area = _area(kernel_size)
    channels = count(in_channels, "in_channels") * count(depth_multiplier, "depth_multiplier")
    return (area + int(use_bias)) * channels


def separable_param_count(
    kernel_size: int | Sequence[int],
    in_channels: int,
    out_channels: int,
    *,
    depth_multiplier: int = 1,
    use_bias: bool = True,
) -> int:
    """Parameters of a ``keras.layers.SeparableConv2D``: depthwise ``F x F`` then pointwise ``1 x 1``.

    That is ``F * F * C_in * M + C_in * M * C_out`` weights plus ``C_out`` biases (Keras puts the
    bias on the pointwise step only), against ``(F * F * C_in + 1) * C_out`` for a full conv.

    Args:
        kernel_size: ``F``, or ``(kh, kw)``.
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        depth_multiplier: ``M``, depthwise kernels per input channel.
        use_bias: whether the output channels have a bias.

    Returns:
        The number of weights and biases.

    Raises:
        ValueError: a size, channel count or multiplier that is not a positive int.

    Example:
        >>> separable_param_count(3, 64, 128), conv_param_count(3, 64, 128)
        (8896, 73856)
    """
    area = _area(kernel_size)
    c_in = count(in_channels, "in_channels")
    c_out = count(out_channels, "out_channels")
    depthwise = c_in * count(depth_multiplier, "depth_multiplier")
    return area * depthwise + depthwise * c_out + int(use_bias) * c_out


def dense_param_count(
    in_features: int | Sequence[int], out_features: int | Sequence[int], *, use_bias: bool = True
) -> int:
    """Parameters of a ``keras.layers.Dense`` from ``in_features`` to ``out_features`` values.

    Either side may be given as an activation shape, whose values are counted (flattened), which is
    how the dense layer "equivalent" to a convolution is sized.

    Args:
        in_features: number of inputs, or an input shape such as ``(224, 224, 3)``.
        out_features: number of outputs, or an output shape such as ``(55, 55, 96)``.
        use_bias: whether each output has a bias.

    Returns:
        ``(in + 1) * out`` with a bias, ``in * out`` without.

    Raises:
        ValueError: a size that is not a positive int or a shape of positive ints.

    Example:
        >>> dense_param_count((224, 224, 3), (55, 55, 96))   # vs 34,944 for AlexNet's conv1
        43713621600
    """
    n_in = count(in_features, "in_features")
    n_out = count(out_features, "out_features")
    return (n_in + int(use_bias)) * n_out
