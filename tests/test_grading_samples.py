"""Grading with real sandboxed kernels: every bundled sample gets its exact grade, hostile ones too."""

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from scipy.signal import correlate2d
from skimage import color, data

from cnnlab.grading.grader import grade
from cnnlab.grading.lab import load_lab
from cnnlab.grading.verify import verify_lab

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "sample_submissions" / "00_warmup"

# Points per question (q1..q4), total 10, written from what each sample does (see make_samples.py).
EXPECTED = {
    "perfect": ([2, 2, 4, 2], "ok"),
    "partial": ([2, 0, 1, 1], "ok"),  # mean instead of luminance; flipped kernel; float width
    "empty": ([0, 0, 0, 0], "ok"),
    "syntax_error": ([2, 0, 4, 2], "ok"),
    "infinite_loop": ([2, 2, 0, 0], "timeout"),
    "memory_hog": ([2, 2, 0, 2], "ok"),
    "kill_self": ([2, 0, 0, 0], "died"),
    "exit_self": ([2, 2, 4, 0], "died"),
    "tamper_checks": ([2, 0, 0, 0], "ok"),
    "tamper_files": ([2, 2, 0, 0], "ok"),
    "corrupt_json": ([0, 0, 0, 0], "invalid"),
    "zero_bytes": ([0, 0, 0, 0], "invalid"),
    "not_a_notebook": ([0, 0, 0, 0], "invalid"),
    "snoop": ([0, 0, 0, 0], "ok"),
}

SNOOP = """import json, os, socket
seen = {"uid": os.getuid(), "home": os.environ.get("HOME"), "cwd": os.getcwd(),
        "env": sorted(os.environ), "lab_visible": os.path.exists(LAB_CHECKS),
        "submissions_visible": os.path.exists(SUBMISSIONS)}
# any interface besides loopback means a network is reachable; no packet is sent to find out
seen["network"] = any(name != "lo" for _, name in socket.if_nameindex())
print("SNOOP" + json.dumps(seen))"""


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """All samples plus a snooping notebook, graded once with 2 kernels at a time."""
    base = tmp_path_factory.mktemp("grading")
    submissions = base / "submissions"
    shutil.copytree(SAMPLES, submissions)
    snoop = nbformat.read(ROOT / "labs" / "00_warmup" / "00_warmup.ipynb", as_version=4)
    code = SNOOP.replace("LAB_CHECKS", repr(str(ROOT / "labs" / "00_warmup" / "checks.py")))
    snoop.cells.append(
        nbformat.v4.new_code_cell(code.replace("SUBMISSIONS", repr(str(submissions))))
    )
    snoop.cells.append(nbformat.v4.new_code_cell('print("flood " * 1_000_000)  # 6 MB'))
    nbformat.write(snoop, submissions / "snoop.ipynb")
    before = {p.name: digest(p) for p in submissions.iterdir()}
    book = grade("00_warmup", submissions, out=base / "out", jobs=2, progress=False)
    return {"book": book, "out": base / "out", "submissions": submissions, "before": before}


def test_every_sample_gets_its_exact_grade(graded):
    records = {r["student"]: r for r in graded["book"]["students"]}
    assert sorted(records) == sorted(EXPECTED)
    for student, (points, status) in EXPECTED.items():
        record = records[student]
        got = [record["questions"][q]["points"] for q in ("q1", "q2", "q3", "q4")]
        assert (got, record["status"]) == (points, status), student
        assert record["total"] == sum(points) and record["max"] == 10


def test_reasons_name_the_cell_and_what_happened(graded):
    records = {r["student"]: r for r in graded["book"]["students"]}
    assert records["infinite_loop"]["reason"] == "cell 12 ran past the cell timeout of 10 s"
    assert records["infinite_loop"]["questions"]["q4"]["status"] == "not run"
    assert "killed" in records["kill_self"]["reason"] and records["kill_self"]["cell"] == 9
    assert "exited (code 3)" in records["exit_self"]["reason"]
    assert "MemoryError" in records["memory_hog"]["questions"]["q3"]["reason"]
    assert "SyntaxError" in records["syntax_error"]["questions"]["q2"]["reason"]
    assert records["zero_bytes"]["reason"] == "the file is empty"
    assert "not a readable notebook" in records["corrupt_json"]["reason"]
    statuses = {q["status"] for q in records["empty"]["questions"].values()}
    assert statuses == {"not attempted"}
    assert records["partial"]["questions"]["q3"]["status"] == "partial"


