"""Grad-CAM (Selvaraju et al., 2017): where in the image the evidence for a class lies.

The class score's gradient with respect to the maps of a late convolution layer, averaged over
space, weighs those maps; the weighted sum, passed through ReLU, is upsampled to the image. The
score is taken before the final softmax, as in the paper: the layer's softmax is switched off
while the gradient function is traced, so gradients do not vanish for confident predictions.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import keras
import numpy as np

from cnnlab.figure import Figure, subplots
from cnnlab.viz.capture import _Capture, find_layer
from cnnlab.viz.images import _draw


@dataclass
class GradCam:
    """A Grad-CAM result: ``heatmap`` (H, W) in [0, 1] at the image's size, and what it explains."""

    heatmap: np.ndarray
    class_index: int
    probability: float
    layer: str


def _output_layer(model):
    layers = getattr(model, "layers", [])
    return layers[-1] if layers else None


def _softmax_switch(model):
    """(before, after) callables that make the output layer linear during tracing, or (None, None)."""
    last = _output_layer(model)
    if last is None:
        return None, None
    if getattr(last, "activation", None) is keras.activations.softmax:

        def before():
            last.activation = keras.activations.linear

        def after():
            last.activation = keras.activations.softmax

        return before, after
    if isinstance(last, keras.layers.Softmax):

        def before():
            last.call = lambda inputs, *args, **kwargs: inputs

        def after():
            del last.call

        return before, after
    return None, None


_GRADIENT_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _gradient_function(model, layer):
    import tensorflow as tf

    per_model = _GRADIENT_CACHE.setdefault(model, {})
    if layer.name in per_model:
        return per_model[layer.name]
    capture = _Capture(model, layer)
    before, after = _softmax_switch(model)
    applies_softmax = before is not None

    @tf.function(reduce_retracing=True)
    def function(batch, class_index):
        with tf.GradientTape() as tape:
            maps, scores = capture(batch, before=before, after=after)
            scores = tf.reshape(scores, (tf.shape(scores)[0], -1))
            probabilities = tf.nn.softmax(scores) if applies_softmax else scores
            chosen = tf.where(
                class_index < 0, tf.argmax(scores[0], output_type=tf.int32), class_index
            )
            score = tf.reduce_sum(scores[0] * tf.one_hot(chosen, tf.shape(scores)[1]))
        gradients = tape.gradient(score, maps)
        return maps, gradients, probabilities, chosen

    per_model[layer.name] = function
    return function


def grad_cam_result(
    model, image, *, class_index: int | None = None, layer: str | None = None
) -> GradCam:
    """Grad-CAM with what it explains (class, probability, layer); see ``grad_cam``."""
    import tensorflow as tf

    batch = np.asarray(image, dtype="float32")
    if batch.ndim == 3:
        batch = batch[None]
    if batch.ndim != 4 or batch.shape[0] != 1:
        raise ValueError(
            f"`image` must be one image (H, W, C) or a batch of one (1, H, W, C). Got shape {np.shape(image)}."
        )
    if class_index is not None and (
        not isinstance(class_index, (int, np.integer)) or class_index < 0
    ):
        raise ValueError(f"`class_index` must be a non-negative int or None. Got {class_index!r}.")
    target = find_layer(model, layer, kind="last_spatial")
    function = _gradient_function(model, target)
    index = tf.constant(-1 if class_index is None else int(class_index), tf.int32)
    maps, gradients, probabilities, chosen = function(tf.convert_to_tensor(batch), index)
    classes = int(probabilities.shape[-1])
    if class_index is not None and class_index >= classes:
        raise ValueError(
            f"`class_index` must be in [0, {classes - 1}] for this model. Got {class_index}."
        )
    maps, gradients = np.asarray(maps)[0], np.asarray(gradients)[0]
    if maps.ndim != 3:
        raise ValueError(f"`layer` must have spatial output (1, H, W, C). Got {target.name!r}.")
    weights = gradients.mean(axis=(0, 1))  # (C,): global-average-pooled gradients
    cam = np.maximum(np.tensordot(maps, weights, axes=([2], [0])), 0)
    heatmap = tf.image.resize(cam[None, :, :, None], batch.shape[1:3], method="bilinear")
    heatmap = np.maximum(np.asarray(heatmap)[0, :, :, 0], 0)
    peak = heatmap.max()  # scaled after upsampling so the hottest pixel is exactly 1
    heatmap = (heatmap / peak if peak > 0 else heatmap).astype("float32")
    chosen = int(chosen)
    return GradCam(heatmap, chosen, float(np.asarray(probabilities)[0, chosen]), target.name)


def grad_cam(model, image, class_index: int | None = None, layer: str | None = None) -> np.ndarray:
    """Grad-CAM heatmap of ``image`` for ``class_index`` (default: the predicted class).

    Args:
        model: any Keras classifier (Sequential, Functional, nested backbone, subclassed).
        image: one image (H, W, C) preprocessed as the model expects, or a batch of one.
        class_index: the class to explain; None explains the top prediction.
        layer: the convolution layer to use (any depth of nesting); default the last layer with
            spatial output.

    Returns:
        float32 array (H, W) in [0, 1], the size of the image (bilinear upsampling).

    Raises:
        ValueError: wrong image rank, unknown layer name, class index out of range.

    Example:
        >>> heatmap = grad_cam(model, image)  # doctest: +SKIP
        >>> heatmap.shape == image.shape[:2]  # doctest: +SKIP
        True
    """
    return grad_cam_result(model, image, class_index=class_index, layer=layer).heatmap


def show_grad_cam(
    model,
    image,
    class_index: int | None = None,
    layer: str | None = None,
    *,
    class_names=None,
    display_image=None,
    alpha: float = 0.45,
) -> Figure:
    """The image, its Grad-CAM heatmap, and the two overlaid, titled with class and probability.

    ``display_image`` is what to draw when ``image`` is preprocessed beyond recognition (e.g.
    ResNet's mean subtraction); by default ``image`` itself.
    """
    result = grad_cam_result(model, image, class_index=class_index, layer=layer)
    shown = np.asarray(image if display_image is None else display_image)
    if shown.ndim == 4:
        shown = shown[0]
    name = class_names[result.class_index] if class_names is not None else str(result.class_index)
    fig, axes = subplots(1, 3, figsize=(10, 3.6))
    _draw(axes[0], shown, "image")
    axes[1].imshow(result.heatmap, cmap="jet", vmin=0, vmax=1)
    axes[1].set_title(f"Grad-CAM ({result.layer})", fontsize=9)
    _draw(axes[2], shown, f"{name}: p = {result.probability:.2f}")
    axes[2].imshow(result.heatmap, cmap="jet", alpha=alpha, vmin=0, vmax=1)
    for ax in axes[1:]:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.cnnlab_result = result
    return fig
