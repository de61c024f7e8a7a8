"""A call run in a thread of its own while the caller goes on; its result waited for later.

What :class:`concurrent.futures.ThreadPoolExecutor` gives for a single call,
without loading that package (and :mod:`queue`) on the way to the first Solve.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


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
