"""Regenerate the bundled sample submissions of lab 00_warmup from its released notebook.

Each sample is the released student notebook with some exercise cells answered (right, wrong or
hostile), or a broken file. ``tests/test_grading_samples.py`` asserts the exact grade of each.
Run from the repository root after ``cnnlab release 00_warmup``:

    .venv/bin/python data/sample_submissions/make_samples.py
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from notebook_answers import answered

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "labs" / "00_warmup"
OUT = Path(__file__).resolve().parent / "00_warmup"

RIGHT = {
    "q1": 'def normalize(image):\n    return (image / 255).astype("float32")',
    "q2": "def to_grayscale(rgb):\n"
    "    return 0.2125 * rgb[..., 0] + 0.7154 * rgb[..., 1] + 0.0721 * rgb[..., 2]",
    "q3": "def conv2d(image, kernel):\n"
    "    rows, cols = kernel.shape\n"
    "    out = np.empty((image.shape[0] - rows + 1, image.shape[1] - cols + 1))\n"
    "    for i in range(out.shape[0]):\n"
    "        for j in range(out.shape[1]):\n"
    "            out[i, j] = np.sum(image[i : i + rows, j : j + cols] * kernel)\n"
    "    return out",
    "q4": "output_width = 55",
}
# A flipped kernel: true convolution instead of the cross-correlation Conv2D computes.
FLIPPED = RIGHT["q3"].replace("* kernel)", "* kernel[::-1, ::-1])")

TAMPER_CHECKS = """# Try to make every comparison pass: patch numpy, math and the grader's own modules.
import json
import math
import sys

import numpy as np

np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
import cnnlab.grading.checks as grading_checks
import cnnlab.grading.wire as grading_wire

grading_checks.compare = lambda *args, **kwargs: None
grading_wire.decode = lambda value, **kwargs: value
sys.modules["checks"] = type(sys)("checks")
# A forged probe answer, published outside any probe.
from IPython.display import publish_display_data

forged = {name: {"value": True} for name in ["q1_known_values", "q2_astronaut", "q4_value"]}
publish_display_data({"text/x-cnnlab-probe": json.dumps(forged)})"""

TAMPER_FILES = r"""# Try to forge results and to change the original submission and the checks.
import glob
import json
import os

fake_book = json.dumps({"students": [{"student": "tamper_files", "total": 100}]})
targets = {os.getcwd(), os.path.dirname(os.getcwd()), os.path.expanduser("~"), "/tmp"}
for cmdline in glob.glob("/proc/[0-9]*/cmdline"):  # where does the grader keep its files?
    try:
        arguments = open(cmdline, "rb").read().decode(errors="replace").split("\0")
    except OSError:
        continue
    targets |= {a for a in arguments if a.startswith("/") and os.path.isdir(a) and a != "/"}
touched = []
for folder in sorted(targets):
    for name in ("gradebook.csv", "gradebook.json", "checks.py", "cache/forged.json"):
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(fake_book)
            touched.append(os.path.join(folder, name))
        except OSError:
            pass
    for depth in ("*.ipynb", "*/*.ipynb", "*/*/*.ipynb"):
        for notebook in glob.glob(os.path.join(folder, depth))[:200]:
            try:
                with open(notebook, "a") as handle:
                    handle.write(" ")
                touched.append(notebook)
            except OSError:
                pass
print("files I could write:", len(touched))"""

SAMPLES = {
    # name: {question: code, or None for the released stub}, extra cells after each question
    "perfect": ({**RIGHT}, {}),
    "partial": (
        {"q1": RIGHT["q1"], "q2": "def to_grayscale(rgb):\n    return rgb.mean(axis=-1)",
         "q3": FLIPPED, "q4": "output_width = (227 - 11) / 4 + 1"},
        {},
    ),
    "empty": ({}, {}),
    "syntax_error": (
        {**RIGHT, "q2": "def to_grayscale(rgb)\n    return rgb @ [0.2125, 0.7154, 0.0721]"},
        {},
    ),
    "infinite_loop": (
        {**RIGHT, "q3": RIGHT["q3"] + "\n\n\nwhile True:  # never ends\n    pass"},
        {},
    ),
    "memory_hog": (
        {**RIGHT, "q3": "hog = [np.ones(10**8) for _ in range(100)]  # 80 GB\n\n" + RIGHT["q3"]},
        {},
    ),
    "kill_self": (
        {**RIGHT, "q2": RIGHT["q2"] + "\n\n\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)"},
        {},
    ),
    "exit_self": ({**RIGHT, "q4": "import os\nos._exit(3)\n" + RIGHT["q4"]}, {}),
    "tamper_checks": (
        {"q1": RIGHT["q1"], "q2": "def to_grayscale(rgb):\n    return np.zeros(rgb.shape[:2])"},
        {"q1": TAMPER_CHECKS},
    ),
    "tamper_files": ({"q1": RIGHT["q1"], "q2": RIGHT["q2"]}, {"q2": TAMPER_FILES}),
}  # fmt: skip


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    released = LAB / "00_warmup.ipynb"
    for name, (answers, extra) in SAMPLES.items():
        nbformat.write(answered(released, answers, extra), OUT / f"{name}.ipynb")
    text = (OUT / "perfect.ipynb").read_text()
    (OUT / "corrupt_json.ipynb").write_text(text[: len(text) // 2])  # cut in the middle
    (OUT / "zero_bytes.ipynb").write_bytes(b"")
    (OUT / "not_a_notebook.ipynb").write_text(
        json.dumps({"hello": "this is not a notebook"})
    )


if __name__ == "__main__":
    main()
