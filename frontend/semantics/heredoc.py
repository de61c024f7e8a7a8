"""Heredocs as COPY/ADD sources and as RUN programs: how Docker's frontend lowers them."""

from __future__ import annotations

import re
from collections.abc import Mapping

from frontend.semantics.words import expand_word
from frontend.syntax import ast
from frontend.syntax.heredoc import chomp, marker_name

__all__ = ["body", "expand", "find", "is_lone", "marker_name", "summary"]

_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")
"""A delimiter that reads as it is written (nothing to unquote or expand)."""


def find(heredocs: tuple[ast.Heredoc, ...], word: str) -> ast.Heredoc | None:
    """The heredoc a source word stands for."""
    if not heredocs:
        return None
    name = marker_name(word)
    return next((h for h in heredocs if h.name == name), None) if name else None


def is_lone(command: ast.ShellCommand) -> bool:
    """Whether the command is its first heredoc's marker alone (``<<EOF``)."""
    first = command.heredocs[0]
    word = command.text.strip()
    if word == f"<<{first.name}" and _WORD.fullmatch(first.name):
        return True  # the usual spelling: no need to read it again
    return marker_name(word) == first.name


def body(doc: ast.Heredoc) -> str:
    """The content, with leading tabs removed for ``<<-``."""
    return chomp(doc.content) if doc.chomp else doc.content


def expand(text: str, env: Mapping[str, str]) -> str:
    """Expand variables in a heredoc body; quotes have no meaning there, escapes do."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        out.append("\\" + ch if ch in "'\"" else ch)
        i += 1
    return expand_word("".join(out), env)


def summary(doc: ast.Heredoc) -> str:
    """First line of the content, ``...`` if there is more (for progress names)."""
    lines = doc.content.strip().replace("\r\n", "\n").split("\n")
    return lines[0] + ("..." if len(lines) > 1 else "")
