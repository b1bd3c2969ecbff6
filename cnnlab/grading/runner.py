"""Run one notebook in the sandbox and probe each question as soon as its last cell has run.

This is the only part of the grader that talks to a student's kernel. It copies the notebook into a
private temporary folder, starts the kernel through ``cnnlab.grading.sandbox`` (see there for the
limits and isolation), sets the seeds, injects the lab's grading parameters, then executes cell after
cell. Right after the last cell tagged with a question it sends that question's probe code and keeps
the JSON answer. A cell that raises does not stop the run (later questions may not depend on it); a
timeout, an exhausted budget or a dead kernel does, and every question not yet probed is reported as
"not run" with the cell and the reason. Probe answers stay raw here: judging them is the grader's job.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from cnnlab.execute import (
    INJECTED_TAG,
    atomic_write,
    cell_error,
    drop_tensorflow_logs,
    inject_parameters,
)
from cnnlab.grading.checks import PROBE_MIME
from cnnlab.grading.wire import LARGEST_ANSWER

SEED_TAG = "cnnlab-seed"
LARGEST_OUTPUT = 2 * 2**20  # characters of output kept per cell; the rest is dropped
_UID_BASE = 200_000


@dataclass
class Limits:
    """Time, memory and isolation settings for one kernel."""

    cell_timeout: float = 120
    timeout: float = 600
    memory_mb: int = 4096
    file_mb: int = 256
    processes: int = 64
    hide: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)
    isolate: bool = True


def seed_code(seed: int, keras: bool) -> str:
    """The first cell: Python and numpy seeds, and Keras' when the lab uses Keras."""
    code = f"import random as _r\n_r.seed({seed})\ndel _r\n"
    code += f"try:\n    import numpy as _np\n    _np.random.seed({seed})\n    del _np\nexcept ImportError:\n    pass\n"
    if keras:
        code += f"import keras as _keras\n_keras.utils.set_random_seed({seed})\ndel _keras\n"
    return code


