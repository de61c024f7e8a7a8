"""What users see about their Dockerfile: an error (or a warning) pinned to a location."""

from __future__ import annotations

from frontend.frozen import frozen
from frontend.gotext import printable


def line_ranges(start: int, end: int) -> tuple[tuple[int, int], ...]:
    """One ``(line, line)`` range per line of ``start..end``: how Docker's frontend
    locates an instruction continued over several lines (in errors and in the LLB)."""
    if end <= start:  # (one line: most instructions)
        return ((start, start),)
    return tuple((line, line) for line in range(start, max(start, end) + 1))


def _where(filename: str, line: int, column: int) -> str:
    if not line:
        return filename
    return f"{filename}:{line}" + (f":{column}" if column else "")


def _excerpt(line: int, column: int, source_line: str | None) -> str:
    """The offending line and a caret under the column ("" when there is none)."""
    if source_line is None or not line:
        return ""
    caret = " " * max(column - 1, 0) + "^"
    gutter = f"{line:>4} | "
    return f"\n{gutter}{printable(source_line)}\n{' ' * len(gutter)}{caret}"


class DockerfileError(Exception):
    """A problem with the user's Dockerfile or build options.

    ``line``/``column`` are 1-based; ``line`` 0 means "no particular line"
    (for example a bad ``--target``). ``end_line`` defaults to ``line``.
    ``also`` lists more ``(start, end)`` line spans the error is about (each
    instruction of a stage cycle). ``parse`` marks an instruction that does not
    parse: Docker's frontend words those ``<parse> N: ...`` (``parse`` is
    ``dockerfile parse error on line``, or as the engine's release words it).
    """

    def __init__(
        self,
        message: str,
        *,
        line: int = 0,
        column: int = 0,
        end_line: int | None = None,
        filename: str = "Dockerfile",
        source_line: str | None = None,
        also: tuple[tuple[int, int], ...] = (),
        parse: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.end_line = end_line if end_line is not None else line
        self.filename = filename
        self.source_line = source_line
        self.also = also
        self.parse = parse

    @property
    def summary(self) -> str:
        """The message as Docker's frontend words it."""
        if self.parse and self.line:
            return f"{self.parse} {self.line}: {self.message}"
        return self.message

    def __str__(self) -> str:
        if self.parse and self.line:
            return printable(self.summary)  # (it names the line)
        return self.located

    @property
    def located(self) -> str:
        """``Dockerfile:LINE:COLUMN: message``."""
        return printable(f"{_where(self.filename, self.line, self.column)}: {self.message}")

    def render(self) -> str:
        """The located message with the offending line and a caret under the column."""
        return self.located + _excerpt(self.line, self.column, self.source_line)


@frozen
class DockerfileWarning:
    """Something that builds but is likely not what the author meant.

    A build check's warning also names its ``rule`` (with the rule's ``url``
    and ``description``); ``end_line`` is the last line it is about.
    """

    message: str
    line: int
    column: int = 1
    source_line: str | None = None
    filename: str = "Dockerfile"
    rule: str = ""
    url: str = ""
    description: str = ""
    end_line: int = 0

    @property
    def short(self) -> str:
        """One line as builds show it: ``Rule: message (line N)`` for a check."""
        if not self.rule:
            return self.message
        return f"{self.rule}: {self.message}" + (f" (line {self.line})" if self.line > 0 else "")

    @property
    def last_line(self) -> int:
        return max(self.end_line, self.line)

    def __str__(self) -> str:
        what = f"{self.rule}: {self.message}" if self.rule else self.message
        return f"{_where(self.filename, self.line, self.column)}: warning: {what}"

    def render(self) -> str:
        """The message with the line it is about and a caret under the column."""
        return str(self) + _excerpt(self.line, self.column, self.source_line)
