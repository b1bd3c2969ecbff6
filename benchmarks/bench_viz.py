"""cnnlab.viz speed: Grad-CAM on ResNet-50 and a t-SNE map of 2,000 x 2,048 features, on the CPU.

Targets (issue 7): grad_cam on ResNet-50 at 224 x 224 under 2 s per image after the first call,
tsne_map of 2,000 vectors of size 2,048 under 30 s. References measured in the same run: the
textbook Grad-CAM (a tap model and an eager GradientTape, rebuilt per call as tutorials do) and
scikit-learn's TSNE on the raw 2,048-D features (no PCA first).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("MPLBACKEND", "Agg")

import keras
import numpy as np
import tensorflow as tf
from harness import interleaved_medians, report

from cnnlab.viz import grad_cam, tsne_map


def textbook_grad_cam(model, image, layer_name):
    tap = keras.Model(model.input, [model.get_layer(layer_name).output, model.output])
    with tf.GradientTape() as tape:
        maps, predictions = tap(image[None])
        score = predictions[0, int(tf.argmax(predictions[0]))]
    gradients = tape.gradient(score, maps)[0].numpy()
    cam = np.maximum(np.tensordot(maps[0].numpy(), gradients.mean(axis=(0, 1)), axes=([2], [0])), 0)
    return tf.image.resize(cam[None, :, :, None], image.shape[:2]).numpy()[0, :, :, 0]


def main() -> None:
    model = keras.applications.ResNet50(weights=None)  # random weights: same cost, no download
    rng = np.random.default_rng(0)
    images = [rng.uniform(-100, 100, (224, 224, 3)).astype("float32") for _ in range(2)]
    started = time.perf_counter()
    grad_cam(model, images[0])
    first = time.perf_counter() - started
    print(f"grad_cam ResNet-50 first call (traces the gradient function): {first:.2f} s")
    counter = iter(range(10**6))
    medians = interleaved_medians(
        {
            "ours": lambda: grad_cam(model, images[next(counter) % 2]),
            "textbook": lambda: textbook_grad_cam(model, images[0], "conv5_block3_out"),
        },
        repeat=5,
        warmup=1,
    )
    report(
        "grad_cam ResNet-50 224x224, per image after the first call",
        medians["ours"],
        medians["textbook"],
        target="ours < 2 s",
    )

    features = rng.normal(size=(2000, 2048)).astype("float32")
    features[:1000] += 0.5  # two groups, like two classes
    started = time.perf_counter()
    tsne_map(features, labels=np.repeat([0, 1], 1000))
    ours = time.perf_counter() - started
    from sklearn.manifold import TSNE

    started = time.perf_counter()
    TSNE(n_components=2, perplexity=30, init="pca", random_state=0).fit_transform(features)
    reference = time.perf_counter() - started
    report("tsne_map 2,000 x 2,048 (one run each)", ours, reference, target="ours < 30 s")


if __name__ == "__main__":
    main()
