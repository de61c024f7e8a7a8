"""The one heredoc marker parser (``<<EOF``, ``<<-"EOF"``, ``3<< EOF``), as BuildKit's.

``heredocs_in`` finds the markers of an instruction line (the parser reads
their bodies); ``parse_heredoc`` reads one word as a marker (the COPY/ADD
sources and destination, a RUN program); ``chomp`` strips the leading tabs of
a ``<<-`` body. Words are split by the shell lexer (``frontend.syntax.shell``).
"""

from __future__ import annotations

import re

from frontend.errors import DockerfileError
from frontend.syntax.nodes import Heredoc
from frontend.syntax.shell import Lex, WordError

_MARKER = re.compile(r"([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)\Z")  # Go's \s and $
_LEADING_TABS = re.compile(r"(?m)^\t+")
_MAX_FD = 2**64 - 1

HEREDOC_MAX_NESTING = 12_500
"""Open ``${...}`` words on a line before marker detection gives up (upstream has no limit).

More than a line within the parser's line limit can hold; only a longer
logical line (joined from continuations) gets there, and is then read as
having no heredoc rather than use unbounded memory.
"""

_LINE = Lex(raw_quotes=True, raw_escapes=True, skip_unset_env=True, max_nesting=HEREDOC_MAX_NESTING)
_NAME = Lex(skip_unset_env=True, max_nesting=HEREDOC_MAX_NESTING)
_RAW_NAME = Lex(raw_quotes=True, skip_unset_env=True, max_nesting=HEREDOC_MAX_NESTING)


def parse_heredoc(word: str) -> Heredoc | None:
    """The marker ``word`` is (with empty content), or None when it is none.

    Raises ``DockerfileError`` (without a line) when the delimiter does not lex.
    """
    match = _MARKER.match(word)
    if not match or not match.group(3):
        return None
    rest = match.group(3)
    try:
        names = _NAME.process_words(rest, {})
        if len(names) != 1:
            return None
        raw_names = _RAW_NAME.process_words(rest, {})
    except WordError as exc:
        raise DockerfileError(str(exc)) from None
    if len(raw_names) != 1:
        raise DockerfileError(f"internal lexing of heredoc produced inconsistent results: {rest}")
    return Heredoc(
        name=names[0],
        content="",
        expand=_quotes(names[0]) == _quotes(raw_names[0]),
        chomp=match.group(2) == "-",
        file_descriptor=min(int(match.group(1) or 0), _MAX_FD),
    )


def marker_name(word: str) -> str | None:
    """The delimiter when ``word`` is one heredoc marker, else None (errors included)."""
    try:
        doc = parse_heredoc(word)
    except DockerfileError:
        return None
    return doc.name if doc else None


def heredocs_in(line: str) -> list[Heredoc]:
    """The heredoc markers of an instruction line, in order.

    Raises ``DockerfileError`` (without a line) when a marker's word does not lex.
    """
    try:
        words = _LINE.process_words(line, {})
    except WordError:
        return []
    return [doc for word in words if "<<" in word and (doc := parse_heredoc(word))]


def chomp(content: str) -> str:
    """A ``<<-`` body without the leading tabs of its lines."""
    return _LEADING_TABS.sub("", content)


def _quotes(word: str) -> int:
    return word.count("'") + word.count('"')
