"""The course as students get it: cnnlab installed from its wheel, the course from `cnnlab release --dist`.

One module fixture builds the wheel, installs it into a fresh virtual environment outside the
checkout (pip resolves the dependencies with requirements.txt as constraints, so the pinned wheels
are reused), and writes the student course into a temporary folder. Every walkthrough notebook and
every released lab, its exercises filled in with the master's answers and its own
`cnnlab.check("qN")` cells made to assert, then runs there in smoke mode, in a kernel of that
environment, each ending with a cell that reports `sys.path`. Nothing may come from the checkout: its path must not appear in the kernel's
`sys.path`, in `cnnlab.__file__` or anywhere in the executed outputs, and TensorFlow's C++ log lines
must not reach the outputs (the notebooks' setup cell hides them).
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlab.grading.course import release_course
from cnnlab.grading.lab import list_labs, load_lab
from cnnlab.notebook import SETUP_TAG, is_tensorflow_log

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
LABS = list_labs()
REPORT = "CNNLAB-TEST-REPORT "

# Run by the fresh environment's Python: one notebook, in smoke mode, executed copy into OUT.
DRIVER = """
import json, sys
from pathlib import Path
from cnnlab.execute import NotebookError, run_notebook
try:
    run_notebook(Path(sys.argv[1]), mode="smoke", cell_timeout=600, output_dir=Path(sys.argv[2]))
    print(json.dumps({"error": None}))
except NotebookError as error:
    print(json.dumps({"error": str(error)}))
"""

# Appended to every notebook: where the kernel's Python and cnnlab come from.
WHERE = f"""import json as _json, sys as _sys
import cnnlab as _cnnlab
print({REPORT!r} + _json.dumps({{"sys_path": _sys.path, "executable": _sys.executable,
                                 "cnnlab": _cnnlab.__file__}}))"""

# A lab's own check cells (`cnnlab.check("q3")` right after each exercise) made to fail loudly.
CHECK = """report = cnnlab.check("{question}")
print(report)
assert report.passed and report.results, report"""


def _pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        check=True,
        env=_clean_env(),
    )


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the notebooks' setup cell must quiet TensorFlow itself
    return env


def _filled_in(released: Path, lab) -> None:
    """Replace the released notebook's exercise cells by the master's cells of the same id, and
    make each of its `cnnlab.check("qN")` cells assert that the public checks pass."""
    master = {cell.id: cell.source for cell in lab.master.cells}
    notebook = nbformat.read(released, as_version=4)
    checked = set()
    for cell in notebook.cells:
        if set(cell.metadata.get("tags", [])) & set(lab.questions):
            cell.source = master[cell.id]
        call = re.fullmatch(r'cnnlab\.check\("(q\d+)"\)', cell.source.strip())
        if call:
            cell.source = CHECK.format(question=call.group(1))
            checked.add(call.group(1))
    assert checked == set(lab.questions), released
    nbformat.write(notebook, released)


def _self_checks(executed) -> str:
    return "".join(
        o.get("text", "")
        for c in executed.cells
        if c.source.startswith("report = cnnlab.check(")
        for o in c.get("outputs", [])
    )


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    work = tmp_path_factory.mktemp("installed")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work), str(ROOT)],
        check=True,
        cwd=work,
    )
    wheel = next(work.glob("cnnlab-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, cwd=work)
    python = venv / "bin" / "python"
    _pip(python, str(wheel), "ipykernel", "-c", str(ROOT / "requirements.txt"))
    dist = work / "course"
    release_course(dist, install=str(wheel))
    for name in LABS:
        _filled_in(dist / "labs" / name / f"{name}.ipynb", load_lab(name))
    # Colab: the notebook alone, with nothing of the course beside it.
    alone = work / "colab" / "00_warmup.ipynb"
    alone.parent.mkdir()
    shutil.copyfile(dist / "labs" / "00_warmup" / "00_warmup.ipynb", alone)
    for path in [*dist.rglob("*.ipynb"), alone]:
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(WHERE))
        nbformat.write(notebook, path)
    driver = work / "driver.py"
    driver.write_text(DRIVER)
    return {"python": python, "dist": dist, "driver": driver, "out": work / "executed",
            "alone": alone, "venv": venv}  # fmt: skip


def _run(course, path: Path) -> nbformat.NotebookNode:
    done = subprocess.run(
        [str(course["python"]), str(course["driver"]), str(path), str(course["out"])],
        capture_output=True,
        text=True,
        cwd=path.parent,
        env=_clean_env(),
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["error"] is None
    executed = nbformat.read(course["out"] / path.name, as_version=4)
    text = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert str(ROOT) not in text, "an output mentions the checkout"
    stderr = [
        line
        for c in executed.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
        for line in o["text"].splitlines()
    ]
    assert [line for line in stderr if is_tensorflow_log(line)] == []
    assert not [line for line in stderr if "oneDNN custom operations" in line or "cuInit" in line]
    report = next(
        json.loads(line[len(REPORT) :])
        for o in executed.cells[-1].outputs
        for line in o.get("text", "").splitlines()
        if line.startswith(REPORT)
    )
    assert not any(str(ROOT) in entry for entry in report["sys_path"])
    assert Path(report["executable"]).parent == course["venv"] / "bin"
    assert Path(report["cnnlab"]).is_relative_to(course["venv"])
    return executed


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_walkthrough_notebook_runs_from_the_installed_wheel(course, name):
    executed = _run(course, course["dist"] / "notebooks" / name)
    assert SETUP_TAG in executed.cells[1].metadata.get("tags", [])


@pytest.mark.slow
@pytest.mark.parametrize("name", LABS)
def test_released_lab_with_answers_passes_its_self_check(course, name):
    executed = _run(course, course["dist"] / "labs" / name / f"{name}.ipynb")
    printed = _self_checks(executed)
    assert printed.count("public checks passed") >= len(load_lab(name).questions)
    assert "FAILED" not in printed


@pytest.mark.slow
def test_self_check_finds_the_public_answers_in_the_package_when_the_notebook_is_alone(course):
    """On Colab the notebook sits in /content with no checks.py beside it."""
    assert not (course["alone"].parent / "checks.py").exists()
    executed = _run(course, course["alone"])
    printed = _self_checks(executed)
    assert re.search(r"q1: (\d+)/\1 public checks passed", printed) and "FAILED" not in printed


@pytest.mark.slow
def test_installed_command_outside_a_course_says_where_it_looked(course, tmp_path):
    command = course["venv"] / "bin" / "cnnlab"
    done = subprocess.run(
        [str(command), "release", "--dist", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(),
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"cnnlab release: labs must be found in a course folder: {tmp_path / 'labs'} holds no lab "
        "(a folder with solution.ipynb and checks.py); run from your course folder."
    ]
    assert not (tmp_path / "out").exists()
