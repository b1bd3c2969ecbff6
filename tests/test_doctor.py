"""`cnnlab doctor`: real versions, real devices, and cache states read from a real KERAS_HOME."""

import importlib.metadata
import os
import subprocess
import sys

import pytest

from cnnlab.assets import asset_path
from cnnlab.doctor import format_report, run_checks


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


def test_doctor_reports_installed_versions_and_exits_zero(keras_home):
    env = {**os.environ, "KERAS_HOME": str(keras_home)}
    out = subprocess.run(
        [sys.executable, "-m", "cnnlab.cli", "doctor", "--offline"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    for distribution in ("tensorflow", "keras", "numpy"):
        line = next(row for row in out.stdout.splitlines() if f"] {distribution} " in row)
        assert importlib.metadata.version(distribution) in line
    assert "keras backend" in out.stdout and "tensorflow" in out.stdout
    assert str(keras_home) in out.stdout
    assert "the labs can run here." in out.stdout


def test_missing_and_truncated_weights_are_reported_with_a_next_step(keras_home):
    truncated = asset_path("resnet50-weights")
    truncated.parent.mkdir(parents=True)
    truncated.write_bytes(b"\x89HDF\r\n" + b"\0" * 1000)  # the start of an HDF5 file, cut short
    checks = {c.topic: c for c in run_checks(network=False)}
    assert checks["resnet50-weights"].state == "warn"
    assert checks["resnet50-weights"].detail.startswith("corrupt")
    assert str(truncated) in checks["resnet50-weights"].next_step
    assert checks["vgg16-weights"].detail.startswith("missing")
    assert checks["vgg16-weights"].next_step
    report = format_report(list(checks.values()))
    assert "-> " in report


def test_a_missing_required_package_fails_the_verdict(monkeypatch):
    from cnnlab import doctor

    monkeypatch.setitem(doctor.REQUIRED_PACKAGES, "no_such_module", "no-such-distribution")
    checks = run_checks(network=False)
    failing = [c for c in checks if c.state == "fail"]
    assert [c.topic for c in failing] == ["no-such-distribution"]
    assert "make install" in failing[0].next_step
    assert "1 problem(s) stop the labs." in format_report(checks)
