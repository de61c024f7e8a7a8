"""Compiled code for the methods ``dataclasses`` generates, kept from the image build.

Each ``@dataclass`` writes the source of its ``__init__``, ``__eq__``,
``__repr__`` and so on and compiles it when its module is imported: for the
frontend's hundred-odd dataclasses that is a third of a cold start's CPU time.
The image build imports every module once with :func:`record` on and
:func:`save` writes each generated text with its code; at start-up
:func:`install` has ``dataclasses`` run the stored code for a text it knows and
compile only a text it does not. The code of a text is what compiling it
gives, so the classes are the same either way. The texts of the modules loaded
before the first Solve (:data:`FIRST`) come first in the file; the others are
read at the first text that is not among them.

  python -m frontend.gateway.codecache FILE   record the dataclasses of every
                                              importable module, and of the
                                              dependencies a build loads, into FILE
"""

from __future__ import annotations

import contextlib
import dataclasses
import marshal
import os
import sys
from importlib._bootstrap_external import MAGIC_NUMBER
from types import CodeType
from typing import Final

CACHE: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataclasses.cache")
"""Where the image keeps the cache (absent in a source checkout)."""

FIRST: Final = (
    "frontend.cli",
    "frontend.gateway.relay",
    "frontend.logs",
    "frontend.gateway.bridge",
    "frontend.gateway.build",
)
"""What the gateway entry point imports before its first Solve."""

DEPENDENCIES: Final = ("structlog",)
"""Packages outside ours whose dataclasses a build makes (structlog's tracebacks and
console renderer, loaded with it)."""

_FILENAME: Final = "<string>"
"""The file name ``exec`` gives the code it compiles from a string."""


class _CachedExec:
    """``exec`` for ``dataclasses``: stored code for a known text, else compiled.

    ``rest`` (marshalled texts and code) is read at the first text ``codes`` lacks.
    With ``recording`` every text run is kept, for :func:`save`.
    """

    def __init__(
        self, codes: dict[str, CodeType], rest: bytes = b"", *, recording: bool = False
    ) -> None:
        self.codes = codes
        self.rest = rest
        self.recording = recording
        self.first: frozenset[str] = frozenset()
        """While recording: the texts marked by :meth:`mark_first`."""

    def mark_first(self) -> None:
        """While recording: the texts run so far go first in the saved file."""
        self.first = frozenset(self.codes)

    def __call__(
        self, source: object, globals_: dict[str, object], locals_: dict[str, object]
    ) -> None:
        code = self.codes.get(source) if isinstance(source, str) else None
        if code is None and self.rest and isinstance(source, str):
            rest, self.rest = self.rest, b""
            self.codes.update(marshal.loads(rest))
            code = self.codes.get(source)
        if code is None:
            code = compile(source, _FILENAME, "exec")  # type: ignore[call-overload]
            if self.recording and isinstance(source, str):
                self.codes[source] = code
        exec(code, globals_, locals_)  # noqa: S102 - the code dataclasses asked for


def _set_exec(runner: _CachedExec) -> None:
    # A module global named ``exec`` comes before the builtin in its lookups.
    vars(dataclasses)["exec"] = runner


def install(path: str = CACHE) -> int:
    """Use the cache at ``path``; the number of texts it holds (0: none usable)."""
    try:
        with open(path, "rb") as file:
            magic, codes, rest_count, rest = marshal.loads(file.read())
    except (OSError, EOFError, ValueError, TypeError):
        return 0
    if magic != MAGIC_NUMBER or not isinstance(codes, dict) or not isinstance(rest, bytes):
        return 0
    _set_exec(_CachedExec(codes, rest))
    return len(codes) + int(rest_count)


def record() -> _CachedExec:
    """Keep every text ``dataclasses`` compiles from now on."""
    runner = _CachedExec({}, recording=True)
    _set_exec(runner)
    return runner


def save(runner: _CachedExec, path: str) -> None:
    """Write what ``runner`` recorded, compiled afresh in text order (the same bytes
    for the same texts): those marked first, then the rest."""
    first: dict[str, CodeType] = {}
    rest: dict[str, CodeType] = {}
    for text in sorted(runner.codes):
        (first if text in runner.first else rest)[text] = compile(text, _FILENAME, "exec")
    with open(path, "wb") as file:
        file.write(marshal.dumps((MAGIC_NUMBER, first, len(rest), marshal.dumps(rest))))


def record_package(
    package: str, runner: _CachedExec | None = None
) -> tuple[_CachedExec, list[str]]:
    """Import every module of ``package`` while recording (with ``runner``, else a
    new one); also the names of those that failed to import (a native extension
    built for another platform, say)."""
    import importlib
    import pkgutil

    runner = runner or record()
    root = importlib.import_module(package)
    failed = []
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        if info.name.rpartition(".")[2] == "__main__":
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:
            failed.append(info.name)
    return runner, failed


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.rsplit("\n\n", 1)[1], file=sys.stderr)
        return 2
    import importlib

    runner = record()
    for name in FIRST:
        with contextlib.suppress(ImportError):  # reported below, as the walk meets it
            importlib.import_module(name)
    runner.mark_first()
    runner, failed = record_package("frontend", runner)
    for name in DEPENDENCIES:
        importlib.import_module(name)  # still recording
    save(runner, argv[0])
    skipped = f"; not importable here: {' '.join(failed)}" if failed else ""
    print(f"codecache: {len(runner.codes)} texts{skipped}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
