"""The ``include`` extension: ``INCLUDE <path>`` splices another Dockerfile in.

``splice`` reads the included files (through the reader it is given, so the
gateway asks the client for exactly these files and the offline commands read
the disk) and returns one text, as if written in one file, with the file and
line each of its lines comes from. Everything past this point (parsing,
stages, checks, LLB) reads that text; ``Spliced.error`` and ``Spliced.warning``
turn its line numbers back into the files' own.

A path is relative to the directory of the file holding the ``INCLUDE``, as in
C's ``#include`` or Compose's ``include:``, and must stay under the directory
of the Dockerfile being built (the only files the client sends for it). It is
taken as written: no variables, no wildcards. An included file's own parser
directives are ignored, but its escape character must be the same.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.frozen import frozen
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_quote
from frontend.syntax import parse_raw
from frontend.syntax.nodes import Node
from frontend.syntax.prelex import decode, extensions_of, trim_continuation

NAME = "include"
MAX_DEPTH = 32
"""Deepest nesting of includes (a guard against runaway generated files)."""

DIRECTIVES_SCAN = 8192
"""Bytes of a Dockerfile's start looked at for the ``extensions`` directive."""

Reader = Callable[[str], bytes | None]
"""Reads a file (its path as ``splice`` names it); None if there is none."""


@frozen
class Spliced:
    """A Dockerfile with its includes spliced in."""

    data: bytes
    origins: tuple[tuple[int, int], ...]
    """For each line of ``data``: the index of its file in ``files``, and its line there."""
    files: tuple[tuple[str, bytes], ...]
    """Each file read (name, contents), the including Dockerfile first."""

    def locate(self, line: int) -> tuple[int, int]:
        """The index in ``files`` and the line there that line ``line`` of ``data``
        comes from."""
        if not 0 < line <= len(self.origins):
            return 0, line
        return self.origins[line - 1]

    def where(self, line: int) -> tuple[str, int]:
        """The file and line that line ``line`` of ``data`` comes from."""
        index, own = self.locate(line)
        return self.files[index][0], own

    def error(self, exc: DockerfileError) -> DockerfileError:
        """``exc`` located in the file it is about (changed in place, and returned);
        one in an included file reads ``FILE:LINE:COLUMN: message``."""
        if exc.line:
            exc.filename, line = self.where(exc.line)
            exc.end_line = self.where(exc.end_line)[1] if exc.end_line else 0
            exc.also = tuple((self.where(a)[1], self.where(b)[1]) for a, b in exc.also)
            exc.line = line
            if exc.filename != self.files[0][0]:
                exc.parse = ""  # Docker's wording names no file: say which, and where
        return exc

    def warning(self, warning: DockerfileWarning) -> DockerfileWarning:
        """``warning`` located in the file it is about."""
        if warning.line <= 0:
            return warning
        filename, line = self.where(warning.line)
        end = self.where(warning.end_line)[1] if warning.end_line else 0
        return replace(warning, filename=filename, line=line, end_line=end)

    def data_of(self, filename: str) -> bytes:
        """The contents of a file read (the including Dockerfile's if unknown)."""
        return next((d for n, d in self.files if n == filename), self.files[0][1])


def includes(data: bytes) -> bool:
    """Whether the Dockerfile turns the ``include`` extension on (parsed only when its
    first lines name an extension: directives come first)."""
    if b"extensions" not in data[:DIRECTIVES_SCAN].lower():
        return False
    try:
        return NAME in extensions_of(parse_raw(data).directives)
    except DockerfileError:
        return False


def splice(data: bytes, filename: str, read: Reader) -> Spliced:
    """``data`` (the Dockerfile ``filename``) with every ``INCLUDE`` replaced by the
    file it names, recursively. Errors name the ``INCLUDE`` line, in its file."""
    parsed = parse_raw(data, filename)
    files: list[tuple[str, bytes]] = [(filename, data)]
    root = posixpath.dirname(filename)
    splicer = _Splicer(files, root, read, parsed.escape)
    lines, origins = splicer.expand(data, 0, parsed.nodes, (filename,))
    text = "\n".join(lines) + "\n"
    return Spliced(text.encode("utf-8", "surrogateescape"), tuple(origins), tuple(files))


