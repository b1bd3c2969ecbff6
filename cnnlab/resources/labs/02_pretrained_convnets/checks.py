"""Checks of lab 02 (pretrained ConvNets). Each probe returns plain data; the grader compares it with the solution's.

Every probe calls the student's own functions on images it chooses (digits written over photographs,
and crops of real photographs of other sizes); hidden checks (``hidden=True``) use other images,
other layers and other arguments. The gallery checks are independent of the gallery's order: images
are recognised by the bytes of their pixels and reported that way, so what counts is that images,
labels and features stay together.
"""

import hashlib

import numpy as np

from cnnlab.grading.checks import probe


def probe_images(seed, count):
    """``count`` digits 0-9 written over photographs (float32 in [0, 255]), other backgrounds per seed."""
    from cnnlab.transfer.tiny import digits_on_photos

    images, _ = digits_on_photos(tuple(range(10)), split="train", seed=seed)
    return images[:count]


def photo_crop(name, top, left, height, width):
    """A crop of a bundled real photograph, uint8 (height, width, 3)."""
    from cnnlab.data import sample_image

    return np.ascontiguousarray(sample_image(name)[top : top + height, left : left + width, :3])


def pairs(result):
    """A list of (name, probability) pairs as plain data."""
    return [[str(name), float(probability)] for name, probability in result]


def classify_hint(expected, got):
    """Say what differs in the top classes."""
    if not isinstance(got, list) or any(not isinstance(p, list) or len(p) != 2 for p in got):
        return "`classify` must return a list of (class_name, probability) pairs, best first."
    if len(got) != len(expected):
        return f"Asked for top={len(expected)}, your list has {len(got)} pairs."
    if [p[0] for p in got] != [p[0] for p in expected]:
        return (
            f"The network's best guess is {expected[0][0]!r} ({expected[0][1]:.1%}), yours says "
            f"{got[0][0]!r} ({got[0][1]:.1%}): resize first, then apply `backbone.preprocess` to "
            "pixels in [0, 255] (not [0, 1], and only once)."
        )
    return "Same classes, other probabilities: preprocess once, after resizing, with `backbone.preprocess`."


@probe(
    "q1",
    points=1,
    rtol=1e-3,
    atol=1e-4,
    hint=classify_hint,
    message="classify(image) of a 32x32 digit over a photograph: the top 5 (class, probability) pairs.",
)
def q1_classify_digit(namespace):
    return pairs(namespace["classify"](probe_images(5, 1)[0]))




def embed_hint(expected, got):
    """Shape first, then values."""
    shape = getattr(got, "shape", None)
    if shape is None or len(shape) != 2:
        return "`embed` must return a 2-D array (N, D): one feature vector per image."
    if tuple(shape) != tuple(expected.shape):
        return (
            f"Expected features of shape {tuple(expected.shape)}, got {tuple(shape)}: use "
            "`feature_backbone.model` (no classifier, average pooling), one row per image."
        )
    return "Right shape, other values: resize, then `feature_backbone.preprocess` once, on [0, 255] pixels."


@probe(
    "q2",
    points=1,
    rtol=1e-3,
    atol=1e-4,
    hint=embed_hint,
    message="embed(images) on 4 digits over photographs: the headless network's features (N, D).",
)
def q2_embed_digits(namespace):
    return np.asarray(namespace["embed"](probe_images(6, 4)), "float32")




