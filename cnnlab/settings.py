"""Where cnnlab finds things: its package data, the course folder, Keras' cache and the data cache.

Every path cnnlab reads or writes at run time is worked out here, so that the toolkit behaves the
same from a source checkout, an installed wheel, Colab or a JupyterHub:

- **Package data** (``resource``): files cnnlab ships and needs at run time (the ``tiny`` backbone
  and its model card, the ImageNet class index, the public checks and answers of the course's
  labs) live in ``cnnlab/resources/`` and are found through ``importlib.resources``, never
  relative to the current folder.
- **The course folder** (``course_root``): the folder holding ``labs/`` (and ``notebooks/``), for
  the instructor's commands (``cnnlab release``, ``cnnlab grade``): the current folder when it
  holds ``labs/``, else the source checkout cnnlab runs from, if any.
- **Keras' cache** (``keras_home``) and **the data cache** (``data_home``).
- **Notebook metadata** (``notebook_metadata``): the ``metadata.cnnlab`` block of a notebook.

Nothing here imports TensorFlow or any other module of cnnlab.

Example:
    >>> resource("imagenet_class_index.json").name
    'imagenet_class_index.json'
"""

from __future__ import annotations

import importlib.resources
import json
import os
from pathlib import Path
from typing import Any

__all__ = [
    "checkout_root",
    "course_root",
    "data_home",
    "keras_home",
    "labs_root",
    "notebook_folder",
    "notebook_metadata",
    "resource",
    "resources_root",
    "running_notebook",
    "samples_root",
]


def resources_root() -> Path:
    """``cnnlab/resources`` of the installed (or checked-out) package."""
    return Path(str(importlib.resources.files("cnnlab"))) / "resources"


def resource(*parts: str, must_exist: bool = True) -> Path:
    """The package data file ``cnnlab/resources/<parts>``.

    Raises:
        FileNotFoundError: ``must_exist`` and the file is missing: the installation is broken.
    """
    path = resources_root().joinpath(*parts)
    if must_exist and not path.exists():
        raise FileNotFoundError(
            f"cnnlab's package data file {'/'.join(parts)} is missing from {resources_root()}: "
            "the installation is incomplete; reinstall cnnlab "
            "(`pip install --force-reinstall cnnlab`, or `make install` in a checkout)."
        )
    return path


def checkout_root() -> Path | None:
    """The source checkout cnnlab runs from (the folder holding its pyproject.toml), or ``None``."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "cnnlab").is_dir() else None


def course_root() -> Path | None:
    """The instructor's course folder: here if it holds ``labs/``, else the checkout, else ``None``."""
    here = Path.cwd()
    if (here / "labs").is_dir():
        return here
    root = checkout_root()
    return root if root is not None and (root / "labs").is_dir() else None


def labs_root() -> Path | None:
    """``labs/`` of the course folder, or ``None`` when there is no course folder."""
    root = course_root()
    return root / "labs" if root is not None else None


def samples_root() -> Path | None:
    """The bundled sample submissions (``data/sample_submissions`` of the checkout), or ``None``."""
    root = checkout_root()
    folder = root / "data" / "sample_submissions" if root is not None else None
    return folder if folder is not None and folder.is_dir() else None


def keras_home() -> Path:
    """Keras' cache folder, by Keras' own rule.

    ``$KERAS_HOME`` when set (and not empty); otherwise ``~/.keras``, or ``/tmp/.keras`` when the
    home folder is not writable (as in many containers).
    """
    configured = os.environ.get("KERAS_HOME")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.path.expanduser("~"))
    if configured == "" or not os.access(base, os.W_OK):
        base = Path("/tmp")
    return base / ".keras"


def data_home() -> Path:
    """The dataset cache: ``$CNNLAB_DATA``, else ``<checkout>/data/cache``, else Keras' datasets."""
    if os.environ.get("CNNLAB_DATA"):
        return Path(os.environ["CNNLAB_DATA"]).expanduser()
    root = checkout_root()
    return root / "data" / "cache" if root is not None else keras_home() / "datasets"


def running_notebook() -> Path | None:
    """The notebook this kernel runs, where Jupyter names it (``JPY_SESSION_NAME``: JupyterLab,
    Notebook 7, JupyterHub); ``None`` elsewhere (Colab, VS Code, a script)."""
    name = os.environ.get("JPY_SESSION_NAME")
    path = Path(name) if name else None
    return path if path is not None and path.suffix == ".ipynb" and path.is_file() else None


def notebook_folder() -> Path:
    """The folder of the running notebook: Jupyter's word for it, else the working directory
    (where Jupyter starts a notebook's kernel)."""
    running = running_notebook()
    return running.parent if running is not None else Path.cwd()


def notebook_metadata(notebook: str | os.PathLike | dict) -> dict[str, Any]:
    """The ``metadata.cnnlab`` block of a notebook (a path or a parsed notebook); ``{}`` if none.

    Raises:
        ValueError: the file is not a notebook (not JSON, or no ``cells``).
    """
    if isinstance(notebook, dict):
        document = notebook
    else:
        try:
            document = json.loads(Path(notebook).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(
                f"`notebook` must be a readable .ipynb file. Got {str(notebook)!r} ({error})."
            ) from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise ValueError(f"`notebook` must be a Jupyter notebook. Got {str(notebook)[:80]!r}.")
    block = document.get("metadata", {}).get("cnnlab", {})
    return dict(block) if isinstance(block, dict) else {}
