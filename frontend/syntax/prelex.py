"""Pre-lexer: the context-sensitive part of Dockerfile syntax, before any grammar runs.

``Prelexer`` strips the BOM, reads parser directives (only in the leading
comment lines, each once), takes the escape character from ``# escape=``,
joins continuation lines (skipping comment and blank lines inside them) and
yields one ``LogicalLine`` per instruction. Heredoc bodies come after the
instruction line; the parser asks for them (``read_heredoc``) once it knows
the instruction can have them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_quote
from frontend.syntax.nodes import Heredoc

MAX_LINE_BYTES = 65535
"""Longest line the official parser reads (its line scanner's buffer)."""

_GO_REGEX_SPACE = "[\t\n\f\r ]"  # Go's regexp ``\s``
_DIRECTIVE = re.compile(
    rf"([a-zA-Z][a-zA-Z0-9]*){_GO_REGEX_SPACE}*={_GO_REGEX_SPACE}*(.+?)"
    rf"{_GO_REGEX_SPACE}*\Z"
)
_KNOWN_DIRECTIVES = ("syntax", "escape", "check", "extensions")
_DETECTED_DIRECTIVES = ("syntax", "check")

EXTENSIONS = ("exclude-vars", "from-vars", "include")
"""What ``# extensions=<name>[,<name>...]`` can turn on (beyond Docker's frontend)."""


def extensions_of(directives: Mapping[str, str]) -> frozenset[str]:
    """The extensions a file's (checked) directives turn on."""
    value = directives.get("extensions", "")
    return frozenset(n.strip() for n in value.split(",") if n.strip())


def _check_extensions(value: str) -> str | None:
    """Why an ``extensions`` directive's value is wrong, if it is."""
    for name in value.split(","):
        name = name.strip()
        if name not in EXTENSIONS:
            known = ", ".join(EXTENSIONS)
            return (
                f"unknown extension {go_quote(name)} in the extensions directive (known: {known})"
            )
    return None


class LogicalLine(NamedTuple):
    """One instruction's text, joined across continuations, and where it starts."""

    text: str
    start_line: int
    end_line: int
    column: int = 1
    comments: tuple[str, ...] = ()
    """The comment lines right above, as upstream keeps them (``# check=`` reads them)."""
    empty_continuation: bool = False
    """Whether a blank line sat inside the continuation (a check warns about it)."""


def decode(source: str | bytes) -> str:
    """Text of a Dockerfile; undecodable bytes survive as surrogate escapes."""
    if isinstance(source, bytes):
        return source.decode("utf-8", errors="surrogateescape")
    return source


def _byte_length(line: str) -> int:
    try:
        return len(line.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return len(line.encode("utf-8", "surrogatepass"))


def directive_in_comment(comment: str) -> tuple[str, str] | None:
    """``(name, value)`` when a comment's text (after ``#``) reads as a parser directive."""
    match = _DIRECTIVE.match(comment.lstrip(GO_SPACE))
    if not match or match.group(1).lower() not in _KNOWN_DIRECTIVES:
        return None
    return match.group(1).lower(), match.group(2)


def _is_comment(line: str) -> bool:
    return line.lstrip(GO_SPACE).startswith("#")


class _DirectiveReader:
    """``# name=value`` lines until the first line that is not one (upstream's rules)."""

    def __init__(self) -> None:
        self.done = False
        self.found: list[tuple[int, str, str]] = []

    def feed(self, line: str, number: int) -> tuple[str, str] | None:
        """The directive on ``line``; the first other line ends directive parsing."""
        if self.done:
            return None
        match = _DIRECTIVE.match(line[1:].lstrip(GO_SPACE)) if line.startswith("#") else None
        name = match.group(1).lower() if match else ""
        if not match or name not in _KNOWN_DIRECTIVES:
            self.done = True
            return None
        if any(seen == name for _, seen, _ in self.found):
            raise DockerfileError(f"only one {name} parser directive can be used", line=number)
        self.found.append((number, name, match.group(2)))
        return name, match.group(2)


def syntax_directive(source: str | bytes) -> tuple[str, int] | None:
    """The ``syntax`` directive's value and its 1-based line, as BuildKit's
    frontend detects it (before parsing, past a ``#!`` first line); None if absent."""
    lines = decode(source).removeprefix("\ufeff").split("\n")
    skip = 1 if lines[0].startswith("#!") else 0
    for number, name, value in _detect_after(lines, skip):
        if name == "syntax":
            return value, number
    return None


def _detect_after(lines: list[str], skip: int) -> list[tuple[int, str, str]]:
    """``syntax``/``check`` as BuildKit detects them past the first ``skip`` lines.

    The parser itself stops reading directives at a ``#!`` line 1 (so an
    ``escape`` after it does nothing), but the frontend's syntax and check
    detection skips it and ignores errors.
    """
    reader = _DirectiveReader()
    for number, raw in enumerate(lines[skip:], start=skip + 1):
        try:
            reader.feed(raw.removesuffix("\r"), number)
        except DockerfileError:
            break
        if reader.done:
            break
    return [d for d in reader.found if d[1] in _DETECTED_DIRECTIVES]


class Prelexer:
    """Logical instruction lines of a Dockerfile, read on demand."""

    def __init__(self, source: str | bytes) -> None:
        text = decode(source)
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        self._lines = lines
        self._limit = len(lines)
        self.too_long: int = 0
        """1-based number of the first line longer than ``MAX_LINE_BYTES`` (0: none)."""
        long_lines = lines if lines and max(map(len, lines)) * 4 > MAX_LINE_BYTES else []
        for index, line in enumerate(long_lines):  # a BOM counts: it is still there
            if len(line) * 4 > MAX_LINE_BYTES and _byte_length(line) > MAX_LINE_BYTES:
                self._limit, self.too_long = index, index + 1
                break
        if lines and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        self._next = 0
        self._reader = _DirectiveReader()
        self._shebang = bool(lines) and lines[0].startswith("#!")
        self._detected = _detect_after(lines[: self._limit], 1) if self._shebang else []
        self.escape = "\\"
        self.warnings: list[DockerfileWarning] = []
        """Comments that look like parser directives but come too late to be one."""
        self._pending: list[DockerfileWarning] = []
        """Late ``# check=`` comments: they apply to the next instruction, if one follows."""

    @property
    def line(self) -> int:
        """How many physical lines have been read."""
        return self._next

    @property
    def directives(self) -> dict[str, str]:
        """The parser directives in effect, in file order."""
        found = self._detected if self._shebang else self._reader.found
        return {name: value for _, name, value in sorted(found)}

    def __iter__(self) -> Iterator[LogicalLine]:
        lines, limit, reader = self._lines, self._limit, self._reader
        comments: list[str] = []
        while self._next < limit:
            raw = lines[self._next]
            self._next += 1
            start = self._next
            token = raw.lstrip(GO_SPACE)
            column = len(raw) - len(token) + 1
            token = token.rstrip("\r")
            directive = not reader.done and self._directive(token, start, column)
            if token.startswith("#"):
                # Upstream's quirk: the text after the line's first character, trimmed.
                comment = raw[1:].strip(GO_SPACE)
                if not comment:
                    comments = []
                    self._flush_pending()
                elif not directive:
                    comments.append(comment)
                    if reader.done and not self._shebang:
                        self._misplaced_directive(token, start, column, comment)
                continue
            if token[-1:] in _MAYBE_CONTINUED:
                text, more = trim_continuation(token, self.escape)
                if not more and not text:
                    continue
            else:  # the common case: no escape or blank at the end, so no continuation
                text, more = token, False
            parts = [text]
            empty = False
            while more and self._next < limit:
                piece = lines[self._next].rstrip("\r")
                self._next += 1
                if _is_comment(piece):
                    continue
                if not piece.strip(GO_SPACE):
                    empty = True
                    continue
                piece, more = trim_continuation(piece, self.escape)
                parts.append(piece)
            joined = "".join(parts) if len(parts) > 1 else text
            if self._pending:
                self._pending.clear()
            line = (joined, start, self._next, column, tuple(comments), empty)
            yield tuple.__new__(LogicalLine, line)  # LogicalLine(*line) without its __new__
            comments = []
        self._flush_pending()
        self.warnings.sort(key=lambda w: w.line)

    def read_heredoc(self, doc: Heredoc) -> str | None:
        """The body of ``doc`` up to its terminator line, or None at end of file."""
        lines, limit = self._lines, self._limit
        body: list[str] = []
        while self._next < limit:
            raw = lines[self._next]
            self._next += 1
            candidate = raw.rstrip("\r")
            if doc.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == doc.name:
                return "".join(body)
            body.append(raw + "\n")
        return None

    def physical(self, number: int) -> str:
        """Physical line ``number`` (1-based) as written, without its line ending."""
        return self._lines[number - 1].rstrip("\r") if 0 < number <= len(self._lines) else ""

    def _misplaced_directive(self, token: str, number: int, column: int, comment: str) -> None:
        match = _DIRECTIVE.match(token[1:].lstrip(GO_SPACE))
        if not match or match.group(1).lower() not in _KNOWN_DIRECTIVES:
            return
        if any(seen == number for seen, _, _ in self._reader.found):
            return
        name = match.group(1).lower()
        message = (
            f"'# {name}=' here is a comment, not a parser directive: directives must come "
            "first in the file, before any instruction, comment or blank line"
        )
        warning = DockerfileWarning(message, number, column, self.physical(number))
        applies = directive_in_comment(comment)
        if name == "check" and applies and applies[0] == "check":
            self._pending.append(warning)  # a check comment above an instruction is no mistake
        else:
            self.warnings.append(warning)

    def _flush_pending(self) -> None:
        self.warnings.extend(self._pending)
        self._pending.clear()

    def _directive(self, token: str, number: int, column: int) -> bool:
        """Read a parser directive; whether ``token`` was one."""
        try:
            found = self._reader.feed(token, number)
        except DockerfileError as exc:
            exc.column, exc.source_line = column, self.physical(number)
            raise
        if found and found[0] == "escape":
            if found[1] not in ("\\", "`"):
                raise DockerfileError(
                    f"invalid escape token '{found[1]}' does not match ` or \\",
                    line=number,
                    column=column + token.rindex(found[1]),
                    source_line=self.physical(number),
                )
            self.escape = found[1]
        if found and found[0] == "extensions" and (problem := _check_extensions(found[1])):
            raise DockerfileError(
                problem, line=number, column=column, source_line=self.physical(number)
            )
        return found is not None


_MAYBE_CONTINUED = ("", "\\", "`", " ", "\t")
"""The last characters of a line that may continue (or be empty): an escape character
(either) or a blank before one; any other ends the instruction."""


def trim_continuation(line: str, escape: str) -> tuple[str, bool]:
    """``line`` without a trailing continuation marker, and whether it had one.

    The marker is the escape character, then only blanks, after anything but
    another escape character (so ``\\\\`` does not continue, nor does
    ``\\\\\\``, as upstream).
    """
    stripped = line.rstrip(" \t")
    if stripped.endswith(escape) and (len(stripped) == 1 or stripped[-2] != escape):
        return line[: len(stripped) - 1], True
    return line, False
