"""The checks API: probes registered with ``@probe``, the code they run as, and the comparison.

A lab's ``checks.py`` holds plain functions. Each one decorated with ``@probe(question, ...)`` takes
the student's namespace (a dict) and returns plain data: it calls the student's function on inputs
it chooses, describes a model, or reads a number. The grader runs the same probe on the solution to
get the expected value and compares the two *in its own process* with the tolerances declared here,
so nothing the student's code does to numpy or to this module changes how answers are judged.

What reaches the student's kernel at probe time is the source of ``checks.py`` minus every probe of
other questions: its imports, constants and helper functions, and this question's probes (public and
hidden). ``hint`` functions run in the grader only (and in the student's kernel for public checks).

Example:
    >>> @probe("q1", points=2, message="Divide by 255 and return float32.")
    ... def q1_scaled(namespace):
    ...     return namespace["normalize"](np.array([[0, 255]], dtype=np.uint8))
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROBE_MIME = "text/x-cnnlab-probe"
COMPARISONS = ("close", "exact", "set")


@dataclass(frozen=True)
class Check:
    """One registered probe with its points, visibility, message and comparison settings."""

    name: str
    question: str
    points: float
    hidden: bool
    message: str
    compare: str
    rtol: float
    atol: float
    hint: Callable[[Any, Any], str | None] | None
    function: Callable[[dict], Any]


def probe(
    question: str,
    *,
    points: float = 1,
    hidden: bool = False,
    message: str = "",
    compare: str = "close",
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: Callable[[Any, Any], str | None] | None = None,
):
    """Register the decorated function as a check of ``question``.

    Args:
        question: the question id; the notebook's exercise cells carry it as a tag (``"q1"``).
        points: what passing is worth.
        hidden: hidden checks never leave the instructor's copy; feedback shows name and result only.
        message: what the student should look at when the check fails.
        compare: ``"close"`` (numbers within ``rtol``/``atol``, everything else equal), ``"exact"``,
            or ``"set"`` (a list compared as a set).
        rtol, atol: tolerances of ``"close"``, as in ``numpy.allclose``.
        hint: ``hint(expected, got)`` returns a more specific message for a failure, or ``None``.

    Raises:
        ValueError: empty question, negative points or an unknown comparison.
    """
    if not isinstance(question, str) or not question.isidentifier():
        raise ValueError(f"`question` must be an identifier such as 'q1'. Got {question!r}.")
    if not isinstance(points, (int, float)) or points < 0:
        raise ValueError(f"`points` must be a non-negative number. Got {points!r}.")
    if compare not in COMPARISONS:
        raise ValueError(f"`compare` must be one of {COMPARISONS}. Got {compare!r}.")

    def register(function):
        function.__cnnlab_check__ = Check(
            function.__name__, question, points, bool(hidden), message, compare, rtol, atol, hint,
            function,
        )  # fmt: skip
        return function

    return register


def load_checks(path: str | Path) -> list[Check]:
    """The checks defined in a ``checks.py`` file, in the order they are written."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"`path` must be an existing checks.py file. Got {str(path)!r}.")
    name = f"cnnlab_checks_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    checks = [v.__cnnlab_check__ for v in vars(module).values() if hasattr(v, "__cnnlab_check__")]
    names = [c.name for c in checks]
    if len(set(names)) != len(names):
        raise ValueError(f"check names in {path} must be unique. Got {names}.")
    return checks


def _probe_nodes(tree: ast.Module) -> dict[str, tuple[ast.FunctionDef, bool]]:
    """Top-level functions decorated with ``probe(...)``: name -> (node, hidden written as True)."""
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if getattr(target, "id", getattr(target, "attr", None)) == "probe":
                hidden = any(
                    k.arg == "hidden"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is True
                    for k in (call.keywords if call else [])
                )
                found[node.name] = (node, hidden)
    return found


