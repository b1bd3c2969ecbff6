"""Regenerate the sample submissions of lab 04_convnet_design from its released notebook.

Each sample is the released student notebook with some exercise cells answered, right or wrong in a
way students typically are; ``tests/test_labs.py`` asserts the exact grade of each. Run from the
repository root after ``cnnlab release 04_convnet_design``:

    .venv/bin/python data/sample_submissions/04_convnet_design/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RELEASED = HERE.parents[2] / "labs" / "04_convnet_design" / "04_convnet_design.ipynb"

RIGHT = {
    "q1": """def build_lenet(input_shape=(32, 32, 1), num_classes=10):
    model = keras.Sequential()
    model.add(keras.Input(shape=input_shape))
    for filters in (6, 16):
        model.add(keras.layers.Conv2D(filters, (5, 5), activation="tanh"))
        model.add(keras.layers.AveragePooling2D((2, 2)))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(120, activation="tanh"))
    model.add(keras.layers.Dense(84, activation="tanh"))
    model.add(keras.layers.Dense(num_classes, activation="softmax"))
    return model""",
    "q2": """lenet.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.003),
    loss=keras.losses.SparseCategoricalCrossentropy(),
    metrics=["accuracy"],
)
history = lenet.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
test_accuracy = lenet.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
print(test_accuracy)""",
    "q3": """def conv(filters, size):
    return keras.layers.Conv2D(filters, size, padding="same", activation="relu")


def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    a = conv(f1, 1)(x)
    b = conv(f3, 3)(conv(f3_reduce, 1)(x))
    c = conv(f5, 5)(conv(f5_reduce, 1)(x))
    d = conv(pool_proj, 1)(keras.layers.MaxPooling2D(3, strides=1, padding="same")(x))
    return keras.layers.concatenate([a, b, c, d])


image = keras.Input(shape=(28, 28, 192))
inception_model = keras.Model(image, inception_module(image, 64, 96, 128, 16, 32, 32))""",
    "q4": """class ResidualBlock(keras.layers.Layer):
    def __init__(self, filters, kernel_size=3, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = keras.layers.Conv2D(filters, kernel_size, padding="same", activation="relu")
        self.conv2 = keras.layers.Conv2D(filters, kernel_size, padding="same")

    def call(self, inputs):
        return keras.ops.relu(self.conv2(self.conv1(inputs)) + inputs)""",
    "q5": """class MiniResNet(keras.Model):
    def __init__(self, num_classes=10, filters=16, blocks=2, **kwargs):
        super().__init__(**kwargs)
        self.body = [keras.layers.Conv2D(filters, 3, padding="same", activation="relu")]
        self.body += [ResidualBlock(filters) for _ in range(blocks)]
        self.body += [keras.layers.GlobalAveragePooling2D()]
        self.body += [keras.layers.Dense(num_classes, activation="softmax")]

    def call(self, inputs):
        x = inputs
        for layer in self.body:
            x = layer(x)
        return x""",
    "q6": """def conv_bn_block(x, filters, kernel_size=3, strides=1):
    x = keras.layers.Conv2D(filters, kernel_size, strides, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.Activation("relu")(x)""",
    "q7": """def param_counts(kernel_size, in_channels, filters):
    area = kernel_size * kernel_size
    return {
        "standard": area * in_channels * filters + filters,
        "separable": area * in_channels + (in_channels + 1) * filters,
    }""",
}

# The course's old reference mistake: conv2 reads the block's input instead of conv1's output.
CONV2_READS_INPUT = RIGHT["q4"].replace(
    "        return keras.ops.relu(self.conv2(self.conv1(inputs)) + inputs)",
    "        x = self.conv1(inputs)\n"
    "        x = self.conv2(inputs)\n"  # the mistake: should be self.conv2(x)
    "        return keras.ops.relu(x + inputs)",
)

PARTIAL = {
    "q1": RIGHT["q1"]
    .replace('activation="tanh"', 'activation="relu"')
    .replace("AveragePooling2D", "MaxPooling2D"),  # same sizes, other layer types
    "q2": RIGHT["q2"],
    "q3": RIGHT["q3"]
    .replace("conv(f3, 3)(conv(f3_reduce, 1)(x))", "conv(f3, 3)(x)")
    .replace(
        "conv(f5, 5)(conv(f5_reduce, 1)(x))", "conv(f5, 5)(x)"
    ),  # no 1x1 reductions
    "q4": RIGHT["q4"],
    "q6": RIGHT["q6"].replace(
        ", use_bias=False", ""
    ),  # a bias the normalisation cancels
    "q7": RIGHT["q7"].replace(
        "area * in_channels + (in_channels", "(area + 1) * in_channels + (in_channels"
    ),
}  # q5 not attempted

SAMPLES = {
    "perfect": RIGHT,
    "partial": PARTIAL,
    "empty": {},
    "conv2_reads_input": {**RIGHT, "q4": CONV2_READS_INPUT},
}


def main() -> None:
    # ../notebook_answers.py writes the samples; it is shared by every lab's generator
    sys.path.insert(0, str(HERE.parent))
    from notebook_answers import write_samples

    write_samples(RELEASED, SAMPLES, HERE)


if __name__ == "__main__":
    main()
