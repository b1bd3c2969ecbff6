"""``cnnlab doctor``: one screen telling a student what works on this machine and what to do next.

Each line is a ``Check`` with a state (``ok``, ``warn`` or ``fail``) and, when not ok, a next step.
Only ``fail`` lines stop the labs from running (missing packages, too old a Python); missing
weights or datasets are ``warn``: every lab has an offline fallback.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import socket
import sys
from dataclasses import dataclass

from cnnlab import __version__
from cnnlab.assets import ASSETS, COLLECTIONS, asset_status
from cnnlab.settings import keras_home

# import name -> distribution name, for every package the labs need.
REQUIRED_PACKAGES = {
    "tensorflow": "tensorflow",
    "keras": "keras",
    "numpy": "numpy",
    "scipy": "scipy",
    "matplotlib": "matplotlib",
    "PIL": "pillow",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "nbclient": "nbclient",
    "papermill": "papermill",
    "tqdm": "tqdm",
}
OPTIONAL_PACKAGES = {"jupyterlab": "jupyterlab"}
DOWNLOAD_HOST = ("storage.googleapis.com", 443)


@dataclass
class Check:
    topic: str
    state: str  # "ok", "warn", "fail"
    detail: str
    next_step: str = ""


def _package_checks() -> list[Check]:
    checks = []
    for packages, missing_state in ((REQUIRED_PACKAGES, "fail"), (OPTIONAL_PACKAGES, "warn")):
        for distribution in packages.values():
            try:
                version = importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                checks.append(
                    Check(distribution, missing_state, "not installed", "run `make install`")
                )
                continue
            checks.append(Check(distribution, "ok", version))
    return checks


def _keras_checks() -> list[Check]:
    checks = []
    try:
        keras = importlib.import_module("keras")
        backend = keras.backend.backend()
    except Exception as exc:  # a broken install is exactly what doctor must report
        return [Check("keras", "fail", f"cannot import: {exc}", "run `make install`")]
    state, step = "ok", ""
    if backend != "tensorflow":
        state = "warn"
        step = "the labs are written for TensorFlow: `export KERAS_BACKEND=tensorflow`"
    checks.append(Check("keras backend", state, backend, step))
    checks.append(Check("keras cache", "ok", f"{keras_home()} (set KERAS_HOME to move it)"))
    try:
        tf = importlib.import_module("tensorflow")
        gpus = tf.config.list_physical_devices("GPU")
        cpus = tf.config.list_physical_devices("CPU")
    except Exception as exc:
        return [*checks, Check("tensorflow", "fail", f"cannot start: {exc}", "run `make install`")]
    cores = os.cpu_count() or 1
    checks.append(
        Check("cpu", "ok", f"{len(cpus)} device(s), {cores} core(s), {platform.machine()}")
    )
    if gpus:
        checks.append(Check("gpu", "ok", ", ".join(g.name for g in gpus)))
    else:
        checks.append(
            Check(
                "gpu",
                "warn",
                "none: the labs run on the CPU (smoke and grading modes take minutes)",
                "on Linux with an NVIDIA GPU: `.venv/bin/pip install 'tensorflow[and-cuda]==2.21.0'`",
            )
        )
    return checks


def _asset_checks(online: bool | None) -> list[Check]:
    checks = []
    for name in ASSETS:
        status = asset_status(name)
        if status.state == "present":
            checks.append(Check(name, "ok", f"{status.path} ({status.detail})"))
            continue
        asset = status.asset
        if online is False:
            step = (
                f"offline: download {asset.url} on another machine, then run "
                f"`cnnlab data fetch {name} --from DIR` with the file in DIR (or copy it to "
                f"{status.path}); labs fall back to the bundled backbone and data"
            )
        else:
            filename = asset.filename.rsplit("/", 1)[-1]
            make = (
                "`make data` fetches it with the rest"
                if name in COLLECTIONS["course"]
                else "not in `make data`; `make data DATA=all` fetches every asset"
            )
            step = (
                f"run `cnnlab data fetch {name}` ({make}); without "
                f"internet: `cnnlab data fetch {name} --from DIR` with {filename} in DIR"
            )
        if status.state == "corrupt":
            step = f"{status.path} is unusable and will be replaced: " + step
        checks.append(Check(name, "warn", f"{status.state}: {status.detail}", step))
    return checks


def can_reach_downloads(timeout: float = 2.0) -> bool:
    """Whether a TCP connection to the weights host opens within ``timeout`` seconds."""
    try:
        with socket.create_connection(DOWNLOAD_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def run_checks(*, network: bool = True) -> list[Check]:
    """Every check, in the order printed; ``network=False`` skips the connection attempt."""
    python_ok = sys.version_info >= (3, 10)
    checks = [
        Check("cnnlab", "ok", __version__),
        Check(
            "python",
            "ok" if python_ok else "fail",
            f"{platform.python_version()} ({sys.executable})",
            "" if python_ok else "install Python 3.10 or newer",
        ),
        *_package_checks(),
        *_keras_checks(),
    ]
    online = can_reach_downloads() if network else None
    if network:
        checks.append(
            Check(
                "downloads",
                "ok" if online else "warn",
                f"{DOWNLOAD_HOST[0]} reachable" if online else f"{DOWNLOAD_HOST[0]} not reachable",
                "" if online else "work offline: see README, 'Offline'",
            )
        )
    return checks + _asset_checks(online)


def format_report(checks: list[Check]) -> str:
    """The checks as aligned text lines, a next step under each line that needs one."""
    marks = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}
    width = max(len(c.topic) for c in checks)
    lines = []
    for check in checks:
        lines.append(f"[{marks[check.state]}] {check.topic:<{width}}  {check.detail}")
        if check.next_step:
            lines.append(f"       {'':<{width}}  -> {check.next_step}")
    failures = sum(c.state == "fail" for c in checks)
    verdict = "the labs can run here." if not failures else f"{failures} problem(s) stop the labs."
    lines.append(f"\n{verdict}")
    return "\n".join(lines)
