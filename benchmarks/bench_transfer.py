"""cnnlab.transfer speed: feature extraction overhead, the feature cache, and backbone efficiency.

Targets (issue 6), each measured against a reference in the same run:
1. ``extract_features`` on in-memory images costs at most 5 % more than preprocessing them and
   calling the backbone's ``predict`` directly (reference).
2. A second, cached ``extract_features`` call is at least 50x faster than the first (reference).
3. ResNet-50 and MobileNetV2 (random weights, 224x224) forward passes: images/s x FLOPs per image
   (two per multiply-add, counted by ``cnnlab.inspect.layer_table``) as a fraction of what numpy's
   float32 matrix product (SGEMM, 2 n^3 FLOPs) reaches on the same machine. Tried: batch sizes,
   XLA (``jit_compile``), TensorFlow's thread pools and oneDNN off (in subprocesses, since these
   are read at start-up). Target: towards 75 % for ResNet-50 on the CPU.

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


def sgemm_gflops(n: int = 2048, repeat: int = 5) -> float:
    """numpy float32 matrix product speed, GFLOP/s (median), 2 n^3 FLOPs per product."""
    from harness import median_seconds

    a, b = (np.random.default_rng(i).standard_normal((n, n), dtype=np.float32) for i in (0, 1))
    return 2 * n**3 / median_seconds(lambda: a @ b, repeat=repeat) / 1e9


def forward_rates(name: str, batch_sizes, repeat: int, modes=("graph", "xla")) -> dict[str, float]:
    """Images per second of one backbone for each batch size, eager predict and XLA."""
    import tensorflow as tf
    from harness import median_seconds

    from cnnlab.transfer import load_backbone

    model = load_backbone(name, weights=None).model
    rates = {}
    for batch in batch_sizes:
        x = tf.constant(
            np.random.default_rng(0).uniform(-1, 1, (batch, 224, 224, 3)).astype(np.float32)
        )
        plain = tf.function(lambda t: model(t, training=False))
        xla = tf.function(lambda t: model(t, training=False), jit_compile=True)
        for label, function in (("graph", plain), ("xla", xla)):
            if label not in modes:
                continue
            seconds = median_seconds(lambda f=function, t=x: f(t).numpy(), repeat=repeat, warmup=1)
            rates[f"{label} batch {batch}"] = batch / seconds
    return rates


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
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            extract_features(backbone, images, cache_dir=folder, progress=False)
            timings.append(time.perf_counter() - started)
    report(
        f"extract_features cached second call vs first, {count} in-memory images (every image "
        "is hashed to find the cache)", timings[1], timings[0], target="ratio <= 0.02 (50x)",
    )  # fmt: skip
    for name, shape in (("mobilenetv2", (160, 160, 3)), ("resnet50", (224, 224, 3))):
        model = load_backbone(name, weights=None, input_shape=shape)
        with tempfile.TemporaryDirectory() as folder:
            photos = write_photo_folder(folder, count)
            timings = []
            for _ in range(2):
                started = time.perf_counter()
                extract_features(
                    model, photos, cache_dir=os.path.join(folder, "cache"), progress=False
                )
                timings.append(time.perf_counter() - started)
        report(
            f"extract_features cached second call vs first, {name} {shape[0]}x{shape[1]}, folder "
            f"of {count} photo crops", timings[1], timings[0], target="ratio <= 0.02 (50x)",
        )  # fmt: skip


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

    batches = (8, 32) if not QUICK else (8,)
    repeat = 2 if QUICK else 3
    peak = sgemm_gflops()
    print(f"numpy float32 SGEMM 2048x2048: {peak:.1f} GFLOP/s (reference)", flush=True)
    print(f"TensorFlow threads: intra-op {tf.config.threading.get_intra_op_parallelism_threads()} "
          f"(0 = one per core, {os.cpu_count()} cores), inter-op "
          f"{tf.config.threading.get_inter_op_parallelism_threads()}", flush=True)  # fmt: skip
    for name in ("resnet50", "mobilenetv2"):
        flops = flops_per_image(name)
        rates = forward_rates(name, batches, repeat)
        for label, rate in rates.items():
            achieved = rate * flops / 1e9
            print(f"{name} {label}: {rate:.1f} images/s x {flops / 1e9:.2f} GFLOP = {achieved:.1f} "
                  f"GFLOP/s, efficiency {achieved / peak:.0%} of SGEMM", flush=True)  # fmt: skip
        best = max(rates, key=rates.get)
        print(f"{name} best: {best}, efficiency {rates[best] * flops / 1e9 / peak:.0%} "
              f"(target >= 75 % for resnet50)", flush=True)  # fmt: skip
    if QUICK:
        return
    # Settings TensorFlow reads only at start-up: one subprocess each, ResNet-50, graph, batch 32.
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
        rate = json.loads(run.stdout.strip().splitlines()[-1])["graph batch 32"]
        print(f"resnet50 {label}, graph batch 32: {rate:.1f} images/s, efficiency "
              f"{rate * flops / 1e9 / peak:.0%} of SGEMM", flush=True)  # fmt: skip


def main() -> None:
    if FORWARD_ONLY:
        print(json.dumps(forward_rates("resnet50", (32,), 3, modes=("graph",))))
        return
    extraction_benchmarks()
    efficiency_benchmarks()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