def _without(source: str, drop: Callable[[str, bool], bool]) -> str:
    """``source`` with the probe functions for which ``drop(name, hidden)`` holds cut out."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cut = []
    for name, (node, hidden) in _probe_nodes(tree).items():
        if drop(name, hidden):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            cut.append((first - 1, node.end_lineno))
    for start, end in sorted(cut, reverse=True):
        del lines[start:end]
    return "".join(lines)


def public_source(path: str | Path) -> str:
    """``checks.py`` without its hidden probes, for the students' copy of the lab.

    Raises:
        ValueError: a hidden check whose ``hidden=True`` is not written literally (it could leak).
    """
    source = Path(path).read_text(encoding="utf-8")
    literal = {name for name, (_, hidden) in _probe_nodes(ast.parse(source)).items() if hidden}
    declared = {c.name for c in load_checks(path) if c.hidden}
    if declared - literal:
        raise ValueError(
            f"hidden checks must be declared with a literal `hidden=True`. Got {sorted(declared - literal)}."
        )
    return _without(source, lambda name, hidden: hidden)


def kernel_code(path: str | Path, question: str) -> str:
    """The code that probes ``question`` in a student's kernel and publishes the answers as JSON."""
    source = Path(path).read_text(encoding="utf-8")
    mine = [c.name for c in load_checks(path) if c.question == question]
    body = _without(source, lambda name, hidden: name not in mine)
    runner = f"""
def __cnnlab_run():
    import json
    from IPython import get_ipython
    from IPython.display import publish_display_data
    from cnnlab.grading.wire import encode
    namespace = get_ipython().user_ns
    answers = {{}}
    for name in {mine!r}:
        try:
            answers[name] = {{"value": encode(globals()[name](namespace))}}
        except KeyboardInterrupt:
            raise
        except BaseException as error:
            answers[name] = {{"error": f"{{type(error).__name__}}: {{error}}"[:500]}}
    publish_display_data({{{PROBE_MIME!r}: json.dumps(answers)}})
__cnnlab_run()
"""
    program = body + runner
    return (
        f"exec(compile({program!r}, '<cnnlab probe {question}>', 'exec'), "
        "{'__name__': 'cnnlab_probe'})"
    )


def compare(expected: Any, got: Any, check: Check, where: str = "answer") -> str | None:
    """``None`` when ``got`` matches ``expected`` under ``check``'s rule, else what differs."""
    import numpy as np

    if check.compare == "set":
        try:
            want = {json.dumps(_plain(x), sort_keys=True) for x in expected}
            have = {json.dumps(_plain(x), sort_keys=True) for x in got}
        except (TypeError, ValueError):
            return f"{where}: expected a list, got {type(got).__name__}"
        return None if want == have else f"{where}: the set of items differs"
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        try:
            a, b = np.asarray(expected), np.asarray(got)
        except Exception:
            return f"{where}: expected an array"
        if a.shape != b.shape:
            return f"{where}: expected shape {a.shape}, got {b.shape}"
        try:
            if check.compare == "exact":
                same = a.dtype.kind == b.dtype.kind and bool(np.array_equal(a, b))
            else:
                same = bool(np.allclose(b, a, rtol=check.rtol, atol=check.atol, equal_nan=True))
        except (TypeError, ValueError):
            same = False
        return None if same else f"{where}: values differ"
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is type(expected) and got == expected:
            return None
        return f"{where}: expected {expected!r:.60}, got {got!r:.60}"
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return f"{where}: expected a number, got {type(got).__name__}"
        if check.compare == "exact" or (isinstance(expected, int) and isinstance(got, int)):
            return None if got == expected else f"{where}: expected {expected!r}, got {got!r}"
        close = math.isclose(got, expected, rel_tol=check.rtol, abs_tol=check.atol)
        return None if close else f"{where}: expected {expected!r}, got {got!r}"
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(got) != set(expected):
            return f"{where}: expected the keys {sorted(expected)}"
        for key in expected:
            difference = compare(expected[key], got[key], check, f"{where}[{key!r}]")
            if difference:
                return difference
        return None
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"{where}: expected a list of {len(expected)} items"
        for index, (want, have) in enumerate(zip(expected, got, strict=True)):
            difference = compare(want, have, check, f"{where}[{index}]")
            if difference:
                return difference
        return None
    return f"{where}: cannot compare a {type(expected).__name__}"


def _plain(value: Any) -> Any:
    """Arrays as nested lists, so set items can be hashed through JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
