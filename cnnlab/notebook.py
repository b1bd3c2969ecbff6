"""The first cell of every course notebook: install cnnlab where missing, quiet TensorFlow, inline figures.

Every walkthrough notebook and every lab opens with one code cell tagged ``setup`` whose source is
``setup_source(...)``. Run on Colab or a JupyterHub where cnnlab is not installed, it installs it
(from the source the instructor set with ``cnnlab release --dist --install SPEC``); where cnnlab is
installed it installs nothing. It then calls ``setup``, which

- hides TensorFlow's C++ log lines (``I0000 ... port.cc:153] oneDNN custom operations are on``,
  the CUDA stub, ``cuInit``): ``TF_CPP_MIN_LOG_LEVEL=3`` before TensorFlow is imported, plus a
  filter on the process's standard error, because TensorFlow 2.19-2.21 print some of these lines
  before their log level is read (tensorflow/tensorflow#100442). Only whole lines in the C++ log
  format of levels I, W and E are dropped; Python warnings and fatal errors stay visible;
- shows figures inline (``%matplotlib inline``);
- for a lab, records the lab's id where ``cnnlab.check`` finds it.

Example:
    >>> print(setup_source(lab="00_warmup").splitlines()[-1])
    cnnlab.notebook.setup(lab="00_warmup")
"""

from __future__ import annotations

import os
import re
import select
import threading
from typing import Any

__all__ = ["LAB_VARIABLE", "SETUP_TAG", "is_tensorflow_log", "setup", "setup_source"]

SETUP_TAG = "setup"
LAB_VARIABLE = "__cnnlab_lab__"  # set in the notebook's namespace by setup(lab=...)
DEFAULT_INSTALL = "cnnlab"

# TensorFlow / absl C++ log records: "I0000 00:00:1796409771.726369 2413 port.cc:153] ..." (absl,
# TF >= 2.19; before absl is initialised the seconds field holds the whole Unix time),
# "2025-09-17 14:44:05.157831: I external/.../cudart_stub.cc:32] ..." (TF's own), absl's notice that
# it is not initialised, and the second line of the CPU-features notice. Fatal (F) records are kept.
_TF_LOG = re.compile(
    rb"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] "
    rb"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags)"
)
_filter_lock = threading.Lock()
_filtering = {"fd": None}


def setup_source(*, lab: str | None = None, install: str = DEFAULT_INSTALL) -> str:
    """The source of the ``setup`` cell: ``install`` is what ``pip install`` gets where cnnlab is missing.

    Raises:
        ValueError: ``install`` is empty or holds a quote or a line break; ``lab`` is not a name.
    """
    if not install or any(c in install for c in "\"'\n\r"):
        raise ValueError(
            "`install` must be a pip requirement, path or URL without quotes or line breaks. "
            f"Got {install!r}."
        )
    if lab is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", lab):
        raise ValueError(f"`lab` must be a lab folder name such as '00_warmup'. Got {lab!r}.")
    call = f'cnnlab.notebook.setup(lab="{lab}")' if lab else "cnnlab.notebook.setup()"
    return (
        "# Setup (laptop, JupyterHub or Colab): installs cnnlab if this Python lacks it, hides\n"
        "# TensorFlow's start-up log lines and shows figures inline.\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if importlib.util.find_spec("cnnlab") is None:\n'
        f'    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "{install}"], check=True)\n'
        "import cnnlab.notebook\n"
        "\n"
        f"{call}"
    )


def is_tensorflow_log(line: str | bytes) -> bool:
    """Whether one line of standard error is a TensorFlow/absl C++ log record of level I, W or E.

    Example:
        >>> is_tensorflow_log("I0000 00:00:1796409771.726369    2435 port.cc:153] oneDNN custom operations are on.")
        True
        >>> is_tensorflow_log("UserWarning: something that matters")
        False
    """
    raw = line.encode("utf-8", "replace") if isinstance(line, str) else line
    return _TF_LOG.match(raw.rstrip(b"\r\n")) is not None


def _forward(source: int, target: int) -> None:
    """Copy ``source`` to ``target`` line by line, leaving out TensorFlow's C++ log records."""
    pending = b""
    while True:
        # A line without its newline yet is passed on after a short pause (prompts, progress).
        ready, _, _ = select.select([source], [], [], 0.2 if pending else None)
        if not ready:
            os.write(target, pending)
            pending = b""
            continue
        chunk = os.read(source, 65536)
        if not chunk:
            if pending:
                os.write(target, pending)
            return
        *lines, pending = (pending + chunk).split(b"\n")
        kept = b"".join(line + b"\n" for line in lines if not _TF_LOG.match(line.rstrip(b"\r")))
        if kept:
            os.write(target, kept)


def _filter_stderr() -> bool:
    """Route file descriptor 2 through ``_forward`` (once per process, POSIX only)."""
    if os.name != "posix":
        return False
    with _filter_lock:
        if _filtering["fd"] is not None:
            return True
        original = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        threading.Thread(
            target=_forward, args=(read_end, original), name="cnnlab-stderr", daemon=True
        ).start()
        _filtering["fd"] = original
    return True


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def setup(*, lab: str | None = None, quiet: bool = True, inline: bool = True) -> None:
    """Prepare this notebook: quiet TensorFlow's C++ logging, inline figures, remember the lab.

    Args:
        lab: the lab this notebook belongs to (``"00_warmup"``), for ``cnnlab.check()``.
        quiet: hide TensorFlow's C++ log lines (set before TensorFlow is imported to hide them all).
        inline: show Matplotlib figures under the cell (``%matplotlib inline``).
    """
    if quiet:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        _filter_stderr()
    shell = _shell()
    if shell is None:
        return
    if inline and type(shell).__name__ != "TerminalInteractiveShell":
        shell.run_line_magic("matplotlib", "inline")
    if lab is not None:
        shell.user_ns[LAB_VARIABLE] = lab
