"""``.dockerignore`` patterns matched the way Docker's pattern matcher does it.

Only what the ``CopyIgnoredFile`` check needs: does a path, or one of its
parent directories, match a pattern. Patterns arrive cleaned, as
``frontend.compiler.dockerignore.parse_dockerignore`` returns them
(``!`` marks an exception).
"""

from __future__ import annotations

import posixpath
import re
from enum import Enum

from frontend.frozen import frozen
from frontend.gotext import clean_path

_ESCAPED = frozenset(".+()|{}$")


class _Kind(Enum):
    EXACT = 1
    PREFIX = 2
    SUFFIX = 3
    REGEX = 4


@frozen
class _Pattern:
    """One compiled ``.dockerignore`` pattern."""

    text: str
    exclusion: bool
    kind: _Kind
    regex: re.Pattern[str] | None

    def match(self, path: str) -> bool:
        if self.kind is _Kind.EXACT:
            return path == self.text
        if self.kind is _Kind.PREFIX:
            return path.startswith(self.text[:-2])
        if self.kind is _Kind.SUFFIX:
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix[:1] == "/" and path == suffix[1:])
        return self.regex is not None and self.regex.match(path) is not None


def _compile(text: str, exclusion: bool) -> _Pattern:
    """The pattern's match kind and, for wildcards, its regular expression."""
    regex, kind, i, token = "^", _Kind.EXACT, 0, 0
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == "*" and text[i : i + 1] == "*":
            i += 1
            if text[i : i + 1] == "/":
                i += 1
            if i >= len(text):
                if kind is _Kind.EXACT:
                    kind = _Kind.PREFIX
                else:
                    regex, kind = regex + ".*", _Kind.REGEX
            else:
                regex, kind = regex + "(.*/)?", _Kind.REGEX
            if token == 0:
                kind = _Kind.SUFFIX
        elif ch == "*":
            regex, kind = regex + "[^/]*", _Kind.REGEX
        elif ch == "?":
            regex, kind = regex + "[^/]", _Kind.REGEX
        elif ch in _ESCAPED:
            regex += "\\" + ch
        elif ch == "\\":
            if i < len(text):
                regex, kind = regex + "\\" + text[i], _Kind.REGEX
                i += 1
            else:
                regex += "\\\\"
        elif ch in "[]":
            regex, kind = regex + ch, _Kind.REGEX
        else:
            regex += ch
        token += 1
    compiled = re.compile(regex + r"\Z") if kind is _Kind.REGEX else None
    return _Pattern(text, exclusion, kind, compiled)


class IgnoreMatcher:
    """The patterns of one ``.dockerignore``, in order."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        """Raises ``ValueError`` for a pattern Docker would refuse."""
        self.patterns: list[_Pattern] = []
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            text = clean_path(text)
            exclusion = text.startswith("!")
            if exclusion:
                if text == "!":
                    raise ValueError('illegal exclusion pattern: "!"')
                text = text[1:]
            try:
                self.patterns.append(_compile(text, exclusion))
            except re.error as exc:
                raise ValueError(f"syntax error in pattern {text!r}: {exc}") from None

    @property
    def has_exclusions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def root_ignored(self) -> bool:
        """Whether a pattern excludes every entry at the root of the context."""
        return any(not p.exclusion and p.text in ("*", "**", "**/*") for p in self.patterns)

    def matches_or_parent_matches(self, path: str) -> bool:
        """Whether ``path`` (cleaned) or a directory above it is excluded."""
        parent = posixpath.dirname(path) or "."
        dirs = parent.split("/")
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            hit = pattern.match(path)
            if not hit and parent != ".":
                hit = any(pattern.match("/".join(dirs[: i + 1])) for i in range(len(dirs)))
            if hit:
                matched = not pattern.exclusion
        return matched
