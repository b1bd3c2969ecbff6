"""The errors a classifier is surest about: where to look first for label noise and confusions.

Example:
    >>> mistakes = most_confident_mistakes(model, (images, labels), k=5)  # doctest: +SKIP
    >>> cnnlab.viz.show_mistakes(mistakes)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Mistakes", "most_confident_mistakes"]


@dataclass
class Mistakes:
    """The ``k`` most confident wrong predictions, most confident first.

    ``images`` (k, height, width, channels) as given; ``true_labels`` and ``predicted_labels``
    int (k,); ``probabilities`` (k,) the probability the model gave its wrong prediction;
    ``indices`` (k,) positions in the data; ``paths`` the files (data from a folder) or
    ``None``; ``class_names`` or ``None``. ``cnnlab.viz.show_mistakes`` draws it.
    """

    images: np.ndarray
    true_labels: np.ndarray
    predicted_labels: np.ndarray
    probabilities: np.ndarray
    indices: np.ndarray
    class_names: list[str] | None = None
    paths: list[str] | None = None
    error_rate: float = field(default=0.0)

    def __len__(self) -> int:
        return len(self.true_labels)


def _batches(data, batch_size: int):
    """(images, labels) batches of arrays, a dataset, or a folder; plus paths and class names."""
    import tensorflow as tf

    if isinstance(data, tf.data.Dataset):
        iterator = data.as_numpy_iterator()
        first = next(iterator, None)
        if first is None:
            raise ValueError("`data` must hold at least one image. Got an empty dataset.")
        if not isinstance(first, tuple) or len(first) != 2:
            raise ValueError(
                "`data` must be a dataset of (images, labels). Got one without labels."
            )

        def chain():
            yield first
            yield from iterator

        batched = first[0].ndim == 4
        return (
            chain() if batched else ((x[None], np.asarray(y)[None]) for x, y in chain())
        ), getattr(data, "class_names", None)
    if isinstance(data, tuple) and len(data) == 2:
        images, labels = np.asarray(data[0]), np.asarray(data[1])
        if len(images) != len(labels):
            raise ValueError(
                f"`data` must have one label per image. Got {len(images)} images and {len(labels)} labels."
            )
        return (
            (images[i : i + batch_size], labels[i : i + batch_size])
            for i in range(0, len(images), batch_size)
        ), None
    raise TypeError(
        f"`data` must be (images, labels), a tf.data.Dataset or a folder path. Got {type(data).__name__}."
    )


def most_confident_mistakes(
    model, data, k: int = 15, *, batch_size: int = 32, class_names=None
) -> Mistakes:
    """Find the misclassified images whose wrong class got the highest probability.

    Args:
        model: a Keras model from images to class probabilities (``attach_head`` builds one).
        data: ``(images, labels)``, a ``tf.data.Dataset`` of ``(images, labels)`` (read once,
            so a shuffled one stays aligned), or an image folder (``folder/<class>/<image>``,
            resized to the model's input size; file paths are returned).
        k: how many mistakes at most.
        batch_size: images per forward pass.
        class_names: names of the classes; default the dataset's or folder's, if any.

    Returns:
        ``Mistakes``, most confident first (fewer than ``k`` if the model made fewer errors).

    Raises:
        ValueError: ``k`` not a positive int, labels missing or not one per image.

    Example:
        >>> mistakes = most_confident_mistakes(model, "PetImages/", k=15)  # doctest: +SKIP
        >>> mistakes.paths[0], mistakes.probabilities[0]
        ('PetImages/Cat/5673.jpg', 0.998)
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"`k` must be a positive int. Got {k!r}.")
    paths = None
    if isinstance(data, (str, os.PathLike)):
        from cnnlab.data import image_folder_dataset

        size = tuple(model.input_shape[1:3])
        data = image_folder_dataset(os.fspath(data), size, batch_size, shuffle=False)
        paths = list(data.file_paths)
    batches, names = _batches(data, batch_size)
    candidates = []  # (probability, index, image, true, predicted); at most k kept per batch
    seen = wrong_total = 0
    for images, labels in batches:
        probabilities = np.asarray(model.predict_on_batch(images))
        if probabilities.shape[1] == 1:  # one sigmoid output: P(class 1); make both columns
            probabilities = np.concatenate([1 - probabilities, probabilities], axis=1)
        labels = np.asarray(labels)
        labels = labels.argmax(axis=1) if labels.ndim == 2 else labels.reshape(-1)
        predicted = probabilities.argmax(axis=1)
        wrong = np.flatnonzero(predicted != labels)
        wrong_total += len(wrong)
        confidence = probabilities[wrong, predicted[wrong]]
        for j in wrong[np.argsort(-confidence, kind="stable")][:k]:
            candidates.append(
                (
                    float(probabilities[j, predicted[j]]),
                    seen + j,
                    images[j],
                    int(labels[j]),
                    int(predicted[j]),
                )
            )
        candidates = sorted(candidates, key=lambda c: (-c[0], c[1]))[:k]
        seen += len(labels)
    names = class_names if class_names is not None else names
    shape = np.asarray(images).shape[1:]
    return Mistakes(
        images=np.stack([c[2] for c in candidates]) if candidates else np.zeros((0, *shape)),
        true_labels=np.array([c[3] for c in candidates], np.int64),
        predicted_labels=np.array([c[4] for c in candidates], np.int64),
        probabilities=np.array([c[0] for c in candidates], np.float32),
        indices=np.array([c[1] for c in candidates], np.int64),
        class_names=list(names) if names is not None else None,
        paths=[paths[c[1]] for c in candidates] if paths is not None else None,
        error_rate=wrong_total / max(seen, 1),
    )
