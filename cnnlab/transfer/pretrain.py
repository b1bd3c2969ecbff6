"""``make pretrain``: train the ``tiny`` backbone deterministically and save it with its model card.

Run as ``python -m cnnlab.transfer.pretrain [OUTPUT.keras]`` (default: the package data
``cnnlab/resources/models/tiny.keras`` that ``load_backbone("tiny")`` reads). The file is written
atomically; the card beside it (``tiny.md``) records the data, epochs, held-out accuracy, command
and sha256. See ``cnnlab.transfer.tiny`` for the task.

Example:
    >>> info = pretrain("/tmp/tiny.keras")  # doctest: +SKIP
    >>> round(info["test_accuracy"], 2)
    0.93
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import keras

from cnnlab.transfer.tiny import (
    EPOCHS,
    SEED,
    SOURCE_DIGITS,
    build_tiny,
    digits_on_photos,
    tiny_weights_path,
)

__all__ = ["pretrain"]


def pretrain(
    output: str | os.PathLike | None = None, *, epochs: int = EPOCHS, seed: int = SEED
) -> dict:
    """Train ``tiny`` on digits 0-4 blended into photos, deterministically; save it with its card.

    Returns:
        A dict with ``path``, ``sha256``, ``test_accuracy``, ``epochs``, ``seconds``.
    """
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    started = time.perf_counter()
    x_train, y_train = digits_on_photos(SOURCE_DIGITS, split="train", copies=4, seed=seed)
    x_test, y_test = digits_on_photos(SOURCE_DIGITS, split="test", seed=seed + 1)
    model = build_tiny(seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train / 255.0, y_train, epochs=epochs, batch_size=64, verbose=0)
    accuracy = float(model.evaluate(x_test / 255.0, y_test, verbose=0)[1])
    path = Path(output) if output is not None else tiny_weights_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = Path(tempfile.mkdtemp(dir=path.parent)) / path.name
    model.save(part)
    os.chmod(part, 0o644)
    os.replace(part, path)
    part.parent.rmdir()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = {
        "path": path, "sha256": digest, "test_accuracy": accuracy, "epochs": epochs,
        "seconds": time.perf_counter() - started, "train_images": len(x_train),
        "test_images": len(x_test), "parameters": model.count_params(),
        "size": path.stat().st_size,
    }  # fmt: skip
    _write_card(path.with_suffix(".md"), info)
    return info


def _write_card(path: Path, info: dict) -> None:
    text = f"""# tiny: a small CNN pretrained on handwritten digits 0-4

- **File**: `{info["path"].name}` ({info["size"]:,} bytes), sha256 `{info["sha256"]}`
- **Architecture**: `cnnlab.transfer.tiny.build_tiny`: three conv-BN-ReLU-maxpool blocks
  (32, 64, 128 filters), global average pooling (128 features), softmax over 5 classes;
  {info["parameters"]:,} parameters. Input 32x32x3 in [0, 255], divided by 255.
- **Data**: scikit-learn's handwritten digits (UCI optdigits, 43 writers), digits 0-4 of the
  training half of `cnnlab.data.load_digits(32, channels=3, seed=0)`, each blended into a random
  32x32 patch of a bundled photograph as MNIST-M does (`|patch - 255 * digit|`, see
  `cnnlab.transfer.tiny.digits_on_photos`), 4 backgrounds per digit: {info["train_images"]:,}
  training images. Test: {info["test_images"]} held-out digits 0-4, one background each.
- **Training**: Adam, learning rate 1e-3, batch 64, {info["epochs"]} epochs, seed {SEED},
  `tf.config.experimental.enable_op_determinism()`, on the CPU.
- **Accuracy** on the held-out digits 0-4: {info["test_accuracy"]:.1%}.
- **Made by**: `make pretrain` (`python -m cnnlab.transfer.pretrain`) in {info["seconds"]:.0f} s.
- **Use**: `cnnlab.transfer.load_backbone("tiny")` (without the classifier, 128 features).
  Target task of the lessons: digits 5-9 blended the same way, few labels per class
  (`digits_on_photos`); tests/test_transfer.py checks that its features
  with a linear head beat the same network trained from scratch.
- **Licence**: MIT (this project); the digits are from the UCI ML repository (CC BY 4.0); the
  photographs' licences are listed in data/README.md.
"""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".part", delete=False) as out:
        out.write(text)
    os.chmod(out.name, 0o644)
    os.replace(out.name, path)


if __name__ == "__main__":
    result = pretrain(sys.argv[1] if len(sys.argv) > 1 else None)
    print(
        f"wrote {result['path']} ({result['size']:,} bytes), test accuracy {result['test_accuracy']:.1%}"
    )
