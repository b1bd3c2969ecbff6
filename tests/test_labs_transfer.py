"""Labs 02 (pretrained ConvNets) and 03 (transfer learning) are ready, and their samples get their grades.

One grading run per lab (2 kernels at a time) grades the master, the released student notebook and
every sample under ``data/sample_submissions/<lab>/``. From it we check what ``cnnlab lab verify``
promises (the master scores full marks; the released notebook scores 0 with every question "not
attempted"; the released files are what ``cnnlab release`` makes of the master, without outputs,
solution lines or hidden checks; ``public_expected.json`` holds the master's answers) and the exact
points of each sample per question, written by hand from what each sample does (see its
``make_samples.py``).
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from cnnlab.grading.checks import compare
from cnnlab.grading.gradebook import NOT_ATTEMPTED
from cnnlab.grading.grader import grade
from cnnlab.grading.lab import PUBLIC_EXPECTED, load_lab
from cnnlab.grading.release import leaks, released_notebook
from cnnlab.grading.wire import decode

ROOT = Path(__file__).resolve().parents[1]

# lab -> sample -> points per question, in the lab's question order.
EXPECTED = {
    "02_pretrained_convnets": {
        # q1 classify 2, q2 embed 2, q3 ReLU zeros 3, q4 aligned gallery and t-SNE 2, q5 search 3
        "perfect": [2, 2, 3, 2, 3],
        # zero share of the pooled features (only the letter passes); the query not left out
        "partial": [2, 2, 1, 2, 0],
        "empty": [0, 0, 0, 0, 0],
        # labels not shuffled with the images: the features still follow the images (hidden check)
        "misaligned_labels": [2, 2, 3, 1, 3],
        # [0, 1] images given to the preprocessing, which refuses them
        "preprocess_unit_images": [0, 2, 3, 2, 3],
    },
    "03_transfer_learning": {
        # q1 augmenter 2, q2 aligned features 2, q3 linear head 3, q4 confident mistakes 2,
        # q5 fine-tuning 4
        "perfect": [2, 2, 3, 2, 4],
        # the lecture's generator unchanged; least confident mistakes first; q5 not attempted
        "partial": [0, 2, 3, 0, 0],
        "empty": [0, 0, 0, 0, 0],
        # BatchNormalization unfrozen with the top block: the three structural checks fail
        "batchnorm_trainable": [2, 2, 3, 2, 1],
    },
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def graded(request, tmp_path_factory):
    """One grading run per lab: its master, its released notebook and its samples."""
    lab = load_lab(request.param)
    base = tmp_path_factory.mktemp(lab.name)
    submissions = base / "submissions"
    shutil.copytree(
        ROOT / "data" / "sample_submissions" / lab.name,
        submissions,
        ignore=shutil.ignore_patterns("*.py", "__pycache__"),
    )
    shutil.copyfile(lab.solution, submissions / "solution.ipynb")
    shutil.copyfile(lab.released, submissions / "released.ipynb")
    book = grade(lab, submissions, out=base / "out", jobs=2, progress=False)
    answers = json.loads(next((base / "out" / "cache").glob("expected-*.json")).read_text())
    records = {record["student"]: record for record in book["students"]}
    return {"lab": lab, "records": records, "answers": answers}


def test_master_scores_full_marks(graded):
    record = graded["records"]["solution"]
    failed = [
        f"{check['name']}: {check['detail']}"
        for question in record["questions"].values()
        for check in question["checks"]
        if not check["passed"]
    ]
    assert failed == []
    assert (record["total"], record["status"]) == (record["max"], "ok")


def test_released_notebook_scores_zero_and_is_not_attempted(graded):
    record = graded["records"]["released"]
    assert record["total"] == 0
    assert {q["status"] for q in record["questions"].values()} == {NOT_ATTEMPTED}


def test_released_files_match_the_master_and_leak_nothing(graded):
    lab = graded["lab"]
    released = lab.released.read_text(encoding="utf-8")
    assert released == nbformat.writes(released_notebook(lab)) + "\n", "run `cnnlab release`"
    shipped = (lab.folder / PUBLIC_EXPECTED).read_text(encoding="utf-8")
    assert leaks(lab, released) == [] and leaks(lab, shipped) == []
    assert "### BEGIN SOLUTION" not in released
    shipped_answers = json.loads(shipped)["checks"]
    public = [check for check in lab.checks if not check.hidden]
    assert sorted(shipped_answers) == sorted(check.name for check in public)
    for check in public:
        fresh = decode(graded["answers"][check.name])
        assert compare(fresh, decode(shipped_answers[check.name]), check) is None, check.name
    for notebook in (nbformat.reads(released, as_version=4), lab.master):
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_every_question_has_a_public_and_a_hidden_check(graded):
    lab = graded["lab"]
    for question in lab.questions:
        assert {c.hidden for c in lab.checks if c.question == question} == {False, True}, question


def test_each_sample_gets_its_exact_grade(graded):
    lab = graded["lab"]
    expected = EXPECTED[lab.name]
    samples = {name for name in graded["records"] if name not in ("solution", "released")}
    assert samples == set(expected)
    for name, points in expected.items():
        record = graded["records"][name]
        got = [record["questions"][q]["points"] for q in lab.questions]
        assert (got, record["total"], record["status"]) == (points, sum(points), "ok"), name
    assert {q["status"] for q in graded["records"]["empty"]["questions"].values()} == {
        NOT_ATTEMPTED
    }


def test_failed_checks_explain_themselves(graded):
    """A typical mistake gets a hint that names it, not just "wrong"."""
    lab = graded["lab"]
    mistake = "misaligned_labels" if lab.name.startswith("02") else "batchnorm_trainable"
    question = "q4" if lab.name.startswith("02") else "q5"
    checks = graded["records"][mistake]["questions"][question]["checks"]
    public_failures = [c for c in checks if not c["passed"] and not c.get("hidden")]
    assert public_failures
    words = "labels" if lab.name.startswith("02") else "BatchNormalization"
    assert any(words in (c.get("message") or "") + (c.get("detail") or "") for c in public_failures)