def test_submissions_are_never_modified_and_results_not_forged(graded):
    after = {p.name: digest(p) for p in graded["submissions"].iterdir()}
    assert after == graded["before"]
    out = graded["out"]
    assert sorted(p.name for p in out.iterdir()) == [
        "cache", "executed", "feedback", "gradebook.csv", "gradebook.json", "grading.log",
    ]  # fmt: skip
    assert not list(out.glob("cache/forged*"))
    rows = {
        row["student"]: row
        for row in csv.DictReader((out / "gradebook.csv").read_text().splitlines())
    }
    assert rows["tamper_files"]["total"] == "4" and rows["perfect"]["q3"] == "4"
    assert list(rows["perfect"]) == [
        "student",
        "q1",
        "q2",
        "q3",
        "q4",
        "total",
        "max",
        "status",
        "seconds",
    ]
    assert not any(record["modified"] for record in graded["book"]["students"])


def test_kernel_is_isolated(graded):
    executed = nbformat.read(graded["out"] / "executed" / "snoop.ipynb", as_version=4)
    text = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    seen = json.loads(text.split("SNOOP", 1)[1].splitlines()[0])
    assert seen["home"] == seen["cwd"] and seen["cwd"].startswith("/tmp/cnnlab-")
    assert "PATH" in seen["env"] and not any(k.startswith(("PYTEST", "JPY_")) for k in seen["env"])
    log = (graded["out"] / "grading.log").read_text()
    assert "no network/mount isolation" not in log
    if os.geteuid() == 0:  # root: namespaces and a user id of its own are available
        assert "isolation: no network, grader folders hidden, kernel runs as the own uid" in log
        assert seen["uid"] != 0
        assert not seen["network"] and not seen["lab_visible"] and not seen["submissions_visible"]


def test_output_is_capped_per_cell(graded):
    size = (graded["out"] / "executed" / "snoop.ipynb").stat().st_size
    assert 0 < size < 3_000_000


def test_total_budget_stops_a_run_but_keeps_probed_questions(tmp_path):
    notebook = nbformat.read(SAMPLES / "perfect.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(60)"))
    (tmp_path / "in").mkdir()
    nbformat.write(notebook, tmp_path / "in" / "slow.ipynb")
    book = grade("00_warmup", tmp_path / "in", out=tmp_path / "out", jobs=1, progress=False,
                 timeout=6, cell_timeout=30)  # fmt: skip
    record = book["students"][0]
    assert record["status"] == "budget" and record["total"] == 10
    assert "total budget of 6 s" in record["reason"]


def test_feedback_shows_hidden_checks_by_name_and_result_only(graded):
    page = (graded["out"] / "feedback" / "partial.html").read_text()
    assert "q2_random (hidden)" in page and "Use the BT.709 weights" not in page
    assert "Weight the channels 0.2125" in page  # public message of a failed check
    assert "Do not flip the kernel" in page


def test_expected_answers_match_independent_references(graded):
    from cnnlab.grading.wire import decode

    cached = next((graded["out"] / "cache").glob("expected-*.json"))
    expected = {k: decode(v) for k, v in json.loads(cached.read_text()).items()}
    np.testing.assert_allclose(expected["q1_known_values"], [[0, 0.2, 1]], rtol=1e-6)
    np.testing.assert_allclose(
        expected["q2_astronaut"], color.rgb2gray(data.astronaut()[:8, :8] / 255.0)
    )
    rng = [np.random.default_rng(seed) for seed in (3, 4)]
    image, kernel = rng[0].random((9, 8)), rng[1].random((3, 4)) - 0.5
    np.testing.assert_allclose(expected["q3_random"], correlate2d(image, kernel, mode="valid"))
    assert expected["q4_value"] == (227 - 11) // 4 + 1 == 55


