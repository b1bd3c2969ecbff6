"""The package itself: lazy re-exports agree with each module's __all__, import stays light, CLI basics."""

import importlib
import subprocess
import sys

import pytest

import cnnlab


@pytest.mark.parametrize("module", sorted(cnnlab._EXPORTS))
def test_exports_match_module_all(module):
    imported = importlib.import_module(f"cnnlab.{module}")
    assert sorted(cnnlab._EXPORTS[module]) == sorted(imported.__all__)
    for name in cnnlab._EXPORTS[module]:
        assert getattr(cnnlab, name) is getattr(imported, name)


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = cnnlab.no_such_name


def test_import_does_not_load_tensorflow():
    code = "import sys, cnnlab; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_cli_version_matches_package():
    out = subprocess.run(
        [sys.executable, "-m", "cnnlab.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"cnnlab {cnnlab.__version__}"


def test_cli_without_command_prints_help_and_fails():
    out = subprocess.run([sys.executable, "-m", "cnnlab.cli"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "doctor" in out.stdout
