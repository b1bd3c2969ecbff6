"""``cnnlab release``: the student notebook from the master, and a student-only copy of the course.

In the master, an exercise cell keeps its solution between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` (nbgrader's markers). Releasing replaces each such block by one line, indented
like the block, that raises ``NotImplementedError`` naming the question (in markdown cells: "*Write
your answer here.*"), clears outputs, and writes ``labs/<lab>/<lab>.ipynb`` plus
the public checks and ``public_expected.json`` (the solution's answers to the *public* checks, for
``cnnlab.check``) into the lab's public folder: the package data ``cnnlab/resources/labs/<lab>/``
for the course's own labs, so an installed cnnlab checks them anywhere (``Lab.public_folder``).
``release_course(dist)`` writes the student course: notebooks, released labs, a README and a
requirements file, nothing else (``cnnlab.grading.course``).

Example:
    >>> notebook = released_notebook(load_lab("00_warmup"))  # doctest: +SKIP
    >>> "### BEGIN SOLUTION" in nbformat.writes(notebook)  # doctest: +SKIP
    False
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat

from cnnlab.execute import INJECTED_TAG, atomic_write
from cnnlab.grading.checks import public_source
from cnnlab.grading.lab import CHECKS, Lab
from cnnlab.grading.wire import encode
from cnnlab.notebook import SETUP_TAG, setup_source

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


def set_setup_cell(notebook: nbformat.NotebookNode, source: str) -> None:
    """Give ``notebook`` its ``setup`` cell with ``source``: replaced in place, or inserted as the
    first code cell (after the title) when the notebook has none."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and SETUP_TAG in cell.metadata.get("tags", []):
            cell.source = source
            return
    position = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [SETUP_TAG]})
    cell.id = f"{SETUP_TAG}"
    notebook.cells.insert(position, cell)


def released_notebook(lab: Lab) -> nbformat.NotebookNode:
    """The student notebook: solutions stubbed, outputs cleared, grader cells removed, the setup
    cell naming the lab, and the lab's id in ``metadata.cnnlab.lab``."""
    notebook = nbformat.from_dict(json.loads(json.dumps(lab.master)))
    notebook.cells = [c for c in notebook.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    set_setup_cell(notebook, setup_source(lab=lab.name))
    notebook.metadata.setdefault("cnnlab", {})["lab"] = lab.name
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
    """Write ``<lab>.ipynb`` beside the master, and the public checks and answers into the lab's
    public folder (``Lab.public_folder``); returns the paths written."""
    atomic_write(lab.released, nbformat.writes(released_notebook(lab)) + "\n")
    written = [lab.released, lab.public_expected]
    atomic_write(
        lab.public_expected,
        json.dumps(public_expected(lab, expected), indent=1, sort_keys=True) + "\n",
    )
    if lab.public_folder != lab.folder:
        written.append(lab.public_folder / CHECKS)
        atomic_write(written[-1], public_source(lab.checks_path))
    return written


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


def leaks(lab: Lab, text: str, *, checks: bool = False) -> list[str]:
    """Solution lines and hidden-check names or code found in ``text`` (a released file).

    ``checks=True`` for the public ``checks.py``: it is the public check code itself, which may
    compute an answer the way the solution does (public by design), so only hidden checks count.
    """
    lines = _lines(text)
    found = (
        []
        if checks
        else [f"solution line {line!r}" for line in sorted(solution_lines(lab) & lines)]
    )
    for check in (c for c in lab.checks if c.hidden):
        if check.name in text:
            found.append(f"hidden check {check.name!r}")
    source = lab.checks_path.read_text(encoding="utf-8").splitlines()
    public = {line.strip() for line in public_source(lab.checks_path).splitlines()}
    hidden_code = {line.strip() for line in source if len(line.strip()) > 5} - public
    found += [f"hidden check code {line!r}" for line in sorted(hidden_code & lines)]
    return found
