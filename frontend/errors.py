"""The one error type users see: a message pinned to a Dockerfile location."""

from __future__ import annotations


class DockerfileError(Exception):
    """A problem with the user's Dockerfile or build options.

    ``line``/``column`` are 1-based; ``line`` 0 means "no particular line"
    (for example a bad ``--target``). ``end_line`` defaults to ``line``.
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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.end_line = end_line if end_line is not None else line
        self.filename = filename
        self.source_line = source_line

    def __str__(self) -> str:
        if not self.line:
            return f"{self.filename}: {self.message}"
        where = f"{self.filename}:{self.line}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"

    def render(self) -> str:
        """The message with the offending line and a caret under the column."""
        text = str(self)
        if self.source_line is None or not self.line:
            return text
        caret = " " * max(self.column - 1, 0) + "^"
        gutter = f"{self.line:>4} | "
        return f"{text}\n{gutter}{self.source_line}\n{' ' * len(gutter)}{caret}"
