"""Regenerate the sample submissions of lab 03_transfer_learning from its released notebook.

Each sample is the released student notebook with some exercise cells answered, right or wrong in a
way students typically are; ``tests/test_labs.py`` asserts the exact grade of each. Run from
the repository root after ``cnnlab release 03_transfer_learning``:

    .venv/bin/python data/sample_submissions/03_transfer_learning/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RELEASED = (
    HERE.parents[2] / "labs" / "03_transfer_learning" / "03_transfer_learning.ipynb"
)

RIGHT = {
    "q1": """augmenter = ImageDataGenerator(
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    channel_shift_range=9,
    fill_mode="nearest",
    horizontal_flip=False,
)""",
    "q2": """from cnnlab.transfer import extract_features


def features_and_labels(dataset):
    found = extract_features(backbone, dataset, cache=False, progress=False)
    return found.features, found.labels


train_features, train_labels = features_and_labels(train_ds)""",
    "q3": """head = train_linear_head(train_features, train_labels, epochs=head_epochs)
model = attach_head(backbone, head)
model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
head_accuracy = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]""",
    "q4": """def confident_mistakes(model, images, labels, k):
    probabilities = model.predict(images, verbose=0)
    predicted = np.argmax(probabilities, axis=1)
    found = [(probabilities[i, predicted[i]], i) for i in range(len(images)) if predicted[i] != labels[i]]
    found.sort(key=lambda pair: -pair[0])
    return [int(i) for _, i in found[:k]]""",
    "q5": """from cnnlab.transfer import backbone_blocks


def prepare_fine_tuning(model, blocks, learning_rate):
    model.trainable = True
    groups = backbone_blocks(model)
    core = model.get_layer(backbone.model.name)
    for layer in core.layers:
        layer.trainable = False
    for _, layers in groups[-blocks:]:
        for layer in layers:
            if not isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = True
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


model = prepare_fine_tuning(model, 1, 1e-4)
history = model.fit(x_train, y_train, batch_size=16, epochs=fine_tune_epochs, verbose=0)
fine_tuned_accuracy = model.evaluate(x_test, y_test, verbose=0)[1]""",
}

PARTIAL = {
    # the lecture's generator copied as it is: a [0, 1] rescale and mirrored digits
    "q1": """augmenter = ImageDataGenerator(
    rescale=1.0 / 255,
    rotation_range=40,
    width_shift_range=0.2,
    height_shift_range=0.2,
    shear_range=0.2,
    zoom_range=0.2,
    horizontal_flip=True,
    channel_shift_range=9,
    fill_mode="nearest",
)""",
    "q2": RIGHT["q2"],
    "q3": RIGHT["q3"],
    # sorted by confidence, but the least confident mistakes first
    "q4": RIGHT["q4"].replace("key=lambda pair: -pair[0]", "key=lambda pair: pair[0]"),
}  # q5 not attempted

# The BatchNormalization layers of the top block are unfrozen with the convolution.
BN_TRAINABLE = RIGHT["q5"].replace(
    """            if not isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = True""",
    """            layer.trainable = True""",
)

SAMPLES = {
    "perfect": RIGHT,
    "partial": PARTIAL,
    "empty": {},
    "batchnorm_trainable": {**RIGHT, "q5": BN_TRAINABLE},
}


def main() -> None:
    # ../notebook_answers.py writes the samples; it is shared by every lab's generator
    sys.path.insert(0, str(HERE.parent))
    from notebook_answers import write_samples

    write_samples(RELEASED, SAMPLES, HERE)


if __name__ == "__main__":
    main()
