"""``cnnlab release --dist DIR``: the student course, standing alone.

What the folder holds, and nothing else (no masters, no hidden checks, no sample submissions, no
copy of cnnlab itself):

```
DIR/README.md            how to open the course on a laptop, a JupyterHub or Colab
DIR/requirements.txt     cnnlab (from the source set with --install) and the version ranges it supports
DIR/notebooks/*.ipynb    the walkthrough notebooks
DIR/labs/<lab>/<lab>.ipynb, checks.py (public checks only), public_expected.json, data files
```

Every notebook's ``setup`` cell installs cnnlab from ``install`` where it is missing (Colab, a
JupyterHub without it) and each lab notebook carries its lab id and the cnnlab version in
``metadata.cnnlab``, so ``cnnlab.check()`` works wherever the notebook is opened. With
``colab_url`` each notebook starts with an "Open in Colab" link.

Example:
    >>> written = release_course("/tmp/course", install="git+https://example.org/cnnlab.git")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shutil
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import nbformat

from cnnlab import __version__
from cnnlab.execute import atomic_write
from cnnlab.grading.lab import CHECKS, PUBLIC_EXPECTED, Lab, list_labs, load_lab
from cnnlab.grading.release import leaks, released_notebook, set_setup_cell
from cnnlab.notebook import DEFAULT_INSTALL, setup_source
from cnnlab.settings import checkout_root, course_root

__all__ = ["check_target", "release_course"]

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
# What students need beside cnnlab's own dependencies to open the notebooks.
NOTEBOOK_REQUIREMENTS = ("jupyterlab>=4", "ipywidgets>=8")


def _course_notebook(
    notebook: nbformat.NotebookNode, relative: str, install: str, colab_url: str | None
) -> nbformat.NotebookNode:
    """A notebook as the course hands it out: setup cell, version, Colab link, no outputs."""
    lab = notebook.metadata.get("cnnlab", {}).get("lab")
    set_setup_cell(notebook, setup_source(lab=lab, install=install))
    notebook.metadata.setdefault("cnnlab", {})["version"] = __version__
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if colab_url:
        link = f"[![Open In Colab]({COLAB_BADGE})]({colab_url.rstrip('/')}/{relative})"
        first = next((c for c in notebook.cells if c.cell_type == "markdown"), None)
        if first is None:
            notebook.cells.insert(0, nbformat.v4.new_markdown_cell(link))
        else:
            first.source = f"{link}\n\n{first.source}"
    return notebook


def _requirements(install: str) -> str:
    try:
        ranges = [r for r in requires("cnnlab") or [] if "extra ==" not in r]
    except PackageNotFoundError:  # running from a source tree that was never installed
        ranges = []
    lines = [
        "# The course's Python environment: `pip install -r requirements.txt`, then `jupyter lab`.",
        "# cnnlab, from where your instructor publishes it:",
        install,
        "# what cnnlab supports (tested at both ends of each range):",
        *ranges,
        *NOTEBOOK_REQUIREMENTS,
    ]
    return "\n".join(lines) + "\n"


def _readme(notebooks: list[str], labs: list[str], install: str, colab_url: str | None) -> str:
    colab = (
        f"Open a notebook from {colab_url} in Colab (each notebook also starts with an "
        '"Open in Colab" link).'
        if colab_url
        else "Upload a notebook to Colab (File > Upload notebook)."
    )
    listing = "\n".join(f"- `{name}`" for name in [*notebooks, *labs])
    return f"""# Convolutional neural networks: notebooks and labs

This folder is the course: walkthrough notebooks in `notebooks/` and graded labs in `labs/`.
Everything runs on a laptop CPU without internet once installed; a GPU only makes it faster.

{listing}

## Three ways to run it

1. **Your laptop.** With Python 3.10 or newer:

   ```sh
   python3 -m venv .venv
   .venv/bin/pip install -r requirements.txt
   .venv/bin/jupyter lab
   ```

   (On Windows: `.venv\\Scripts\\pip` and `.venv\\Scripts\\jupyter`.) Inside a container where you
   are root, add `--allow-root` to the last line.
2. **Your university's JupyterHub.** Upload or clone this folder and open a notebook. If cnnlab is
   not installed there, the first cell of each notebook installs it (`{install}`).
3. **Google Colab.** {colab} Run the first cell: it installs cnnlab into the Colab runtime.

## Labs

Work in `labs/<lab>/<lab>.ipynb`: write your code where a cell raises `NotImplementedError`, then
run `cnnlab.check("q1")` (or `cnnlab.check()` for every question) to test your answer against the
public checks. Your instructor grades with more, hidden checks on other inputs. Keep the first cell
(setup) and the notebook's name: the grader and `cnnlab.check` use them.

