"""Execute notebooks top to bottom in a fresh kernel, as a student would, for tests and ``make notebooks``.

Parameters follow papermill's convention: the cell tagged ``parameters`` holds every knob, and a
cell tagged ``injected-parameters`` is inserted after it with the values that override them. In
*smoke* mode the overrides come from the notebook's metadata (``metadata.cnnlab.smoke``, e.g.
``{"epochs": 1, "n_images": 64}``), so CI runs each notebook in seconds to minutes; in *full* mode
the notebook runs with its own values. The source notebook is never written to.

Example:
    >>> result = run_notebook("notebooks/01_convolution.ipynb", mode="smoke")  # doctest: +SKIP
    >>> result.seconds < 120  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

MODES = ("smoke", "full")
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


class NotebookError(RuntimeError):
    """A notebook failed: names the notebook, the cell (1-based, as shown top to bottom) and the error."""

    def __init__(self, notebook: Path, cell: int | None, error: str, source_line: str = ""):
        self.notebook, self.cell, self.error, self.source_line = notebook, cell, error, source_line
        where = f"{notebook}, cell {cell}" if cell is not None else str(notebook)
        message = f"{where}: {error}"
        if source_line:
            message += f"\n    at: {source_line}"
        super().__init__(message)


@dataclass
class RunResult:
    """What one execution produced: the executed notebook (in memory), timings and output files."""

    path: Path
    notebook: nbformat.NotebookNode
    seconds: float
    parameters: dict[str, Any]
    outputs: list[Path] = field(default_factory=list)


def smoke_parameters(notebook: nbformat.NotebookNode) -> dict[str, Any]:
    """The overrides a notebook declares for smoke mode (``metadata.cnnlab.smoke``), or ``{}``."""
    smoke = notebook.metadata.get("cnnlab", {}).get("smoke", {})
    if not isinstance(smoke, Mapping):
        raise ValueError(
            f"`metadata.cnnlab.smoke` must be a mapping of names to values. Got {smoke!r}."
        )
    return dict(smoke)


def inject_parameters(notebook: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> int | None:
    """Insert an ``injected-parameters`` cell after the ``parameters`` cell (or first if none).

    Values must be Python literals (their ``repr`` is the code). Returns the index of the new
    cell, or ``None`` when there is nothing to inject. A previous injected cell is replaced.
    """
    notebook.cells = [c for c in notebook.cells if INJECTED_TAG not in c.metadata.get("tags", [])]
    if not parameters:
        return None
    for name in parameters:
        if not str(name).isidentifier():
            raise ValueError(f"parameter names must be Python identifiers. Got {name!r}.")
    source = "# Parameters injected by cnnlab.execute\n" + "\n".join(
        f"{name} = {value!r}" for name, value in parameters.items()
    )
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]})
    position = next(
        (
            i + 1
            for i, c in enumerate(notebook.cells)
            if PARAMETERS_TAG in c.metadata.get("tags", [])
        ),
        0,
    )
    notebook.cells.insert(position, cell)
    return position


def _error_of(cell: nbformat.NotebookNode) -> tuple[str, str]:
    """(``Name: message``, offending source line) from a cell's error output."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            error = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
            lines = [
                n
                for tb in output.get("traceback", [])
                for n in _CELL_LINE.findall(_ANSI.sub("", tb))
            ]
            source_line = ""
            if lines:
                source_lines = cell.source.splitlines()
                number = int(lines[-1])
                if 1 <= number <= len(source_lines):
                    source_line = f"line {number}: {source_lines[number - 1].strip()}"
            return error, source_line
    return "the cell raised an error", ""


