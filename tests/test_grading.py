"""Grading without kernels: the wire format, comparisons, checks files, release, shards, self-check."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import cnnlab
from cnnlab.grading.checks import compare, kernel_code, load_checks, probe, public_source
from cnnlab.grading.gradebook import merge_gradebooks
from cnnlab.grading.lab import load_lab
from cnnlab.grading.release import (
    leaks,
    released_notebook,
    solution_lines,
    strip_solutions,
)
from cnnlab.grading.selfcheck import check
from cnnlab.grading.submissions import find_submissions, in_shard, parse_shard
from cnnlab.grading.wire import decode, encode

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "labs" / "00_warmup"


def test_wire_round_trips_arrays_and_plain_data():
    value = {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.int64(3), "s": "relu",
             "nested": [1, 2.5, None, True], "nan": float("nan")}  # fmt: skip
    text = json.dumps(encode(value))  # must be JSON
    back = decode(json.loads(text))
    assert back["x"].dtype == np.float32 and back["x"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert int(back["n"]) == 3 and back["s"] == "relu" and back["nested"] == [1, 2.5, None, True]
    assert np.isnan(back["nan"])


def test_wire_refuses_objects_and_pickles():
    with pytest.raises(TypeError, match="numbers, strings"):
        encode({"f": print})
    with pytest.raises(TypeError, match="numeric arrays"):
        encode(np.array([{}, []], dtype=object))
    # An object array saved with pickle must not load on the grader's side.
    import base64
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    hostile = {"__ndarray_npy__": base64.b64encode(buffer.getvalue()).decode()}
    with pytest.raises(ValueError, match="malformed array"):
        decode(hostile)


@probe("q1", points=1, rtol=1e-3, atol=0)
def loose(namespace):
    return namespace


@probe("q1", compare="exact")
def exact(namespace):
    return namespace


@probe("q1", compare="set")
def as_set(namespace):
    return namespace


@pytest.mark.parametrize(
    ("expected", "got", "rule", "same"),
    [
        (np.array([1.0, 2.0]), np.array([1.0005, 2.0]), loose, True),
        (np.array([1.0, 2.0]), np.array([1.01, 2.0]), loose, False),
        (np.array([1.0, 2.0]), np.array([1.0, 2.0, 3.0]), loose, False),
        ({"shape": [2, 3], "name": "conv"}, {"shape": [2, 3], "name": "conv"}, exact, True),
        ({"shape": [2, 3]}, {"shape": [3, 2]}, exact, False),
        ({"shape": [2, 3]}, {"shape": [2, 3], "extra": 1}, exact, False),
        (55, 55.0, exact, True),
        (55, "55", exact, False),
        (True, 1, exact, False),
        (["conv", "pool", "dense"], ["dense", "conv", "pool"], as_set, True),
        (["conv", "pool"], ["conv", "conv"], as_set, False),
        (np.array([1, 2]), "not an array", loose, False),
    ],
)
def test_compare_follows_each_rule(expected, got, rule, same):
    assert (compare(expected, got, rule.__cnnlab_check__) is None) is same


def test_compare_reports_where_values_differ():
    assert "['w'][1]" in compare({"w": [1, 2]}, {"w": [1, 3]}, exact.__cnnlab_check__)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"question": "q 1"}, "`question`"),
        ({"points": -1}, "`points`"),
        ({"compare": "fuzzy"}, "`compare`"),
    ],
)
def test_probe_rejects_bad_declarations(kwargs, match):
    arguments = {"question": "q1", **kwargs}
    with pytest.raises(ValueError, match=match):
        probe(arguments.pop("question"), **arguments)


def test_lab_checks_load_in_order_with_points():
    lab = load_lab("00_warmup")
    assert lab.questions == ["q1", "q2", "q3", "q4"]
    assert lab.max_points == {"q1": 2, "q2": 2, "q3": 4, "q4": 2}
    assert {c.name for c in lab.checks if c.hidden} == {
        "q1_dtype_and_shape",
        "q2_random",
        "q3_random",
        "q4_value",
    }
    assert not lab.uses_keras


def test_public_source_drops_hidden_checks_only():
    source = public_source(LAB / "checks.py")
    for check_ in load_checks(LAB / "checks.py"):
        assert (f"def {check_.name}(" in source) is (not check_.hidden)
    assert "def random_image(" in source  # helpers stay


def test_kernel_code_ships_only_that_questions_probes():
    code = kernel_code(LAB / "checks.py", "q2")
    assert "q2_random" in code and "q2_astronaut" in code
    assert "q3_random" not in code and "q1_known_values" not in code


def test_strip_solutions_keeps_indentation_and_names_question():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n\nprint(1)"
    assert strip_solutions(source, "q7") == (
        'def f(x):\n    raise NotImplementedError("q7: replace this line with your code")\n\nprint(1)'
    )
    for broken in ("### BEGIN SOLUTION\nx = 1", "x = 1\n### END SOLUTION"):
        with pytest.raises(ValueError, match="SOLUTION"):
            strip_solutions(broken, "q1")


def test_released_notebook_is_committed_and_clean():
    lab = load_lab("00_warmup")
    fresh = released_notebook(lab)
    assert lab.released.read_text() == nbformat.writes(fresh) + "\n"
    text = lab.released.read_text()
    assert "BEGIN SOLUTION" not in text and leaks(lab, text) == []
    assert leaks(lab, lab.public_expected.read_text()) == []
    for question in lab.questions:
        assert f'NotImplementedError(\\"{question}:' in text
    # The leak detector itself finds the solution in the master.
    assert leaks(lab, lab.solution.read_text()) and solution_lines(lab)


def test_selfcheck_uses_public_checks_and_expected_values():
    right = {"normalize": lambda image: image.astype(np.float32) / 255}
    report = check("q1", namespace=right, lab=LAB)
    assert report.passed and [r[1] for r in report.results] == ["q1_known_values"]
    wrong = {"to_grayscale": lambda rgb: rgb.mean(axis=-1)}
    report = check("q2", namespace=wrong, lab=LAB)
    assert not report.passed and "0.2125" in repr(report)
    flipped = {"conv2d": lambda image, kernel: np.ones((2, 2))}
    assert "should have shape (4, 5)" in repr(check("q3", namespace=flipped, lab=LAB))
    assert cnnlab.check is check


def test_selfcheck_rejects_bad_calls_and_sleeps_while_grading(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="`question` must be one of"):
        check("q9", namespace={}, lab=LAB)
    with pytest.raises(
        ValueError, match="`lab` must be a lab id such as '00_warmup' or a lab folder"
    ):
        check("q1", namespace={}, lab=tmp_path)
    monkeypatch.setenv("CNNLAB_GRADING", "1")
    assert "skipped" in repr(check("q1", namespace={}, lab=LAB))


def test_shards_partition_students():
    students = [f"student{i:03d}" for i in range(200)]
    parts = [{s for s in students if in_shard(s, (i, 4))} for i in range(1, 5)]
    assert set().union(*parts) == set(students) and sum(map(len, parts)) == 200
    assert all(30 <= len(p) <= 70 for p in parts)
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "a/b", "3"):
        with pytest.raises(ValueError, match="`shard` must look like i/N"):
            parse_shard(bad)


def test_find_submissions_handles_both_layouts(tmp_path):
    lab = load_lab("00_warmup")
    (tmp_path / "ada.ipynb").write_text("{}")
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "notes.ipynb").write_text("{}")
    (tmp_path / "bob" / "00_warmup.ipynb").write_text("{}")
    (tmp_path / "bob" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "bob" / ".ipynb_checkpoints" / "00_warmup-checkpoint.ipynb").write_text("{}")
    found = find_submissions(tmp_path, lab)
    assert found == {"ada": tmp_path / "ada.ipynb", "bob": tmp_path / "bob" / "00_warmup.ipynb"}
    with pytest.raises(ValueError, match="`submissions` must be an existing folder"):
        find_submissions(tmp_path / "nope", lab)


def test_merge_refuses_mixed_labs(tmp_path):
    for name, digest in (("a", "1"), ("b", "2")):
        (tmp_path / name).mkdir()
        book = {"lab": "00_warmup", "lab_digest": digest, "questions": {}, "students": []}
        (tmp_path / name / "gradebook.json").write_text(json.dumps(book))
    with pytest.raises(ValueError, match="one lab version"):
        merge_gradebooks([tmp_path / "a", tmp_path / "b"], out=tmp_path / "m")
    with pytest.raises(ValueError, match="must be gradebook"):
        merge_gradebooks([tmp_path / "missing"], out=tmp_path / "m")


def test_cli_reports_bad_arguments_in_one_line(tmp_path):
    command = [sys.executable, "-m", "cnnlab.cli", "grade", "no_such_lab", str(tmp_path)]
    out = subprocess.run(command, capture_output=True, text=True)
    assert out.returncode == 2
    assert "`lab` must name a lab folder" in out.stderr and "Traceback" not in out.stderr
    shutil.rmtree(tmp_path)


def test_sandbox_wrapper_limits_scrubs_and_hides(tmp_path):
    import os
    import tempfile

    directory = tmp_path / "copy"
    directory.mkdir(mode=0o755)
    code = (
        "import json, os, resource; print(json.dumps({'as': resource.getrlimit(resource.RLIMIT_AS)[0],"
        " 'env': sorted(os.environ), 'home': os.environ['HOME'], 'cwd': os.getcwd(), 'uid': os.getuid(),"
        f" 'labs': os.path.exists({str(LAB)!r})}}))"
    )
    command = [sys.executable, "-m", "cnnlab.grading.sandbox", "--dir", str(directory),
               "--memory", "512", "--uid", "250000", f"--hide={ROOT / 'labs'}",
               f"--hide={tempfile.gettempdir()}", f"--hide={Path.home()}",
               f"--keep={Path(sys.base_prefix).resolve()}", f"--keep={ROOT}",
               "--", sys.executable, "-c", code]  # fmt: skip
    env = {**os.environ, "SECRET_TOKEN": "do-not-leak"}
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    seen = json.loads(out.stdout)
    assert seen["as"] == 512 * 2**20
    assert "SECRET_TOKEN" not in seen["env"] and seen["home"] == seen["cwd"] == str(directory)
    if os.geteuid() == 0:
        assert seen["uid"] == 250000 and not seen["labs"]
