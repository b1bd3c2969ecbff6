"""``cnnlab.check``: students run a question's public checks from inside their notebook.

Runs in the student's own kernel, so it is a learning aid, not a grade: it uses only the public
checks (``checks.py``) and the solution's answers to them (``public_expected.json``), both written
by ``cnnlab release``; hidden checks and their answers are never in the students' copy. Answers
travel through the same JSON encoding as in grading, so what passes here passes in the grader,
given the same code. While the grader runs a notebook it does nothing.

Which lab: the ``lab`` argument, else the id the notebook's setup cell recorded
(``cnnlab.notebook.setup(lab=...)``), else ``metadata.cnnlab.lab`` of the running notebook where
Jupyter names it (``JPY_SESSION_NAME``). Where its public files are: the notebook's folder (a
course folder from ``cnnlab release --dist``) if it holds them, else the copy inside the installed
cnnlab package, so the check works on Colab and JupyterHub wherever the notebook sits.

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


def _public_files(folder: Path, lab: str | None) -> tuple[Path, Path] | None:
    """``(checks.py, public_expected.json)`` in ``folder`` if both are there and fit ``lab``."""
    from cnnlab.grading.lab import CHECKS, PUBLIC_EXPECTED

    checks, expected = folder / CHECKS, folder / PUBLIC_EXPECTED
    if not (checks.is_file() and expected.is_file()):
        return None
    if lab is not None:
        try:
            named = json.loads(expected.read_text(encoding="utf-8")).get("lab")
        except ValueError:
            return None
        if named not in (None, lab):
            return None
    return checks, expected


def find_public_lab(lab: str | None, folder: str | os.PathLike) -> tuple[Path, Path]:
    """The public ``checks.py`` and ``public_expected.json`` of ``lab``: in ``folder``, else in the
    package (``cnnlab/resources/labs/<lab>``).

    Raises:
        ValueError: neither place has them; the message says where it looked.
    """
    from cnnlab.settings import resource, resources_root

    places = [Path(folder)]
    if lab is not None:
        places.append(resource("labs", lab, must_exist=False))
    for place in places:
        found = _public_files(place, lab)
        if found is not None:
            return found
    if lab is None:
        raise ValueError(
            "`lab` must be given (e.g. cnnlab.check('q1', lab='00_warmup')): this notebook names "
            f"no lab (no setup cell with lab=..., no metadata.cnnlab.lab) and {Path(folder).resolve()} "
            "holds no checks.py with public_expected.json. Got None."
        )
    shipped = sorted(p.name for p in (resources_root() / "labs").glob("*") if p.is_dir())
    raise ValueError(
        f"`lab` must be a lab whose public checks are in the notebook's folder or in cnnlab "
        f"(shipped: {', '.join(shipped) or 'none'}); put checks.py and public_expected.json "
        f"from the course next to the notebook. Got {lab!r}."
    )


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
    lab: str | os.PathLike | None = None,
) -> CheckReport:
    """Run the public checks of ``question`` (all questions when ``None``) on your notebook.

    Args:
        question: the question id, e.g. ``"q2"``.
        namespace: the variables to check; by default the notebook's (IPython's user namespace).
        lab: the lab id (``"00_warmup"``) or a folder holding its ``checks.py`` and
            ``public_expected.json``; by default the notebook's own lab (see the module docstring).

    Returns:
        A ``CheckReport``; the notebook shows what passed, what failed and what to look at.

    Raises:
        ValueError: no lab found, no notebook namespace, or an unknown question.
    """
    from cnnlab.grading.checks import compare, load_checks
    from cnnlab.grading.wire import decode, encode
    from cnnlab.notebook import LAB_VARIABLE
    from cnnlab.settings import notebook_folder, notebook_metadata, running_notebook

    if os.environ.get("CNNLAB_GRADING") == "1":
        return CheckReport(note="(self-checks are skipped while the grader runs this notebook)")
    namespace = namespace if namespace is not None else _user_namespace()
    if namespace is None:
        raise ValueError("`namespace` must be given outside a notebook. Got None.")
    if lab is not None and Path(lab).is_dir():
        folder = Path(lab)
        if not (folder / "checks.py").is_file():
            raise ValueError(
                "`lab` must be a lab id such as '00_warmup' or a lab folder holding checks.py. "
                f"Got {str(folder.resolve())!r}."
            )
        checks_path, expected_path = find_public_lab(folder.name, folder)
    else:
        running = running_notebook()
        lab = lab or namespace.get(LAB_VARIABLE)
        if lab is None and running is not None:
            lab = notebook_metadata(running).get("lab")
        checks_path, expected_path = find_public_lab(lab, notebook_folder())
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
    from cnnlab.settings import notebook_metadata

    path = Path(notebook)
    if not path.is_file():
        raise ValueError(f"`notebook` must be an existing .ipynb file. Got {str(path)!r}.")
    folder = path.resolve().parent
    lab = notebook_metadata(path).get("lab")
    if lab is None and (folder / "checks.py").is_file():
        lab = folder.name  # a lab folder of a course: its name is the lab's id
    if lab is None:
        raise ValueError(
            "`notebook` must be a lab notebook: its metadata names no lab (metadata.cnnlab.lab) "
            f"and its folder holds no checks.py. Got {str(path)!r}."
        )
    checks_path, expected_path = find_public_lab(lab, folder)
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
