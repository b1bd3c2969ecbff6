"""Sample submissions from a lab's released notebook: some exercise cells answered, right or wrong.

Shared by the generators here: ``make_samples.py`` (lab 00_warmup) and ``<lab>/make_samples.py``
(labs 01 to 04). An exercise cell carries its question id as a tag (``"q1"``); a sample is a
dict of question id -> the code a student wrote for it. Questions left out keep the released stub.
"""

from __future__ import annotations

from pathlib import Path

import nbformat


def answered(
    released: Path, answers: dict[str, str], extra: dict[str, str] | None = None
) -> nbformat.NotebookNode:
    """The released notebook with the cells tagged with a question of ``answers`` replaced.

    ``extra`` adds, after the cell of a question, one more code cell with the code given for it.
    """
    extra = extra or {}
    notebook = nbformat.read(released, as_version=4)
    cells = []
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        question = next((t for t in tags if t in answers or t in extra), None)
        if question in answers:
            cell.source = answers[question]
        cells.append(cell)
        if question in extra:  # a fixed id, so that a re-run writes the same bytes
            cells.append(
                nbformat.v4.new_code_cell(extra[question], id=f"{question}-extra")
            )
    notebook.cells = cells
    return notebook


def write_samples(
    released: Path, samples: dict[str, dict[str, str]], folder: Path
) -> None:
    """Write ``folder/<name>.ipynb`` for each sample name -> answers of ``samples``."""
    for name, answers in samples.items():
        nbformat.write(answered(released, answers), folder / f"{name}.ipynb")
