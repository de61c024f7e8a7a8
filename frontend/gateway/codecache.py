"""Compiled code for the methods ``dataclasses`` generates, kept from the image build.

Each ``@dataclass`` writes the source of its ``__init__``, ``__eq__``,
``__repr__`` and so on and compiles it when its module is imported: for the
frontend's hundred-odd dataclasses that is a third of a cold start's CPU time.
The image build imports every module once with :func:`record` on and
:func:`save` writes each generated text with its code; at start-up
:func:`install` has ``dataclasses`` run the stored code for a text it knows and
compile only a text it does not. The code of a text is what compiling it
gives, so the classes are the same either way.

  python -m frontend.gateway.codecache FILE   record the dataclasses of every
                                              importable module, and of the
                                              dependencies a build loads, into FILE
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import sys
from importlib._bootstrap_external import MAGIC_NUMBER
from types import CodeType
from typing import Final

CACHE: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dataclasses.cache")
"""Where the image keeps the cache (absent in a source checkout)."""

DEPENDENCIES: Final = ("structlog",)
"""Packages outside ours whose dataclasses a build makes (structlog's tracebacks and
console renderer, loaded with it)."""

_FILENAME: Final = "<string>"
"""The file name ``exec`` gives the code it compiles from a string."""


class _CachedExec:
    """``exec`` for ``dataclasses``: stored code for a known text, else compiled.

    With ``recording`` every text run is kept, for :func:`save`.
    """

    def __init__(self, codes: dict[str, CodeType], *, recording: bool = False) -> None:
        self.codes = codes
        self.recording = recording

    def __call__(
        self, source: object, globals_: dict[str, object], locals_: dict[str, object]
    ) -> None:
        code = self.codes.get(source) if isinstance(source, str) else None
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
            magic, codes = marshal.loads(file.read())
    except (OSError, EOFError, ValueError, TypeError):
        return 0
    if magic != MAGIC_NUMBER or not isinstance(codes, dict):
        return 0
    _set_exec(_CachedExec(codes))
    return len(codes)


def record() -> _CachedExec:
    """Keep every text ``dataclasses`` compiles from now on."""
    runner = _CachedExec({}, recording=True)
    _set_exec(runner)
    return runner


def save(runner: _CachedExec, path: str) -> None:
    """Write what ``runner`` recorded, compiled afresh in text order (the same bytes
    for the same texts)."""
    codes = {text: compile(text, _FILENAME, "exec") for text in sorted(runner.codes)}
    with open(path, "wb") as file:
        file.write(marshal.dumps((MAGIC_NUMBER, codes)))


def record_package(package: str) -> tuple[_CachedExec, list[str]]:
    """Import every module of ``package`` while recording; also the names of those
    that failed to import (a native extension built for another platform, say)."""
    import importlib
    import pkgutil

    runner = record()
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
    runner, failed = record_package("frontend")
    import importlib

    for name in DEPENDENCIES:
        importlib.import_module(name)  # still recording
    save(runner, argv[0])
    skipped = f"; not importable here: {' '.join(failed)}" if failed else ""
    print(f"codecache: {len(runner.codes)} texts{skipped}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
