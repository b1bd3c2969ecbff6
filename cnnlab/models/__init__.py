"""The architectures of the lecture as keyword-only builders, and a registry to find them by name.

Every builder returns a Functional ``keras.Model`` whose layers are named after where they sit
(``block3_conv2``, ``stage4_block2_add``), so ``cnnlab.inspect.layer_table`` reads like the paper.
Builders check the input geometry before Keras does and raise a ``ValueError`` that names the
block where the spatial size reaches zero and the smallest input that works.

Example:
    >>> list_models()[:3]
    ['alexnet', 'lenet5', 'mini_inception']
    >>> get_model("resnet50").count_params()
    25636712
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import keras

from .alexnet import alexnet
from .blocks import (
    bottleneck_block,
    conv_block,
    inception_module,
    residual_block,
    separable_block,
)
from .inception import mini_inception
from .lenet import lenet5
from .resnet import mini_resnet, resnet
from .separable import separable_cnn
from .simple import simple_cnn
from .vgg import vgg16

_REGISTRY: dict[str, Callable[..., keras.Model]] = {
    "alexnet": alexnet,
    "lenet5": lenet5,
    "mini_inception": mini_inception,
    "mini_resnet": mini_resnet,
    **{f"resnet{depth}": partial(resnet, depth=depth) for depth in (18, 34, 50, 101, 152)},
    "separable_cnn": separable_cnn,
    "simple_cnn": simple_cnn,
    "vgg16": vgg16,
}


def list_models() -> list[str]:
    """Names accepted by :func:`get_model`, sorted.

    Example:
        >>> "vgg16" in list_models()
        True
    """
    return sorted(_REGISTRY)


def get_model(name: str, **kwargs) -> keras.Model:
    """Build the registered model ``name`` with the builder's keyword arguments.

    Args:
        name: one of :func:`list_models` (``"resnet50"`` is ``resnet(depth=50)``).
        **kwargs: passed to the builder, e.g. ``input_shape=(32, 32, 3), num_classes=10``.

    Returns:
        A new ``keras.Model``.

    Raises:
        ValueError: if ``name`` is not registered (the message lists the valid names), or the
            builder rejects an argument.

    Example:
        >>> get_model("lenet5", num_classes=10).output_shape
        (None, 10)
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"`name` must be one of {', '.join(list_models())}. Got {name!r}.")
    builder = _REGISTRY[name]
    if name.startswith("resnet") and "depth" in kwargs:
        raise TypeError(f"`depth` is fixed by the name {name!r}; use resnet(depth=...) instead.")
    return builder(**kwargs)


__all__ = [
    "alexnet",
    "bottleneck_block",
    "conv_block",
    "get_model",
    "inception_module",
    "lenet5",
    "list_models",
    "mini_inception",
    "mini_resnet",
    "residual_block",
    "resnet",
    "separable_block",
    "separable_cnn",
    "simple_cnn",
    "vgg16",
]