@dataclass
class _Splicer:
    """Reads included files (each once, into ``files``) and expands their lines."""

    files: list[tuple[str, bytes]]
    root: str
    read: Reader
    escape: str

    def expand(
        self, data: bytes, index: int, nodes: list[Node], chain: tuple[str, ...]
    ) -> tuple[list[str], list[tuple[int, int]]]:
        """The lines of file ``index`` with its includes spliced in, and their origins."""
        raw = decode(data).removeprefix("\ufeff").split("\n")
        if raw and raw[-1] == "":
            raw.pop()
        lines: list[str] = []
        origins: list[tuple[int, int]] = []
        at = 1  # the next line of this file to copy
        for node in nodes:
            if node.cmd != "INCLUDE":
                continue
            for number in range(at, node.start_line):
                lines.append(raw[number - 1])
                origins.append((index, number))
            more, where = self._include(node, chain)
            lines += more
            origins += where
            at = node.end_line + 1
        for number in range(at, len(raw) + 1):
            lines.append(raw[number - 1])
            origins.append((index, number))
        return lines, origins

    def _include(
        self, node: Node, chain: tuple[str, ...]
    ) -> tuple[list[str], list[tuple[int, int]]]:
        """The spliced lines of the file ``node`` includes."""
        here = chain[-1]
        path = self._path(node, here)
        if path in chain:
            cycle = " -> ".join((*chain[chain.index(path) :], path))
            raise self._error(node, here, f"INCLUDE cycle: {cycle}")
        if len(chain) > MAX_DEPTH:
            raise self._error(node, here, f"INCLUDE nested more than {MAX_DEPTH} deep")
        data = self.read(path)
        if data is None:
            raise self._error(node, here, f"INCLUDE {node.value[0]}: {path}: no such file")
        try:
            parsed = parse_raw(data, path)
        except DockerfileError as exc:
            exc.filename = path
            raise
        if parsed.escape != self.escape:
            message = (
                f"INCLUDE {node.value[0]}: {path} uses the escape character "
                f"{parsed.escape}, the including file {self.escape}"
            )
            raise self._error(node, here, message)
        if _ends_continued(decode(data), self.escape):
            message = f"INCLUDE {node.value[0]}: {path} ends inside a continued line"
            raise self._error(node, here, message)
        self.files.append((path, data))
        lines, origins = self.expand(data, len(self.files) - 1, parsed.nodes, (*chain, path))
        for i in range(len(parsed.directives)):  # its directives: ignored
            if i < len(lines) and not lines[i].startswith("#!"):
                lines[i] = ""
        return lines, origins

    def _path(self, node: Node, here: str) -> str:
        if node.flags or len(node.value) != 1 or node.json:
            raise self._error(node, here, "INCLUDE takes one path and no flags")
        written = node.value[0]
        if posixpath.isabs(written):
            message = f"INCLUDE {written}: the path is relative to the including file"
            raise self._error(node, here, message)
        path = posixpath.normpath(posixpath.join(posixpath.dirname(here), written))
        inside = posixpath.relpath(path, self.root or ".")
        if inside == ".." or inside.startswith("../"):
            message = (
                f"INCLUDE {written}: {go_quote(path)} is outside the directory of the "
                "Dockerfile being built"
            )
            raise self._error(node, here, message)
        return path

    @staticmethod
    def _error(node: Node, filename: str, message: str) -> DockerfileError:
        return DockerfileError(
            message, line=node.start_line, end_line=node.end_line, filename=filename
        )


def _ends_continued(text: str, escape: str) -> bool:
    """Whether the last line that is neither blank nor a comment continues (the
    including file's next line would join it)."""
    for line in reversed(text.split("\n")):
        stripped = line.strip(GO_SPACE)
        if stripped and not stripped.startswith("#"):
            return trim_continuation(line.rstrip("\r"), escape)[1]
    return False
