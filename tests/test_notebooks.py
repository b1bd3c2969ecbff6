"""Every walkthrough notebook and lab solution runs top to bottom in smoke mode, offline, in a fresh kernel."""

from pathlib import Path

import pytest

from cnnlab.execute import find_notebooks, run_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = find_notebooks([ROOT / "notebooks", ROOT / "labs"])


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(ROOT).as_posix() for p in NOTEBOOKS])
def test_notebook_runs_in_smoke_mode(path):
    result = run_notebook(path, mode="smoke", cell_timeout=600)
    errors = [
        o for c in result.notebook.cells for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors == []
