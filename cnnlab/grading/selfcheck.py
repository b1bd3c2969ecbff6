"""``cnnlab.check``: students run a question's public checks from inside their notebook.

Runs in the student's own kernel, so it is a learning aid, not a grade: it uses only the public
checks of the lab folder's ``checks.py`` and the solution's answers shipped in
``public_expected.json`` (written by ``cnnlab release``; hidden checks and their answers are never
in the students' copy). Answers travel through the same JSON encoding as in grading, so what passes
here passes in the grader, given the same code. While the grader runs a notebook it does nothing.

Example:
    >>> cnnlab.check("q1")  # doctest: +SKIP
    q1: 1/1 public points
      passed  q1_known_values
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["check"]


@dataclass
class CheckReport:
    """What ``check`` found: one ``(question, name, passed, note)`` per public check run."""

    results: list[tuple[str, str, bool, str]] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return all(passed for _, _, passed, _ in self.results)

    def __repr__(self) -> str:
        if self.note:
            return self.note
        lines, questions = [], list(dict.fromkeys(q for q, *_ in self.results))
        for question in questions:
            mine = [r for r in self.results if r[0] == question]
            lines.append(f"{question}: {sum(r[2] for r in mine)}/{len(mine)} public checks passed")
            for _, name, passed, note in mine:
                lines.append(f"  {'passed' if passed else 'FAILED'}  {name}")
                lines += [f"          {line}" for line in note.splitlines() if not passed]
        lines.append("(hidden checks with other inputs run when your work is graded)")
        return "\n".join(lines)


def _user_namespace() -> dict[str, Any] | None:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell.user_ns if shell is not None else None


def check(
    question: str | None = None,
    *,
    namespace: dict[str, Any] | None = None,
    lab: str | os.PathLike = ".",
) -> CheckReport:
    """Run the public checks of ``question`` (all questions when ``None``) on your notebook.

    Args:
        question: the question id, e.g. ``"q2"``.
        namespace: the variables to check; by default the notebook's (IPython's user namespace).
        lab: the lab folder, holding ``checks.py`` and ``public_expected.json`` (default: here).

    Returns:
        A ``CheckReport``; the notebook shows what passed, what failed and what to look at.

    Raises:
        ValueError: not in a lab folder, no notebook namespace, or an unknown question.
    """
    from cnnlab.grading.checks import compare, load_checks
    from cnnlab.grading.wire import decode, encode

    if os.environ.get("CNNLAB_GRADING") == "1":
        return CheckReport(note="(self-checks are skipped while the grader runs this notebook)")
    folder = Path(lab)
    expected_path, checks_path = folder / "public_expected.json", folder / "checks.py"
    if not (expected_path.is_file() and checks_path.is_file()):
        raise ValueError(
            "`lab` must be a lab folder holding checks.py and public_expected.json "
            f"(open the notebook from its lab folder). Got {str(folder.resolve())!r}."
        )
    namespace = namespace if namespace is not None else _user_namespace()
    if namespace is None:
        raise ValueError("`namespace` must be given outside a notebook. Got None.")
    checks = [c for c in load_checks(checks_path) if not c.hidden]
    questions = sorted({c.question for c in checks})
    if question is not None and question not in questions:
        raise ValueError(f"`question` must be one of {questions}. Got {question!r}.")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))["checks"]
    report = CheckReport()
    for item in checks:
        if question is not None and item.question != question:
            continue
        if item.name not in expected:
            report.results.append((item.question, item.name, False, "run `cnnlab release` again"))
            continue
        try:
            got = decode(json.loads(json.dumps(encode(item.function(namespace)))))
        except Exception as error:
            report.results.append(
                (
                    item.question,
                    item.name,
                    False,
                    f"{item.message}\n{type(error).__name__}: {error}",
                )
            )
            continue
        want = decode(expected[item.name])
        difference = compare(want, got, item)
        if difference and item.hint is not None:
            difference = item.hint(want, got) or difference
        note = f"{item.message}\n{difference}" if difference else ""
        report.results.append((item.question, item.name, difference is None, note))
    return report


def _uses_keras(path: Path) -> bool:
    """Whether the notebook uses Keras, so its seeds are set as the grader sets them."""
    from cnnlab.grading.lab import _KERAS

    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    return any(
        _KERAS.search("".join(c.get("source", ""))) for c in cells if c.get("cell_type") == "code"
    )


def _self_check_limits(path: Path):
    """The lab's memory limit (TensorFlow needs more address space than the default), generous times.

    A self-check runs the student's notebook with its own, full-size parameters on their own
    machine, so only the memory limit of the lab (``metadata.cnnlab.limits``) is kept.
    """
    from cnnlab.grading.runner import Limits

    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    memory = metadata.get("cnnlab", {}).get("limits", {}).get("memory_mb", Limits.memory_mb)
    return Limits(isolate=False, cell_timeout=1800, timeout=7200, memory_mb=int(memory))


def check_notebook(notebook: str | os.PathLike, question: str | None = None) -> CheckReport:
    """Run ``notebook`` top to bottom in a fresh kernel, then its lab's public checks (``cnnlab check``).

    The notebook runs as the grader would run it (a private copy, probes after each question's last
    cell), but with the notebook's own parameters and no isolation: it is your own code.

    Raises:
        ValueError: the notebook is missing or not in a lab folder, or an unknown question.
    """
    import shutil
    import tempfile

    from cnnlab.grading.checks import compare, kernel_code, load_checks
    from cnnlab.grading.grader import SEED
    from cnnlab.grading.runner import run_probed, seed_code
    from cnnlab.grading.wire import decode

    path = Path(notebook)
    if not path.is_file():
        raise ValueError(f"`notebook` must be an existing .ipynb file. Got {str(path)!r}.")
    folder = path.resolve().parent
    expected_path, checks_path = folder / "public_expected.json", folder / "checks.py"
    if not (expected_path.is_file() and checks_path.is_file()):
        raise ValueError(
            "`notebook` must sit in a lab folder holding checks.py and public_expected.json. "
            f"Got {str(path)!r}."
        )
    checks = [c for c in load_checks(checks_path) if not c.hidden]
    questions = sorted({c.question for c in checks})
    if question is not None and question not in questions:
        raise ValueError(f"`question` must be one of {questions}. Got {question!r}.")
    wanted = [question] if question else questions
    expected = json.loads(expected_path.read_text(encoding="utf-8"))["checks"]
    work_root = Path(tempfile.mkdtemp(prefix="cnnlab-check-"))
    os.chmod(work_root, 0o711)
    try:
        data = [p for p in folder.iterdir() if p.is_file() and p.suffix not in (".ipynb", ".py")]
        raw = run_probed(
            path,
            probes={q: kernel_code(checks_path, q) for q in wanted},
            parameters={},
            seed=seed_code(SEED, keras=_uses_keras(path)),
            limits=_self_check_limits(path),
            work_root=work_root,
            lab_files=data,
        )
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    report = CheckReport()
    for item in (c for c in checks if c.question in wanted):
        answers = raw["answers"].get(item.question)
        if answers is None:
            note = f"not run: {raw['not_run'].get(item.question, '')}"
            report.results.append((item.question, item.name, False, note))
            continue
        answer = answers.get(item.name) or {"error": answers.get("__error__", "no answer")}
        if "value" not in answer or item.name not in expected:
            report.results.append(
                (item.question, item.name, False, f"{item.message}\n{answer.get('error')}")
            )
            continue
        want, got = decode(expected[item.name]), decode(answer["value"])
        difference = compare(want, got, item)
        if difference and item.hint is not None:
            difference = item.hint(want, got) or difference
        note = f"{item.message}\n{difference}" if difference else ""
        report.results.append((item.question, item.name, difference is None, note))
    return report