def test_rerun_uses_the_cache_and_force_regrades(graded, tmp_path):
    book = grade("00_warmup", graded["submissions"], out=graded["out"], jobs=2, progress=False)
    assert [r["total"] for r in book["students"]] == [
        r["total"] for r in graded["book"]["students"]
    ]
    assert all(
        r["seconds"] == s["seconds"]
        for r, s in zip(book["students"], graded["book"]["students"], strict=True)
    )
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(SAMPLES / "perfect.ipynb", one / "ada.ipynb")
    first = grade("00_warmup", one, out=tmp_path / "out", jobs=1, progress=False)
    forced = grade("00_warmup", one, out=tmp_path / "out", jobs=1, progress=False, force=True)
    assert first["students"][0]["total"] == forced["students"][0]["total"] == 10
    assert first["students"][0]["seconds"] != forced["students"][0]["seconds"]


def test_shards_merge_into_the_whole_gradebook(graded, tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    for name in ("perfect", "partial", "syntax_error", "empty"):
        (submissions / name).mkdir()
        shutil.copy(SAMPLES / f"{name}.ipynb", submissions / name / "work.ipynb")
    outs = []
    for index in (1, 2):
        outs.append(tmp_path / f"shard{index}")
        subprocess.run(
            [sys.executable, "-m", "cnnlab.cli", "grade", "00_warmup", str(submissions),
             "--out", str(outs[-1]), "--jobs", "2", "--shard", f"{index}/2"],
            check=True, capture_output=True,
        )  # fmt: skip
    merged = tmp_path / "merged"
    command = [
        sys.executable,
        "-m",
        "cnnlab.cli",
        "gradebook",
        "merge",
        *map(str, outs),
        "--out",
        str(merged),
    ]
    subprocess.run(command, check=True, capture_output=True)
    book = json.loads((merged / "gradebook.json").read_text())
    totals = {r["student"]: r["total"] for r in book["students"]}
    assert totals == {"empty": 0, "partial": 4, "perfect": 10, "syntax_error": 8}


def test_lab_verify_passes_for_every_lab():
    from cnnlab.grading.lab import list_labs

    assert list_labs()
    for name in list_labs():
        assert verify_lab(name) == [], name


def test_lab_verify_catches_a_leaking_release(tmp_path):
    lab = tmp_path / "labs" / "99_leaky"
    shutil.copytree(ROOT / "labs" / "00_warmup", lab)
    (lab / "00_warmup.ipynb").rename(lab / "99_leaky.ipynb")
    shutil.copy(lab / "solution.ipynb", lab / "99_leaky.ipynb")  # the solutions went out
    # a lab outside the checkout keeps its public answers beside its master
    shutil.copy(load_lab("00_warmup").public_expected, lab / "public_expected.json")
    problems = verify_lab(lab)
    assert any("solution line" in p for p in problems)
    assert any("older than solution.ipynb" in p for p in problems)
    assert any("scores 10 points instead of 0" in p for p in problems)


def test_cnnlab_check_command_runs_a_notebook_against_public_checks(tmp_path):
    lab = tmp_path / "00_warmup"
    shutil.copytree(
        ROOT / "labs" / "00_warmup", lab, ignore=shutil.ignore_patterns("solution.ipynb")
    )
    shutil.copy(SAMPLES / "partial.ipynb", lab / "mine.ipynb")
    command = [sys.executable, "-m", "cnnlab.cli", "check", str(lab / "mine.ipynb"), "q3"]
    out = subprocess.run(command, capture_output=True, text=True)
    assert out.returncode == 1
    assert "passed  q3_output_shape" in out.stdout and "FAILED  q3_ramp" in out.stdout
    assert "Do not flip the kernel" in out.stdout and "q3_random" not in out.stdout


def test_students_self_check_inside_their_notebook(tmp_path):
    from cnnlab.execute import run_notebook

    lab = tmp_path / "00_warmup"
    shutil.copytree(
        ROOT / "labs" / "00_warmup", lab, ignore=shutil.ignore_patterns("solution.ipynb")
    )
    shutil.copy(SAMPLES / "partial.ipynb", lab / "00_warmup.ipynb")
    result = run_notebook(lab / "00_warmup.ipynb", mode="full", cell_timeout=60)
    shown = [
        o["data"]["text/plain"]
        for c in result.notebook.cells
        if c.cell_type == "code" and "cnnlab.check" in c.source
        for o in c.outputs
        if o.get("output_type") == "execute_result"
    ]
    assert len(shown) == 4
    assert shown[0].startswith("q1: 1/1 public checks passed")
    assert "FAILED  q2_astronaut" in shown[1] and "0.2125" in shown[1]
    assert "passed  q3_output_shape" in shown[2] and "FAILED  q3_ramp" in shown[2]
