"""ImageNet class names offline: ``decode_predictions`` on the class index shipped with cnnlab.

``keras.applications.*.decode_predictions`` downloads ``imagenet_class_index.json`` on first use.
cnnlab ships a byte-identical copy as package data (``cnnlab/resources/imagenet_class_index.json``;
how it was made is in ``data/README.md``); a verified copy in Keras' cache is used when the
package's is absent.

Example:
    >>> scores = np.zeros((1, 1000)); scores[0, 281] = 1.0
    >>> decode_predictions(scores, top=1)
    [[('n02123045', 'tabby', 1.0)]]
"""

from __future__ import annotations

import functools
import json

import numpy as np

from cnnlab.assets import asset_status
from cnnlab.settings import resource

__all__ = ["decode_predictions", "imagenet_class_index"]


@functools.cache
def imagenet_class_index() -> dict[int, tuple[str, str]]:
    """ImageNet-1k class index: ``{0: ("n01440764", "tench"), ...}`` (1,000 entries).

    Raises:
        FileNotFoundError: neither the shipped file nor a verified copy in Keras' cache exists.
    """
    candidates = [resource("imagenet_class_index.json", must_exist=False)]
    status = asset_status("imagenet-class-index")
    if status.state == "present":
        candidates.append(status.path)
    for path in candidates:
        if path.is_file():
            with open(path, encoding="utf-8") as handle:
                raw = json.load(handle)
            return {int(k): (v[0], v[1]) for k, v in raw.items()}
    raise FileNotFoundError(
        f"The ImageNet class index is missing: {candidates[0]} should ship inside cnnlab "
        "(reinstall it: `pip install --force-reinstall cnnlab`), and Keras' cache has no verified "
        f"copy ({status.path}: {status.detail}); `cnnlab data fetch imagenet-class-index` fetches one."
    )


def decode_predictions(predictions, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """The ``top`` classes of each row of ImageNet scores, as Keras' ``decode_predictions`` gives.

    Args:
        predictions: array-like (N, 1000) of class scores or probabilities.
        top: how many classes per image, best first.

    Returns:
        One list per image of ``(wordnet_id, class_name, score)`` tuples.

    Raises:
        ValueError: ``predictions`` is not (N, 1000), or ``top`` is not in 1..1000.

    Example:
        >>> decode_predictions(np.eye(1000)[[0, 999]], top=1)
        [[('n01440764', 'tench', 1.0)], [('n15075141', 'toilet_tissue', 1.0)]]
    """
    scores = np.asarray(predictions)
    if scores.ndim != 2 or scores.shape[1] != 1000:
        raise ValueError(
            f"`predictions` must have shape (N, 1000), one ImageNet score per class. Got {scores.shape}."
        )
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or not 1 <= top <= 1000:
        raise ValueError(f"`top` must be an int from 1 to 1000. Got {top!r}.")
    index = imagenet_class_index()
    # A stable sort on the negated scores keeps the lower class first among ties.
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top]
    return [
        [(*index[int(i)], float(row[i])) for i in best]
        for row, best in zip(scores, order, strict=True)
    ]
