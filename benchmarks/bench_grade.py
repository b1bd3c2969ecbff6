"""Grading 40 submissions of lab 00_warmup: the grader vs ``jupyter nbconvert --execute`` one by one.

Three figures, each measured in this one run (the machine is shared, so only ratios mean much):

1. ``cnnlab grade --jobs <cores>`` wall time vs the summed time of ``jupyter nbconvert --execute``
   on the same 40 notebooks one after another, divided by the number of cores (target <= 1.1: the
   sandbox, probing and gradebook add at most 10 % over bare execution spread over the cores);
2. ``--jobs 2`` vs ``--jobs 1`` (target speed-up >= 1.8 on 2 cores);
3. a re-run with nothing changed (target <= 5 s for the 40: everything comes from the cache).

The 40 notebooks are the perfect, partial, syntax-error and empty samples, each made unique by a
comment so no two share a cache entry, with the lab's grading parameters written into their
``parameters`` cell so both sides execute the same work. ``CNNLAB_GRADING=1`` for both sides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from harness import report

from cnnlab.grading.grader import grade
from cnnlab.grading.lab import load_lab

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "sample_submissions" / "00_warmup"
KINDS = ("perfect", "partial", "syntax_error", "empty")
COUNT = 40


def make_submissions(folder: Path) -> list[Path]:
    lab = load_lab("00_warmup")
    overrides = "\n".join(f"{k} = {v!r}" for k, v in lab.grading_parameters.items())
    paths = []
    for index in range(COUNT):
        notebook = nbformat.read(SAMPLES / f"{KINDS[index % len(KINDS)]}.ipynb", as_version=4)
        for cell in notebook.cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source += f"\n{overrides}\n# submission {index}"
        path = folder / f"student{index:02d}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


def nbconvert_one_by_one(paths: list[Path], output: Path) -> float:
    jupyter = Path(sys.executable).with_name("jupyter")
    env = {**os.environ, "CNNLAB_GRADING": "1", "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    for path in paths:
        command = [str(jupyter), "nbconvert", "--to", "notebook", "--execute", str(path),
                   "--ExecutePreprocessor.allow_errors=True", "--output-dir", str(output)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def timed_grade(submissions: Path, out: Path, jobs: int) -> float:
    started = time.perf_counter()
    grade("00_warmup", submissions, out=out, jobs=jobs, progress=False)
    return time.perf_counter() - started


def main() -> None:
    cores = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        submissions = work / "submissions"
        submissions.mkdir()
        paths = make_submissions(submissions)
        reference = nbconvert_one_by_one(paths, work / "nbconvert")
        ours = timed_grade(submissions, work / "out-cores", cores)
        one = timed_grade(submissions, work / "out-1", 1)
        two = ours if cores == 2 else timed_grade(submissions, work / "out-2", 2)
        rerun = timed_grade(submissions, work / "out-cores", cores)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{COUNT} notebooks, {cores} cores; nbconvert summed {reference:.1f} s")
    report(
        f"grade --jobs {cores} vs nbconvert sum / cores", ours, reference / cores, target="<= 1.1"
    )
    report(
        "grade --jobs 2 vs --jobs 1 (speed-up = 1/ratio)", two, one, target="<= 0.556, i.e. >= 1.8x"
    )
    print(f"re-run with nothing changed: {rerun:.2f} s for {COUNT} (target <= 5 s)", flush=True)


if __name__ == "__main__":
    main()
