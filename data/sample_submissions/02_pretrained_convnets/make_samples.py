"""Regenerate the sample submissions of lab 02_pretrained_convnets from its released notebook.

Each sample is the released student notebook with some exercise cells answered, right or wrong in a
way students typically are; ``tests/test_labs.py`` asserts the exact grade of each. Run from
the repository root after ``cnnlab release 02_pretrained_convnets``:

    .venv/bin/python data/sample_submissions/02_pretrained_convnets/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RELEASED = (
    HERE.parents[2] / "labs" / "02_pretrained_convnets" / "02_pretrained_convnets.ipynb"
)

RIGHT = {
    "q1": """def classify(image, top=5):
    image = np.array(image, dtype=np.float32)
    x = backbone.preprocess(resize(np.expand_dims(image, 0)))
    scores = backbone.model(x, training=False)
    return top_classes(keras.ops.convert_to_numpy(scores)[0], top=top)""",
    "q2": """def embed(images):
    x = feature_backbone.preprocess(resize(images))
    return keras.ops.convert_to_numpy(feature_backbone.model(x, training=False)).astype(np.float32)""",
    "q3": """def zero_share(images, layer_name):
    layer = feature_backbone.model.get_layer(layer_name)
    cut = keras.Model(inputs=feature_backbone.model.inputs, outputs=layer.output)
    activations = cut.predict(feature_backbone.preprocess(resize(images)), verbose=0)
    return np.count_nonzero(activations == 0) / activations.size


why_zeros = "b"
print(zero_share(x_gallery[:32], relu_layers[-1]))""",
    "q4": """order = np.random.default_rng(0).permutation(len(x_gallery))
gallery_images = x_gallery[order]
gallery_labels = y_gallery[order]
gallery_features = embed(gallery_images)
tsne_coords = tsne_embedding(gallery_features)
tsne_map(gallery_features, gallery_images, gallery_labels);""",
    "q5": """def most_similar(index, top_n=5):
    query = gallery_features[index]
    norms = np.linalg.norm(gallery_features, axis=1) * np.linalg.norm(query)
    cosine = gallery_features @ query / norms
    ranked = [int(i) for i in np.argsort(cosine)[::-1] if i != index]
    return ranked[:top_n]""",
}

PARTIAL = {
    "q1": RIGHT["q1"],
    "q2": RIGHT["q2"],
    # the share of zeros of the pooled features (almost never exactly 0), not of the ReLU's maps
    "q3": """def zero_share(images, layer_name):
    return float(np.mean(embed(images) == 0))


why_zeros = "B\"""",
    "q4": RIGHT["q4"],
    # the query is its own best match: it is not left out
    "q5": """def most_similar(index, top_n=5):
    unit = gallery_features / np.linalg.norm(gallery_features, axis=1, keepdims=True)
    return list(np.argsort(-(unit @ unit[index]))[:top_n])""",
}

# Shuffling the images but not the labels: the map and any accuracy are computed with wrong labels.
MISALIGNED = RIGHT["q4"].replace(
    "gallery_labels = y_gallery[order]", "gallery_labels = y_gallery"
)

# Scaling to [0, 1] before the backbone's preprocessing (which expects [0, 255] and refuses this).
SCALED_TWICE = RIGHT["q1"].replace(
    "image = np.array(image, dtype=np.float32)",
    "image = np.array(image, dtype=np.float32) / 255.0",
)

SAMPLES = {
    "perfect": RIGHT,
    "partial": PARTIAL,
    "empty": {},
    "misaligned_labels": {**RIGHT, "q4": MISALIGNED},
    "preprocess_unit_images": {**RIGHT, "q1": SCALED_TWICE},
}


def main() -> None:
    # ../notebook_answers.py writes the samples; it is shared by every lab's generator
    sys.path.insert(0, str(HERE.parent))
    from notebook_answers import write_samples

    write_samples(RELEASED, SAMPLES, HERE)


if __name__ == "__main__":
    main()
