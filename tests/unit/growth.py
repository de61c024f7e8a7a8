"""Checks that work grows linearly, without a time budget.

Each check runs the same work at two sizes and compares the CPU time spent
(``time.process_time``, the best of a few runs), so a busy machine slows both
alike: ``factor`` times the input may cost at most ``margin`` times ``factor``
as much, where quadratic work would cost ``factor`` squared times as much.
"""

from __future__ import annotations

import time
from collections.abc import Callable


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
