"""Checks of lab 03 (transfer learning). Each probe returns plain data; the grader compares it with the solution's.

The augmenter is probed by its settings and by what it makes of images the probe chooses (with a
seed). ``features_and_labels`` gets a dataset the probe builds, shuffled again on every read, and
each returned row is matched to its image through the backbone's features, so only alignment and
completeness count, not the order. Accuracies are measured by the probes themselves on fixed
evaluation sets and compared with thresholds that leave a margin. Fine-tuning is checked on a fresh
model the probe builds (which weights would train, the optimizer and its learning rate, a new
compile) and on the notebook's model. Hidden checks (``hidden=True``) use other inputs.
"""

import numpy as np

from cnnlab.grading.checks import probe

THRESHOLD = 0.5  # held-out accuracy the linear head must reach (the solution gets about 0.65)
TOLERANCE = 0.05  # what fine-tuning may lose to noise (about 1.5 standard errors on 224 images)


def digits(split, seed, count):
    """Digits 5-9 over photographs (float32 in [0, 255]) and labels 0-4."""
    from cnnlab.transfer.tiny import TARGET_DIGITS, digits_on_photos

    images, labels = digits_on_photos(TARGET_DIGITS, split=split, seed=seed)
    return images[:count], labels[:count]


def settings(augmenter):
    """The arguments of an ImageDataGenerator that the question is about."""
    zoom = getattr(augmenter, "zoom_range", None)
    rescale = getattr(augmenter, "rescale", None)
    return {
        "rotation_range": float(augmenter.rotation_range),
        "width_shift_range": float(augmenter.width_shift_range),
        "height_shift_range": float(augmenter.height_shift_range),
        "shear_range": float(augmenter.shear_range),
        "zoom_range": [float(z) for z in zoom],
        "channel_shift_range": float(augmenter.channel_shift_range),
        "fill_mode": str(augmenter.fill_mode),
        "horizontal_flip": bool(augmenter.horizontal_flip),
        "vertical_flip": bool(augmenter.vertical_flip),
        "rescale": None if rescale in (None, 1, 1.0) else float(rescale),
    }


def settings_hint(expected, got):
    """Name the first setting that differs, with the reason for the two changes."""
    if not isinstance(got, dict):
        return "`augmenter` must be a cnnlab.augment.ImageDataGenerator."
    if got.get("rescale") is not None:
        return "Drop `rescale`: the backbone's preprocessing divides by 255 and expects [0, 255] pixels."
    if got.get("horizontal_flip"):
        return "Drop `horizontal_flip`: a mirrored digit is not the same digit."
    for name, value in expected.items():
        if got.get(name) != value:
            return f"`{name}` should be {value!r} as in the lecture; yours is {got.get(name)!r}."
    return None


@probe(
    "q1",
    points=1,
    hint=settings_hint,
    message="`augmenter`: the lecture's arguments without rescale and without horizontal flips.",
)
def q1_augmenter_settings(namespace):
    return settings(namespace["augmenter"])




def alignment(namespace, count, batch, seed):
    """Run features_and_labels on a reshuffling dataset; match each row to its image by its features."""
    import tensorflow as tf

    images, labels = digits("train", seed, count)
    backbone = namespace["backbone"]
    reference = backbone.model.predict(backbone.preprocess(images), verbose=0)
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(count, seed=seed, reshuffle_each_iteration=True)
        .batch(batch)
    )
    features, got_labels = namespace["features_and_labels"](dataset)
    features = np.asarray(features, "float32")
    got_labels = np.asarray(got_labels).reshape(-1)
    if features.shape != reference.shape or got_labels.shape != labels.shape:
        return {"shapes": [list(features.shape), list(got_labels.shape)]}
    distances = ((features[:, None, :] - reference[None, :, :]) ** 2).sum(axis=2)
    rows = distances.argmin(axis=1)
    return {
        "shapes": [list(features.shape), list(got_labels.shape)],
        "every_image_once": bool(len(set(rows.tolist())) == count),
        "features_close": bool(np.allclose(features, reference[rows], atol=1e-3)),
        "labels_aligned": float(np.mean(got_labels == labels[rows])),
    }


def alignment_hint(expected, got):
    if not isinstance(got, dict) or got.get("shapes") != expected["shapes"]:
        return f"Expected features and labels of shapes {expected['shapes']} (all batches, concatenated)."
    if not got.get("features_close") or not got.get("every_image_once"):
        return "Some rows are not the backbone's features of an image: use backbone.preprocess, then backbone.model."
    return (
        f"Only {got['labels_aligned']:.0%} of the labels belong to the image of their row: take the labels "
        "from the same batches as the images, in one pass over the dataset."
    )


@probe(
    "q2",
    points=1,
    hint=alignment_hint,
    message="features_and_labels on a dataset reshuffled at every read: each label with its image.",
)
def q2_aligned_batches_of_8(namespace):
    return alignment(namespace, 40, 8, 5)




def accuracy(model, images, labels):
    """Accuracy of ``model`` (images in [0, 255] to probabilities) measured here."""
    probabilities = np.asarray(model.predict(images, verbose=0))
    return float(np.mean(probabilities.argmax(axis=1) == labels))


def head_hint(expected, got):
    if not isinstance(got, dict):
        return None
    if not got.get("above_threshold"):
        return (
            f"Your model reaches {got.get('accuracy', 0):.1%} on the evaluation set, below "
            f"{THRESHOLD:.0%}: train the head on aligned features and labels (question 2)."
        )
    return "`head_accuracy` must be the accuracy of `model` on x_test, y_test, as a float."


