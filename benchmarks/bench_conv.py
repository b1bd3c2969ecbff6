"""cnnlab.conv.conv2d (numpy, im2col + matmul) against keras.layers.Conv2D on the same CPU.

A VGG-like layer: batch 8, 56 x 56 x 64 -> 64 filters, 3 x 3, padding "same", float32.
Target: numpy <= 1.5 x Keras' time. Then conv2d_naive against conv2d on one image of the same layer
(batch 1: the loops would take minutes on the full batch), to show what vectorising buys.
"""

from __future__ import annotations

import keras
import numpy as np
from harness import interleaved_medians, report

from cnnlab.conv import conv2d, conv2d_naive


def main() -> None:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((8, 56, 56, 64), dtype=np.float32)
    kernel = rng.standard_normal((3, 3, 64, 64), dtype=np.float32) * np.float32(0.05)
    bias = rng.standard_normal(64, dtype=np.float32)

    layer = keras.layers.Conv2D(64, 3, padding="same")
    layer.build(images.shape)
    layer.set_weights([kernel, bias])
    ours = conv2d(images, kernel, padding="same", bias=bias)
    difference = np.max(np.abs(ours - layer(images).numpy()))
    print(f"max |numpy - keras| = {difference:.2e}")

    medians = interleaved_medians(
        {
            "numpy": lambda: conv2d(images, kernel, padding="same", bias=bias),
            "keras": lambda: layer(images).numpy(),
        },
        repeat=15,
        warmup=2,
    )
    report(
        "conv2d vs keras.layers.Conv2D, (8, 56, 56, 64) -> 64, 3x3 same, float32",
        medians["numpy"],
        medians["keras"],
        target="<= 1.5",
    )

    one = images[:1]
    medians = interleaved_medians(
        {
            "naive": lambda: conv2d_naive(one, kernel, padding="same", bias=bias),
            "vectorised": lambda: conv2d(one, kernel, padding="same", bias=bias),
        },
        repeat=3,
        warmup=0,
    )
    report(
        "conv2d_naive vs conv2d, (1, 56, 56, 64) -> 64, 3x3 same, float32 (batch 1)",
        medians["naive"],
        medians["vectorised"],
        target="none; shows the cost of Python loops",
    )


if __name__ == "__main__":
    main()
