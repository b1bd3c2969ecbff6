"""A classifier on top of extracted features, and its assembly with the backbone into one model.

``train_linear_head`` fits softmax regression on the features (a Keras ``Dense`` layer by
default; scikit-learn's logistic regression or k-nearest neighbours on request, which need no
learning rate). ``attach_head`` then builds one Keras model from raw [0, 255] images to class
probabilities: the backbone's preprocessing as a layer, the backbone, the head.

Example:
    >>> head = train_linear_head(features, epochs=50)  # doctest: +SKIP
    >>> model = attach_head(backbone, head)  # doctest: +SKIP
    >>> model.predict(images * 255.0).shape  # doctest: +SKIP
    (100, 5)
"""

from __future__ import annotations

import keras
import numpy as np

from cnnlab.transfer.preprocessing import Preprocess

__all__ = ["attach_head", "train_linear_head"]

_METHODS = ("keras", "logistic", "knn")


def train_linear_head(
    features,
    labels=None,
    *,
    method: str = "keras",
    num_classes: int | None = None,
    epochs: int = 100,
    learning_rate: float = 0.01,
    batch_size: int = 32,
    neighbors: int = 5,
    seed: int = 0,
):
    """Train a linear classifier (or k-NN) on features.

    Args:
        features: a ``Features`` (its labels are used) or an array (N, D).
        labels: int class indices (N,); required with an array, overrides ``Features.labels``.
        method: ``"keras"`` (a ``Dense`` softmax layer trained with Adam), ``"logistic"``
            (scikit-learn ``LogisticRegression``) or ``"knn"`` (``KNeighborsClassifier``).
        num_classes: number of classes; default ``max(labels) + 1``.
        epochs, learning_rate, batch_size: Keras training settings.
        neighbors: k of the k-NN classifier.
        seed: seeds the Keras initialisation and shuffling.

    Returns:
        A compiled ``keras.Model`` (D,) -> (num_classes,) whose ``history`` holds the training
        curves, or the fitted scikit-learn estimator.

    Raises:
        ValueError: unknown method, labels missing or not one per row.

    Example:
        >>> head = train_linear_head(np.random.rand(20, 8), np.arange(20) % 2, epochs=2)
        >>> head.output_shape
        (None, 2)
    """
    x = np.asarray(getattr(features, "features", features), np.float32)
    y = labels if labels is not None else getattr(features, "labels", None)
    if method not in _METHODS:
        raise ValueError(f"`method` must be one of {', '.join(_METHODS)}. Got {method!r}.")
    if y is None:
        raise ValueError(
            "`labels` must be given when `features` is an array without labels. Got None."
        )
    y = np.asarray(y).astype(np.int64).reshape(-1)
    if x.ndim != 2 or len(y) != len(x):
        raise ValueError(
            f"`features` must be (N, D) with one label per row. Got {x.shape} and {len(y)} labels."
        )
    if method == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=5000).fit(x, y)
    if method == "knn":
        from sklearn.neighbors import KNeighborsClassifier

        return KNeighborsClassifier(n_neighbors=neighbors).fit(x, y)
    classes = int(num_classes) if num_classes is not None else int(y.max()) + 1
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((x.shape[1],), name="features")
    outputs = keras.layers.Dense(classes, activation="softmax", name="head_predictions")(inputs)
    head = keras.Model(inputs, outputs, name="linear_head")
    head.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    head.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)  # sets head.history
    return head


def _head_as_layers(head, width: int):
    """Keras layers equal to ``head``: the model itself, or a Dense copy of a logistic regression."""
    if isinstance(head, keras.Model):
        return head
    coef = getattr(head, "coef_", None)
    if coef is None or not hasattr(head, "intercept_"):
        raise TypeError(
            "`head` must be a Keras model or a linear scikit-learn classifier (with coef_). "
            f"Got {type(head).__name__}; k-NN heads cannot become a layer, predict on features instead."
        )
    coef, intercept = np.asarray(coef, np.float32), np.asarray(head.intercept_, np.float32)
    if coef.shape[0] == 1:  # binary: sigmoid(z) equals softmax over the scores [0, z]
        coef = np.concatenate([np.zeros_like(coef), coef])
        intercept = np.concatenate([np.zeros_like(intercept), intercept])
    dense = keras.layers.Dense(len(coef), activation="softmax", name="head_predictions")
    dense.build((None, width))
    dense.set_weights([coef.T, intercept])
    return dense


def attach_head(backbone, head, *, name: str | None = None) -> keras.Model:
    """One model from [0, 255] images to class probabilities: preprocessing, backbone, head.

    Args:
        backbone: a ``Backbone`` (its ``model`` is used as one nested layer, weights shared).
        head: a Keras model from ``train_linear_head`` (or any model taking the features), or a
            fitted scikit-learn ``LogisticRegression`` (copied into a ``Dense`` layer).
        name: the model's name; default ``"<backbone>_transfer"``.

    Returns:
        A functional ``keras.Model``; the backbone is the layer named after ``backbone.model``.

    Raises:
        TypeError: a head that is not a Keras model or a linear classifier.

    Example:
        >>> model = attach_head(load_backbone("tiny"), head)  # doctest: +SKIP
        >>> model.input_shape, model.output_shape
        ((None, 32, 32, 3), (None, 5))
    """
    inputs = keras.Input(backbone.input_shape, name="images")
    x = Preprocess(backbone.mode, name="preprocess")(inputs)
    x = backbone.model(x)
    if len(backbone.model.output_shape) > 2:
        x = keras.layers.Flatten(name="flatten_features")(x)
    outputs = _head_as_layers(head, int(x.shape[-1]))(x)
    return keras.Model(inputs, outputs, name=name or f"{backbone.name}_transfer")
