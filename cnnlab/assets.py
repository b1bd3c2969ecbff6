"""Registry of the files cnnlab can use but does not ship: ImageNet weights and public datasets.

Each asset is one file with a name, a download address, its published size and, where one is
published, a checksum. Where the files live (the cache layout, also in ``data/README.md``):

- Weights and the ImageNet class index go to Keras' own cache, ``$KERAS_HOME/models`` (default
  ``~/.keras/models``), under the file names ``keras.applications`` asks for, so Keras finds
  them there without a network.
- Datasets go to ``$CNNLAB_DATA`` if set; otherwise to ``data/cache/`` of the source checkout
  when cnnlab runs from one (the folder is git-ignored); otherwise to ``$KERAS_HOME/datasets``,
  which is where ``keras.datasets`` looks (so ``keras.datasets.mnist.load_data()`` finds MNIST).
  From a checkout, ``keras.datasets.mnist.load_data(path=str(fetch("mnist")))`` reads our copy.

This module only knows where files are and whether they are intact; ``cnnlab.download`` fetches.

Example:
    >>> from cnnlab.assets import asset_status
    >>> asset_status("resnet50-weights").state in {"present", "missing", "corrupt"}
    True
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cnnlab.settings import data_home, keras_home

_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"
_KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class Asset:
    """One downloadable file: where it comes from, where it is cached, how to check it.

    ``filename`` is the path relative to the cache folder (it may hold a subfolder, as
    ``fashion-mnist/train-images-idx3-ubyte.gz`` does, matching ``keras.datasets``). ``checksum``
    is md5 (32 hex digits) or sha256 (64), as published; ``None`` when nobody publishes one, and
    then ``size`` plus a structural check of the file (zip directory, HDF5 end of file) catch a
    truncated copy.
    """

    name: str
    filename: str
    url: str
    cache_subdir: str  # "models" (Keras' weights cache) or "datasets" (see data_home())
    checksum: str | None
    description: str
    size: int | None = None  # bytes, as served by the publisher

    @property
    def algorithm(self) -> str | None:
        """``"md5"`` or ``"sha256"`` from the checksum length; ``None`` without a checksum."""
        if self.checksum is None:
            return None
        return "md5" if len(self.checksum) == 32 else "sha256"


ASSETS: dict[str, Asset] = {
    a.name: a
    for a in (
        Asset(
            "resnet50-weights",
            "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            _KERAS_APPS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "models",
            "4d473c1dd8becc155b73f8504c6f6626",
            "ResNet-50 ImageNet weights without the classifier (95 MB)",
            94765736,
        ),
        Asset(
            "vgg16-weights",
            "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "models",
            "6d6bbae143d832006294945121d1f1fc",
            "VGG-16 ImageNet weights without the classifier (59 MB)",
            58889256,
        ),
        Asset(
            "mobilenetv2-weights",
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
            _KERAS_APPS
            + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
            "models",
            None,  # Keras publishes no hash: the size and an HDF5 open catch a truncated file
            "MobileNetV2 ImageNet weights without the classifier (9 MB)",
            9406464,
        ),
        Asset(
            "efficientnetb0-weights",
            "efficientnetb0_notop.h5",
            "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5",
            "models",
            "50bc09e76180e00e4465e1a485ddc09d",
            "EfficientNet-B0 ImageNet weights without the classifier (17 MB)",
            16705208,
        ),
        # The same networks with their 1,000-class classifier (load_backbone(..., include_top=True)).
        Asset(
            "resnet50-top-weights",
            "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
            _KERAS_APPS + "resnet/resnet50_weights_tf_dim_ordering_tf_kernels.h5",
            "models",
            "2cb95161c43110f7111970584f804107",
            "ResNet-50 ImageNet weights with the classifier (103 MB)",
            102853048,
        ),
        Asset(
            "vgg16-top-weights",
            "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            "models",
            "64373286793e3c8b2b4e3219cbf3544b",
            "VGG-16 ImageNet weights with the classifier (553 MB)",
            553467096,
        ),
        Asset(
            "mobilenetv2-top-weights",
            "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
            _KERAS_APPS + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
            "models",
            None,  # no published hash: the size and an HDF5 open catch a truncated file
            "MobileNetV2 ImageNet weights with the classifier (15 MB; lab 02 uses them)",
            14536120,
        ),
        Asset(
            "efficientnetb0-top-weights",
            "efficientnetb0.h5",
            "https://storage.googleapis.com/keras-applications/efficientnetb0.h5",
            "models",
            "902e53a9f72be733fc0bcb005b3ebbac",
            "EfficientNet-B0 ImageNet weights with the classifier (22 MB)",
            None,
        ),
        Asset(
            "imagenet-class-index",
            "imagenet_class_index.json",
            "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
            "models",
            "c2c37ea517e94d9795004a39431a14cb",
            "ImageNet class index used by decode_predictions (35 kB)",
            35363,
        ),
        Asset(
            "mnist",
            "mnist.npz",
            _KERAS_DATASETS + "mnist.npz",
            "datasets",
            "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            "MNIST handwritten digits, 70,000 images 28x28 (11 MB)",
            11490434,
        ),
        *(
            Asset(
                f"fashion-mnist-{part}",
                f"fashion-mnist/{filename}",
                _KERAS_DATASETS + filename,
                "datasets",
                md5,
                f"Fashion-MNIST {what}",
                size,
            )
            for part, filename, md5, size, what in (
                (
                    "train-images",
                    "train-images-idx3-ubyte.gz",
                    "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                    26421880,
                    "training images, 60,000 28x28 (26 MB)",
                ),
                (
                    "train-labels",
                    "train-labels-idx1-ubyte.gz",
                    "25c81989df183df01b3e8a0aad5dffbe",
                    29515,
                    "training labels (30 kB)",
                ),
                (
                    "test-images",
                    "t10k-images-idx3-ubyte.gz",
                    "bef4ecab320f06d8554ea6380940ec79",
                    4422102,
                    "test images, 10,000 28x28 (4 MB)",
                ),
                (
                    "test-labels",
                    "t10k-labels-idx1-ubyte.gz",
                    "bb300cfdad3c16e7a12a480ee83cd310",
                    5148,
                    "test labels (5 kB)",
                ),
            )
        ),
        Asset(
            "cifar10",
            "cifar-10-python.tar.gz",
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
            "datasets",
            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            "CIFAR-10, 60,000 colour images 32x32 in 10 classes (170 MB)",
            170498071,
        ),
        Asset(
            "cats-vs-dogs",
            "kagglecatsanddogs_5340.zip",
            "https://download.microsoft.com/download/3/E/1/"
            "3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip",
            "datasets",
            None,  # Microsoft publishes no checksum: the size and the zip directory are checked
            "Microsoft's cats-vs-dogs photos, 25,000 JPEGs, some corrupt (825 MB)",
            824887076,
        ),
    )
}

# Names that stand for several assets; `fetch` and `cnnlab data fetch` accept them too.
COLLECTIONS: dict[str, tuple[str, ...]] = {
    "fashion-mnist": tuple(n for n in ASSETS if n.startswith("fashion-mnist-")),
    "imagenet": tuple(
        n for n, a in ASSETS.items() if a.cache_subdir == "models" and "-top-" not in n
    ),
    "imagenet-top": tuple(n for n in ASSETS if "-top-" in n),
    # What the notebooks and labs can use (`make data`): "all" adds the other classifiers (680 MB).
    "course": tuple(n for n in ASSETS if "-top-" not in n or n == "mobilenetv2-top-weights"),
    "datasets": tuple(n for n, a in ASSETS.items() if a.cache_subdir == "datasets"),
    "all": tuple(ASSETS),
}


def get_asset(name: str) -> Asset:
    """The registered asset called ``name``; raises ``ValueError`` listing valid names."""
    try:
        return ASSETS[name]
    except KeyError:
        raise ValueError(
            f"`name` must be one of {', '.join(sorted(ASSETS))}. Got {name!r}."
        ) from None


def resolve(name: str) -> tuple[Asset, ...]:
    """The assets a name stands for: one asset, or every member of a collection."""
    if name in COLLECTIONS:
        return tuple(get_asset(member) for member in COLLECTIONS[name])
    if name not in ASSETS:
        valid = ", ".join([*sorted(ASSETS), *sorted(COLLECTIONS)])
        raise ValueError(f"`name` must be an asset or a collection, one of {valid}. Got {name!r}.")
    return (ASSETS[name],)


def asset_path(name: str) -> Path:
    """Where the asset ``name`` is cached (the file may not exist)."""
    asset = get_asset(name)
    folder = keras_home() / "models" if asset.cache_subdir == "models" else data_home()
    return folder / asset.filename


def file_checksum(path: Path, algorithm: str) -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Files whose checksum matched in this process, by what `stat` says of them: such a file is not
# read again (load_backbone checks its weights on every call: 0.2 s for ResNet-50's 95 MB) until
# its inode, size, modification or change time differ. Only matches are remembered.
_VERIFIED: set[tuple] = set()


def _stat_key(path: Path, info: os.stat_result, checksum: str) -> tuple:
    return (
        str(path.resolve()), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
        info.st_ctime_ns, checksum,
    )  # fmt: skip


def check_file(asset: Asset, path: Path) -> str | None:
    """Why ``path`` is not a good copy of ``asset`` (one line), or ``None`` when it is.

    Checks, in order: the file exists and is not empty, its size is the published size, its
    checksum matches (a file that matched before in this process and whose ``stat`` is unchanged
    is not read again); without a checksum, a zip archive must open (its directory sits at the
    end, so a cut-short copy fails) and an HDF5 file must open (HDF5 records its own length).
    """
    path = Path(path)
    if not path.is_file():
        return "not a file"
    info = path.stat()
    size = info.st_size
    if size == 0:
        return "empty file (0 bytes)"
    if asset.size is not None and size != asset.size:
        return f"{size} bytes, expected {asset.size} (truncated, or another version)"
    if asset.checksum is not None:
        seen = _stat_key(path, info, asset.checksum)
        if seen in _VERIFIED:
            return None
        actual = file_checksum(path, asset.algorithm)
        if actual != asset.checksum:
            return f"{asset.algorithm} {actual} does not match the published {asset.checksum}"
        _VERIFIED.add(seen)
        return None
    if asset.filename.endswith(".zip"):
        try:
            with zipfile.ZipFile(path):
                pass
        except (zipfile.BadZipFile, OSError) as error:
            return f"not a complete zip archive ({error})"
    if asset.filename.endswith(".h5"):
        import h5py  # installed with Keras; imported here because it is slow to load

        try:
            with h5py.File(path, "r"):
                pass
        except OSError as error:
            return f"not a complete HDF5 file ({str(error).splitlines()[0]})"
    return None


@dataclass(frozen=True)
class AssetStatus:
    asset: Asset
    path: Path
    state: str  # "present", "missing" or "corrupt"
    detail: str


def asset_status(name: str, *, verify: bool = True) -> AssetStatus:
    """Whether the asset is in the cache and intact: ``verify`` runs ``check_file`` (checksums
    included), otherwise only the size is compared with the published one."""
    asset = get_asset(name)
    path = asset_path(name)
    if not path.is_file():
        return AssetStatus(asset, path, "missing", f"not in {path.parent}")
    size = path.stat().st_size
    if verify:
        problem = check_file(asset, path)
    elif size == 0 or (asset.size is not None and size != asset.size):
        problem = f"{size} bytes, expected {asset.size or 'more'}"
    else:
        problem = None
    if problem is not None:
        return AssetStatus(asset, path, "corrupt", problem)
    return AssetStatus(asset, path, "present", f"{size / 1e6:.1f} MB")
