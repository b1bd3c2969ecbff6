"""The notebook runner: real kernels, real parameter injection, readable failures, sources untouched."""

import hashlib

import nbformat
import pytest

from cnnlab.execute import NotebookError, find_notebooks, inject_parameters, run_notebook


def write_notebook(path, cells, smoke=None):
    notebook = nbformat.v4.new_notebook()
    for source, tags in cells:
        notebook.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags}))
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell("# A test notebook"))
    if smoke is not None:
        notebook.metadata["cnnlab"] = {"smoke": smoke}
    nbformat.write(notebook, path)
    return path


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stdout_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.fixture
def parametrised(tmp_path):
    return write_notebook(
        tmp_path / "params.ipynb",
        [
            ("epochs = 10\nn_images = 1000\nbackbone = 'resnet50'", ["parameters"]),
            ("import os\nprint(epochs, n_images, backbone, os.getcwd())", []),
        ],
        smoke={"epochs": 1, "backbone": "tiny"},
    )


def test_smoke_mode_injects_the_notebook_overrides_after_the_parameters_cell(parametrised):
    before = sha256(parametrised)
    result = run_notebook(parametrised, mode="smoke", cell_timeout=60)
    tags = [c.metadata.get("tags", []) for c in result.notebook.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    assert stdout_of(result.notebook.cells[-1]).split() == [
        "1",
        "1000",
        "tiny",
        str(parametrised.parent),  # the kernel runs in the notebook's own folder
    ]
    assert result.parameters == {"epochs": 1, "backbone": "tiny"}
    assert sha256(parametrised) == before  # the source is read, never written


def test_full_mode_keeps_the_notebook_values_and_explicit_parameters_win(parametrised):
    result = run_notebook(parametrised, mode="full", parameters={"n_images": 5}, cell_timeout=60)
    assert stdout_of(result.notebook.cells[-1]).split()[:3] == ["10", "5", "resnet50"]


def test_a_failing_cell_is_named_with_its_number_error_and_line(tmp_path):
    path = write_notebook(
        tmp_path / "broken.ipynb",
        [
            ("size = 5", ["parameters"]),
            ("x = 1\ny = x / (size - 5)\nprint('never')", []),
            ("print('not reached')", []),
        ],
        smoke={"size": 5},
    )
    with pytest.raises(NotebookError) as caught:
        run_notebook(path, cell_timeout=60)
    error = caught.value
    # cell 3 as the author counts: markdown, parameters, then the broken one (the injected cell is ours)
    assert error.cell == 3
    assert error.error.startswith("ZeroDivisionError: division by zero")
    assert "line 2: y = x / (size - 5)" in error.source_line
    assert str(error).startswith(f"{path}, cell 3: ZeroDivisionError")


def test_a_cell_that_runs_too_long_times_out_with_its_number(tmp_path):
    path = write_notebook(tmp_path / "slow.ipynb", [("import time\ntime.sleep(30)", [])])
    with pytest.raises(NotebookError, match=r"cell 2: cell timed out after 2 s"):
        run_notebook(path, cell_timeout=2)


def test_a_dying_kernel_is_reported(tmp_path):
    path = write_notebook(tmp_path / "dies.ipynb", [("import os\nos._exit(3)", [])])
    with pytest.raises(NotebookError, match="kernel died"):
        run_notebook(path, cell_timeout=60)


def test_outputs_and_html_are_written_to_the_output_folder(parametrised, tmp_path):
    out = tmp_path / "build"
    result = run_notebook(parametrised, output_dir=out, html=True, cell_timeout=60)
    assert [p.name for p in result.outputs] == ["params.ipynb", "params.html"]
    executed = nbformat.read(out / "params.ipynb", as_version=4)
    assert stdout_of(executed.cells[-1]).startswith("1 1000 tiny")
    assert "1 1000 tiny" in (out / "params.html").read_text()


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"mode": "fast"}, "`mode`"), ({"cell_timeout": 0}, "`cell_timeout`")],
)
def test_bad_arguments_name_the_argument(parametrised, kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        run_notebook(parametrised, **kwargs)


def test_missing_file_and_bad_parameter_names_are_rejected(tmp_path, parametrised):
    with pytest.raises(ValueError, match="`path`"):
        run_notebook(tmp_path / "nope.ipynb")
    notebook = nbformat.read(parametrised, as_version=4)
    with pytest.raises(ValueError, match="identifiers"):
        inject_parameters(notebook, {"not valid": 1})


def test_find_notebooks_takes_walkthroughs_and_lab_solutions_only(tmp_path):
    (tmp_path / "notebooks").mkdir()
    lab = tmp_path / "labs" / "01_demo"
    lab.mkdir(parents=True)
    for path in (
        tmp_path / "notebooks" / "02_b.ipynb",
        tmp_path / "notebooks" / "01_a.ipynb",
        lab / "solution.ipynb",
        lab / "01_demo.ipynb",
    ):
        write_notebook(path, [("pass", [])])
    (lab / "checks.py").write_text("")
    checkpoint = tmp_path / "notebooks" / ".ipynb_checkpoints"
    checkpoint.mkdir()
    write_notebook(checkpoint / "01_a-checkpoint.ipynb", [("pass", [])])
    found = find_notebooks([tmp_path / "notebooks", tmp_path / "labs"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "notebooks/01_a.ipynb",
        "notebooks/02_b.ipynb",
        "labs/01_demo/solution.ipynb",
    ]


def test_returned_figures_are_saved_as_png_outputs(tmp_path):
    path = write_notebook(
        tmp_path / "figure.ipynb",
        [
            (
                "from cnnlab.viz import imshow\nimport numpy as np\n"
                "imshow(np.zeros((4, 4), np.uint8))",
                [],
            )
        ],
    )
    result = run_notebook(path, cell_timeout=120)
    outputs = result.notebook.cells[-1].outputs
    assert any("image/png" in o.get("data", {}) for o in outputs), outputs


def test_cnnlab_notebooks_keeps_one_executed_copy_per_lab(tmp_path, capsys):
    from cnnlab.cli import main

    for lab in ("00_a", "01_b"):
        (tmp_path / "labs" / lab).mkdir(parents=True)
        write_notebook(tmp_path / "labs" / lab / "solution.ipynb", [(f"print({lab[:2]!r})", [])])
    assert main(["notebooks", "--html", str(tmp_path / "out"), str(tmp_path / "labs")]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out
    for lab in ("00_a", "01_b"):
        executed = nbformat.read(tmp_path / "out" / lab / "solution.ipynb", as_version=4)
        assert executed.cells[1].outputs[0]["text"] == f"{lab[:2]}\n"
        assert (tmp_path / "out" / lab / "solution.html").is_file()
