"""``cnnlab release``: the student notebook from the master, and a student-only copy of the course.

In the master, an exercise cell keeps its solution between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` (nbgrader's markers). Releasing replaces each such block by one line, indented
like the block, that raises ``NotImplementedError`` naming the question (in markdown cells: "*Write
your answer here.*"), clears outputs, and writes ``labs/<lab>/<lab>.ipynb`` plus
``public_expected.json`` (the solution's answers to the *public* checks, for ``cnnlab.check``).
``release_course(dist)`` writes a copy of the course without masters and hidden checks.

Example:
    >>> notebook = released_notebook(load_lab("00_warmup"))  # doctest: +SKIP
    >>> "### BEGIN SOLUTION" in nbformat.writes(notebook)  # doctest: +SKIP
    False
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import nbformat

from cnnlab.execute import INJECTED_TAG, atomic_write
from cnnlab.grading.checks import public_source
from cnnlab.grading.lab import CHECKS, PUBLIC_EXPECTED, Lab, labs_root, list_labs, load_lab
from cnnlab.grading.wire import encode

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
ANSWER_HERE = "*Write your answer here.*"


def stub(question: str) -> str:
    """The line that replaces a solution block."""
    return f'raise NotImplementedError("{question}: replace this line with your code")'


def strip_solutions(source: str, question: str, *, markdown: bool = False) -> str:
    """``source`` with each solution block replaced by the stub (or a prompt in markdown).

    Raises:
        ValueError: a ``BEGIN`` without its ``END`` (or the other way round).
    """
    kept, inside = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"`{BEGIN}` must be closed before the next one. Got two in a row.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + (ANSWER_HERE if markdown else stub(question)))
        elif marker == END:
            if not inside:
                raise ValueError(f"`{END}` must follow a `{BEGIN}`. Got one on its own.")
            inside = False
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"every `{BEGIN}` must have its `{END}`. Got one left open.")
    return "\n".join(kept)


def solution_lines(lab: Lab) -> set[str]:
    """Lines that appear only inside solution blocks of the master (what must never be released)."""
    inside_lines, outside_lines = set(), set()
    for cell in lab.master.cells:
        inside = False
        for line in cell.source.splitlines():
            marker = line.strip()
            if marker in (BEGIN, END):
                inside = marker == BEGIN
            elif len(marker) > 5:  # "else:" or ")" alone give nothing away
                (inside_lines if inside else outside_lines).add(marker)
    return inside_lines - outside_lines


def released_notebook(lab: Lab) -> nbformat.NotebookNode:
    """The student notebook: solutions stubbed, outputs cleared, grader cells removed."""
    notebook = nbformat.from_dict(json.loads(json.dumps(lab.master)))
    notebook.cells = [c for c in notebook.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        question = next((t for t in tags if t in lab.questions), "exercise")
        cell.source = strip_solutions(cell.source, question, markdown=cell.cell_type != "code")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    return notebook


def public_expected(lab: Lab, expected: dict[str, Any]) -> dict[str, Any]:
    """The document ``cnnlab.check`` compares against: the solution's answers to public checks."""
    public = {c.name: encode(expected[c.name]) for c in lab.checks if not c.hidden}
    return {"lab": lab.name, "format": 1, "checks": public}


def release_lab(lab: Lab, expected: dict[str, Any]) -> list[Path]:
    """Write ``<lab>.ipynb`` and ``public_expected.json`` into the lab folder; returns their paths."""
    atomic_write(lab.released, nbformat.writes(released_notebook(lab)) + "\n")
    target = lab.folder / PUBLIC_EXPECTED
    atomic_write(
        target, json.dumps(public_expected(lab, expected), indent=1, sort_keys=True) + "\n"
    )
    return [lab.released, target]


def _lines(text: str) -> set[str]:
    """Stripped lines of ``text``; for a notebook, the lines of its cells' sources as well."""
    lines = {line.strip() for line in text.splitlines()}
    try:
        document = json.loads(text)
    except ValueError:
        return lines
    if isinstance(document, dict) and isinstance(document.get("cells"), list):
        for cell in document["cells"]:
            source = cell.get("source", "") if isinstance(cell, dict) else ""
            source = "".join(source) if isinstance(source, list) else str(source)
            lines |= {line.strip() for line in source.splitlines()}
    return lines


def leaks(lab: Lab, text: str) -> list[str]:
    """Solution lines and hidden-check names or code found in ``text`` (a released file)."""
    lines = _lines(text)
    found = [f"solution line {line!r}" for line in sorted(solution_lines(lab) & lines)]
    for check in (c for c in lab.checks if c.hidden):
        if check.name in text:
            found.append(f"hidden check {check.name!r}")
    source = lab.checks_path.read_text(encoding="utf-8").splitlines()
    public = {line.strip() for line in public_source(lab.checks_path).splitlines()}
    hidden_code = {line.strip() for line in source if len(line.strip()) > 5} - public
    found += [f"hidden check code {line!r}" for line in sorted(hidden_code & lines)]
    return found


_COURSE_FILES = ("README.md", "requirements.txt", "pyproject.toml", "Makefile", "LICENSE")
_NEVER = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc", "cache", "downloads")


def release_course(dist: str | os.PathLike, *, labs: list[str] | None = None) -> list[Path]:
    """Copy the course for students into ``dist``: package, notebooks, released labs, no secrets.

    Each lab gets its released notebook, ``public_expected.json``, its data files and a ``checks.py``
    without hidden checks; never the master or the sample submissions. ``labs`` limits the copy
    to some labs (default: all). Returns the lab folders.

    Raises:
        ValueError: ``dist`` exists and is not empty, or a lab was never released.
    """
    dist = Path(dist)
    if dist.exists() and any(dist.iterdir()):
        raise ValueError(
            f"`dist` must be a new or empty folder. Got {str(dist)!r}, which holds files."
        )
    source_root = labs_root().parent
    dist.mkdir(parents=True, exist_ok=True)
    for name in _COURSE_FILES:
        if (source_root / name).is_file():
            shutil.copy2(source_root / name, dist / name)
    for folder in ("cnnlab", "notebooks"):
        if (source_root / folder).is_dir():
            shutil.copytree(source_root / folder, dist / folder, ignore=_NEVER)
    if (source_root / "data").is_dir():
        ignore = shutil.ignore_patterns("sample_submissions", "cache", "downloads", "__pycache__")
        shutil.copytree(source_root / "data", dist / "data", ignore=ignore)
    written = []
    for name in list_labs() if labs is None else labs:
        lab = load_lab(labs_root() / name)
        if not lab.released.is_file() or not (lab.folder / PUBLIC_EXPECTED).is_file():
            raise ValueError(f"lab {name!r} must be released first (`cnnlab release {name}`).")
        target = dist / "labs" / name
        target.mkdir(parents=True)
        for path in [lab.released, lab.folder / PUBLIC_EXPECTED, *lab.data_files]:
            shutil.copy2(path, target / path.name)
        (target / CHECKS).write_text(public_source(lab.checks_path), encoding="utf-8")
        for path in target.iterdir():
            problems = leaks(lab, path.read_text(encoding="utf-8", errors="replace"))
            if problems:
                raise ValueError(f"released file {path} leaks {problems[0]}; fix the master.")
        written.append(target)
    return written
