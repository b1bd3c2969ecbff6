"""cnnlab: a course-lab toolkit for teaching convolutional neural networks with Keras 3.

Public names are re-exported here and imported lazily (PEP 562), so ``import cnnlab`` and the
``cnnlab`` command start in a fraction of a second; TensorFlow is imported only when a name that
needs it is first used.

Example:
    >>> import cnnlab
    >>> cnnlab.output_size(227, 11, stride=4)
    55
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# module -> public names it provides. Each module keeps its own ``__all__`` in step with this table
# (tests/test_package.py checks that they agree).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "conv": (
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
    ),
    "models": (
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
    ),
    "inspect": (
        "LayerRow",
        "LayerTable",
        "ModelComparison",
        "compare_models",
        "layer_table",
        "published_top1",
    ),
    "data": (
        "DownloadError",
        "FileReport",
        "Shapes",
        "TrainTestSplit",
        "VerifyReport",
        "fetch",
        "image_folder_dataset",
        "list_sample_images",
        "load_digits",
        "make_shapes",
        "sample_image",
        "sort_into_class_folders",
        "split_folder",
        "texture_patches",
        "verify_images",
    ),
    "viz": (
        "GradCam",
        "SlidingWindowAnimation",
        "animate_convolution",
        "animate_pooling",
        "convolution_diagram",
        "grad_cam",
        "grad_cam_result",
        "imshow",
        "nearest_neighbors",
        "plot_confusion_matrix",
        "plot_history",
        "show_feature_maps",
        "show_grad_cam",
        "show_images",
        "show_kernels",
        "show_mistakes",
        "show_nearest",
        "tsne_embedding",
        "tsne_map",
    ),
    "augment": (
        "ImageDataGenerator",
        "augmentation_layers",
        "explain_translation",
        "show_augmentations",
    ),
    "transfer": (
        "Backbone",
        "Features",
        "FineTuneResult",
        "Mistakes",
        "Preprocess",
        "RecompileGuard",
        "WeightsNotFound",
        "attach_head",
        "backbone_blocks",
        "decode_predictions",
        "extract_features",
        "fine_tune",
        "freeze",
        "list_backbones",
        "load_backbone",
        "most_confident_mistakes",
        "train_linear_head",
        "unfreeze_top",
    ),
    "grading": ("check",),
}

_NAME_TO_MODULE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = ["__version__", *sorted(_NAME_TO_MODULE)]


def __getattr__(name: str):
    module = _NAME_TO_MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"cnnlab.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
