"""Transfer learning: pretrained backbones, features, linear heads and careful fine-tuning.

- ``backbones``: ``load_backbone(name)`` for ResNet-50, VGG-16, MobileNetV2, EfficientNet-B0
  (``keras.applications``, ImageNet weights from the local cache, never downloaded here) and
  ``tiny``, our own small backbone pretrained on handwritten digits (``tiny``).
- ``preprocessing``: each backbone's input transform as a copy-making numpy function that
  refuses [0, 1] images, and as a layer (``Preprocess``).
- ``imagenet``: ``decode_predictions`` with the ImageNet class index shipped in ``data/``.
- ``features``: ``extract_features`` keeps features, labels and file paths aligned and caches them.
- ``heads``: ``train_linear_head`` and ``attach_head`` (one model from images to classes).
- ``freezing``: ``freeze``, ``unfreeze_top`` by blocks with BatchNormalization kept frozen, and
  ``RecompileGuard``, which stops a ``fit`` that would ignore changed trainable flags.
- ``finetune``: ``fine_tune``, head first then the top blocks, optionally under a
  ``tf.distribute`` strategy.
- ``mistakes``: ``most_confident_mistakes`` for ``cnnlab.viz.show_mistakes``.

Example:
    >>> from cnnlab.transfer import load_backbone, extract_features
    >>> backbone = load_backbone("tiny")
    >>> backbone.model.output_shape
    (None, 128)
"""

from cnnlab.transfer.backbones import Backbone, WeightsNotFound, list_backbones, load_backbone
from cnnlab.transfer.features import Features, extract_features
from cnnlab.transfer.finetune import FineTuneResult, fine_tune
from cnnlab.transfer.freezing import RecompileGuard, backbone_blocks, freeze, unfreeze_top
from cnnlab.transfer.heads import attach_head, train_linear_head
from cnnlab.transfer.imagenet import decode_predictions
from cnnlab.transfer.mistakes import Mistakes, most_confident_mistakes
from cnnlab.transfer.preprocessing import Preprocess

__all__ = [
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
]
