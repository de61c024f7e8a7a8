"""Pre-lexer: the context-sensitive part of Dockerfile syntax, before any grammar runs.

``Prelexer`` strips the BOM, reads parser directives (only in the leading
comment lines, each once), takes the escape character from ``# escape=``,
joins continuation lines (skipping comment and blank lines inside them) and
yields one ``LogicalLine`` per instruction. Heredoc bodies come after the
instruction line; the parser asks for them (``read_heredoc``) once it knows
the instruction can have them. ``heredocs_in`` finds the ``<<EOF`` markers
the way BuildKit's shell lexer splits words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from functools import partial

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
_KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_DETECTED_DIRECTIVES = ("syntax", "check")


@dataclass(frozen=True)
class LogicalLine:
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
            text, more = trim_continuation(token, self.escape)
            if not more and not text:
                continue
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
            self._pending.clear()
            yield LogicalLine(joined, start, self._next, column, tuple(comments), empty)
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
        return found is not None


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


# ---- heredoc markers ----------------------------------------------------------

_HEREDOC_WORD = re.compile(rf"([0-9]*)<<(-?){_GO_REGEX_SPACE}*([^<]*)\Z")
_MAX_FD = 2**64 - 1


def heredocs_in(line: str) -> list[Heredoc]:
    """The heredoc markers (``<<EOF``, ``<<-"EOF"``, ``3<<EOF``) of an instruction line.

    Raises ``DockerfileError`` (without a line) when a marker's word does not lex.
    """
    try:
        words = _ShellLexer(line, raw_quotes=True, raw_escapes=True).words()
    except _LexError:
        return []
    docs = []
    for word in words:
        match = _HEREDOC_WORD.match(word)
        if not match or not match.group(3):
            continue
        rest = match.group(3)
        try:
            names = _ShellLexer(rest, raw_quotes=False, raw_escapes=False).words()
            if len(names) != 1:
                continue
            raw_names = _ShellLexer(rest, raw_quotes=True, raw_escapes=False).words()
        except _LexError as exc:
            raise DockerfileError(f"failed to process {go_quote(rest)}: {exc}") from None
        if len(raw_names) != 1:
            raise DockerfileError(
                f"internal lexing of heredoc produced inconsistent results: {rest}"
            )
        docs.append(
            Heredoc(
                name=names[0],
                content="",
                expand=_quotes(names[0]) == _quotes(raw_names[0]),
                chomp=match.group(2) == "-",
                file_descriptor=min(int(match.group(1) or 0), _MAX_FD),
            )
        )
    return docs


def _quotes(word: str) -> int:
    return word.count("'") + word.count('"')


class _LexError(Exception):
    pass


Piece = str | list["Piece"]
"""Text built by a nested scan, kept as nested lists so that no level copies another's."""

_Scan = Generator["_Scan", Piece, Piece]
"""A scan: yields the sub-scans it needs, receives their text, returns its own."""

MAX_LEX_NESTING = 50000
"""Open scans (three or four per ``${...}`` level) before heredoc detection gives up.

More than a line within ``MAX_LINE_BYTES`` can open; only a longer logical
line (joined from continuations) gets there. Upstream has no limit; we treat
such a line as having no heredoc rather than use unbounded memory.
"""

_SPACE_SPLIT = re.compile("[" + re.escape(GO_SPACE) + "]+")
_PLAIN = {stop: re.compile("[^$<'\"\\\\" + re.escape(stop) + "]+") for stop in ("", "}", "/")}
_SPECIAL_PARAMS = "@*#?-$!0"


def _flatten(piece: Piece) -> str:
    if isinstance(piece, str):
        return piece
    out: list[str] = []
    stack: list[Piece] = [piece]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        else:
            stack.extend(reversed(item))
    return "".join(out)


