"""The raw node model: one node per instruction, as the official parser splits it.

This layer mirrors upstream's parser output field by field (``cmd``,
``flags``, ``value``, ``json``, lines, heredocs) so the two can be diffed;
``instructions.py`` turns nodes into the typed AST.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from frontend.frozen import frozen


@frozen
class Heredoc:
    """A heredoc body attached to an instruction (``<<EOF`` ... ``EOF``)."""

    name: str
    content: str
    expand: bool = True
    chomp: bool = False
    file_descriptor: int = 0


@frozen
class Node:
    """One instruction: keyword, leading flags and its argument list.

    ``original`` is the instruction's logical line (continuations joined); an
    instruction with heredocs adds, after a newline, each body followed by
    its terminator line. ONBUILD keeps its trigger in ``sub`` and, as
    upstream, has ``value`` ``("",)``; its heredocs sit on both nodes.
    """

    cmd: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    json: bool
    start_line: int
    end_line: int
    original: str
    heredocs: tuple[Heredoc, ...] = ()
    sub: Node | None = None
    """ONBUILD's nested instruction."""
    column: int = 1
    comments: tuple[str, ...] = field(default=(), compare=False)
    """The comment lines right above the instruction (upstream's ``PrevComment``)."""
    empty_continuation_line: int = field(default=0, compare=False)
    """Where the logical line ends if it had a blank continuation line, else 0."""
    legacy_format: bool = field(default=False, compare=False)
    """ENV/LABEL written ``KEY value``, without ``=``."""
    flag_starts: tuple[int, ...] = field(default=(), compare=False)
    """Where each flag's token starts in ``original``."""
    args_start: int = field(default=0, compare=False)
    """Where the arguments start in ``original`` (past the keyword and flags)."""

    @property
    def sub_cmd(self) -> str | None:
        return self.sub.cmd if self.sub else None

    def to_json(self) -> dict[str, Any]:
        """The dump format of ``pyfrontend parse --format json``.

        ``value`` and ``json`` are ONBUILD's trigger's, as the ``dockerfile``
        package reports them; ``flags`` are the outer instruction's.
        """
        shown = self.sub or self
        return {
            "cmd": self.cmd,
            "sub_cmd": self.sub_cmd,
            "flags": list(self.flags),
            "value": list(shown.value),
            "json": shown.json,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "original": self.original,
            "heredocs": [
                {
                    "name": h.name,
                    "content": h.content,
                    "expand": h.expand,
                    "chomp": h.chomp,
                    "file_descriptor": h.file_descriptor,
                }
                for h in self.heredocs
            ],
        }
