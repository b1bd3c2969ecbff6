"""``cnnlab grade``: grade a folder of submissions in parallel, sandboxed, cached and resumable.

The grader process is the trusted side. It hashes and stages each submission, sends it to a worker
process that runs it in a sandboxed kernel (``cnnlab.grading.runner``), and judges the raw probe
answers against the solution's answers with each check's own comparison. The solution itself runs
through the same pipeline once per lab version; its answers are cached next to the results.

Example:
    >>> book = grade("00_warmup", "data/sample_submissions/00_warmup", out="build/grades")  # doctest: +SKIP
    >>> book["students"][0]["total"]  # doctest: +SKIP
    10
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from cnnlab import __version__
from cnnlab.execute import atomic_write
from cnnlab.grading.checks import kernel_code
from cnnlab.grading.gradebook import judge, safe_name, write_results, zero_record
from cnnlab.grading.lab import Lab, load_lab
from cnnlab.grading.runner import Limits, run_probed, seed_code
from cnnlab.grading.sandbox import describe_isolation
from cnnlab.grading.submissions import (
    find_submissions,
    in_shard,
    parse_shard,
    released_sources,
    untouched_questions,
    validate_notebook,
)
from cnnlab.grading.wire import decode
from cnnlab.settings import keras_home, resources_root

SEED = 0
DEFAULT_LIMITS = {"cell_timeout": 120, "timeout": 600, "memory_mb": 4096}


class LabError(RuntimeError):
    """The lab itself is broken (its solution fails a check): no submission can be graded."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _work(job: dict[str, Any]) -> dict[str, Any]:
    """Worker process: run one staged notebook (module-level so the process pool can send it)."""
    try:
        raw = run_probed(
            Path(job["staged"]),
            probes=job["probes"],
            parameters=job["parameters"],
            seed=job["seed"],
            limits=Limits(**job["limits"]),
            work_root=Path(job["work_root"]),
            lab_files=[Path(p) for p in job["lab_files"]],
            executed_path=Path(job["executed"]) if job["executed"] else None,
        )
    except Exception as error:  # a notebook nbformat accepts but nbclient cannot run
        raw = {"status": "error", "reason": f"could not run: {type(error).__name__}: {error}",
               "cell": None, "answers": {}, "not_run": {}, "errors": {}, "seconds": 0}  # fmt: skip
    return {**raw, "key": job["key"]}


def _isolation_paths(lab: Lab, submissions: Path, out: Path, work_root: Path) -> tuple[list, list]:
    """Folders to hide from the kernel, and folders it needs that may lie under them."""
    labs = lab.folder.parent if lab.folder.parent.name == "labs" else lab.folder
    # Shared scratch folders are hidden too, so nothing a kernel writes outlives it.
    hide = [
        labs,
        submissions,
        out,
        work_root,
        Path.home(),
        Path(tempfile.gettempdir()),
        Path("/var/tmp"),
    ]
    # the folder cnnlab is imported from (site-packages, or the checkout of an editable install)
    keep = [Path(sys.base_prefix), Path(sys.prefix), resources_root().parent.parent]
    keep += [keras_home()] if keras_home().is_dir() else []
    hide = [str(p.resolve()) for p in hide if p.is_dir() and str(p.resolve()) != "/"]
    return hide, [str(p.resolve()) for p in keep]


