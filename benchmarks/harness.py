"""Shared timing helpers for benchmarks: medians of repeated runs, ours vs reference in one process.

Machines are shared and noisy, so every figure is a median, and every claim is a ratio of two
figures measured side by side in the same run. Nothing here asserts a timing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(function: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``function()`` over ``repeat`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def interleaved_medians(
    functions: dict[str, Callable[[], object]], *, repeat: int = 7, warmup: int = 1
) -> dict[str, float]:
    """Median seconds of several functions timed in turn (A B C A B C ...), so drift hits all alike."""
    for function in functions.values():
        for _ in range(warmup):
            function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def report(
    benchmark: str, ours: float, reference: float, *, unit: str = "s", target: str = ""
) -> str:
    """Print and return one result line: both absolute figures and the ours/reference ratio."""
    line = (
        f"{benchmark}: ours {ours:.4g} {unit}, reference {reference:.4g} {unit}, "
        f"ratio ours/reference {ours / reference:.3g}"
    )
    if target:
        line += f" (target {target})"
    print(line, flush=True)
    return line
