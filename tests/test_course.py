"""cnnlab outside its checkout: package data, settings, the notebooks' setup cell, the student course.

The end-to-end run of the released course from an installed wheel is in ``test_notebooks.py``; here
are the pieces and the bad inputs: what `release --dist` writes and refuses, where Keras' cache is
(compared with where Keras itself puts a file), what the setup cell hides, and how `cnnlab.check`
finds a lab or says why it cannot.
"""

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from cnnlab import __version__, settings
from cnnlab.cli import main
from cnnlab.grading.course import release_course
from cnnlab.grading.lab import list_labs, load_lab
from cnnlab.grading.selfcheck import check, check_notebook, find_public_lab
from cnnlab.notebook import LAB_VARIABLE, SETUP_TAG, is_tensorflow_log, setup_source

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    dist = tmp_path_factory.mktemp("course")
    written = release_course(
        dist,
        install="git+https://example.org/course/cnnlab.git@v1",
        colab_url="https://colab.research.google.com/github/org/course/blob/main",
    )
    return dist, written


# --- package data --------------------------------------------------------------------------------


def test_shipped_files_live_in_the_package_not_the_checkout():
    for parts in [("models", "tiny.keras"), ("models", "tiny.md"), ("imagenet_class_index.json",)]:
        path = settings.resource(*parts)
        assert path.is_file() and path.is_relative_to(ROOT / "cnnlab" / "resources")
    for name in list_labs():
        assert (settings.resources_root() / "labs" / name / "public_expected.json").is_file()
        assert (settings.resources_root() / "labs" / name / "checks.py").is_file()


def test_missing_package_data_says_what_to_do():
    with pytest.raises(FileNotFoundError, match=r"models/missing\.keras is missing .* reinstall"):
        settings.resource("models", "missing.keras")


def test_tiny_and_class_index_load_from_another_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from cnnlab.transfer import decode_predictions, load_backbone

    assert load_backbone("tiny").model.output_shape == (None, 128)
    assert decode_predictions(__import__("numpy").eye(1000)[[281]], top=1)[0][0][1] == "tabby"


def test_tiny_with_a_missing_weights_file_names_the_argument(tmp_path):
    from cnnlab.transfer.tiny import load_tiny

    with pytest.raises(
        FileNotFoundError, match=r"`weights` must be 'pretrained', None or a \.keras"
    ):
        load_tiny(weights=tmp_path / "nothing.keras")


# --- settings ------------------------------------------------------------------------------------

# Ours is asked first: Keras decides once, when it is imported (and its import may create ~).
_WHERE_KERAS_PUTS_IT = """
import json, sys
from cnnlab.settings import keras_home
ours = str(keras_home())
import keras
path = keras.utils.get_file(sys.argv[1], origin=sys.argv[2])
print(json.dumps({"keras": path, "ours": ours}))
"""


