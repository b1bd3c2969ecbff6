"""`cnnlab check` on each lab's master: a student who runs the solution with the notebook's own
(full-size) parameters passes every public check, Keras seeds and memory limits included."""

from pathlib import Path

import pytest

from cnnlab.grading.selfcheck import check_notebook

LABS = sorted(
    p.parent for p in (Path(__file__).resolve().parents[1] / "labs").glob("*/solution.ipynb")
)


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS, ids=[lab.name for lab in LABS])
def test_solution_passes_its_public_checks_with_its_own_parameters(lab):
    report = check_notebook(lab / "solution.ipynb")
    failures = [(q, name, note) for q, name, ok, note in report.results if not ok]
    assert report.results and failures == []
