"""Registry of the files cnnlab can use but does not ship: ImageNet weights and public datasets.

Each asset is a file with a name, a download address and a checksum. Weights live in Keras' own
cache (``$KERAS_HOME/models``, default ``~/.keras/models``) so that ``keras.applications`` finds
them without a network; datasets live in Keras' dataset cache (``$KERAS_HOME/datasets``).
This module only knows where files are and whether they are intact; it never downloads.

Example:
    >>> from cnnlab.assets import asset_status
    >>> asset_status("resnet50-weights").state in {"present", "missing", "corrupt"}
    True
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class Asset:
    """One downloadable file: where it comes from, where Keras looks for it, how to check it."""

    name: str
    filename: str
    url: str
    cache_subdir: str  # "models" or "datasets", under KERAS_HOME
    checksum: (
        str | None
    )  # md5 (32 hex) or sha256 (64 hex), as published by Keras; None if unpublished
    description: str


ASSETS: dict[str, Asset] = {
    a.name: a
    for a in (
        Asset(
            "resnet50-weights",
            "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            _KERAS_APPS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "models",
            "4d473c1dd8becc155b73f8504c6f6626",
            "ResNet-50 ImageNet weights without the classifier (91 MB)",
        ),
        Asset(
            "vgg16-weights",
            "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "models",
            "6d6bbae143d832006294945121d1f1fc",
            "VGG-16 ImageNet weights without the classifier (56 MB)",
        ),
        Asset(
            "mobilenetv2-weights",
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
            _KERAS_APPS
            + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
            "models",
            None,  # Keras publishes no hash for MobileNetV2; a truncated file fails inside h5py
            "MobileNetV2 ImageNet weights without the classifier (9 MB)",
        ),
        Asset(
            "efficientnetb0-weights",
            "efficientnetb0_notop.h5",
            "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
            "models",
            "50bc09e76180e00e4465e1a485ddc09d",
            "EfficientNet-B0 ImageNet weights without the classifier (16 MB)",
        ),
        Asset(
            "mnist",
            "mnist.npz",
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
            "datasets",
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            "MNIST handwritten digits, 70,000 images 28x28 (11 MB)",
        ),
    )
}


def keras_home() -> Path:
    """Keras' cache folder: ``$KERAS_HOME`` if set, else ``~/.keras`` (Keras' own rule)."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras")


def asset_path(name: str) -> Path:
    """Where Keras looks for the asset ``name`` (the file may not exist)."""
    asset = get_asset(name)
    return keras_home() / asset.cache_subdir / asset.filename


def get_asset(name: str) -> Asset:
    """The registered asset called ``name``; raises ``ValueError`` listing valid names."""
    try:
        return ASSETS[name]
    except KeyError:
        raise ValueError(
            f"`name` must be one of {', '.join(sorted(ASSETS))}. Got {name!r}."
        ) from None


def file_checksum(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class AssetStatus:
    asset: Asset
    path: Path
    state: str  # "present", "missing" or "corrupt"
    detail: str


def asset_status(name: str, *, verify: bool = True) -> AssetStatus:
    """Whether the asset is in the cache and, when ``verify`` and a checksum is known, intact."""
    asset = get_asset(name)
    path = asset_path(name)
    if not path.is_file():
        return AssetStatus(asset, path, "missing", f"not in {path.parent}")
    size = path.stat().st_size
    if size == 0:
        return AssetStatus(asset, path, "corrupt", "empty file")
    if verify and asset.checksum:
        algorithm = "md5" if len(asset.checksum) == 32 else "sha256"
        if file_checksum(path, algorithm) != asset.checksum:
            return AssetStatus(asset, path, "corrupt", f"{algorithm} does not match (truncated?)")
    return AssetStatus(asset, path, "present", f"{size / 1e6:.1f} MB")
