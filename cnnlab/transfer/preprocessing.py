"""Input preprocessing of each backbone, as a numpy function and as a Keras layer, from one table.

``keras.applications`` models expect pixels in [0, 255] and a family-specific transform:
``"caffe"`` (ResNet-50, VGG-16: RGB to BGR, then subtract the ImageNet channel means),
``"tf"`` (MobileNetV2: scale to [-1, 1]), ``"none"`` (EfficientNet rescales inside the model)
and, for our ``tiny`` backbone, ``"unit"`` (divide by 255). Two traps are closed here: Keras'
``preprocess_input`` may overwrite a float array in place, and it silently accepts images
already scaled to [0, 1], which then look almost black to the network. ``preprocess_array``
always returns a new array and refuses such images.

Example:
    >>> float(preprocess_array(np.full((1, 2, 2, 3), 255.0), "tf").max())
    1.0
"""

from __future__ import annotations

import keras
import numpy as np

__all__ = ["MODES", "Preprocess", "preprocess_array"]

# ImageNet channel means in RGB order, as keras.applications' "caffe" mode subtracts them.
_CAFFE_MEAN_RGB = (123.68, 116.779, 103.939)
MODES = ("caffe", "tf", "none", "unit")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {', '.join(MODES)}. Got {mode!r}.")


def preprocess_array(images, mode: str, *, check_range: bool = True) -> np.ndarray:
    """Return a new float32 array of ``images`` (pixels in [0, 255]) preprocessed for ``mode``.

    Args:
        images: array-like (..., height, width, 3) with values in [0, 255]; never modified.
        mode: ``"caffe"``, ``"tf"``, ``"none"`` or ``"unit"`` (see the module docstring).
        check_range: refuse inputs that look like [0, 1] images or already preprocessed ones.

    Returns:
        A float32 array of the same shape.

    Raises:
        ValueError: unknown mode, last axis not 3 channels, or values that look like [0, 1]
            images (all within [0, 1]) or like preprocessed ones (negative values).

    Example:
        >>> preprocess_array(np.zeros((2, 32, 32, 3)), "caffe")[0, 0, 0]
        array([-103.939, -116.779, -123.68 ], dtype=float32)
    """
    _check_mode(mode)
    array = np.array(images, dtype=np.float32, copy=True)  # always a copy: never the caller's
    if array.ndim < 3 or array.shape[-1] != 3:
        raise ValueError(
            f"`images` must have 3 colour channels on the last axis. Got shape {array.shape}."
        )
    if check_range and array.size:
        low, high = float(array.min()), float(array.max())
        if low < 0:
            raise ValueError(
                "`images` must hold pixel values in [0, 255]. Got a minimum of "
                f"{low:.4g}: were they preprocessed already? Pass the original images."
            )
        if 0 < high <= 1.0:
            raise ValueError(
                "`images` must hold pixel values in [0, 255]. Got values all within [0, 1] "
                f"(maximum {high:.4g}): multiply by 255 first (images * 255.0)."
            )
    if mode == "caffe":
        array = array[..., ::-1] - np.array(_CAFFE_MEAN_RGB[::-1], np.float32)
        return np.ascontiguousarray(array)
    if mode == "tf":
        array /= 127.5
        array -= 1.0
    elif mode == "unit":
        array /= 255.0
    return array


@keras.saving.register_keras_serializable(package="cnnlab")
class Preprocess(keras.layers.Layer):
    """The backbone's preprocessing as a layer, so a model can take [0, 255] images directly.

    Args:
        mode: ``"caffe"``, ``"tf"``, ``"none"`` or ``"unit"``.

    Example:
        >>> Preprocess("unit")(np.full((1, 4, 4, 3), 255.0)).shape
        TensorShape([1, 4, 4, 3])
    """

    def __init__(self, mode: str, **kwargs):
        _check_mode(mode)
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, inputs):
        x = keras.ops.cast(inputs, "float32")
        if self.mode == "caffe":
            mean = keras.ops.convert_to_tensor(_CAFFE_MEAN_RGB[::-1], "float32")
            return keras.ops.flip(x, axis=-1) - mean
        if self.mode == "tf":
            return x / 127.5 - 1.0
        if self.mode == "unit":
            return x / 255.0
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
