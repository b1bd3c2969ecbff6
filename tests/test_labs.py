"""The course labs are ready to hand out, and their sample submissions get exactly their grades.

For each lab with sample submissions (01 to 04; 00_warmup's are in ``test_grading_samples.py``), one
grading run (2 kernels at a time) grades the master notebook, the released student notebook and every
sample under ``data/sample_submissions/<lab>/``. From it we check what ``cnnlab lab verify`` promises
(the master scores full marks; the released notebook scores 0 with every question "not attempted";
the released files are what ``cnnlab release`` makes of the master, without outputs, solution lines
or hidden checks; ``public_expected.json`` holds the master's answers), each sample's points per
question, and that a typical mistake gets a hint naming it. The expected points are written by hand
from what each sample does (see its ``make_samples.py``).
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from cnnlab.grading.checks import compare, public_source
from cnnlab.grading.gradebook import NOT_ATTEMPTED
from cnnlab.grading.grader import grade
from cnnlab.grading.lab import load_lab
from cnnlab.grading.release import leaks, released_notebook
from cnnlab.grading.wire import decode
from cnnlab.notebook import is_tensorflow_log

ROOT = Path(__file__).resolve().parents[1]

# lab -> "points": sample -> points per question, in the lab's question order;
#        "hint": (sample, question, words that a public failure's message or detail must contain).
EXPECTED = {
    "01_convolutions": {
        "points": {
            # q1 levels/contrast 3, q2 conv2d 6, q3 shapes 4, q4 filters 3, q5 stride 2,
            # q6 pooling 3, q7 bonus 2
            "perfect": [3, 6, 4, 3, 2, 3, 2],
            # stretch divides by 255 (only the constant image passes); the slide's formula without
            # padding (AlexNet passes, padded layers fail); padding="same"; average pooling = max;
            # bonus not attempted
            "partial": [1, 6, 3, 3, 0, 0, 0],
            "empty": [0, 0, 0, 0, 0, 0, 0],
            "flipped_kernel": [3, 0, 4, 3, 2, 3, 2],  # a true convolution fails every conv2d check
            "forgot_padding": [3, 1, 4, 3, 2, 3, 2],  # only the unpadded slides example passes
        },
        "hint": ("flipped_kernel", "q2", "flipped the kernel"),
    },
    "02_pretrained_convnets": {
        "points": {
            # q1 classify 2, q2 embed 2, q3 ReLU zeros 3, q4 aligned gallery and t-SNE 2, q5 search 3
            "perfect": [2, 2, 3, 2, 3],
            # zero share of the pooled features (only the letter passes); the query not left out
            "partial": [2, 2, 1, 2, 0],
            "empty": [0, 0, 0, 0, 0],
            # labels not shuffled with the images: the features still follow the images (hidden)
            "misaligned_labels": [2, 2, 3, 1, 3],
            # [0, 1] images given to the preprocessing, which refuses them
            "preprocess_unit_images": [0, 2, 3, 2, 3],
        },
        "hint": ("misaligned_labels", "q4", "labels"),
    },
    "03_transfer_learning": {
        "points": {
            # q1 augmenter 2, q2 aligned features 2, q3 linear head 3, q4 confident mistakes 2,
            # q5 fine-tuning 4
            "perfect": [2, 2, 3, 2, 4],
            # the lecture's generator unchanged; least confident mistakes first; q5 not attempted
            "partial": [0, 2, 3, 0, 0],
            "empty": [0, 0, 0, 0, 0],
            # BatchNormalization unfrozen with the top block: the three structural checks fail
            "batchnorm_trainable": [2, 2, 3, 2, 1],
        },
        "hint": ("batchnorm_trainable", "q5", "BatchNormalization"),
    },
    "04_convnet_design": {
        "points": {
            # q1 LeNet 3, q2 training 2, q3 Inception 3, q4 residual block 5, q5 mini-ResNet 2,
            # q6 conv-BN block 2, q7 separable counts 2
            "perfect": [3, 2, 3, 5, 2, 2, 2],
            # LeNet with ReLU and max pooling (same sizes: only the totals pass); Inception without
            # the 1x1 reductions; mini-ResNet not attempted; a bias before BatchNormalization; a
            # bias in the depthwise step
            "partial": [1, 2, 0, 5, 0, 0, 0],
            "empty": [0, 0, 0, 0, 0, 0, 0],
            # conv2 reads the block input: only the shapes and the conv2-zeroed check pass
            "conv2_reads_input": [3, 2, 3, 2, 2, 2, 2],
        },
        "hint": ("conv2_reads_input", "q4", "conv2 reads the block's input"),
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
    return {"lab": lab, "records": records, "answers": answers, "out": base / "out"}


def test_executed_submissions_carry_no_tensorflow_log_lines(graded):
    executed = sorted((graded["out"] / "executed").glob("*.ipynb"))
    assert len(executed) >= 3
    for path in executed:
        notebook = nbformat.read(path, as_version=4)
        stderr = [
            line
            for cell in notebook.cells
            for output in cell.get("outputs", [])
            if output.get("name") == "stderr"
            for line in output.get("text", "").splitlines()
        ]
        assert [line for line in stderr if is_tensorflow_log(line)] == [], path.name


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
    shipped = lab.public_expected.read_text(encoding="utf-8")
    assert lab.public_expected.parent == ROOT / "cnnlab" / "resources" / "labs" / lab.name
    assert leaks(lab, released) == [] and leaks(lab, shipped) == []
    public_checks = (lab.public_folder / "checks.py").read_text(encoding="utf-8")
    assert public_checks == public_source(lab.checks_path), "run `cnnlab release`"
    assert "### BEGIN SOLUTION" not in released
    shipped_answers = json.loads(shipped)["checks"]
    public = [check for check in lab.checks if not check.hidden]
    assert sorted(shipped_answers) == sorted(check.name for check in public)
    for check in public:  # the master's answers, within each check's own tolerance
        fresh = decode(graded["answers"][check.name])
        assert compare(fresh, decode(shipped_answers[check.name]), check) is None, check.name
    # both notebooks are committed without outputs
    for notebook in (nbformat.reads(released, as_version=4), lab.master):
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


def test_every_question_has_a_public_and_a_hidden_check(graded):
    lab = graded["lab"]
    for question in lab.questions:
        assert {c.hidden for c in lab.checks if c.question == question} == {False, True}, question


def test_each_sample_gets_its_exact_grade(graded):
    lab = graded["lab"]
    expected = EXPECTED[lab.name]["points"]
    samples = {name for name in graded["records"] if name not in ("solution", "released")}
    assert samples == set(expected)
    for name, points in expected.items():
        record = graded["records"][name]
        got = [record["questions"][q]["points"] for q in lab.questions]
        assert (got, record["total"], record["status"]) == (points, sum(points), "ok"), name
    empty = graded["records"]["empty"]["questions"].values()
    assert {q["status"] for q in empty} == {NOT_ATTEMPTED}


def test_failed_checks_explain_themselves(graded):
    """A typical mistake gets a hint that names it, not just "wrong"."""
    sample, question, words = EXPECTED[graded["lab"].name]["hint"]
    checks = graded["records"][sample]["questions"][question]["checks"]
    public_failures = [c for c in checks if not c["passed"] and not c.get("hidden")]
    assert public_failures
    assert any(words in (c.get("message") or "") + (c.get("detail") or "") for c in public_failures)
