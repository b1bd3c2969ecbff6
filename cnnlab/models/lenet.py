"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998): the network that started it all.

Layers follow the paper's names: C1 (6 maps 5x5), S2 (2x2 subsampling), C3 (16 maps 5x5),
S4, C5 (120 maps 5x5, which is 1x1 on a 32x32 input), F6 (84 units), then the output. Activations
are tanh and the subsampling layers are average pooling, as in 1998. Two simplifications, stated
so the parameter count can be checked by hand: S2/S4 have no trainable coefficient (the paper's
have 2 per map), C3 sees all 6 maps of S2 (the paper's sparse connection table gives 1,516
weights instead of 2,416), and the output is a softmax layer instead of RBF units.

Example:
    >>> model = lenet5()
    >>> model.output_shape, model.count_params()
    ((None, 10), 61706)
"""

from __future__ import annotations

import keras
from keras import layers

from .geometry import check_plan, image_shape, positive_int


def lenet5(
    *, input_shape: tuple[int, int, int] = (32, 32, 1), num_classes: int = 10
) -> keras.Model:
    """Build LeNet-5 with tanh activations and average pooling.

    The paper pads 28x28 MNIST digits to 32x32; C5's 5x5 kernel then sees exactly the 5x5 maps of
    S4. Smaller inputs are rejected, larger ones work (C5 then yields a map larger than 1x1).

    Args:
        input_shape: ``(height, width, channels)``; at least 32x32.
        num_classes: units of the softmax output.

    Returns:
        A ``keras.Model`` named ``"lenet5"`` with freshly initialised weights.

    Raises:
        ValueError: if the input is smaller than 32x32 or an argument is not a positive int.

    Example:
        >>> lenet5().get_layer("c5").output.shape
        (None, 1, 1, 120)
    """
    input_shape = image_shape(input_shape)
    positive_int("num_classes", num_classes)
    check_plan(
        "lenet5",
        input_shape,
        [("c1", 5, 1, "valid"), ("s2", 2, 2, "valid"), ("c3", 5, 1, "valid"),
         ("s4", 2, 2, "valid"), ("c5", 5, 1, "valid")],
    )  # fmt: skip
    inputs = keras.Input(input_shape, name="input")
    x = layers.Conv2D(6, 5, activation="tanh", name="c1")(inputs)  # (N, 28, 28, 6)
    x = layers.AveragePooling2D(2, name="s2")(x)  # (N, 14, 14, 6)
    x = layers.Conv2D(16, 5, activation="tanh", name="c3")(x)  # (N, 10, 10, 16)
    x = layers.AveragePooling2D(2, name="s4")(x)  # (N, 5, 5, 16)
    x = layers.Conv2D(120, 5, activation="tanh", name="c5")(x)  # (N, 1, 1, 120)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(84, activation="tanh", name="f6")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="lenet5")


__all__ = ["lenet5"]
