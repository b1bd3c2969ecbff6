"""``cnnlab lab verify``: a lab is consistent before any student sees it.

Four promises, each checked for real: the master notebook scores full marks through the grader;
the released student notebook scores 0 with every question "not attempted"; the released notebook
is what ``cnnlab release`` makes of the current master (and ``public_expected.json`` matches the
solution's answers); and neither released file holds a solution line or a hidden check.

Example:
    >>> problems = verify_lab("00_warmup")  # doctest: +SKIP
    >>> problems
    []
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import nbformat

from cnnlab.grading.checks import public_source
from cnnlab.grading.gradebook import NOT_ATTEMPTED
from cnnlab.grading.lab import CHECKS, PUBLIC_EXPECTED, Lab, load_lab
from cnnlab.grading.release import leaks, released_notebook


def verify_lab(lab: str | os.PathLike | Lab, *, jobs: int = 2) -> list[str]:
    """Everything wrong with ``lab`` (an empty list when it is ready to hand out)."""
    from cnnlab.grading.grader import grade

    lab = lab if isinstance(lab, Lab) else load_lab(lab)
    problems = []
    fresh = nbformat.writes(released_notebook(lab)) + "\n"
    expected_file = lab.public_expected
    if not lab.released.is_file() or not expected_file.is_file():
        return [
            f"{lab.released.name} or {PUBLIC_EXPECTED} is missing: run `cnnlab release {lab.name}`"
        ]
    released_text = lab.released.read_text(encoding="utf-8")
    if released_text != fresh:
        problems.append(
            f"{lab.released.name} is older than solution.ipynb: run `cnnlab release {lab.name}`"
        )
    public_checks = lab.public_folder / CHECKS
    if public_checks.is_file() and public_checks.read_text(encoding="utf-8") != public_source(
        lab.checks_path
    ):
        problems.append(f"{public_checks} is older than checks.py: run `cnnlab release {lab.name}`")
    for path in (lab.released, expected_file, public_checks):
        if not path.is_file():
            continue
        problems += [
            f"{path.name} holds {leak}"
            for leak in leaks(lab, path.read_text(encoding="utf-8"), checks=path.name == CHECKS)
        ]

    work = Path(tempfile.mkdtemp(prefix="cnnlab-verify-"))
    try:
        (work / "submissions").mkdir()
        shutil.copyfile(lab.solution, work / "submissions" / "solution.ipynb")
        shutil.copyfile(lab.released, work / "submissions" / "released.ipynb")
        book = grade(lab, work / "submissions", out=work / "out", jobs=jobs, progress=False)
        answers = json.loads(next((work / "out" / "cache").glob("expected-*.json")).read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    records = {r["student"]: r for r in book["students"]}
    solution, released = records["solution"], records["released"]
    if solution["total"] != solution["max"]:
        failed = [
            f"{c['name']} ({c['detail']})"
            for q in solution["questions"].values()
            for c in q["checks"]
            if not c["passed"]
        ]
        problems.append(
            f"the solution scores {solution['total']:g}/{solution['max']:g}; failing: {failed}"
        )
    if released["total"] != 0:
        problems.append(f"the released notebook scores {released['total']:g} points instead of 0")
    for question, result in released["questions"].items():
        if result["status"] != NOT_ATTEMPTED:
            problems.append(
                f"released notebook: {question} is {result['status']!r}, not 'not attempted'"
            )
    from cnnlab.grading.checks import compare
    from cnnlab.grading.wire import decode

    shipped = json.loads(expected_file.read_text(encoding="utf-8")).get("checks", {})
    for check in (c for c in lab.checks if not c.hidden):
        if check.name not in shipped:
            problems.append(
                f"{PUBLIC_EXPECTED} lacks {check.name}: run `cnnlab release {lab.name}`"
            )
            continue
        difference = compare(decode(answers[check.name]), decode(shipped[check.name]), check)
        if difference:
            problems.append(
                f"{PUBLIC_EXPECTED} does not match the solution for {check.name} ({difference}): "
                f"run `cnnlab release {lab.name}`"
            )
    return problems
