"""The course labs are ready to hand out, and their sample submissions get exactly their grades.

For each lab, one grading run (2 kernels at a time) grades the master notebook, the released
student notebook and every bundled sample under ``data/sample_submissions/<lab>/``. From it we check
what ``cnnlab lab verify`` promises (solution full marks; released notebook 0 with every question
"not attempted"; the released files are what ``cnnlab release`` makes of the master, leak nothing,
and ``public_expected.json`` holds the solution's answers) and each sample's points per question.
The expected points are written by hand from what each sample does (see its ``make_samples.py``).
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
    "01_convolutions": {
        # q1 levels/contrast 3, q2 conv2d 6, q3 shapes 4, q4 filters 3, q5 stride 2, q6 pooling 3,
        # q7 bonus 2
        "perfect": [3, 6, 4, 3, 2, 3, 2],
        # stretch divides by 255 (only the constant image passes); the slide's formula without
        # padding (AlexNet passes, padded layers fail); padding="same"; average pooling = max;
        # bonus not attempted
        "partial": [1, 6, 3, 3, 0, 0, 0],
        "empty": [0, 0, 0, 0, 0, 0, 0],
        "flipped_kernel": [3, 0, 4, 3, 2, 3, 2],  # a true convolution fails every conv2d check
        "forgot_padding": [3, 1, 4, 3, 2, 3, 2],  # only the unpadded slides example passes
    },
    "04_convnet_design": {
        # q1 LeNet 3, q2 training 2, q3 Inception 3, q4 residual block 5, q5 mini-ResNet 2,
        # q6 conv-BN block 2, q7 separable counts 2
        "perfect": [3, 2, 3, 5, 2, 2, 2],
        # LeNet with ReLU and max pooling (same sizes: only the totals pass); Inception without the
        # 1x1 reductions; mini-ResNet not attempted; a bias before BatchNormalization; a bias in the
        # depthwise step
        "partial": [1, 2, 0, 5, 0, 0, 0],
        "empty": [0, 0, 0, 0, 0, 0, 0],
        # conv2 reads the block input: only the shapes and the conv2-zeroed check pass
        "conv2_reads_input": [3, 2, 3, 2, 2, 2, 2],
    },
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def graded(request, tmp_path_factory):
    """One grading run per lab: its master, its released notebook and its samples."""
    lab = load_lab(request.param)
    base = tmp_path_factory.mktemp(lab.name)
    submissions = base / "submissions"
    shutil.copytree(ROOT / "data" / "sample_submissions" / lab.name, submissions)
    shutil.copyfile(lab.solution, submissions / "solution.ipynb")
    shutil.copyfile(lab.released, submissions / "released.ipynb")
    book = grade(lab, submissions, out=base / "out", jobs=2, progress=False)
    answers = json.loads(next((base / "out" / "cache").glob("expected-*.json")).read_text())
    records = {record["student"]: record for record in book["students"]}
    return {"lab": lab, "records": records, "answers": answers}


def test_solution_scores_full_marks(graded):
    record = graded["records"]["solution"]
    failed = [
        f"{check['name']}: {check['detail']}"
        for question in record["questions"].values()
        for check in question["checks"]
        if not check["passed"]
    ]
    assert failed == [] and record["total"] == record["max"] and record["status"] == "ok"


def test_released_notebook_scores_zero_not_attempted(graded):
    record = graded["records"]["released"]
    assert record["total"] == 0
    assert {q["status"] for q in record["questions"].values()} == {NOT_ATTEMPTED}


def test_released_files_are_fresh_and_leak_nothing(graded):
    lab = graded["lab"]
    released = lab.released.read_text(encoding="utf-8")
    assert released == nbformat.writes(released_notebook(lab)) + "\n", "run `cnnlab release`"
    shipped = (lab.folder / PUBLIC_EXPECTED).read_text(encoding="utf-8")
    assert leaks(lab, released) == [] and leaks(lab, shipped) == []
    shipped_answers = json.loads(shipped)["checks"]
    public = [check for check in lab.checks if not check.hidden]
    assert sorted(shipped_answers) == sorted(check.name for check in public)
    for check in public:  # the solution's answers, within each check's own tolerance
        fresh = decode(graded["answers"][check.name])
        assert compare(fresh, decode(shipped_answers[check.name]), check) is None, check.name
    for cell in nbformat.reads(released, as_version=4).cells:
        assert cell.cell_type != "code" or not cell.outputs  # committed without outputs
    assert all(not c.get("outputs") for c in lab.master.cells if c.cell_type == "code")


def test_every_question_has_public_and_hidden_checks(graded):
    lab = graded["lab"]
    for question in lab.questions:
        kinds = {check.hidden for check in lab.checks if check.question == question}
        assert kinds == {False, True}, question


def test_each_sample_gets_its_exact_grade(graded):
    lab = graded["lab"]
    expected = EXPECTED[lab.name]
    samples = {name for name in graded["records"] if name not in ("solution", "released")}
    assert samples == set(expected)
    for name, points in expected.items():
        record = graded["records"][name]
        got = [record["questions"][q]["points"] for q in lab.questions]
        assert (got, record["total"], record["status"]) == (points, sum(points), "ok"), name
    empty = graded["records"]["empty"]["questions"].values()
    assert {q["status"] for q in empty} == {NOT_ATTEMPTED}
