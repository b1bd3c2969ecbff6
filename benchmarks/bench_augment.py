"""cnnlab.augment vs Keras 2's ImageDataGenerator vs the Keras 3 layer chain, images per second.

The lecture slide's configuration at 224x224, batch 32, side by side in one process on the same
images: 256 random crops of scikit-image photos, first as an in-memory array, then as JPEG files
in a temporary folder (two class folders, 256x256 files resized to 224 by each pipeline).

- ours: ``cnnlab.augment.ImageDataGenerator`` (one fused affine op per batch inside tf.data);
- legacy: ``tensorflow.keras.preprocessing.image.ImageDataGenerator`` (the Keras 2 class still
  shipped with TF 2.21 as a deprecated copy; scipy, one image at a time), the reference;
- layers: ``augmentation_layers(...)`` mapped over a batched tf.data pipeline (arrays:
  ``from_tensor_slices``; files: ``keras.utils.image_dataset_from_directory``).

Every figure is the median over repeated full epochs (after one warm-up epoch), each pipeline
timed in its own block so that no pipeline's background prefetching overlaps another's timing.
Target: ours >= 3x legacy, for arrays and for files. Run: ``python benchmarks/bench_augment.py``.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time

import keras
import numpy as np
import skimage.data
import tensorflow as tf
from harness import median_seconds, report  # benchmarks/ is on the path when run as a script
from PIL import Image
from tensorflow.keras.preprocessing.image import (  # the Keras 2 reference, benchmark only
    ImageDataGenerator as LegacyImageDataGenerator,
)

from cnnlab.augment import ImageDataGenerator, augmentation_layers

SLIDE = {
    "rescale": 1.0 / 255,
    "rotation_range": 40,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.2,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "channel_shift_range": 9,
    "fill_mode": "nearest",
}
SIZE, BATCH, COUNT, REPEAT = 224, 32, 256, 5


def crops(size: int, count: int, seed: int = 0) -> np.ndarray:
    """``count`` random (size, size, 3) uint8 crops of scikit-image's colour photos."""
    rng = np.random.default_rng(seed)
    photos = [skimage.data.chelsea(), skimage.data.astronaut(), skimage.data.coffee()]
    out = []
    for index in range(count):
        photo = photos[index % len(photos)]
        top = rng.integers(0, photo.shape[0] - size + 1)
        left = rng.integers(0, photo.shape[1] - size + 1)
        out.append(photo[top : top + size, left : left + size])
    return np.stack(out)


def write_jpegs(folder: str, images: np.ndarray) -> None:
    for index, image in enumerate(images):
        klass = os.path.join(folder, ("cat", "other")[index % 2])
        os.makedirs(klass, exist_ok=True)
        Image.fromarray(image).save(os.path.join(klass, f"{index:04d}.jpg"), quality=90)


def epoch_of(flow):
    """One epoch through a Keras 2 style iterator (ours or legacy): ``next`` len(flow) times."""
    return lambda: [next(flow) for _ in range(len(flow))]


def epoch_of_dataset(dataset):
    return lambda: [tuple(t.numpy() for t in batch) for batch in dataset]


def images_per_second(name: str, make) -> float:
    """Build a pipeline with ``make()``, time full epochs, then drop it before the next one."""
    epoch = make()
    seconds = median_seconds(epoch, repeat=REPEAT, warmup=1)
    del epoch
    gc.collect()
    time.sleep(0.5)  # let any prefetch thread of the dropped pipeline wind down
    rate = COUNT / seconds
    print(f"  {name:>7}: {rate:7.0f} images/s", flush=True)
    return rate


def layers_dataset(source: tf.data.Dataset) -> tf.data.Dataset:
    layers = augmentation_layers(seed=0, **SLIDE)
    return source.map(
        lambda x, y: (layers(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE
    ).prefetch(tf.data.AUTOTUNE)


def main() -> None:
    keras.utils.set_random_seed(0)
    x = crops(SIZE, COUNT)
    y = np.arange(COUNT) % 2
    results = {}
    print(f"arrays: {COUNT} images {SIZE}x{SIZE}, batch {BATCH}, the slide's configuration")
    results["arrays"] = {
        "legacy": images_per_second(
            "legacy",
            lambda: epoch_of(
                LegacyImageDataGenerator(**SLIDE).flow(
                    x.astype("float32"), y, batch_size=BATCH, seed=0
                )
            ),
        ),
        "layers": images_per_second(
            "layers",
            lambda: epoch_of_dataset(
                layers_dataset(
                    tf.data.Dataset.from_tensor_slices((x.astype("float32"), y))
                    .shuffle(COUNT, seed=0)
                    .batch(BATCH)
                )
            ),
        ),
        "ours": images_per_second(
            "ours",
            lambda: epoch_of(ImageDataGenerator(**SLIDE).flow(x, y, batch_size=BATCH, seed=0)),
        ),
    }
    with tempfile.TemporaryDirectory() as folder:
        write_jpegs(folder, crops(256, COUNT, seed=1))
        print(f"files: {COUNT} JPEGs 256x256 in 2 class folders -> {SIZE}x{SIZE}, batch {BATCH}")
        target = (SIZE, SIZE)
        results["files"] = {
            "legacy": images_per_second(
                "legacy",
                lambda: epoch_of(
                    LegacyImageDataGenerator(**SLIDE).flow_from_directory(
                        folder, target_size=target, batch_size=BATCH, seed=0
                    )
                ),
            ),
            "layers": images_per_second(
                "layers",
                lambda: epoch_of_dataset(
                    layers_dataset(
                        keras.utils.image_dataset_from_directory(
                            folder, image_size=target, batch_size=BATCH, seed=0, verbose=False
                        )
                    )
                ),
            ),
            "ours": images_per_second(
                "ours",
                lambda: epoch_of(
                    ImageDataGenerator(**SLIDE).flow_from_directory(
                        folder, target_size=target, batch_size=BATCH, seed=0
                    )
                ),
            ),
        }
    for case, rates in results.items():
        report(
            f"augment {case}, cnnlab vs Keras 2 generator",
            rates["ours"],
            rates["legacy"],
            unit="images/s",
            target=">= 3",
        )
        print(
            f"augment {case}, Keras 3 layer chain vs Keras 2 generator: layers "
            f"{rates['layers']:.4g} images/s, reference {rates['legacy']:.4g} images/s, "
            f"ratio layers/reference {rates['layers'] / rates['legacy']:.3g}",
            flush=True,
        )


if __name__ == "__main__":
    main()
