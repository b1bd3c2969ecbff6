"""Which layers train: freeze a model, unfreeze its top blocks, and catch a fit without recompiling.

Block boundaries follow the layer names ``keras.applications`` and our ``tiny`` backbone use:
ResNet's residual blocks ``conv{stage}_block{n}_*`` (each ends with an ``Add`` layer and its
ReLU ``*_out``), VGG's and tiny's ``block{n}_*``, MobileNetV2's inverted residual blocks
``expanded_conv_*`` then ``block_{n}_*``, EfficientNet's ``block{n}{letter}_*``. Layers before
the first block form a ``stem`` block; layers after the last one (MobileNetV2's ``Conv_1``,
EfficientNet's ``top_conv``) belong to the last block.

BatchNormalization layers of the backbone always stay non-trainable. A BN layer with
``trainable = False`` runs in inference mode in Keras 3, using and keeping its moving
statistics; calling a nested backbone with ``training=False`` does not achieve that during
``fit`` in Keras 3.0-3.15.1 (keras-team/keras#20285), and small fine-tuning batches would
otherwise overwrite statistics learned on a million images.

Example:
    >>> [name for name, _ in backbone_blocks(load_backbone("vgg16", weights=None).model)][-2:]
    ['block4', 'block5']
"""

from __future__ import annotations

import re

import keras

__all__ = ["RecompileGuard", "backbone_blocks", "freeze", "trainable_fingerprint", "unfreeze_top"]

# One pattern per family; group 1 is the block name. Tried in this order, the best match wins.
_BLOCK_PATTERNS = (
    re.compile(r"^(conv\d+_block\d+)_"),  # ResNet
    re.compile(r"^(block_\d+|expanded_conv)_"),  # MobileNetV2
    re.compile(r"^(block\d+[a-z])_"),  # EfficientNet
    re.compile(r"^(block\d+)_"),  # VGG, tiny
)


def _is_batch_norm(layer) -> bool:
    return isinstance(layer, keras.layers.BatchNormalization)


def _core(model: keras.Model) -> keras.Model:
    """The backbone inside ``model``: its largest nested model, or ``model`` itself."""
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    return max(nested, key=lambda m: len(m.layers)) if nested else model


def backbone_blocks(model: keras.Model) -> list[tuple[str, list[keras.layers.Layer]]]:
    """The backbone's layers grouped into blocks, bottom to top: ``[("stem", [...]), ...]``.

    Args:
        model: a backbone, or a model holding one as a nested layer (from ``attach_head``).

    Returns:
        ``(block name, layers)`` pairs in network order; the first is ``"stem"``.

    Raises:
        ValueError: no known block naming in the layer names.

    Example:
        >>> blocks = backbone_blocks(load_backbone("resnet50", weights=None).model)
        >>> len(blocks), blocks[-1][0]
        (17, 'conv5_block3')
    """
    layers = [
        layer for layer in _core(model).layers if not isinstance(layer, keras.layers.InputLayer)
    ]
    best = max(_BLOCK_PATTERNS, key=lambda p: sum(bool(p.match(layer.name)) for layer in layers))
    if not any(best.match(layer.name) for layer in layers):
        raise ValueError(
            "`model` must name its layers by blocks (ResNet conv4_block1_*, VGG block1_*, "
            f"MobileNetV2 block_1_*, EfficientNet block1a_*). Got {[la.name for la in layers[:5]]} ..."
        )
    blocks: list[tuple[str, list]] = [("stem", [])]
    for layer in layers:
        match = best.match(layer.name)
        if match and match.group(1) != blocks[-1][0]:
            blocks.append((match.group(1), []))
        blocks[-1][1].append(layer)
    return blocks if blocks[0][1] else blocks[1:]


def freeze(model: keras.Model) -> keras.Model:
    """Make every layer of ``model`` non-trainable (nested models included); returns ``model``.

    Example:
        >>> freeze(load_backbone("tiny").model).trainable_weights
        []
    """
    model.trainable = False  # Keras sets the flag of every sublayer too
    return model


def unfreeze_top(model: keras.Model, *, blocks: int = 1) -> keras.Model:
    """Make only the top ``blocks`` blocks of the backbone (and every layer outside it) trainable.

    The backbone's BatchNormalization layers stay non-trainable whatever ``blocks`` is. Layers
    of ``model`` outside the backbone (the head) become trainable. Recompile before ``fit``.

    Args:
        model: a backbone, or a model with the backbone nested in it (``attach_head``).
        blocks: how many blocks from the top to unfreeze; 0 freezes the whole backbone, the
            number of blocks (see ``backbone_blocks``) unfreezes all of it.

    Returns:
        ``model``.

    Raises:
        ValueError: ``blocks`` negative or more than the backbone has.

    Example:
        >>> model = unfreeze_top(load_backbone("vgg16", weights=None).model, blocks=1)
        >>> sorted({layer.name[:6] for layer in model.layers if layer.trainable_weights})
        ['block5']
    """
    groups = backbone_blocks(model)
    if isinstance(blocks, bool) or not isinstance(blocks, int) or not 0 <= blocks <= len(groups):
        raise ValueError(
            f"`blocks` must be an int from 0 to {len(groups)} (the backbone's blocks). Got {blocks!r}."
        )
    core = _core(model)
    model.trainable = True  # a parent's flag hides its children's; set it first, then each layer
    top = {id(layer) for _, members in groups[len(groups) - blocks :] for layer in members}
    for layer in core.layers:
        layer.trainable = id(layer) in top and not _is_batch_norm(layer)
    return model


def trainable_fingerprint(model: keras.Model) -> tuple[str, ...]:
    """The paths of the variables ``fit`` would train now, in order."""
    return tuple(variable.path for variable in model.trainable_weights)


class RecompileGuard(keras.callbacks.Callback):
    """Raise at ``fit`` when trainable flags changed since the model's training step was built.

    How it works: Keras builds a model's training function at the first ``fit`` after
    ``compile()`` and keeps it (``model.train_function``) until the next ``compile()``; the
    list of variables it updates is fixed then. The guard records, per training function, the
    variables ``fit`` would train (``trainable_fingerprint``) at the start of each ``fit``; when
    a later ``fit`` reuses the same function with another list, it raises instead of silently
    training the old layers. Recompiling creates a new function and resets the record. Pass the
    same guard to every ``fit`` of a model; ``fine_tune`` does.

    Example:
        >>> guard = RecompileGuard()
        >>> model.fit(x, y, callbacks=[guard])  # doctest: +SKIP
        >>> unfreeze_top(model, blocks=2); model.fit(x, y, callbacks=[guard])  # doctest: +SKIP
        RuntimeError: The trainable layers of model 'tiny_transfer' changed since it was compiled ...
    """

    def __init__(self):
        super().__init__()
        self._records: dict[int, tuple[object, tuple[str, ...]]] = {}

    def on_train_begin(self, logs=None):
        model = self.model
        current = trainable_fingerprint(model)
        function = model.train_function
        recorded = self._records.get(id(model))
        if recorded is not None and recorded[0] is function and recorded[1] != current:
            added = sorted(set(current) - set(recorded[1]))
            removed = sorted(set(recorded[1]) - set(current))
            raise RuntimeError(
                f"The trainable layers of model {model.name!r} changed since it was compiled "
                f"({len(added)} variable(s) now trainable, {len(removed)} no longer; e.g. "
                f"{(added or removed)[:3]}), but fit() would reuse the old training step and "
                "update the old set. Call model.compile(...) again after freeze/unfreeze_top."
            )
        # Keep the function itself so its id cannot be reused by another object.
        self._records[id(model)] = (function, current)
