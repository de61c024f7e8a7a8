"""Calls run in threads: one while the caller goes on, or a map over several items.

A build mostly makes a single call of each kind (one platform, one base image):
those run without :mod:`concurrent.futures` (and :mod:`queue`), which then never
loads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")


class Background(Generic[T]):
    """``fn(*args)`` started in a daemon thread; leaving the ``with`` block waits for it."""

    def __init__(self, fn: Callable[..., T], *args: object, name: str) -> None:
        self._fn = fn
        self._args = args
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn(*self._args)
        except BaseException as exc:  # handed to the waiter, as a future would
            self._error = exc

    def result(self) -> T:
        """Wait for the call; its return value, or its exception raised here."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join()


def thread_map(fn: Callable[[U], T], items: Sequence[U], max_workers: int) -> list[T]:
    """``fn`` of each item, in order, up to ``max_workers`` at a time; a single item in
    this thread. The first exception (in item order) is raised once all have run."""
    if len(items) <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(fn, items))