def run_notebook(
    path: str | os.PathLike,
    *,
    mode: str = "smoke",
    parameters: Mapping[str, Any] | None = None,
    cell_timeout: float = 600,
    output_dir: str | os.PathLike | None = None,
    html: bool = False,
    kernel_name: str = "python3",
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run a notebook top to bottom in a fresh kernel, with its folder as working directory.

    Args:
        path: the ``.ipynb`` file; it is read, never written.
        mode: ``"smoke"`` (the notebook's ``metadata.cnnlab.smoke`` overrides) or ``"full"``.
        parameters: more overrides, applied after the smoke ones.
        cell_timeout: seconds one cell may run before the run fails.
        output_dir: where to write the executed notebook (and ``.html`` with ``html=True``).
        html: also render the executed notebook to HTML in ``output_dir``.
        kernel_name: the Jupyter kernel; ``python3`` is the Python running this function.
        env: extra environment variables for the kernel. Matplotlib uses Jupyter's inline
            backend, as in JupyterLab, so returned Figures are saved as PNG outputs.

    Returns:
        A ``RunResult`` with the executed notebook, the seconds it took and the files written.

    Raises:
        ValueError: unknown mode, non-positive timeout, missing file.
        NotebookError: a cell failed or timed out, or the kernel died; names the cell and error.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}. Got {mode!r}.")
    if not cell_timeout or cell_timeout <= 0:
        raise ValueError(
            f"`cell_timeout` must be a positive number of seconds. Got {cell_timeout!r}."
        )
    if not path.is_file():
        raise ValueError(f"`path` must be an existing notebook file. Got {str(path)!r}.")

    notebook = nbformat.read(path, as_version=4)
    values = smoke_parameters(notebook) if mode == "smoke" else {}
    values.update(parameters or {})
    injected = inject_parameters(notebook, values)

    def original_cell_number(index: int) -> int:
        # 1-based position in the notebook as its author sees it (the injected cell is not theirs).
        return index + 1 - (1 if injected is not None and index > injected else 0)

    current = {"index": None}

    def on_cell_start(cell, cell_index, **_):
        current["index"] = cell_index

    kernel_env = {
        **os.environ,
        # The inline backend, as a student's JupyterLab has; an inherited MPLBACKEND=Agg (tests,
        # headless shells) would leave figures as "<Figure size ...>" text in the outputs.
        "MPLBACKEND": INLINE_BACKEND,
        **(env or {}),
    }
    client = NotebookClient(
        notebook,
        timeout=cell_timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        on_cell_start=on_cell_start,
    )
    started = time.perf_counter()
    try:
        client.execute(env=kernel_env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        index = current["index"]
        cell_number = original_cell_number(index) if index is not None else None
        if isinstance(exc, CellTimeoutError):
            error, line = f"cell timed out after {cell_timeout:g} s (cell_timeout)", ""
        elif isinstance(exc, DeadKernelError):
            error, line = f"the kernel died ({exc})", ""
        else:
            error, line = _error_of(notebook.cells[index]) if index is not None else (str(exc), "")
        if output_dir is not None:
            _write_outputs(notebook, path, Path(output_dir), html)
        raise NotebookError(path, cell_number, error, line) from None
    seconds = time.perf_counter() - started
    outputs = _write_outputs(notebook, path, Path(output_dir), html) if output_dir else []
    return RunResult(path, notebook, seconds, values, outputs)


def drop_tensorflow_logs(notebook: nbformat.NotebookNode) -> None:
    """Remove TensorFlow's C++ log lines from the stderr outputs of an executed notebook, in place.

    The notebooks' ``setup`` cell hides them while the kernel runs (``cnnlab.notebook.setup``);
    the grader applies this to every executed submission, whose author may have deleted it.
    """
    from cnnlab.notebook import is_tensorflow_log

    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = output.get("text", "").splitlines(keepends=True)
                output["text"] = "".join(line for line in lines if not is_tensorflow_log(line))
                if not output["text"]:
                    continue
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept


def _write_outputs(notebook, source: Path, output_dir: Path, html: bool) -> list[Path]:
    """Write the executed notebook (and its HTML) atomically into ``output_dir``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    written = [output_dir / source.name]
    _atomic_write(written[0], nbformat.writes(notebook))
    if html:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(notebook)
        written.append(output_dir / (source.stem + ".html"))
        _atomic_write(written[1], body)
    return written


def _atomic_write(target: Path, text: str) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)


def atomic_write(target: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and a rename, so readers never see half.

    Example:
        >>> atomic_write("build/report.json", "{}")  # doctest: +SKIP
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, text)


def cell_error(cell: nbformat.NotebookNode) -> tuple[str, str] | None:
    """``("Name: message", "line N: source")`` of an executed cell's error output, or ``None``.

    Example:
        >>> cell_error(nbformat.v4.new_code_cell("1 + 1"))  # no outputs, no error
    """
    if not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
        return None
    return _error_of(cell)


def find_notebooks(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The notebooks to execute under ``paths``, in name order.

    Under ``notebooks/`` every ``*.ipynb``; under a lab folder only its ``solution.ipynb`` (the
    released student notebook stops at its first exercise by design). Checkpoints are skipped.
    """
    found: list[Path] = []
    for root in map(Path, paths):
        candidates = [root] if root.is_file() else sorted(root.rglob("*.ipynb"))
        for candidate in candidates:
            if ".ipynb_checkpoints" in candidate.parts:
                continue
            in_lab = (
                any(part == "labs" for part in candidate.parts[:-1])
                or (candidate.parent / "checks.py").exists()
            )
            if in_lab and candidate.name != "solution.ipynb":
                continue
            found.append(candidate)
    return found
