"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012), single tower, as drawn in the lecture.

The original network was split over two GPUs and used local response normalisation; this is the
common simplified version: five convolutions, three max-pools, three dense layers. The first layer
is 96 filters of 11x11 with stride 4 and no padding, so the input must be 227x227 for the output
to be 55x55: (227 - 11 + 2*0)/4 + 1 = 55 exactly, while 224 gives 54.25, which Keras floors to 54
without a word (and the pools then drop rows too). The paper's figure says 224; use
``cnnlab.inspect.layer_table`` on ``alexnet(input_shape=(224, 224, 3))`` to see where it breaks.

Example:
    >>> model = alexnet()
    >>> model.get_layer("conv1").output.shape, model.count_params()
    ((None, 55, 55, 96), 62378344)
"""

from __future__ import annotations

import keras
from keras import layers

from .geometry import check_plan, image_shape, positive_int

# (name, kernel, stride, padding) of every layer that changes the spatial size.
_PLAN = [
    ("conv1", 11, 4, "valid"),
    ("pool1", 3, 2, "valid"),
    ("pool2", 3, 2, "valid"),
    ("pool3", 3, 2, "valid"),
]


def alexnet(
    *,
    input_shape: tuple[int, int, int] = (227, 227, 3),
    num_classes: int = 1000,
    dropout: float = 0.5,
) -> keras.Model:
    """Build the single-tower AlexNet of the lecture.

    Layer sizes for the default 227x227x3 input: conv1 55x55x96, pool1 27x27x96, conv2 27x27x256,
    pool2 13x13x256, conv3/conv4 13x13x384, conv5 13x13x256, pool3 6x6x256, fc6/fc7 4096, fc8.

    Args:
        input_shape: ``(height, width, channels)``. 227 makes every layer's geometry exact.
        num_classes: units of the softmax output (``fc8``).
        dropout: dropout rate after fc6 and fc7 (0.5 in the paper; 0 removes the layers).

    Returns:
        A ``keras.Model`` named ``"alexnet"``.

    Raises:
        ValueError: if the input is too small (under 67x67) or an argument is out of range.

    Example:
        >>> alexnet(input_shape=(224, 224, 3)).get_layer("conv1").output.shape  # floored
        (None, 54, 54, 96)
    """
    input_shape = image_shape(input_shape)
    positive_int("num_classes", num_classes)
    if not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be in [0, 1). Got {dropout!r}.")
    check_plan("alexnet", input_shape, _PLAN)
    inputs = keras.Input(input_shape, name="input")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool3")(x)
    x = layers.Flatten(name="flatten")(x)
    for name in ("fc6", "fc7"):
        x = layers.Dense(4096, activation="relu", name=name)(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="fc8")(x)
    return keras.Model(inputs, outputs, name="alexnet")


__all__ = ["alexnet"]
