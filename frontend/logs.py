"""Logging: structlog, set up once by the entry point; logs always go to stderr.

Only records at ``PYFRONTEND_LOG_LEVEL`` or above are written, warnings and
errors by default: the engine writes a frontend's stderr into its own log (the
daemon's), where a build that goes well leaves nothing, as with Docker's
frontend. structlog loads at the first record written. The gateway entry
point holds its first records back instead (``configure(hold=True)``) and
writes them at :func:`release`, once the first Solve is out: loading
structlog is then off the path to it. Held records keep the time they were made.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from structlog.typing import EventDict, Processor, WrappedLogger

_HELD_AT = "_held_at"
_HOLDABLE = frozenset({"debug", "info"})
"""Records of other levels (warnings, exceptions) release the held ones and go out at once."""

DEFAULT_LEVEL = "warning"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
           "exception": logging.ERROR}  # fmt: skip
"""Each method's level."""

_lock = threading.Lock()
_held: list[tuple[str, str, dict[str, Any]]] | None = None
_level: int | None = None
"""The level structlog is still to be set up with, at the first record written."""
_least = logging.NOTSET
"""Records below this level are dropped (before ``configure``, none are)."""


class Logger:
    """What ``structlog.get_logger()`` gives, with structlog loaded at the first record."""

    __slots__ = ()

    def debug(self, event: str, **fields: Any) -> None:
        _emit("debug", event, fields)

    def info(self, event: str, **fields: Any) -> None:
        _emit("info", event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        _emit("warning", event, fields)

    def exception(self, event: str, **fields: Any) -> None:
        _emit("exception", event, fields)


def get_logger() -> Logger:
    """The logger for a module (call at import time: it loads nothing)."""
    return Logger()


def configure(level: str | None = None, *, hold: bool = False) -> None:
    """Write records at ``level`` and above, to stderr: JSON lines when it is not a
    terminal, the console renderer when it is (structlog, set up at the first record).

    ``level`` defaults to ``PYFRONTEND_LOG_LEVEL`` (a name this does not know:
    ``DEFAULT_LEVEL``); records below it are dropped without loading structlog.
    With ``hold``, debug and info records wait for :func:`release`. Records
    still held from an earlier ``configure`` are written first.
    """
    global _held, _level, _least
    release()
    names = logging.getLevelNamesMapping()
    name = (level or os.environ.get("PYFRONTEND_LOG_LEVEL") or DEFAULT_LEVEL).upper()
    number = names.get(name, names[DEFAULT_LEVEL.upper()])
    with _lock:
        _least, _level = number, number
        _held = [] if hold else None


def release() -> None:
    """Write the held records, if any are held, and hold no more."""
    global _held
    with _lock:
        if _held is None:
            return
        records, _held = _held, None
    for method, event, fields in records:
        _write(method, event, fields)


def _emit(method: str, event: str, fields: dict[str, Any]) -> None:
    if _LEVELS[method] < _least:
        return
    if _held is not None:
        with _lock:
            if _held is not None and method in _HOLDABLE:
                fields[_HELD_AT] = time.time()
                _held.append((method, event, fields))
                return
        release()
    _write(method, event, fields)


def _write(method: str, event: str, fields: dict[str, Any]) -> None:
    """One record out, through structlog (set up first, once ``configure`` has run)."""
    global _level
    if _level is not None:
        with _lock:
            if _level is not None:
                _configure_structlog(_level)
                _level = None
    import structlog

    getattr(structlog.get_logger(), method)(event, **fields)


def _backdate(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """A held record's ``timestamp`` is when it was made, not when it was written."""
    held_at = event_dict.pop(_HELD_AT, None)
    if held_at is not None:
        from datetime import UTC, datetime

        stamp = datetime.fromtimestamp(held_at, UTC).isoformat().replace("+00:00", "Z")
        event_dict["timestamp"] = stamp
    return event_dict


def _configure_structlog(level: int) -> None:
    import structlog

    renderer: Processor = (
        structlog.dev.ConsoleRenderer()
        if sys.stderr.isatty()
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _backdate,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
