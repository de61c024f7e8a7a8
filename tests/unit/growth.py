"""Checks that work grows linearly, without a time budget.

Each check runs the same work at two sizes and compares what it cost:
``factor`` times the input may cost at most ``margin`` times ``factor`` as
much, where quadratic work would cost ``factor`` squared times as much. The
cost is the number of function calls made and lines of Python run (counted
with trace and profile hooks: deterministic, so the margin can be narrow), or the CPU
time spent (``time.process_time``, the best of a few runs, so a busy machine
slows both sizes alike) where the work is in a few calls of C.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any


def cpu_seconds(run: Callable[[], object], repeat: int = 3) -> float:
    """The least CPU time ``run`` took in ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def assert_linear(
    run_at: Callable[[int], object], n: int, *, factor: int = 8, margin: float = 3.0
) -> None:
    """``run_at(factor * n)`` costs at most ``margin * factor`` times ``run_at(n)``
    (plus 20 ms for timer resolution)."""
    small = cpu_seconds(lambda: run_at(n))
    large = cpu_seconds(lambda: run_at(factor * n))
    assert large <= margin * factor * small + 0.02, (
        f"{n} -> {factor * n}: {small:.4f}s -> {large:.4f}s (more than {margin * factor:.0f}x)"
    )


def calls(run: Callable[[], object]) -> int:
    """How many functions ``run`` called and lines of Python it ran, in this thread
    and the threads it starts (a loop of Python counts even when it calls nothing)."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        return trace

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event == "c_call":
            count += 1

    threading.setprofile(profile)
    threading.settrace(trace)
    sys.setprofile(profile)
    sys.settrace(trace)
    try:
        run()
    finally:
        sys.settrace(None)
        sys.setprofile(None)
        threading.settrace(None)  # type: ignore[arg-type]
        threading.setprofile(None)  # type: ignore[arg-type]
    return count


def assert_linear_calls(
    run_at: Callable[[int], object], n: int, *, factor: int = 8, margin: float = 1.5
) -> None:
    """``run_at(factor * n)`` makes at most ``margin * factor`` times the calls of
    ``run_at(n)``."""
    small = calls(lambda: run_at(n))
    large = calls(lambda: run_at(factor * n))
    assert large <= margin * factor * small, (
        f"{n} -> {factor * n}: {small} -> {large} calls (more than {margin * factor:.0f}x)"
    )