cnnlab version used to prepare this course: {__version__}.
"""


def _course_source() -> Path:
    root = course_root()
    if root is None:
        checkout = checkout_root()
        elsewhere = (
            f"in the cnnlab checkout {checkout}"
            if checkout is not None
            else "in a cnnlab checkout (this cnnlab is an installed package)"
        )
        raise ValueError(
            f"a course folder must hold labs/: none in {Path.cwd()} nor {elsewhere}; "
            "run `cnnlab release --dist` from your course folder."
        )
    return root


def check_target(
    dist: str | os.PathLike, *, install: str, colab_url: str | None, force: bool
) -> Path:
    """Refuse a release target before anything is written (``release_course``'s rules).

    Raises:
        ValueError: ``dist`` is a file, or not empty without ``force``; bad ``install``/``colab_url``.
    """
    dist = Path(dist)
    if dist.exists() and not dist.is_dir():
        raise ValueError(f"`dist` must be a folder. Got {str(dist)!r}, which is a file.")
    if dist.exists() and any(dist.iterdir()) and not force:
        raise ValueError(
            f"`dist` must be a new or empty folder (or pass --force to write over the course "
            f"files in it). Got {str(dist)!r}, which holds files."
        )
    if colab_url is not None and not colab_url.startswith(("https://", "http://")):
        raise ValueError(f"`colab_url` must be an http(s) address. Got {colab_url!r}.")
    setup_source(install=install)  # validates `install`
    return dist


def release_course(
    dist: str | os.PathLike,
    *,
    labs: list[str] | None = None,
    install: str = DEFAULT_INSTALL,
    colab_url: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Write the student course into ``dist`` (see the module docstring); returns the files written.

    Args:
        dist: the folder to write; new or empty unless ``force``.
        labs: which labs (default: every lab of the course folder); each must be released.
        install: what the notebooks' setup cell and requirements.txt install cnnlab from (a pip
            requirement such as ``cnnlab==0.2``, a wheel's URL or ``git+https://...``).
        colab_url: base address of the published course for "Open in Colab" links, e.g.
            ``https://colab.research.google.com/github/ORG/REPO/blob/main``.
        force: write into a non-empty ``dist``, replacing the files of the same name; files that
            this release does not write are never deleted.

    Raises:
        ValueError: no course folder, ``dist`` not empty without ``force``, a lab not released, a
            released file that leaks a solution, or a bad ``install``/``colab_url``.
    """
    dist = check_target(dist, install=install, colab_url=colab_url, force=force)
    root = _course_source()
    names = list_labs() if labs is None else labs
    # Build everything in memory first: a refused lab leaves nothing half written.
    files: dict[Path, str] = {}
    notebooks = (
        sorted((root / "notebooks").glob("*.ipynb")) if (root / "notebooks").is_dir() else []
    )
    for path in notebooks:
        relative = f"notebooks/{path.name}"
        notebook = _course_notebook(nbformat.read(path, as_version=4), relative, install, colab_url)
        files[dist / relative] = nbformat.writes(notebook) + "\n"
    copies: dict[Path, Path] = {}
    for name in names:
        lab = load_lab(root / "labs" / name)
        files.update(_lab_files(lab, dist, install, colab_url))
        copies.update({dist / "labs" / name / p.name: p for p in lab.data_files})
    files[dist / "README.md"] = _readme(
        [f"notebooks/{p.name}" for p in notebooks],
        [f"labs/{n}/{n}.ipynb" for n in names],
        install,
        colab_url,
    )
    files[dist / "requirements.txt"] = _requirements(install)
    for target, text in files.items():
        atomic_write(target, text)
    for target, source in copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return sorted([*files, *copies])


def _lab_files(lab: Lab, dist: Path, install: str, colab_url: str | None) -> dict[Path, str]:
    """The released notebook, public checks and public answers of ``lab``, checked for leaks."""
    if not lab.public_expected.is_file():
        raise ValueError(f"lab {lab.name!r} must be released first (`cnnlab release {lab.name}`).")
    from cnnlab.grading.checks import public_source

    relative = f"labs/{lab.name}/{lab.name}.ipynb"
    notebook = _course_notebook(released_notebook(lab), relative, install, colab_url)
    files = {
        dist / relative: nbformat.writes(notebook) + "\n",
        dist / "labs" / lab.name / CHECKS: public_source(lab.checks_path),
        dist / "labs" / lab.name / PUBLIC_EXPECTED: lab.public_expected.read_text(encoding="utf-8"),
    }
    for path, text in files.items():
        problems = leaks(lab, text, checks=path.name == CHECKS)
        if problems:
            raise ValueError(
                f"released file {path.name} of lab {lab.name!r} leaks {problems[0]}; fix the master."
            )
    json.loads(
        files[dist / "labs" / lab.name / PUBLIC_EXPECTED]
    )  # a broken file fails here, not in class
    return files
