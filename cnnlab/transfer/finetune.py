"""Two-phase fine-tuning: train the head on a frozen backbone, then the top blocks, more gently.

Phase 1 trains only the layers outside the backbone (the head) with ``head_learning_rate``.
Phase 2 unfreezes the top ``blocks`` blocks (BatchNormalization stays frozen, see
``cnnlab.transfer.freezing``), recompiles with a smaller learning rate (default a tenth) and
continues the epoch count where phase 1 stopped. A ``tf.distribute`` strategy spreads both
phases over several devices: ``MirroredStrategy()`` over the GPUs of one machine,
``MultiWorkerMirroredStrategy()`` across machines (each worker runs the same script with its
``TF_CONFIG``). A model built outside the strategy's scope is cloned, weights included, inside it.

Example:
    >>> result = fine_tune(model, train, validation, head_epochs=5, fine_tune_epochs=5,
    ...                    head_learning_rate=1e-3)  # doctest: +SKIP
    >>> head_history, fine_tune_history = result  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import keras

from cnnlab.transfer.freezing import RecompileGuard, unfreeze_top

__all__ = ["FineTuneResult", "fine_tune"]


@dataclass
class FineTuneResult:
    """Both phases' histories and the trained model; unpacks as ``(head_history, fine_tune_history)``.

    ``model`` is the model given, or its clone made inside the strategy's scope.
    """

    head_history: keras.callbacks.History
    fine_tune_history: keras.callbacks.History
    model: keras.Model

    def __iter__(self) -> Iterator[keras.callbacks.History]:
        yield self.head_history
        yield self.fine_tune_history


def _positive_int(name: str, value, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"`{name}` must be an int of at least {minimum}. Got {value!r}.")


def _positive_number(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"`{name}` must be a positive number. Got {value!r}.")


def _in_scope(model: keras.Model, strategy) -> keras.Model:
    """``model`` if its variables belong to ``strategy``, else a clone made in its scope."""
    if all(strategy.extended.variable_created_in_scope(v.value) for v in model.weights):
        return model
    with strategy.scope():
        clone = keras.models.clone_model(model)
        clone.set_weights(model.get_weights())
    return clone


def _fit_inputs(data):
    """Keyword arguments of ``fit`` for a dataset or an ``(x, y)`` tuple."""
    if isinstance(data, tuple) and len(data) == 2:
        return {"x": data[0], "y": data[1]}
    return {"x": data, "shuffle": False}  # a dataset shuffles itself; Keras warns otherwise


def fine_tune(
    model: keras.Model,
    train,
    validation=None,
    *,
    head_epochs: int,
    fine_tune_epochs: int,
    head_learning_rate: float,
    fine_tune_learning_rate: float | None = None,
    blocks: int = 1,
    strategy=None,
    loss: str = "sparse_categorical_crossentropy",
    metrics: Sequence[str] = ("accuracy",),
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = 0,
) -> FineTuneResult:
    """Train the head on a frozen backbone, then the backbone's top blocks with a smaller rate.

    Args:
        model: a model with the backbone nested in it, as ``attach_head`` builds.
        train: a ``tf.data.Dataset`` of batches ``(images, labels)`` or a tuple ``(x, y)``.
        validation: same kinds, or ``None``.
        head_epochs: epochs of phase 1 (head only).
        fine_tune_epochs: epochs of phase 2 (top blocks and head).
        head_learning_rate: Adam's learning rate in phase 1.
        fine_tune_learning_rate: Adam's learning rate in phase 2; default ``head_learning_rate / 10``.
        blocks: how many top blocks of the backbone phase 2 unfreezes (see ``unfreeze_top``).
        strategy: a ``tf.distribute.Strategy`` or ``None`` (the default device).
        loss, metrics: as for ``compile``.
        callbacks: extra callbacks for both phases.
        verbose: as for ``fit``.

    Returns:
        ``FineTuneResult(head_history, fine_tune_history, model)``; it unpacks as the two histories.

    Raises:
        ValueError: bad epochs, learning rates or ``blocks``.

    Example:
        >>> head, tuned = fine_tune(model, train, val, head_epochs=3, fine_tune_epochs=3,
        ...                         head_learning_rate=1e-3)  # doctest: +SKIP
        >>> len(tuned.epoch)  # doctest: +SKIP
        3
    """
    _positive_int("head_epochs", head_epochs)
    _positive_int("fine_tune_epochs", fine_tune_epochs)
    _positive_number("head_learning_rate", head_learning_rate)
    if fine_tune_learning_rate is None:
        fine_tune_learning_rate = head_learning_rate / 10
    _positive_number("fine_tune_learning_rate", fine_tune_learning_rate)
    if strategy is not None:
        model = _in_scope(model, strategy)
    guard = RecompileGuard()
    common = {"validation_data": validation, "verbose": verbose, "callbacks": [guard, *callbacks]}
    histories = []
    for top_blocks, rate, first, last in (
        (0, head_learning_rate, 0, head_epochs),
        (blocks, fine_tune_learning_rate, head_epochs, head_epochs + fine_tune_epochs),
    ):
        unfreeze_top(model, blocks=top_blocks)
        with strategy.scope() if strategy is not None else contextlib.nullcontext():
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate=rate),
                loss=loss,
                metrics=list(metrics),
            )
        histories.append(
            model.fit(**_fit_inputs(train), epochs=last, initial_epoch=first, **common)
        )
    return FineTuneResult(histories[0], histories[1], model)
