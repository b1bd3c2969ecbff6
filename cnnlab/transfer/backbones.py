"""The backbone registry: pretrained networks by name, with their weights found offline.

``load_backbone("resnet50")`` builds ``keras.applications.ResNet50`` and loads its ImageNet
weights from the file cnnlab's asset manager keeps in Keras' cache (``cnnlab data fetch
resnet50-weights``); it never downloads. A missing or damaged file raises ``WeightsNotFound``
with what to do. ``tiny`` is our own small CNN pretrained on real photographs (see
``cnnlab.transfer.tiny`` and ``cnnlab/resources/models/tiny.md``); it ships inside the package.

Example:
    >>> backbone = load_backbone("tiny")
    >>> backbone.model.output_shape, backbone.input_shape
    ((None, 128), (32, 32, 3))
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import keras
import numpy as np

from cnnlab.assets import asset_status
from cnnlab.transfer.preprocessing import preprocess_array
from cnnlab.transfer.tiny import TINY_INPUT_SHAPE, load_tiny

__all__ = ["BACKBONES", "Backbone", "WeightsNotFound", "list_backbones", "load_backbone"]


class WeightsNotFound(FileNotFoundError):
    """Pretrained weights are not on this machine (or are damaged); the message says how to get them."""


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one registered backbone and prepare its inputs."""

    constructor: str  # keras.applications class name, or "tiny"
    input_shape: tuple[int, int, int]  # the pretraining resolution
    mode: str  # preprocessing mode, see cnnlab.transfer.preprocessing
    asset: str | None  # cnnlab.assets name of the ImageNet weights without the classifier
    top_asset: str | None  # ... and with it (include_top=True)


BACKBONES: dict[str, BackboneSpec] = {
    "resnet50": BackboneSpec(
        "ResNet50", (224, 224, 3), "caffe", "resnet50-weights", "resnet50-top-weights"
    ),
    "vgg16": BackboneSpec("VGG16", (224, 224, 3), "caffe", "vgg16-weights", "vgg16-top-weights"),
    "mobilenetv2": BackboneSpec(
        "MobileNetV2", (224, 224, 3), "tf", "mobilenetv2-weights", "mobilenetv2-top-weights"
    ),
    "efficientnetb0": BackboneSpec(
        "EfficientNetB0",
        (224, 224, 3),
        "none",
        "efficientnetb0-weights",
        "efficientnetb0-top-weights",
    ),
    "tiny": BackboneSpec("tiny", TINY_INPUT_SHAPE, "unit", None, None),
}


@dataclass(frozen=True)
class Backbone:
    """A network to reuse: ``model`` maps preprocessed images to features (or class scores).

    ``preprocess(images)`` takes pixels in [0, 255] and returns a new array ready for ``model``;
    ``mode`` names the transform (for ``cnnlab.transfer.Preprocess``); ``weights`` says where
    the weights came from (``"imagenet"``, ``"pretrained"``, a file path, or ``None``).
    """

    name: str
    model: keras.Model
    preprocess: Callable[[np.ndarray], np.ndarray]
    input_shape: tuple[int, int, int]
    mode: str = "none"
    weights: str | None = None


def list_backbones() -> list[str]:
    """Names accepted by ``load_backbone``, sorted.

    Example:
        >>> list_backbones()
        ['efficientnetb0', 'mobilenetv2', 'resnet50', 'tiny', 'vgg16']
    """
    return sorted(BACKBONES)


def load_backbone(
    name: str,
    *,
    weights: str | os.PathLike | None = "imagenet",
    include_top: bool = False,
    pooling: str | None = "avg",
    input_shape: tuple[int, int, int] | None = None,
) -> Backbone:
    """Build a registered backbone with its pretrained weights, offline.

    Args:
        name: one of ``list_backbones()``.
        weights: ``"imagenet"`` (the pretrained weights; for ``tiny``, which is pretrained on
            photo patches, ``"imagenet"`` and ``"pretrained"`` both mean its shipped weights),
            ``None`` (random initialisation), or the path of a weights file.
        include_top: keep the classifier (ImageNet's 1,000 classes; ``tiny``'s 5 photographs).
        pooling: ``"avg"``, ``"max"`` or ``None`` (the last feature map), without the top.
        input_shape: ``(height, width, 3)``; default the pretraining resolution.

    Returns:
        A ``Backbone``.

    Raises:
        ValueError: unknown name or bad argument.
        WeightsNotFound: ``"imagenet"`` weights missing or damaged in the cache; the message
            names the file, its URL, the folder and the ``cnnlab data fetch`` command.

    Example:
        >>> load_backbone("mobilenetv2", weights=None, input_shape=(96, 96, 3)).model.output_shape
        (None, 1280)
    """
    if name not in BACKBONES:
        raise ValueError(f"`name` must be one of {', '.join(list_backbones())}. Got {name!r}.")
    if pooling not in ("avg", "max", None):
        raise ValueError(f"`pooling` must be 'avg', 'max' or None. Got {pooling!r}.")
    spec = BACKBONES[name]
    shape = _check_input_shape(input_shape, spec)
    if include_top and shape != spec.input_shape:
        raise ValueError(
            f"`input_shape` must be {spec.input_shape} with include_top=True (the classifier "
            f"expects it). Got {shape}."
        )
    if weights is not None and not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"`weights` must be 'imagenet', None or a file path. Got {weights!r}.")
    if name == "tiny":
        model = load_tiny(
            weights=weights, include_top=include_top, pooling=pooling, input_shape=shape
        )
    else:
        path = None if weights is None else _weights_file(name, spec, weights, include_top)
        constructor = getattr(keras.applications, spec.constructor)
        options = {"classes": 1000} if include_top else {"pooling": pooling}
        model = constructor(include_top=include_top, weights=path, input_shape=shape, **options)
    label = None if weights is None else os.fspath(weights)
    return Backbone(name, model, partial(preprocess_array, mode=spec.mode), shape, spec.mode, label)


def _check_input_shape(input_shape, spec: BackboneSpec) -> tuple[int, int, int]:
    if input_shape is None:
        return spec.input_shape
    shape = tuple(input_shape)
    if (
        len(shape) != 3
        or shape[2] != 3
        or not all(isinstance(s, (int, np.integer)) and s >= 32 for s in shape[:2])
    ):
        raise ValueError(
            f"`input_shape` must be (height, width, 3) with sides of at least 32. Got {input_shape!r}."
        )
    return (int(shape[0]), int(shape[1]), 3)


def _weights_file(name: str, spec: BackboneSpec, weights, include_top: bool) -> str:
    """The verified local file holding the weights; never downloads."""
    if weights not in ("imagenet", "pretrained"):
        path = Path(weights)
        if not path.is_file():
            raise ValueError(
                f"`weights` must be 'imagenet', None or an existing weights file. Got {str(weights)!r}."
            )
        return str(path)
    status = asset_status(spec.top_asset if include_top else spec.asset)
    if status.state == "present":
        return str(status.path)
    asset = status.asset
    raise WeightsNotFound(
        f"The ImageNet weights of {name} ({'with' if include_top else 'without'} the classifier) "
        f"are not usable: {status.path} is {status.detail}. cnnlab never downloads while "
        f"building a model; run `cnnlab data fetch {asset.name}` on a machine with internet, or "
        f"download {asset.url} elsewhere and install it with `cnnlab data fetch {asset.name} "
        f"--from DIR` (the file belongs in {status.path.parent}/). Meanwhile, "
        f"load_backbone({name!r}, weights=None) builds the same network with random weights."
    )
