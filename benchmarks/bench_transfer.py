"""cnnlab.transfer speed: feature extraction overhead, the feature cache, and backbone efficiency.

Targets (issue 6), each measured against a reference in the same run:
1. ``extract_features`` on in-memory images costs at most 5 % more than preprocessing them and
   calling the backbone's ``predict`` directly (reference).
2. A second, cached ``extract_features`` call is at least 50x faster than the first (reference).
3. ResNet-50 and MobileNetV2 (random weights, 224x224) forward passes: images/s x FLOPs per image
   (two per multiply-add, counted by ``cnnlab.inspect.layer_table``) as a fraction of what numpy's
   float32 matrix product (SGEMM, 2 n^3 FLOPs) reaches on the same machine. Tried: batch sizes,
   XLA (``jit_compile``), TensorFlow's thread pools and oneDNN off (in subprocesses, since these
   are read at start-up). The forward pass and SGEMM are timed in turn (A B A B ...), so load on
   a shared machine slows both alike. Target: towards 75 % for ResNet-50 on the CPU.

``python benchmarks/bench_transfer.py --quick`` runs smaller sizes (a smoke run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

QUICK = "--quick" in sys.argv
FORWARD_ONLY = "--forward-only" in sys.argv  # the subprocess of the oneDNN comparison


def _sgemm_operands(n: int = 2048):
    a, b = (np.random.default_rng(i).standard_normal((n, n), dtype=np.float32) for i in (0, 1))
    return a, b, 2.0 * n**3  # FLOPs of one product


def forward_efficiency(name: str, batch_sizes, repeat: int, modes=("graph", "xla")) -> dict:
    """For each mode and batch size: images/s and the paired SGEMM GFLOP/s.

    The backbone's forward pass and numpy's 2048x2048 float32 product are timed in turn
    (A B A B ...) and each is a median, so a busy moment on a shared machine slows both.
    """
    import tensorflow as tf
    from harness import interleaved_medians

    from cnnlab.transfer import load_backbone

    model = load_backbone(name, weights=None).model
    a, b, gemm_flops = _sgemm_operands()
    results = {}
    for batch in batch_sizes:
        x = tf.constant(
            np.random.default_rng(0).uniform(-1, 1, (batch, 224, 224, 3)).astype(np.float32)
        )
        functions = {
            "graph": tf.function(lambda t: model(t, training=False)),
            "xla": tf.function(lambda t: model(t, training=False), jit_compile=True),
        }
        for label in modes:
            medians = interleaved_medians(
                {"forward": lambda f=functions[label], t=x: f(t).numpy(), "sgemm": lambda: a @ b},
                repeat=repeat,
            )
            results[f"{label} batch {batch}"] = (
                batch / medians["forward"],
                gemm_flops / medians["sgemm"] / 1e9,
            )
    return results


def flops_per_image(name: str) -> float:
    from cnnlab.inspect import layer_table
    from cnnlab.transfer import load_backbone

    return 2.0 * layer_table(load_backbone(name, weights=None).model).total_flops


def extraction_benchmarks() -> None:
    from harness import interleaved_medians, report

    from cnnlab.transfer import extract_features, load_backbone

    backbone = load_backbone("mobilenetv2", weights=None, input_shape=(160, 160, 3))
    count = 32 if QUICK else 128
    images = np.random.default_rng(0).uniform(0, 255, (count, 160, 160, 3)).astype(np.float32)
    medians = interleaved_medians(
        {
            "ours": lambda: extract_features(
                backbone, images, batch_size=32, cache=False, progress=False
            ),
            "predict": lambda: backbone.model.predict(
                backbone.preprocess(images), batch_size=32, verbose=0
            ),
        },
        repeat=3 if QUICK else 5,
    )
    report(
        f"extract_features vs preprocess + predict, MobileNetV2 160x160, {count} images",
        medians["ours"], medians["predict"], target="ratio <= 1.05",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        first, cached = first_and_cached(
            lambda: extract_features(backbone, images, cache_dir=folder, progress=False)
        )
    report(
        f"extract_features cached call (median of 5) vs first, {count} in-memory images (every "
        "image is hashed to find the cache)", cached, first, target="ratio <= 0.02 (50x)",
    )  # fmt: skip
    for name, shape in (("mobilenetv2", (160, 160, 3)), ("resnet50", (224, 224, 3))):
        model = load_backbone(name, weights=None, input_shape=shape)
        with tempfile.TemporaryDirectory() as folder:
            photos, cache = write_photo_folder(folder, count), os.path.join(folder, "cache")
            first, cached = first_and_cached(
                lambda m=model, p=photos, c=cache: extract_features(
                    m, p, cache_dir=c, progress=False
                )
            )
        report(
            f"extract_features cached call (median of 5) vs first, {name} {shape[0]}x{shape[1]}, "
            f"folder of {count} photo crops", cached, first, target="ratio <= 0.02 (50x)",
        )  # fmt: skip


def first_and_cached(call) -> tuple[float, float]:
    """Seconds of the first call (it computes and writes the cache), median of 5 later calls."""
    from harness import median_seconds

    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    return first, median_seconds(call, repeat=5, warmup=0)


def write_photo_folder(root: str, count: int) -> str:
    """``count`` 160x160 PNG crops of the bundled photographs, in two class folders."""
    from PIL import Image

    from cnnlab.data import list_sample_images, sample_image

    rng = np.random.default_rng(0)
    names = list_sample_images()
    for i in range(count):
        photo = sample_image(names[i % len(names)])
        row, col = rng.integers(0, photo.shape[0] - 160), rng.integers(0, photo.shape[1] - 160)
        folder = os.path.join(root, "photos", f"class{i % 2}")
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(photo[row : row + 160, col : col + 160]).save(
            os.path.join(folder, f"{i}.png")
        )
    return os.path.join(root, "photos")


def efficiency_benchmarks() -> None:
    import tensorflow as tf
    from harness import report

    batches = (16, 32, 64) if not QUICK else (8,)
    repeat = 2 if QUICK else 5
    print(f"TensorFlow threads: intra-op {tf.config.threading.get_intra_op_parallelism_threads()} "
          f"(0 = one per core, {os.cpu_count()} cores), inter-op "
          f"{tf.config.threading.get_inter_op_parallelism_threads()}", flush=True)  # fmt: skip
    for name in ("resnet50", "mobilenetv2"):
        flops = flops_per_image(name)
        results = forward_efficiency(name, batches, repeat)
        for label, (rate, peak) in results.items():
            report(
                f"{name} {label} ({rate:.1f} images/s x {flops / 1e9:.2f} GFLOP) vs numpy SGEMM",
                rate * flops / 1e9, peak, unit="GFLOP/s",
            )  # fmt: skip
        best = max(results, key=lambda k: results[k][0] / results[k][1])
        rate, peak = results[best]
        print(f"{name} best: {best}, efficiency {rate * flops / 1e9 / peak:.1%} of SGEMM"
              + (" (target towards 75 %)" if name == "resnet50" else ""), flush=True)  # fmt: skip
    if QUICK:
        return
    # Settings TensorFlow reads only at start-up: one subprocess each, ResNet-50, batch 32.
    flops = flops_per_image("resnet50")
    for label, settings in (
        ("oneDNN off", {"TF_ENABLE_ONEDNN_OPTS": "0"}),
        ("inter-op threads 1", {"TF_NUM_INTEROP_THREADS": "1"}),
    ):
        run = subprocess.run([sys.executable, __file__, "--forward-only"], env={**os.environ, **settings},
                             capture_output=True, text=True, check=False)  # fmt: skip
        if run.returncode:
            print(f"{label} run failed:", run.stderr[-500:])
            continue
        for mode, (rate, peak) in json.loads(run.stdout.strip().splitlines()[-1]).items():
            print(f"resnet50 {label}, {mode}: {rate:.1f} images/s, efficiency "
                  f"{rate * flops / 1e9 / peak:.1%} of SGEMM", flush=True)  # fmt: skip


def main() -> None:
    if FORWARD_ONLY:
        print(json.dumps(forward_efficiency("resnet50", (32,), 3)))
        return
    extraction_benchmarks()
    efficiency_benchmarks()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
