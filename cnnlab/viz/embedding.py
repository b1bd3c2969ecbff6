"""Maps of image representations: t-SNE with thumbnails, and visual search by nearest neighbours."""

from __future__ import annotations

import numpy as np
from matplotlib.offsetbox import AnnotationBbox, OffsetImage

from cnnlab.figure import Figure, subplots
from cnnlab.viz.images import _draw, display_array

METRICS = ("cosine", "euclidean")


def _features(features) -> np.ndarray:
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 2:
        raise ValueError(
            f"`features` must be a 2-D array (N, D) with N >= 2. Got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError("`features` must be finite. Got NaN or infinite values.")
    return array


def tsne_embedding(features, *, perplexity: float = 30, seed: int = 0) -> np.ndarray:
    """2-D t-SNE coordinates (N, 2) of ``features`` (N, D), after PCA to 50 dimensions when D > 50.

    PCA first is the usual speed-up (van der Maaten's advice): t-SNE's neighbourhoods barely
    change and 2,000 x 2,048 features embed in seconds on 2 cores.
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    array = _features(features)
    n = array.shape[0]
    if not 0 < perplexity < n:
        raise ValueError(f"`perplexity` must be in (0, {n}) for {n} points. Got {perplexity}.")
    if array.shape[1] > 50 and n > 50:
        array = PCA(n_components=50, random_state=seed).fit_transform(array)
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed)
    return tsne.fit_transform(array)


def tsne_map(
    features,
    images=None,
    labels=None,
    perplexity: float = 30,
    *,
    class_names=None,
    thumbnail_zoom: float = 0.35,
    max_thumbnails: int = 400,
    seed: int = 0,
) -> Figure:
    """t-SNE map of image representations: thumbnails at their positions, or points coloured by label.

    Args:
        features: (N, D) representations, e.g. a backbone's pooled features.
        images: optional (N, H, W[, C]) images drawn as thumbnails (at most ``max_thumbnails``).
        labels: optional (N,) integer labels for colours and a legend.
        perplexity: t-SNE's effective number of neighbours (smaller than N).

    Returns:
        A Figure; ``fig.cnnlab_embedding`` holds the (N, 2) coordinates drawn.

    Example:
        >>> fig = tsne_map(np.random.rand(100, 64), labels=np.arange(100) % 2, perplexity=10)
        >>> fig.cnnlab_embedding.shape
        (100, 2)
    """
    array = _features(features)
    n = array.shape[0]
    for name, value in (("images", images), ("labels", labels)):
        if value is not None and len(value) != n:
            raise ValueError(
                f"`{name}` must have one entry per feature row ({n}). Got {len(value)}."
            )
    embedding = tsne_embedding(array, perplexity=perplexity, seed=seed)
    fig, ax = subplots(figsize=(8, 8))
    colours = None if labels is None else np.asarray(labels)
    colouring = {} if colours is None else {"c": colours, "cmap": "tab10"}
    scatter = ax.scatter(embedding[:, 0], embedding[:, 1], s=12, **colouring)
    if labels is not None:
        names = class_names if class_names is not None else None
        handles, values = scatter.legend_elements()
        if names is not None:
            values = [names[int(v)] for v in np.unique(colours)]
        ax.legend(handles, values, loc="best", fontsize=8, title="label")
    if images is not None:
        order = np.random.default_rng(seed).permutation(n)[:max_thumbnails]
        for i in order:
            thumb, _ = display_array(images[i])
            box = OffsetImage(thumb, zoom=thumbnail_zoom, cmap="gray" if thumb.ndim == 2 else None)
            ax.add_artist(AnnotationBbox(box, embedding[i], frameon=False))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"t-SNE of {n} representations ({array.shape[1]} dimensions)")
    fig.cnnlab_embedding = embedding
    return fig


def nearest_neighbors(features, query_index: int, *, k: int = 5, metric: str = "cosine"):
    """Indices and distances of the ``k`` rows closest to row ``query_index`` (itself excluded).

    ``cosine`` distance is 1 - cosine similarity (scale-free, the usual choice for CNN
    features); ``euclidean`` is the straight-line distance.
    """
    array = _features(features)
    n = array.shape[0]
    if not isinstance(query_index, (int, np.integer)) or not 0 <= query_index < n:
        raise ValueError(f"`query_index` must be an int in [0, {n - 1}]. Got {query_index!r}.")
    if not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise ValueError(f"`k` must be an int in [1, {n - 1}]. Got {k!r}.")
    if metric not in METRICS:
        raise ValueError(f"`metric` must be one of {METRICS}. Got {metric!r}.")
    query = array[query_index]
    if metric == "cosine":
        norms = np.linalg.norm(array, axis=1) * np.linalg.norm(query)
        distances = 1 - (array @ query) / np.where(norms == 0, 1, norms)
    else:
        distances = np.linalg.norm(array - query, axis=1)
    distances[query_index] = np.inf
    order = np.argsort(distances, kind="stable")[:k]
    return order, distances[order]


def show_nearest(
    features, images, query_index: int, k: int = 5, *, metric: str = "cosine", titles=None
) -> Figure:
    """Visual search: the query image, then its ``k`` nearest neighbours in feature space.

    ``fig.cnnlab_neighbors`` holds the neighbours' indices, nearest first.
    """
    if len(images) != len(features):
        raise ValueError(
            f"`images` must have one image per feature row ({len(features)}). Got {len(images)}."
        )
    order, distances = nearest_neighbors(features, query_index, k=k, metric=metric)
    fig, axes = subplots(1, k + 1, figsize=(2 * (k + 1), 2.4))
    label = (lambda i: f" {titles[i]}") if titles is not None else (lambda i: "")
    _draw(axes[0], images[query_index], f"query #{query_index}{label(query_index)}")
    for ax, i, d in zip(axes[1:], order, distances, strict=True):
        _draw(ax, images[i], f"#{i}{label(i)}\nd={d:.3f}")
    fig.tight_layout()
    fig.cnnlab_neighbors = order
    return fig
