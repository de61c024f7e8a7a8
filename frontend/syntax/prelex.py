"""Pre-lexer: the context-sensitive part of Dockerfile syntax, before any grammar runs.

It strips the BOM, reads parser directives (only in the leading comment
lines, each once), takes the escape character from ``# escape=``, joins
continuation lines (skipping comment and blank lines inside them) and reads
heredoc bodies. The result is one ``LogicalLine`` per instruction, with the
lines it spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from frontend.errors import DockerfileError
from frontend.syntax.ast import Heredoc

_DIRECTIVE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)$")
HEREDOC_COMMANDS = ("ADD", "COPY", "RUN")


@dataclass(frozen=True)
class LogicalLine:
    """One instruction's text, joined across continuations, and its line span."""

    text: str
    start_line: int
    end_line: int
    heredocs: tuple[Heredoc, ...] = ()


@dataclass
class Prelexed:
    directives: dict[str, str] = field(default_factory=dict)
    escape: str = "\\"
    lines: list[LogicalLine] = field(default_factory=list)


def _continuation(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    return re.compile(rf"([^{e}]){e}[ \t]*$|^{e}[ \t]*$")


def decode(source: str | bytes) -> str:
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="surrogateescape")
    return source.removeprefix("\ufeff")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


class _Directives:
    """Reads ``# name=value`` lines until the first line that is not one."""

    def __init__(self) -> None:
        self.done = False
        self.seen: dict[str, str] = {}
        self.escape = "\\"
        self.first = True

    def feed(self, line: str, number: int) -> None:
        if self.done:
            return
        first, self.first = self.first, False
        if first and line.startswith("#!"):
            return
        if not line.startswith("#"):
            self.done = True
            return
        match = _DIRECTIVE.match(line[1:].lstrip())
        if not match or match.group(1).lower() not in _KNOWN_DIRECTIVES:
            self.done = True
            return
        name, value = match.group(1).lower(), match.group(2)
        if name in self.seen:
            raise DockerfileError(f"only one {name} parser directive can be used", line=number)
        self.seen[name] = value
        if name == "escape":
            if value not in ("\\", "`"):
                raise DockerfileError(
                    f"invalid escape token '{value}' does not match ` or \\", line=number
                )
            self.escape = value


def prelex(source: str | bytes) -> Prelexed:
    """Split a Dockerfile into logical instruction lines."""
    raw_lines = decode(source).split("\n")
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    directives = _Directives()
    out = Prelexed()
    continuation = _continuation("\\")
    lines: Iterator[tuple[int, str]] = enumerate(raw_lines, start=1)
    for number, raw in lines:
        text = raw.rstrip("\r\n").lstrip()
        escape_before = directives.escape
        directives.feed(text, number)
        if directives.escape != escape_before:
            continuation = _continuation(directives.escape)
        if _is_comment(text):
            text = ""
        start = number
        text, ended = _trim_continuation(text, continuation)
        if ended and not text:
            continue
        parts = [text]
        end = number
        while not ended:
            try:
                end, raw = next(lines)
            except StopIteration:
                break
            piece = raw.rstrip("\r\n")
            directives.feed(piece, end)
            if _is_comment(piece) or not piece.strip():
                continue
            piece, ended = _trim_continuation(piece, continuation)
            parts.append(piece)
        line = "".join(parts)
        heredocs: list[Heredoc] = []
        keyword = line.strip().split(None, 1)[0].upper() if line.strip() else ""
        if keyword in HEREDOC_COMMANDS and "<<" in line:
            for doc in heredocs_in(line):
                body: list[str] = []
                for end, raw in lines:  # noqa: B007 - end is the span of the heredoc
                    candidate = raw.rstrip("\r\n")
                    if doc.chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == doc.name:
                        break
                    body.append(raw + "\n")
                else:
                    raise DockerfileError("unterminated heredoc", line=start, end_line=end)
                heredocs.append(
                    Heredoc(doc.name, "".join(body), doc.expand, doc.chomp, doc.file_descriptor)
                )
        out.lines.append(LogicalLine(line, start, end, tuple(heredocs)))
    out.directives = dict(directives.seen)
    out.escape = directives.escape
    return out


def _trim_continuation(line: str, pattern: re.Pattern[str]) -> tuple[str, bool]:
    if pattern.search(line):
        return pattern.sub(r"\1", line, count=1), False
    return line, True


def raw_words(line: str) -> list[str]:
    """Shell-like words with quotes and backslashes kept (to find heredoc markers)."""
    words: list[str] = []
    current: list[str] = []
    quote = ""
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            current.append(ch)
            if ch == "\\" and quote == '"' and i + 1 < len(line):
                current.append(line[i + 1])
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in " \t\r\n\v\f":
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
            if ch in "'\"":
                quote = ch
            elif ch == "\\" and i + 1 < len(line):
                current.append(line[i + 1])
                i += 1
        i += 1
    if current:
        words.append("".join(current))
    return words


def heredocs_in(line: str) -> list[Heredoc]:
    """The heredoc markers (``<<EOF``, ``<<-"EOF"``, ``3<<EOF``) on an instruction line."""
    docs = []
    for word in raw_words(line):
        match = _HEREDOC_WORD.match(word)
        if not match or not match.group(3):
            continue
        rest = match.group(3)
        unquoted = _unquote(rest)
        if unquoted is None:
            continue
        docs.append(
            Heredoc(
                name=unquoted,
                content="",
                expand=unquoted == rest,
                chomp=match.group(2) == "-",
                file_descriptor=int(match.group(1) or 0),
            )
        )
    return docs


def _unquote(word: str) -> str | None:
    """``word`` with shell quotes and escapes removed; None if it is not one word."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(word):
        ch = word[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < len(word) and word[i + 1] in '"\\$':
                i += 1
                out.append(word[i])
            else:
                out.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == "\\" and i + 1 < len(word):
            i += 1
            out.append(word[i])
        elif ch.isspace():
            return None
        else:
            out.append(ch)
        i += 1
    return "".join(out) if not quote else None
