"""Which submissions there are, which shard they belong to, and whether each is a runnable notebook.

``SUBMISSIONS/<student>.ipynb`` and ``SUBMISSIONS/<student>/<anything>.ipynb`` are both accepted.
``--shard i/N`` splits a class by a stable hash of the student's name, so a student stays in the
same shard when others are added. Nothing here runs student code.

Example:
    >>> parse_shard("2/8")
    (2, 8)
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from cnnlab.grading.lab import Lab

LARGEST_NOTEBOOK = 100 * 2**20  # bytes; anything larger is not a lab submission


def parse_shard(shard: str | None) -> tuple[int, int]:
    """``"i/N"`` (1 <= i <= N) as ``(i, N)``; ``None`` means ``(1, 1)``."""
    if shard is None:
        return 1, 1
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(shard))
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"`shard` must look like i/N with 1 <= i <= N, e.g. 2/8. Got {shard!r}.")
    return int(match[1]), int(match[2])


def in_shard(student: str, shard: tuple[int, int]) -> bool:
    """Whether ``student`` belongs to shard ``i`` of ``N`` (stable when students come and go)."""
    index, count = shard
    return int(hashlib.sha256(student.encode()).hexdigest()[:12], 16) % count == index - 1


def find_submissions(folder: str | os.PathLike, lab: Lab) -> dict[str, Path]:
    """student -> notebook: ``folder/<student>.ipynb`` or ``folder/<student>/<any>.ipynb``.

    In a student's folder with several notebooks, the one named like the lab wins, then the first.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"`submissions` must be an existing folder. Got {str(folder)!r}.")
    found: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found[entry.stem] = entry
        elif entry.is_dir():
            notebooks = sorted(
                p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
            )
            if notebooks:
                named = [p for p in notebooks if p.stem == lab.name]
                found[entry.name] = (named or notebooks)[0]
    return found


def validate_notebook(data: bytes) -> str | None:
    """Why ``data`` is not a notebook we can run, or ``None``."""
    import nbformat

    if not data.strip():
        return "the file is empty"
    if len(data) > LARGEST_NOTEBOOK:
        return f"the file is larger than {LARGEST_NOTEBOOK // 2**20} MB"
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as error:
        return f"not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
    if not isinstance(notebook.get("cells"), list):
        return "not a notebook: it has no list of cells"
    for cell in notebook.cells:
        if not isinstance(cell, dict) or not isinstance(cell.get("source", ""), str):
            return "not a valid notebook: a cell is malformed"
        if not isinstance(cell.get("metadata", {}), dict):
            return "not a valid notebook: a cell's metadata is malformed"
    return None


def released_sources(lab: Lab) -> dict[str, list[str]]:
    """question -> the sources of its cells in the released notebook (the stubs)."""
    from cnnlab.grading.release import released_notebook

    cells = released_notebook(lab).cells
    return {
        q: [c.source.strip() for c in cells if q in c.metadata.get("tags", [])]
        for q in lab.questions
    }


def untouched_questions(data: bytes, lab: Lab, released: dict[str, list[str]]) -> list[str]:
    """Questions whose tagged cells are exactly the released stubs (not attempted)."""
    import nbformat

    cells = nbformat.reads(data.decode("utf-8"), as_version=4).cells
    mine = {
        q: [c.source.strip() for c in cells if q in c.metadata.get("tags", [])]
        for q in lab.questions
    }
    return [q for q in lab.questions if mine[q] == released[q]]