def grade(
    lab: str | os.PathLike | Lab,
    submissions: str | os.PathLike,
    *,
    out: str | os.PathLike,
    jobs: int | None = None,
    cell_timeout: float | None = None,
    timeout: float | None = None,
    memory_mb: int | None = None,
    shard: str | None = None,
    force: bool = False,
    progress: bool = True,
    isolate: bool = True,
) -> dict[str, Any]:
    """Grade every submission of ``lab`` under ``submissions`` into ``out``; returns the gradebook.

    Args:
        lab: lab name (``"00_warmup"``), folder, or ``Lab``.
        submissions: folder of ``<student>.ipynb`` or ``<student>/<any>.ipynb``; never written to.
        out: results folder: ``gradebook.csv``, ``gradebook.json``, ``feedback/``, ``executed/``,
            ``grading.log`` and ``cache/``.
        jobs: kernels run at once (default: the number of cores).
        cell_timeout: seconds one cell (or one question's checks) may run (default: the lab's
            ``metadata.cnnlab.limits``, else 120).
        timeout: seconds one whole submission may run (default: the lab's, else 600).
        memory_mb: address space of each kernel, MB (default: the lab's, else 4096).
        shard: ``"i/N"`` grades only the i-th of N disjoint parts (merge with ``merge_gradebooks``).
        force: grade again even when a cached result exists.
        progress: show a progress bar with ETA on stderr.
        isolate: use network/mount namespaces where the machine allows (see the README).

    Raises:
        ValueError: a bad argument (names it, with the value received).
        LabError: the lab's own solution fails one of its checks.

    Worker processes start with multiprocessing's ``forkserver``: a script that calls ``grade``
    needs the usual ``if __name__ == "__main__":`` guard.
    """
    lab = lab if isinstance(lab, Lab) else load_lab(lab)
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    own = {**DEFAULT_LIMITS, **lab.limits}
    cell_timeout = own["cell_timeout"] if cell_timeout is None else cell_timeout
    timeout = own["timeout"] if timeout is None else timeout
    memory_mb = own["memory_mb"] if memory_mb is None else memory_mb
    for name, value in {"jobs": jobs, "cell_timeout": cell_timeout, "timeout": timeout,
                        "memory_mb": memory_mb}.items():  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"`{name}` must be a positive number. Got {value!r}.")
    shard_of = parse_shard(shard)
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    students = {
        s: p for s, p in find_submissions(submissions, lab).items() if in_shard(s, shard_of)
    }
    if out == submissions or submissions in out.parents:
        raise ValueError(f"`out` must lie outside the submissions folder. Got {str(out)!r}.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "cache").mkdir(exist_ok=True)
    work_root = Path(
        tempfile.mkdtemp(prefix="cnnlab-", dir="/tmp" if os.path.isdir("/tmp") else None)
    )
    os.chmod(work_root, 0o711)
    hide, keep = _isolation_paths(lab, submissions, out, work_root)
    limits = Limits(cell_timeout=cell_timeout, timeout=timeout, memory_mb=int(memory_mb),
                    hide=hide, keep=keep, isolate=isolate)  # fmt: skip
    settings = f"{cell_timeout}|{timeout}|{memory_mb}|{SEED}|{json.dumps(lab.grading_parameters, sort_keys=True)}"
    base_job = {
        "probes": {q: kernel_code(lab.checks_path, q) for q in lab.questions},
        "parameters": lab.grading_parameters, "seed": seed_code(SEED, lab.uses_keras),
        "limits": asdict(limits), "work_root": str(work_root),
        "lab_files": [str(p) for p in lab.data_files],
    }  # fmt: skip
    log_lines = [f"{time.strftime('%Y-%m-%d %H:%M:%S')} cnnlab {__version__} grading {lab.name} "
                 f"({len(students)} submissions, shard {shard_of[0]}/{shard_of[1]}, jobs {jobs})"]  # fmt: skip
    try:
        records, pending = _prepare(lab, students, submissions, out, work_root, settings, force)
        expected_path = out / "cache" / f"expected-{_sha256((lab.digest + settings).encode())}.json"
        expected = json.loads(expected_path.read_text()) if expected_path.is_file() else None
        runs = dict(pending)
        if isolate and runs:
            probe_dir = Path(tempfile.mkdtemp(prefix="i", dir=work_root))
            os.chmod(probe_dir, 0o755)
            uid = 200_000 + os.getpid() if os.geteuid() == 0 else 0
            log_lines.append(describe_isolation(str(probe_dir), hide, keep, uid=uid))
        if expected is None:
            runs["__solution__"] = {
                "staged": str(lab.solution),
                "executed": "",
                "key": "__solution__",
            }
        raw = _run_all(runs, base_job, jobs, progress, lab.name)
        if expected is None:
            expected = _expected_answers(lab, raw.pop("__solution__"))
            atomic_write(expected_path, json.dumps(expected))
        expected = {name: decode(value) for name, value in expected.items()}
        for student, job in pending.items():
            record = records[student]
            result = raw[student]
            record.update(judge(lab, expected, result, job["untouched"]))
            log_lines += [f"{student}: {record['status']} {record['total']:g}/{record['max']:g} "
                          f"in {record['seconds']:.1f} s {record['reason']}".rstrip()]  # fmt: skip
            log_lines += [
                f"  kernel stderr: {line}" for line in _tail(result.get("kernel_stderr", ""))
            ]
            after = (
                _sha256(Path(record["path"]).read_bytes()) if Path(record["path"]).is_file() else ""
            )
            if after != record["sha256"]:
                record["status"], record["modified"] = "modified", True
                record["reason"] = (
                    f"the submission file changed while it was graded (sha256 now {after[:12] or 'gone'})"
                )
            else:
                atomic_write(out / "cache" / f"{job['key']}.json", json.dumps(record))
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    book = {
        "lab": lab.name, "lab_digest": lab.digest, "cnnlab_version": __version__,
        "questions": lab.max_points, "shard": f"{shard_of[0]}/{shard_of[1]}",
        "students": [records[s] for s in sorted(records)],
    }  # fmt: skip
    write_results(book, out, log_lines)
    return book


def _tail(text: str, lines: int = 5) -> list[str]:
    kept = [line for line in text.splitlines() if line.strip() and "Ctrl-" not in line]
    return kept[-lines:]


def _prepare(lab, students, submissions, out, work_root, settings, force):
    """Hash, validate and stage each submission; reuse cached results. Returns (records, pending)."""
    records, pending = {}, {}
    staging = work_root / "staged"
    staging.mkdir(mode=0o700)
    released = released_sources(lab)
    for student, path in students.items():
        data = path.read_bytes()
        digest = _sha256(data)
        record = {"student": student, "file": str(path.relative_to(submissions)), "path": str(path),
                  "sha256": digest, "modified": False}  # fmt: skip
        key = _sha256(f"{digest}|{lab.digest}|{__version__}|{settings}".encode())
        cached = out / "cache" / f"{key}.json"
        if cached.is_file() and not force:
            records[student] = {**json.loads(cached.read_text()), "path": str(path), "cached": True}
            continue
        problem = validate_notebook(data)
        if problem:
            records[student] = {**record, **zero_record(lab, "invalid", problem)}
            atomic_write(cached, json.dumps(records[student]))
            continue
        staged = staging / f"{len(pending)}.ipynb"
        staged.write_bytes(data)
        records[student] = record
        executed = out / "executed" / f"{safe_name(student)}.ipynb"
        pending[student] = {"staged": str(staged), "executed": str(executed),
                            "key": key, "untouched": untouched_questions(data, lab, released)}  # fmt: skip
    return records, pending


def _run_all(runs, base_job, jobs, progress, name) -> dict[str, dict]:
    """Run every job in a pool of ``jobs`` worker processes, with a progress bar."""
    if not runs:
        return {}
    from tqdm import tqdm

    results = {}
    bar = tqdm(
        total=len(runs), desc=f"grading {name}", unit="nb", disable=not progress, file=sys.stderr
    )
    context = get_context("forkserver" if sys.platform.startswith("linux") else "spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(runs)), mp_context=context) as pool:
        futures = {pool.submit(_work, {**base_job, **job}): key for key, job in runs.items()}
        for future in as_completed(futures):
            try:
                results[futures[future]] = future.result()
            except Exception as error:  # a worker process died: report it, grade the rest
                results[futures[future]] = {
                    "status": "error", "reason": f"the grader's worker failed ({type(error).__name__}: {error})",
                    "cell": None, "answers": {}, "not_run": {}, "errors": {}, "seconds": 0,
                }  # fmt: skip
            bar.update()
    bar.close()
    return results


def _expected_answers(lab: Lab, raw: dict[str, Any]) -> dict[str, Any]:
    """The solution's answer to every check (still encoded); raises LabError if one is missing."""
    answers = {}
    for check in lab.checks:
        answer = raw["answers"].get(check.question, {})
        entry = answer.get(check.name) or {
            "error": answer.get("__error__", raw["not_run"].get(check.question))
        }
        if "value" not in entry:
            raise LabError(
                f"the solution of lab {lab.name!r} must pass its own checks; check {check.name!r} "
                f"got {entry.get('error') or raw.get('reason') or 'no answer'}."
            )
        answers[check.name] = entry["value"]
    return answers


def solution_answers(
    lab: Lab, *, cell_timeout: float = 600, timeout: float = 3600
) -> dict[str, Any]:
    """Run the lab's master notebook, sandboxed like a submission; its answer to every check.

    Raises:
        LabError: the solution fails one of its own checks.
    """
    work_root = Path(tempfile.mkdtemp(prefix="cnnlab-"))
    os.chmod(work_root, 0o711)
    try:
        hide, keep = _isolation_paths(lab, lab.folder, work_root, work_root)
        raw = run_probed(
            lab.solution,
            probes={q: kernel_code(lab.checks_path, q) for q in lab.questions},
            parameters=lab.grading_parameters,
            seed=seed_code(SEED, lab.uses_keras),
            limits=Limits(
                cell_timeout=cell_timeout,
                timeout=timeout,
                memory_mb=int({**DEFAULT_LIMITS, **lab.limits}["memory_mb"]),
                hide=hide,
                keep=keep,
            ),
            work_root=work_root,
            lab_files=lab.data_files,
        )
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    return {name: decode(value) for name, value in _expected_answers(lab, raw).items()}