@probe(
    "q3",
    points=2,
    hint=head_hint,
    message=f"`model` reaches {THRESHOLD:.0%} on the fixed evaluation set; `head_accuracy` says so.",
)
def q3_head_accuracy(namespace):
    from cnnlab.transfer.tiny import TARGET_DIGITS, digits_on_photos

    images, labels = digits_on_photos(TARGET_DIGITS, split="test", seed=1)
    value = accuracy(namespace["model"], images, labels)
    return {
        "above_threshold": value >= THRESHOLD,
        "reported": abs(value - float(namespace["head_accuracy"])) <= 0.01,
    }




def fixed_model(seed):
    """tiny with a linear head of seeded random weights: a model the probe knows, whatever was trained."""
    import keras

    from cnnlab.transfer import attach_head, freeze, load_backbone

    backbone = load_backbone("tiny")
    freeze(backbone.model)
    rng = np.random.default_rng(seed)
    inputs = keras.Input((128,))
    dense = keras.layers.Dense(5, activation="softmax", name="head_predictions")
    head = keras.Model(inputs, dense(inputs))
    dense.set_weights([rng.normal(0, 0.3, (128, 5)).astype("float32"), np.zeros(5, "float32")])
    return attach_head(backbone, head)


def mistakes_hint(expected, got):
    if not isinstance(got, list):
        return "`confident_mistakes` must return a list of ints (positions in `images`)."
    if len(got) != len(expected):
        return f"Expected {len(expected)} positions, got {len(got)}: at most k, fewer if there are fewer mistakes."
    if set(got) == set(expected):
        return "The right mistakes in the wrong order: the highest probability of the wrong class first."
    return "Other images: keep those whose argmax is not the label, rank them by the probability of that argmax."


def mistakes(namespace, seed, count, k):
    images, labels = digits("test", seed, count)
    found = namespace["confident_mistakes"](fixed_model(seed), images, labels, k)
    return [int(i) for i in found]


@probe(
    "q4",
    points=1,
    compare="exact",
    hint=mistakes_hint,
    message="confident_mistakes(model, images, labels, 5) on a model and images the check chooses.",
)
def q4_five_mistakes(namespace):
    return mistakes(namespace, 2, 40, 5)




def prepared(namespace, blocks, learning_rate):
    """A fresh model put through prepare_fine_tuning: what would train, and how."""
    import keras

    model = fixed_model(0)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    before = model.optimizer
    result = namespace["prepare_fine_tuning"](model, blocks, learning_rate)
    optimizer = model.optimizer
    return {
        "returns_model": result is model,
        "trainable": sorted(weight.path for weight in model.trainable_weights),
        "optimizer": type(optimizer).__name__,
        "learning_rate": float(np.asarray(optimizer.learning_rate)),
        "recompiled": optimizer is not before,
    }


def prepared_hint(expected, got):
    if not isinstance(got, dict) or "trainable" not in got:
        return None
    batch_norm = [path for path in got["trainable"] if "_bn/" in path]
    if batch_norm:
        return f"BatchNormalization must stay frozen: yours trains {batch_norm[0]} and more."
    missing = sorted(set(expected["trainable"]) - set(got["trainable"]))
    extra = sorted(set(got["trainable"]) - set(expected["trainable"]))
    if missing:
        return f"{missing[0]} should train (the top blocks' convolutions and the head)."
    if extra:
        return f"{extra[0]} should stay frozen: only the top `blocks` blocks and the head train."
    if not got["recompiled"]:
        return "Compile the model again, with a new optimizer: Keras fixes what trains at compile time."
    if got["learning_rate"] != expected["learning_rate"]:
        return f"Use Adam with the `learning_rate` given ({expected['learning_rate']}), not the head's."
    return "Return the model you prepared."


@probe(
    "q5",
    points=1,
    rtol=1e-6,
    atol=1e-12,
    hint=prepared_hint,
    message="prepare_fine_tuning(model, 1, 1e-4): block3 and head trainable, BatchNormalization frozen, recompiled.",
)
def q5_prepare_one_block(namespace):
    return prepared(namespace, 1, 1e-4)




def tuned_hint(expected, got):
    if isinstance(got, dict) and not got.get("not_dropped"):
        return (
            "Fine-tuning lost accuracy: keep BatchNormalization frozen and use a learning rate "
            "about 100 times smaller than the head's."
        )
    return "`fine_tuned_accuracy` must be the accuracy of the fine-tuned `model` on x_test, y_test."


@probe(
    "q5",
    points=1,
    hint=tuned_hint,
    message="After fine-tuning, `model` is at least as accurate as the head alone (within 5 points).",
)
def q5_accuracy_kept(namespace):
    from cnnlab.transfer.tiny import TARGET_DIGITS, digits_on_photos

    images, labels = digits_on_photos(TARGET_DIGITS, split="test", seed=1)
    value = accuracy(namespace["model"], images, labels)
    return {
        "not_dropped": value >= float(namespace["head_accuracy"]) - TOLERANCE,
        "reported": abs(value - float(namespace["fine_tuned_accuracy"])) <= 0.01,
    }


def notebook_hint(expected, got):
    if not isinstance(got, dict) or "trainable" not in got:
        return None
    if any("_bn/" in path for path in got["trainable"]):
        return (
            "Your fine-tuned `model` trains BatchNormalization weights: keep those layers frozen."
        )
    if not got.get("small_rate"):
        return "Fine-tune `model` with a learning rate far below the head's 0.01 (1e-4 is asked)."
    return "Fine-tune `model` itself with blocks=1 and keep what `fit` returns in `history`."