@pytest.mark.parametrize("case", ["KERAS_HOME", "HOME", "unwritable HOME"])
def test_keras_home_follows_keras_own_rule(tmp_path, case):
    """Keras itself is the reference: where `keras.utils.get_file` caches a file."""
    source = tmp_path / "payload.txt"
    source.write_text("x")
    name = f"cnnlab-probe-{uuid.uuid4().hex}.txt"
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"}
    if case == "KERAS_HOME":
        env["KERAS_HOME"] = str(tmp_path / "keras-home")
    elif case == "HOME":
        env["HOME"] = str(tmp_path / "home")
        (tmp_path / "home").mkdir()
    else:
        env["HOME"] = str(tmp_path / "does-not-exist")
    done = subprocess.run(
        [sys.executable, "-c", _WHERE_KERAS_PUTS_IT, name, source.as_uri()],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    where = json.loads(done.stdout.strip().splitlines()[-1])
    try:
        assert Path(where["keras"]) == Path(where["ours"]) / "datasets" / name
        if case == "unwritable HOME":
            assert Path(where["ours"]) == Path("/tmp/.keras")
    finally:
        Path(where["keras"]).unlink(missing_ok=True)


def test_course_root_is_here_when_here_holds_labs(tmp_path, monkeypatch):
    (tmp_path / "labs").mkdir()
    monkeypatch.chdir(tmp_path)
    assert settings.course_root() == tmp_path and settings.labs_root() == tmp_path / "labs"
    monkeypatch.chdir(tmp_path / "labs")
    assert settings.course_root() == ROOT  # no labs/ here: the checkout's course


def test_notebook_metadata_reads_the_cnnlab_block_and_refuses_other_files(tmp_path):
    assert settings.notebook_metadata(ROOT / "labs/00_warmup/00_warmup.ipynb")["lab"] == "00_warmup"
    (tmp_path / "x.ipynb").write_text('{"not": "a notebook"}')
    with pytest.raises(ValueError, match="must be a Jupyter notebook"):
        settings.notebook_metadata(tmp_path / "x.ipynb")


# --- the setup cell ------------------------------------------------------------------------------


def test_every_notebook_and_lab_opens_with_the_setup_cell():
    paths = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(ROOT.glob("labs/*/*.ipynb"))
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        lab = path.parent.name if path.parent.parent.name == "labs" else None
        assert SETUP_TAG in code[0].metadata.get("tags", []), path
        assert code[0].source == setup_source(lab=lab), path


_TENSORFLOW_BEHIND_SETUP = """
import os, warnings
import cnnlab.notebook
cnnlab.notebook.setup()
import tensorflow as tf
tf.constant(1.0) + 1.0
os.write(2, b"a C library's own message\\n")
warnings.warn("a Python warning that matters")
os.write(2, b"F0000 00:00:1.0  1 fatal.cc:1] a fatal record stays\\n")
"""


def test_setup_hides_tensorflow_log_lines_and_nothing_else():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    plain = subprocess.run(
        [sys.executable, "-c", "import tensorflow as tf; tf.constant(1.0) + 1.0"],
        capture_output=True,
        text=True,
        env=env,
    )
    # the reference: without setup, TensorFlow prints log lines this test must see vanish
    assert any(is_tensorflow_log(line) for line in plain.stderr.splitlines())
    assert "oneDNN custom operations are on" in plain.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", _TENSORFLOW_BEHIND_SETUP], capture_output=True, text=True, env=env
    )
    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stderr.splitlines()
    assert not any(is_tensorflow_log(line) for line in lines), quiet.stderr
    assert "oneDNN" not in quiet.stderr and "absl::InitializeLog" not in quiet.stderr
    assert "a C library's own message" in lines
    assert any("UserWarning: a Python warning that matters" in line for line in lines)
    assert any("a fatal record stays" in line for line in lines)


def test_setup_source_refuses_an_install_spec_that_would_break_the_cell():
    with pytest.raises(ValueError, match="`install` must be a pip requirement"):
        setup_source(install='cnnlab"; import os')
    with pytest.raises(ValueError, match="`lab` must be a lab folder name"):
        setup_source(lab="../x")


# --- the student course --------------------------------------------------------------------------


