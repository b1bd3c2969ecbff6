"""Pictures of training and its results: learning curves, confusion matrices, worst mistakes."""

from __future__ import annotations

import math

import numpy as np

from cnnlab.figure import Figure, subplots
from cnnlab.viz.images import _draw


def _history_dict(history) -> dict[str, list[float]]:
    values = getattr(history, "history", history)
    if not isinstance(values, dict) or not values:
        raise ValueError(
            f"each history must be a keras History or a dict of metric lists. Got {type(history).__name__}."
        )
    return {name: list(map(float, series)) for name, series in values.items()}


def plot_history(*histories, phase_names=None, metrics=("loss", "accuracy")) -> Figure:
    """Loss and accuracy curves of one or more training phases, joined end to end.

    With two histories (head training, then fine-tuning), the second phase's epochs continue
    the first's and a dashed line marks where fine-tuning starts.

    Args:
        histories: keras ``History`` objects (what ``fit`` returns) or their ``.history`` dicts.
        phase_names: a name per phase for the markers (default "phase 2", ...; with two
            phases "fine-tuning starts").
        metrics: the metrics to plot, one panel each; ``val_`` curves are added when present.

    Returns:
        A Figure; ``fig.cnnlab_boundaries`` lists the epochs where later phases start.
    """
    if not histories:
        raise ValueError("`histories` must contain at least one history. Got none.")
    dicts = [_history_dict(h) for h in histories]
    present = [m for m in metrics if any(m in d for d in dicts)]
    if not present:
        raise ValueError(
            f"`metrics` must name recorded metrics, e.g. {sorted(dicts[0])}. Got {list(metrics)}."
        )
    if phase_names is None:
        phase_names = (
            ["fine-tuning starts"]
            if len(dicts) == 2
            else [f"phase {i + 2}" for i in range(len(dicts) - 1)]
        )
    fig, axes = subplots(1, len(present), figsize=(5 * len(present), 3.6), squeeze=False)
    lengths = [max(len(s) for s in d.values()) for d in dicts]
    boundaries = np.cumsum(lengths[:-1]).astype(int).tolist()
    for ax, metric in zip(axes[0], present, strict=True):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            xs, ys = [], []
            offset = 0
            for d, length in zip(dicts, lengths, strict=True):
                series = d.get(key, [])
                xs += [offset + e + 1 for e in range(len(series))]
                ys += series
                offset += length
            if ys:
                ax.plot(
                    xs,
                    ys,
                    style,
                    marker="o",
                    markersize=3,
                    label="validation" if key.startswith("val_") else "training",
                )
        for boundary, name in zip(boundaries, phase_names, strict=False):
            ax.axvline(boundary + 0.5, color="grey", linestyle=":")
            ax.text(boundary + 0.6, ax.get_ylim()[1], name, fontsize=8, va="top", color="grey")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.cnnlab_boundaries = boundaries
    return fig


def plot_confusion_matrix(y_true, y_pred, class_names=None, *, normalize: bool = False) -> Figure:
    """The confusion matrix (rows: true class, columns: predicted), with counts or row fractions.

    ``fig.cnnlab_matrix`` holds the matrix drawn.
    """
    from sklearn.metrics import confusion_matrix

    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"`y_pred` must have as many labels as `y_true` ({y_true.size}). Got {y_pred.size}."
        )
    n = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    if class_names is not None:
        if len(class_names) < n:
            raise ValueError(
                f"`class_names` must name all {n} classes. Got {len(class_names)} names."
            )
        n = len(class_names)
    matrix = confusion_matrix(y_true, y_pred, labels=np.arange(n)).astype(float)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    fig, ax = subplots(figsize=(1.0 + 0.6 * n, 0.8 + 0.6 * n))
    ax.imshow(matrix, cmap="Blues")
    for (r, c), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(
            c,
            r,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value > matrix.max() / 2 else "black",
        )
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(confusion_matrix(y_true, y_pred, labels=np.arange(n))) / max(y_true.size, 1)
    ax.set_title(f"accuracy {accuracy:.1%}")
    fig.tight_layout()
    fig.cnnlab_matrix = matrix
    return fig


def show_mistakes(mistakes, *, ncols: int = 5) -> Figure:
    """The most confident mistakes (``cnnlab.transfer.most_confident_mistakes``' result).

    ``mistakes`` needs ``images``, ``true_labels``, ``predicted_labels``, ``probabilities``
    (the probability given to the wrong prediction) and optionally ``class_names``/``paths``.
    """
    images = list(mistakes.images)
    if not images:
        fig, ax = subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        return fig
    names = getattr(mistakes, "class_names", None)

    def name(label):
        return names[int(label)] if names is not None else str(int(label))

    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = subplots(nrows, ncols, figsize=(2.2 * ncols, 2.5 * nrows), squeeze=False)
    for ax in axes.flat[len(images) :]:
        ax.axis("off")
    for ax, image, true, predicted, p in zip(
        axes.flat,
        images,
        mistakes.true_labels,
        mistakes.predicted_labels,
        mistakes.probabilities,
        strict=False,
    ):
        _draw(ax, image, f"true {name(true)}\npred {name(predicted)} ({p:.0%})")
    fig.tight_layout()
    return fig