def probe_positions(notebook: nbformat.NotebookNode, questions: list[str]) -> dict[int, list[str]]:
    """cell index -> questions to probe after it: the last cell tagged with each (else the last cell)."""
    last = len(notebook.cells) - 1
    positions: dict[int, list[str]] = {}
    for question in questions:
        tagged = [i for i, c in enumerate(notebook.cells) if question in c.metadata.get("tags", [])]
        positions.setdefault(tagged[-1] if tagged else last, []).append(question)
    return positions


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A client that keeps at most ``LARGEST_OUTPUT`` characters of output per cell."""

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            used = getattr(self, "output_used", 0) + size
            self.output_used = used
            if used > LARGEST_OUTPUT and PROBE_MIME not in msg["content"].get("data", {}):
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def _kernel_manager(directory: Path, private: Path, limits: Limits, uid: int):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    command = [sys.executable, "-m", "cnnlab.grading.sandbox", "--dir", str(directory)]
    command += [f"--hide={p}" for p in limits.hide] + [f"--keep={p}" for p in limits.keep]
    command += ["--memory", str(limits.memory_mb), "--cpu", str(int(limits.timeout) + 30)]
    command += ["--file-size", str(limits.file_mb), "--processes", str(limits.processes)]
    command += ["--uid", str(uid)] + ([] if limits.isolate else ["--no-namespaces"])
    command += ["--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = private / "kernels" / "cnnlab-sandbox"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps({"argv": command, "display_name": "cnnlab sandbox", "language": "python"})
    )
    return AsyncKernelManager(
        kernel_name="cnnlab-sandbox",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(private / "kernels")]),
        transport="ipc",  # unix sockets work across network namespaces; TCP would not
        ip=str(directory / "k"),
        connection_file=str(directory / "kernel.json"),
    )


def _death_reason(km) -> str:
    process = getattr(km.provisioner, "process", None)
    code = process.poll() if process is not None else None
    if code is None or code >= 0:
        return f"the kernel exited (code {code}): sys.exit/os._exit or a crash"
    names = {
        signal.SIGKILL: "killed (SIGKILL: out of memory, or killed itself)",
        signal.SIGXCPU: "CPU time limit reached",
        signal.SIGXFSZ: "file size limit reached",
        signal.SIGSEGV: "crashed (segmentation fault)",
    }
    return "the kernel was " + names.get(-code, f"stopped by signal {-code}")


def _kill_user(uid: int) -> None:
    """Kill whatever the sandbox user left running (detached children escape the process group)."""
    if uid <= 0:
        return
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                continue


def run_probed(
    source: Path,
    *,
    probes: dict[str, str],
    parameters: dict[str, Any],
    seed: str,
    limits: Limits,
    work_root: Path,
    lab_files: list[Path] = (),
    executed_path: Path | None = None,
) -> dict[str, Any]:
    """Execute ``source`` in a sandboxed kernel, probing as it goes; returns raw JSON-able results.

    Returns:
        ``{"status": "ok"|"timeout"|"budget"|"died", "reason", "cell", "seconds",
        "answers": {question: {check: {"value"|"error"}}}, "not_run": {question: reason},
        "errors": {question: [cell error, ...]}}``. Cells are numbered as the student sees them.
    """
    from jupyter_core.utils import run_sync
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    notebook = nbformat.read(source, as_version=4)
    inject_parameters(notebook, parameters)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(seed, metadata={"tags": [SEED_TAG]}))
    ours = {SEED_TAG, INJECTED_TAG}
    numbers, count = {}, 0
    for index, cell in enumerate(notebook.cells):
        if not ours & set(cell.metadata.get("tags", [])):
            count += 1
        numbers[index] = count
    positions = probe_positions(notebook, list(probes))

    root_user = os.geteuid() == 0
    uid = _UID_BASE + os.getpid() if root_user else 0
    private = Path(tempfile.mkdtemp(prefix="p", dir=work_root))
    directory = Path(tempfile.mkdtemp(prefix="s", dir=work_root))
    os.chmod(directory, 0o755)
    for path in lab_files:
        shutil.copy2(path, directory / path.name)
    shutil.copyfile(source, directory / "submission.ipynb")

    result = {
        "status": "ok",
        "reason": "",
        "cell": None,
        "answers": {},
        "not_run": {},
        "errors": {},
    }
    km = _kernel_manager(directory, private, limits, uid)
    client = _client_class()(
        notebook, km=km, timeout=limits.cell_timeout, allow_errors=True, startup_timeout=60,
        resources={"metadata": {"path": str(directory)}},
    )  # fmt: skip
    started = time.monotonic()
    deadline = started + limits.timeout
    log = open(private / "kernel.log", "w+b")  # noqa: SIM115 (closed in finally)
    try:
        with client.setup_kernel(cwd=str(directory), stdout=subprocess.DEVNULL, stderr=log):
            for index, cell in enumerate(notebook.cells):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    _stop(
                        result,
                        "budget",
                        numbers[index],
                        f"total budget of {limits.timeout:g} s used up",
                    )
                    break
                client.timeout = max(1, int(min(limits.cell_timeout, remaining)))
                client.output_used = 0
                step = f"cell {numbers[index]}"
                try:
                    client.execute_cell(cell, index)
                    if cell.cell_type == "code":
                        error = (cell_error(cell) or ("",))[0]
                        for question in probes:
                            if error and question in cell.metadata.get("tags", []):
                                where = f"cell {numbers[index]} raised {error}"
                                result["errors"].setdefault(question, []).append(where)
                    for question in positions.get(index, []):
                        step = f"the check of {question} (after cell {numbers[index]})"
                        result["answers"][question] = _probe(client, probes[question], index)
                except CellTimeoutError:
                    budget = client.timeout < limits.cell_timeout
                    kind, limit = (
                        ("budget", limits.timeout) if budget else ("timeout", limits.cell_timeout)
                    )
                    what = "total budget" if budget else "cell timeout"
                    _stop(
                        result, kind, numbers[index], f"{step} ran past the {what} of {limit:g} s"
                    )
                    break
                except DeadKernelError:
                    _stop(result, "died", numbers[index], f"{step}: {_death_reason(km)}")
                    break
    except RuntimeError as error:  # the kernel never started (or died while starting)
        _stop(result, "died", None, f"the kernel did not start ({error})")
    finally:
        try:
            if client.kc is not None:
                client.kc.stop_channels()
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
        except Exception:
            pass
        _kill_user(uid)
        log.seek(max(0, log.seek(0, os.SEEK_END) - 4000))
        result["kernel_stderr"] = log.read().decode("utf-8", "replace")
        log.close()
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(private, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - started, 3)
    for question in probes:
        if question not in result["answers"]:
            result["not_run"][question] = result["reason"] or "not reached"
    if executed_path is not None:
        drop_tensorflow_logs(notebook)
        atomic_write(executed_path, nbformat.writes(notebook))
    return result


def _stop(result: dict, status: str, cell: int | None, reason: str) -> None:
    result.update(status=status, cell=cell, reason=reason)


def _probe(client, code: str, index: int) -> dict[str, Any]:
    """Run one question's probe code; its answers, or one error standing for all its checks."""
    cell = nbformat.v4.new_code_cell(code)
    original = client.nb.cells[index]
    try:
        client.execute_cell(cell, index, store_history=False)
    finally:  # nbclient stores the executed cell at ``index``; the student's cell belongs there
        client.nb.cells[index] = original
    published = [
        o["data"][PROBE_MIME]
        for o in cell.outputs
        if o.get("output_type") == "display_data" and PROBE_MIME in o.get("data", {})
    ]
    if not published:
        error = (cell_error(cell) or ("the probe printed no answer",))[0]
        return {"__error__": error}
    text = published[-1]
    if not isinstance(text, str) or len(text) > LARGEST_ANSWER:
        return {"__error__": "the probe's answer was not JSON text of a sensible size"}
    try:
        answers = json.loads(text)
    except ValueError:
        return {"__error__": "the probe's answer was not valid JSON"}
    return answers if isinstance(answers, dict) else {"__error__": "malformed probe answer"}
