"""Convolution from scratch in numpy, provably the same computation as Keras' layers.

The lesson and the test oracle at once: read :func:`conv2d_naive` to see what a convolution layer
computes, use :func:`conv2d` (same result, vectorised) to check a Keras model or a student's answer.
Nothing here imports TensorFlow except :func:`fixed_conv2d`, which returns a Keras layer.

- ``convolution``: :func:`conv2d`, :func:`conv2d_naive`, :func:`convolve2d`, :func:`conv1d`
- ``pooling``: :func:`max_pool2d`, :func:`avg_pool2d`
- ``geometry``: :func:`output_size` = ``floor((W - F + 2P) / S) + 1``, :func:`same_padding`
- ``parameters``: :func:`conv_param_count` = ``(F * F * C_in + 1) * C_out`` and friends
- ``kernels``: :data:`KERNELS`, :func:`fixed_conv2d`, :func:`sample_image_5x5`

Example:
    >>> from cnnlab.conv import conv2d, conv_param_count, output_size, sample_image_5x5
    >>> image, kernel = sample_image_5x5()
    >>> conv2d(image, kernel).tolist()
    [[12.0, 12.0, 17.0], [10.0, 17.0, 19.0], [9.0, 6.0, 14.0]]
    >>> output_size(227, 11, stride=4), conv_param_count(11, 3, 96)
    (55, 34944)
"""

from cnnlab.conv.convolution import conv1d, conv2d, conv2d_naive, convolve2d
from cnnlab.conv.geometry import output_size, same_padding
from cnnlab.conv.kernels import KERNELS, fixed_conv2d, sample_image_5x5
from cnnlab.conv.parameters import (
    conv_param_count,
    dense_param_count,
    depthwise_param_count,
    separable_param_count,
)
from cnnlab.conv.pooling import avg_pool2d, max_pool2d

__all__ = [
    "KERNELS",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv2d_naive",
    "conv_param_count",
    "convolve2d",
    "dense_param_count",
    "depthwise_param_count",
    "fixed_conv2d",
    "max_pool2d",
    "output_size",
    "same_padding",
    "sample_image_5x5",
    "separable_param_count",
]
