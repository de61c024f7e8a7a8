"""``COPY --chmod`` / ``ADD --chmod`` values: octal (``0755``) or symbolic (``u+x,go-w``).

Docker's frontend writes an octal value as the copy's mode and passes a
symbolic one through as text for the engine to apply to each file (BuildKit
0.17 and later). Symbolic modes follow chmod(1): clauses separated by commas,
each ``[ugoa]*`` then one or more operators ``+``, ``-`` or ``=``, each
followed by permissions from ``rwxXst`` or a copy from ``u``, ``g`` or ``o``.
"""

from __future__ import annotations

from frontend.errors import DockerfileError
from frontend.frozen import frozen

_WHO = "augo"
_OPERATORS = "+-="
_PERMISSIONS = "rstwXxugo"
_OCTAL_DIGITS = frozenset("01234567")
MAX_OCTAL = 0o7777


@frozen
class FileMode:
    """A copy's mode: ``octal`` (-1 when none) or the symbolic ``text``."""

    octal: int = -1
    text: str = ""


def parse_chmod(value: str) -> FileMode:
    """The mode ``--chmod=value`` sets; invalid values fail with Docker's messages."""
    if not value:
        return FileMode()
    not_octal = DockerfileError(
        f"invalid chmod parameter: '{value}'. it should be octal string and between 0 and 07777"
    )
    if set(value) <= _OCTAL_DIGITS:
        octal = int(value, 8)
        if octal > MAX_OCTAL:
            raise not_octal
        return FileMode(octal=octal)
    if value[0].isascii() and value[0].isdigit():
        raise not_octal  # a number, just not an octal one
    if not _is_symbolic(value):
        raise DockerfileError("invalid syntax")
    return FileMode(text=value)


def _is_symbolic(text: str) -> bool:
    """Whether ``text`` is a list of chmod(1) clauses (the grammar BSD's setmode reads)."""
    for clause in text.split(","):
        rest = clause.lstrip(_WHO)
        if not rest or rest[0] not in _OPERATORS:
            return False
        while rest:
            if rest[0] not in _OPERATORS:
                return False
            rest = rest[1:].lstrip(_PERMISSIONS)
    return True