class _ShellLexer:
    """Word splitting as BuildKit's shell lexer does it, with no variable set.

    Only what heredoc detection needs: quotes kept or removed, escapes (always
    ``\\``) kept or applied, ``$name`` and ``${...}`` kept as written, ``<<``
    glued to the word that follows. As upstream, a nested ``${...}`` scan
    restarts the word being built. Nested scans run on an explicit stack
    (``_drive``), so deep nesting cannot exhaust the recursion limit; only the
    outermost scan splits words.
    """

    def __init__(self, text: str, *, raw_quotes: bool, raw_escapes: bool) -> None:
        self.text = text.removeprefix("\ufeff")  # Go's text/scanner skips a leading BOM
        self.pos = 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.buf: list[str] = []

    def words(self) -> list[str]:
        words: list[str] = []
        _drive(self._scan("", self.raw_escapes, words))
        return words

    def _peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def _next(self) -> str | None:
        ch = self._peek()
        if ch is not None:
            self.pos += 1
        return ch

    def _add(self, text: str, words: list[str]) -> None:
        """Add ``text`` to the word being built, ending it at each blank."""
        buf = self.buf
        for index, part in enumerate(_SPACE_SPLIT.split(text)):
            if index and buf:
                words.append("".join(buf))
                buf.clear()
            if part:
                buf.append(part)

    def _scan(self, stop: str, raw_escapes: bool, words: list[str] | None) -> _Scan:
        """Scan to ``stop`` (or the end, for ``""``), into ``words`` at the outermost level."""
        saved, self.raw_escapes = self.raw_escapes, raw_escapes
        try:
            plain = _PLAIN[stop]
            result: list[Piece] = []
            buf = self.buf
            buf.clear()
            stopped = False
            while (ch := self._peek()) is not None:
                split = True
                if ch == stop:
                    self.pos += 1
                    stopped = True
                    break
                if ch == "$":
                    piece = yield self._dollar()
                elif ch in "<'\"":
                    piece = self._angle() if ch == "<" else (yield self._quoted())
                    split = False
                elif ch == "\\":
                    self.pos += 1
                    escaped = self._next()
                    if escaped is None:
                        if self.raw_escapes:
                            buf.append(ch)
                            result.append(ch)
                        break
                    piece = ch + escaped if self.raw_escapes else escaped
                    split = False
                else:
                    match = plain.match(self.text, self.pos)
                    piece = match.group() if match else ch
                    self.pos += len(piece)
                if words is None:
                    result.append(piece)
                elif split:
                    self._add(_flatten(piece), words)
                else:
                    buf.append(_flatten(piece))
            if stop and not stopped:
                self.pos = len(self.text)
                raise _LexError(f"unexpected end of statement while looking for matching {stop}")
            if words is not None and buf:
                words.append("".join(buf))
            buf.clear()
            return result
        finally:
            self.raw_escapes = saved

    def _angle(self) -> str:
        self.pos += 1
        if self._peek() != "<":
            return "<"
        self.pos += 1
        start = self.pos
        while self._peek() in ("\t", "\r", " "):
            self.pos += 1
        return "<<" + self.text[start : self.pos]

    def _quoted(self) -> _Scan:
        quote = self.text[self.pos]
        self.pos += 1
        kept = quote if self.raw_quotes else ""
        if quote == "'":
            end = self.text.find("'", self.pos)
            if end < 0:
                self.pos = len(self.text)
                raise _LexError(
                    "unexpected end of statement while looking for matching single-quote"
                )
            body, self.pos = self.text[self.pos : end], end + 1
            return [kept, body, kept]
        out: list[Piece] = [kept]
        while True:
            ch = self._peek()
            if ch is None:
                raise _LexError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            if ch == '"':
                self.pos += 1
                out.append(kept)
                return out
            if ch == "$":
                out.append((yield self._dollar()))
                continue
            self.pos += 1
            if ch == "\\":
                if self.raw_escapes:
                    out.append(ch)
                escaped = self._peek()
                if escaped is None:
                    continue
                if escaped in '"$\\':
                    ch = escaped
                    self.pos += 1
            out.append(ch)

    def _name(self) -> str:
        text, start = self.text, self.pos
        end = start
        if end < len(text) and text[end].isdecimal():
            while end < len(text) and text[end].isdecimal():
                end += 1
        elif end < len(text) and text[end] in _SPECIAL_PARAMS:
            end += 1
        else:
            while end < len(text) and (
                text[end].isalpha() or text[end].isdecimal() or text[end] == "_"
            ):
                end += 1
        self.pos = end
        return text[start:end]

    def _dollar(self) -> _Scan:
        self.pos += 1
        if self._peek() != "{":
            return "$" + self._name()
        self.pos += 1
        ch = self._peek()
        if ch is None:
            raise _LexError("syntax error: missing '}'")
        if ch in "{}:":
            raise _LexError("syntax error: bad substitution")
        name = self._name()
        ch = self._next()
        if ch == "}":
            return "${" + name + "}"
        modifier = ch if ch is not None else "\ufffd"
        colon = ch == ":"
        if colon:
            ch = self._next()
            modifier += ch if ch is not None else "\ufffd"
        if colon or ch in ("+", "-", "?", "#", "%"):
            if colon and ch in ("#", "%"):
                raise _LexError(f"unsupported modifier ({modifier}) in substitution")
            word = yield self._nested("}", ch in ("#", "%"), "syntax error: missing '}'")
            return ["${" + name + modifier, word, "}"]
        if ch == "/":
            if self._peek() == "/":
                self.pos += 1
            pattern = yield self._nested("/", True, "syntax error: missing '/' in ${}")
            replacement = yield self._nested("}", True, "syntax error: missing '}'")
            return ["${" + name + "/", pattern, "/", replacement, "}"]
        raise _LexError(f"unsupported modifier ({modifier}) in substitution")

    def _nested(self, stop: str, raw_escapes: bool, at_end: str) -> _Scan:
        try:
            return (yield self._scan(stop, raw_escapes, None))
        except _LexError:
            if self._peek() is None:
                raise _LexError(at_end) from None
            raise


def _drive(scan: _Scan) -> Piece:
    """Run a scan and the sub-scans it yields with an explicit stack."""
    stack = [scan]
    step: Callable[[], _Scan] = scan.__next__
    while True:
        try:
            sub = step()
        except StopIteration as done:
            stack.pop()
            if not stack:
                return done.value  # type: ignore[no-any-return]
            step = partial(stack[-1].send, done.value)
        except _LexError as exc:
            stack.pop()
            if not stack:
                raise
            step = partial(stack[-1].throw, exc)
        else:
            if len(stack) >= MAX_LEX_NESTING:
                for open_scan in stack:
                    open_scan.close()
                raise _LexError("nested too deeply")
            stack.append(sub)
            step = sub.__next__