def relu_layer_names(namespace):
    """The last and a middle ReLU layer of the student's feature backbone."""
    names = [
        layer.name
        for layer in namespace["feature_backbone"].model.layers
        if layer.name.endswith("relu")
    ]
    return names[-1], names[len(names) // 2 - 1]


def share_hint(expected, got):
    """A share must be a float in [0, 1]; say which way it is off."""
    if not isinstance(got, float) or not 0 <= got <= 1:
        return "`zero_share` must return a Python float between 0 and 1 (use float(...))."
    if got == 0:
        return "You found no zeros: count the values of the ReLU layer's output, `== 0`, before pooling."
    return f"Expected a share of {expected:.3f}, got {got:.3f}: the mean of (maps == 0) over all values."


@probe(
    "q3",
    points=1,
    rtol=1e-4,
    atol=1e-4,
    hint=share_hint,
    message="zero_share(images, last ReLU layer) for 8 digits over photographs.",
)
def q3_zero_share_last(namespace):
    return namespace["zero_share"](probe_images(7, 8), relu_layer_names(namespace)[0])


@probe(
    "q3",
    points=1,
    compare="exact",
    message="`why_zeros` is one letter; ReLU outputs exactly 0 for every negative input.",
)
def q3_why_zeros(namespace):
    return str(namespace["why_zeros"]).strip().upper()




def original_labels(namespace):
    """Each gallery image's true label, found by its pixels in the digits of the lab (``None`` if absent)."""
    from cnnlab.transfer.tiny import digits_on_photos

    images, labels = digits_on_photos(tuple(range(10)), split="test")
    known = {key(image): int(label) for image, label in zip(images, labels, strict=True)}
    return [known.get(key(image)) for image in np.asarray(namespace["gallery_images"])]


def key(image):
    """A short fingerprint of an image's pixels."""
    data = np.ascontiguousarray(np.asarray(image, "float32"))
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]


def alignment_hint(expected, got):
    """Name the broken link: unknown images, labels or coordinates."""
    if not isinstance(got, dict):
        return None
    if got.get("size") != expected["size"]:
        return f"Your gallery has {got.get('size')} images, expected {expected['size']}: shuffle all of `x_gallery`."
    if got.get("unknown_images"):
        return "Some `gallery_images` are not images of the gallery: take rows of `x_gallery` as they are."
    if got.get("labels_aligned") != expected["labels_aligned"]:
        return (
            f"Only {got.get('labels_aligned', 0):.0%} of `gallery_labels` belong to their image: "
            "index images and labels with the same `order`."
        )
    return "`gallery_features` must have one row per image, and `tsne_coords` shape (N, 2)."


@probe(
    "q4",
    points=1,
    hint=alignment_hint,
    message="gallery_images, gallery_labels (same order) and tsne_coords (N, 2).",
)
def q4_gallery_aligned(namespace):
    truth = original_labels(namespace)
    labels = [int(v) for v in np.asarray(namespace["gallery_labels"]).reshape(-1)]
    same = (
        [t == v for t, v in zip(truth, labels, strict=False)] if len(labels) == len(truth) else []
    )
    return {
        "size": len(truth),
        "unknown_images": sum(t is None for t in truth),
        "labels_aligned": float(np.mean(same)) if same else 0.0,
        "features_rows": int(np.asarray(namespace["gallery_features"]).shape[0]),
        "tsne_shape": list(np.asarray(namespace["tsne_coords"]).shape),
    }




def search(namespace, query, top_n):
    """Run most_similar on the gallery position of the test-split image ``query``; fingerprints back."""
    from cnnlab.transfer.tiny import digits_on_photos

    images = [key(image) for image in np.asarray(namespace["gallery_images"])]
    wanted = key(digits_on_photos(tuple(range(10)), split="test")[0][query])
    found = namespace["most_similar"](images.index(wanted), top_n=top_n)
    return [images[int(i)] for i in found]


def search_hint(expected, got):
    if not isinstance(got, list) or len(got) != len(expected):
        return f"`most_similar` must return a list of top_n={len(expected)} gallery positions."
    if set(got) == set(expected):
        return "The right images in the wrong order: most similar (highest cosine) first."
    return (
        "Other images than the cosine-nearest ones: divide the dot products by both norms, "
        "leave the query itself out, and sort from most to least similar."
    )


@probe(
    "q5",
    points=1,
    compare="exact",
    hint=search_hint,
    message="most_similar(index of the gallery's first digit, top_n=5): cosine similarity, query left out.",
)
def q5_search_five(namespace):
    return search(namespace, 0, 5)