def test_course_holds_notebooks_labs_readme_requirements_and_nothing_else(course):
    dist, written = course
    found = sorted(p for p in dist.rglob("*") if p.is_file())
    assert found == sorted(written)
    expected = {"README.md", "requirements.txt"}
    expected |= {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    for name in list_labs():
        expected |= {
            f"labs/{name}/{f}" for f in (f"{name}.ipynb", "checks.py", "public_expected.json")
        }
    assert {p.relative_to(dist).as_posix() for p in found} == expected


def test_course_has_no_master_no_hidden_check_no_sample(course):
    dist, _ = course
    for name in list_labs():
        lab = load_lab(name)
        folder = dist / "labs" / name
        hidden = [c.name for c in lab.checks if c.hidden]
        checks = (folder / "checks.py").read_text()
        notebook = (folder / f"{name}.ipynb").read_text()
        assert hidden and not any(h in checks or h in notebook for h in hidden)
        assert "### BEGIN SOLUTION" not in notebook
    text = "\n".join(p.read_text(errors="replace") for p in dist.rglob("*") if p.is_file())
    assert "sample_submissions" not in text and "solution.ipynb" not in text


def test_course_notebooks_install_from_the_release_source_and_link_to_colab(course):
    dist, _ = course
    notebook = nbformat.read(dist / "labs/02_pretrained_convnets/02_pretrained_convnets.ipynb", 4)
    setup = next(c for c in notebook.cells if SETUP_TAG in c.metadata.get("tags", []))
    assert setup.source == setup_source(
        lab="02_pretrained_convnets", install="git+https://example.org/course/cnnlab.git@v1"
    )
    assert notebook.metadata.cnnlab.lab == "02_pretrained_convnets"
    assert notebook.metadata.cnnlab.version == __version__
    assert (
        "(https://colab.research.google.com/github/org/course/blob/main/labs/02_pretrained_convnets/"
        "02_pretrained_convnets.ipynb)" in notebook.cells[0].source
    )
    walk = nbformat.read(dist / "notebooks/01_convolution.ipynb", 4)
    assert "blob/main/notebooks/01_convolution.ipynb)" in walk.cells[0].source


def test_course_requirements_carry_the_install_source_and_version_ranges(course):
    dist, _ = course
    lines = [
        line for line in (dist / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]  # fmt: skip
    assert lines[0] == "git+https://example.org/course/cnnlab.git@v1"
    ranges = {re.split(r"[<>=!~]", line)[0]: line for line in lines[1:]}
    for package in ("tensorflow", "keras", "numpy", "jupyterlab"):
        assert ">=" in ranges[package], ranges
    assert "<" in ranges["tensorflow"] and ">=2.19" in ranges["tensorflow"]  # a floor and a cap


def test_release_refuses_a_non_empty_folder_and_force_deletes_nothing(tmp_path):
    (tmp_path / "mine.txt").write_text("my notes")
    with pytest.raises(ValueError, match=r"`dist` must be a new or empty folder .* --force"):
        release_course(tmp_path, labs=["00_warmup"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]
    (tmp_path / "README.md").write_text("old")
    written = release_course(tmp_path, labs=["00_warmup"], force=True)
    assert (tmp_path / "mine.txt").read_text() == "my notes"
    assert (tmp_path / "README.md").read_text() != "old" and tmp_path / "README.md" in written


def test_release_without_a_course_folder_says_where_it_looked(tmp_path, monkeypatch):
    from cnnlab.grading import course as course_module

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(course_module, "course_root", lambda: None)
    monkeypatch.setattr(course_module, "checkout_root", lambda: None)
    message = f"a course folder must hold labs/: none in {tmp_path} nor in a cnnlab checkout"
    with pytest.raises(ValueError, match=message):
        release_course(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_release_refuses_a_colab_url_that_is_not_an_address(tmp_path, capsys):
    assert main(["release", "00_warmup", "--dist", str(tmp_path), "--colab-url", "colab"]) == 2
    assert "`colab_url` must be an http(s) address. Got 'colab'." in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- cnnlab.check finds its lab ------------------------------------------------------------------


def test_check_uses_the_lab_the_setup_cell_recorded_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from cnnlab.data import sample_image

    namespace = {LAB_VARIABLE: "00_warmup", "sample_image": sample_image}
    report = check("q1", namespace=namespace)
    assert report.results and {r[0] for r in report.results} == {"q1"}


def test_check_without_a_lab_says_how_to_name_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(ValueError, match=r"`lab` must be given .* Got None"):
        check("q1", namespace={})
    with pytest.raises(ValueError, match=r"shipped: 00_warmup, .* Got 'no_such_lab'"):
        check("q1", namespace={}, lab="no_such_lab")


def test_check_reads_the_running_notebooks_metadata(tmp_path, monkeypatch):
    notebook = nbformat.read(ROOT / "labs/01_convolutions/01_convolutions.ipynb", 4)
    nbformat.write(notebook, tmp_path / "renamed.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "renamed.ipynb"))
    _, expected = find_public_lab("01_convolutions", tmp_path)
    assert json.loads(expected.read_text())["lab"] == "01_convolutions"
    report = check("q1", namespace={})  # nothing defined: the checks fail, but they run
    assert report.results and not report.passed


def test_cnnlab_check_on_a_notebook_without_lab_metadata_is_refused(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "mine.ipynb")
    with pytest.raises(
        ValueError, match=r"`notebook` must be a lab notebook: .*metadata\.cnnlab\.lab"
    ):
        check_notebook(tmp_path / "mine.ipynb")


def test_grader_drops_tensorflow_log_lines_from_a_notebook_without_setup_cell():
    from cnnlab.execute import drop_tensorflow_logs

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("import tensorflow")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
            "I0000 00:00:1796409771.726369    2435 port.cc:153] oneDNN custom operations are on.\n"
            "2025-09-17 14:44:05.157831: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] no GPU\n"
            "a warning the student must see\n",
        ),
        nbformat.v4.new_output("stream", name="stderr", text="E0000 00:00:1.0 1 cuda.cc:52] x\n"),
        nbformat.v4.new_output("stream", name="stdout", text="I0000 00:00:1.0 1 a.cc:1] printed\n"),
    ]
    notebook.cells = [cell]
    drop_tensorflow_logs(notebook)
    assert [(o.name, o.text) for o in cell.outputs] == [
        ("stderr", "a warning the student must see\n"),
        ("stdout", "I0000 00:00:1.0 1 a.cc:1] printed\n"),
    ]
