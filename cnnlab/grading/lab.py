"""A lab folder: the master notebook, its checks, the questions and what grading needs to know.

Layout: ``labs/<NN_name>/solution.ipynb`` (the master: exercise cells tagged with their question id,
the solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``), ``checks.py`` (probes, see
``cnnlab.grading.checks``), the released ``<NN_name>.ipynb`` and ``public_expected.json`` written by
``cnnlab release``, and any data files the notebook reads. The master's ``metadata.cnnlab.grading``
holds the parameters injected when grading (fewer epochs, fewer images); ``metadata.cnnlab.smoke`` is
used when it has none. ``metadata.cnnlab.limits`` may set the lab's default ``cell_timeout``,
``timeout`` (seconds) and ``memory_mb`` for grading.

Example:
    >>> lab = load_lab("00_warmup")  # doctest: +SKIP
    >>> lab.questions, lab.max_points  # doctest: +SKIP
    (['q1', 'q2', 'q3', 'q4'], {'q1': 2, 'q2': 2, 'q3': 4, 'q4': 2})
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import nbformat

from cnnlab import __version__
from cnnlab.grading.checks import Check, load_checks
from cnnlab.settings import checkout_root, labs_root, resource

SOLUTION = "solution.ipynb"
CHECKS = "checks.py"
PUBLIC_EXPECTED = "public_expected.json"
_PRIVATE = {SOLUTION, CHECKS, PUBLIC_EXPECTED, "__pycache__", ".ipynb_checkpoints"}
_KERAS = re.compile(r"^\s*(import|from)\s+(keras|tensorflow)\b|\bcnnlab\.(models|transfer)\b", re.M)


def list_labs() -> list[str]:
    """Names of the labs under ``labs_root()``: folders holding a ``solution.ipynb``."""
    root = labs_root()
    return sorted(p.parent.name for p in root.glob(f"*/{SOLUTION}")) if root is not None else []


@dataclass(frozen=True)
class Lab:
    """One lab folder (see the module docstring for its layout)."""

    folder: Path

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def solution(self) -> Path:
        return self.folder / SOLUTION

    @property
    def checks_path(self) -> Path:
        return self.folder / CHECKS

    @property
    def released(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def public_folder(self) -> Path:
        """Where ``cnnlab release`` puts the public checks and answers that ``cnnlab.check`` reads.

        The course's own labs (``labs/`` of the cnnlab checkout) publish into the package data,
        ``cnnlab/resources/labs/<lab>/``, so an installed cnnlab can check them anywhere; any
        other lab publishes beside its master.
        """
        root = checkout_root()
        if root is not None and self.folder.parent == (root / "labs").resolve():
            return resource("labs", self.name, must_exist=False)
        return self.folder

    @property
    def public_expected(self) -> Path:
        return self.public_folder / PUBLIC_EXPECTED

    @cached_property
    def master(self) -> nbformat.NotebookNode:
        return nbformat.read(self.solution, as_version=4)

    @cached_property
    def checks(self) -> list[Check]:
        return load_checks(self.checks_path)

    @cached_property
    def questions(self) -> list[str]:
        """Question ids in notebook order (then any checked question the notebook does not tag)."""
        checked = {c.question for c in self.checks}
        tagged = [t for c in self.master.cells for t in c.metadata.get("tags", []) if t in checked]
        return list(dict.fromkeys(tagged + sorted(checked)))

    @cached_property
    def max_points(self) -> dict[str, float]:
        return {q: sum(c.points for c in self.checks if c.question == q) for q in self.questions}

    @property
    def grading_parameters(self) -> dict[str, Any]:
        meta = self.master.metadata.get("cnnlab", {})
        return dict(meta.get("grading", meta.get("smoke", {})))

    @property
    def limits(self) -> dict[str, float]:
        """The lab's own grading limits (``metadata.cnnlab.limits``: cell_timeout, timeout, memory_mb)."""
        limits = dict(self.master.metadata.get("cnnlab", {}).get("limits", {}))
        unknown = set(limits) - {"cell_timeout", "timeout", "memory_mb"}
        if unknown:
            raise ValueError(
                "`metadata.cnnlab.limits` may set cell_timeout, timeout and memory_mb. "
                f"Got {sorted(unknown)}."
            )
        return limits

    @cached_property
    def uses_keras(self) -> bool:
        return any(_KERAS.search(c.source) for c in self.master.cells if c.cell_type == "code")

    @property
    def data_files(self) -> list[Path]:
        """Files a student's notebook may read: everything but the master, checks and notebooks."""
        return sorted(
            p
            for p in self.folder.iterdir()
            if p.is_file() and p.name not in _PRIVATE and p.suffix != ".ipynb"
        )

    @cached_property
    def digest(self) -> str:
        """sha256 over everything that decides a grade: master, checks, data files, cnnlab version."""
        hasher = hashlib.sha256(__version__.encode())
        for path in [self.solution, self.checks_path, *self.data_files]:
            hasher.update(path.name.encode() + b"\0" + path.read_bytes())
        return hasher.hexdigest()


def load_lab(lab: str | os.PathLike) -> Lab:
    """The lab named ``lab`` under ``labs/`` (``"00_warmup"``), or the lab folder at that path.

    Raises:
        ValueError: no such lab, or the folder lacks ``solution.ipynb`` or ``checks.py``.
    """
    root = labs_root()
    candidates = [Path(lab), *([root / str(lab)] if root is not None else [])]
    folder = next((c for c in candidates if c.is_dir()), None)
    if folder is None:
        where = f"under {root}" if root is not None else "(no labs/ folder here or in a checkout)"
        raise ValueError(
            f"`lab` must name a lab folder {where} or be a path to one "
            f"(labs: {', '.join(list_labs()) or 'none'}). Got {str(lab)!r}."
        )
    for required in (SOLUTION, CHECKS):
        if not (folder / required).is_file():
            raise ValueError(f"a lab folder must hold {required}. Got {str(folder)!r} without it.")
    result = Lab(folder.resolve())
    if not result.questions:
        raise ValueError(
            f"`{CHECKS}` of lab {result.name!r} must define at least one @probe check."
        )
    return result
