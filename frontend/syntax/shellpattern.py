"""Trim and replace patterns of ``${VAR#...}``, ``${VAR%...}`` and ``${VAR/.../...}``.

Upstream turns a pattern into a Go regular expression: ``*`` is ``.*`` (``.*?`` for the
shortest trims), ``?`` is ``.``, and ``\\*``, ``\\?``, ``\\\\`` are literals; ``.`` never
matches a newline. With leftmost-first matching, all-greedy stars give the longest match
from the leftmost start and all-lazy stars the shortest, so a small NFA simulation
(linear in the text) gives the same answers without backtracking.
"""

from __future__ import annotations

from collections.abc import Callable

_BOM = "\ufeff"
_BAD_RUNE = "\ufffd"  # how Go prints the EOF rune


class PatternError(Exception):
    """A pattern with an escape Go's regexp would reject."""


def is_name_char(ch: str) -> bool:
    """Go's ``unicode.IsLetter || unicode.IsDigit || '_'``."""
    return ch.isalpha() or ch.isdecimal() or ch == "_"


_STAR = "<star>"
_ANY = "<any>"


class Pattern:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.accept = len(tokens)
        wild = _STAR in tokens or _ANY in tokens
        self.literal = None if wild else "".join(tokens)
        # States reachable from each state without reading: a star may match nothing.
        # Stars never follow each other, so a closure has at most two states.
        self.closures = [
            (state, state + 1) if token == _STAR else (state,) for state, token in enumerate(tokens)
        ]
        self.closures.append((self.accept,))

    def step(self, states: dict[int, int], ch: str) -> dict[int, int]:
        """Read ``ch``; states map to the earliest start that reaches them."""
        following: dict[int, int] = {}
        for state, start in states.items():
            if state == self.accept:
                continue
            token = self.tokens[state]
            if token == _STAR:
                targets = self.closures[state] if ch != "\n" else ()
            elif token == ch or (token == _ANY and ch != "\n"):
                targets = self.closures[state + 1]
            else:
                continue
            for target in targets:
                if following.get(target, start) >= start:
                    following[target] = start
        return following

    def match_prefix(self, text: str, longest: bool) -> int | None:
        """End of the longest (or shortest) match at the start of ``text``."""
        if self.literal is not None:
            return len(self.literal) if text.startswith(self.literal) else None
        states = dict.fromkeys(self.closures[0], 0)
        best = 0 if self.accept in states else None
        pos = 0
        while states and pos < len(text) and (longest or best is None):
            states = self.step(states, text[pos])
            pos += 1
            if self.accept in states:
                best = pos
        return best

    def search(self, text: str, start: int) -> tuple[int, int] | None:
        """The leftmost match at or after ``start``, longest from there."""
        if self.literal is not None:
            found = text.find(self.literal, start)
            return None if found < 0 else (found, found + len(self.literal))
        first = self.tokens[0]
        first_is_literal = first not in (_STAR, _ANY)
        best: tuple[int, int] | None = None
        states: dict[int, int] = {}
        pos = start
        while True:
            if best is None:
                if not states and first_is_literal:
                    pos = text.find(first, pos)
                    if pos < 0:
                        return None
                for state in self.closures[0]:
                    states.setdefault(state, pos)
            if self.accept in states:
                origin = states[self.accept]
                if best is None or origin <= best[0]:
                    best = (origin, pos)
                    states = {s: o for s, o in states.items() if o <= origin}
            if pos >= len(text) or (best is not None and not states):
                return best
            states = self.step(states, text[pos])
            pos += 1


def compile_pattern(pattern: str) -> Pattern:
    tokens: list[str] = []
    pos = 1 if pattern.startswith(_BOM) else 0  # also skipped by Go's text/scanner
    while pos < len(pattern):
        ch = pattern[pos]
        pos += 1
        if ch == "*":
            if tokens[-1:] != [_STAR]:  # "**" matches what "*" matches
                tokens.append(_STAR)
        elif ch == "?":
            tokens.append(_ANY)
        elif ch == "\\":
            following = pattern[pos] if pos < len(pattern) else ""
            if following in ("}", "/"):
                continue  # escaped to end the ${} word early; not part of the pattern
            pos += 1
            if following not in ("*", "?", "\\"):
                bad = following or _BAD_RUNE
                raise PatternError(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\{bad}'"
                )
            tokens.append(following)
        else:
            tokens.append(ch)
    return Pattern(tokens)


def trim_prefix(pattern: str, value: str, longest: bool) -> str:
    end = compile_pattern(pattern).match_prefix(value, longest)
    return value if end is None else value[end:]


def trim_suffix(pattern: str, value: str, longest: bool) -> str:
    """Trim a suffix by trimming the reversed pattern from the reversed value."""
    return trim_prefix(_reverse_pattern(pattern), value[::-1], longest)[::-1]


def _reverse_pattern(pattern: str) -> str:
    """Reverse, keeping each backslash before the character it escapes."""
    units: list[str] = []
    pos = 0
    while pos < len(pattern):
        size = 2 if pattern[pos] == "\\" and pos + 1 < len(pattern) else 1
        units.append(pattern[pos : pos + size])
        pos += size
    return "".join(reversed(units))


class Template:
    """A replacement as Go's ``Regexp.Expand`` reads it: ``$$`` is ``$``, ``$0`` the match.

    The pattern has no groups, so every other ``$name`` or ``${name}`` is empty.
    """

    def __init__(self, text: str) -> None:
        self.parts: list[str | None] = []  # None stands for the match
        pos = 0
        while (dollar := text.find("$", pos)) >= 0:
            self.parts.append(text[pos:dollar])
            pos = dollar + 1
            if text.startswith("$", pos):
                self.parts.append("$")
                pos += 1
                continue
            name, after = _template_name(text, pos)
            if name is None:
                self.parts.append("$")
                continue
            if name == "0":
                self.parts.append(None)
            pos = after
        self.parts.append(text[pos:])

    def expand(self, match: str) -> str:
        return "".join(match if part is None else part for part in self.parts)


def _template_name(text: str, pos: int) -> tuple[str | None, int]:
    braced = text.startswith("{", pos)
    start = end = pos + 1 if braced else pos
    while end < len(text) and is_name_char(text[end]):
        end += 1
    if end == start:
        return None, pos
    if braced:
        if not text.startswith("}", end):
            return None, pos
        return text[start:end], end + 1
    return text[start:end], end


def replace_first(pattern: Pattern, value: str, replacement: str) -> str:
    """The first match only; unlike replace-all, ``$`` is not special here."""
    found = pattern.search(value, 0)
    if found is None:
        return value
    start, end = found
    return value[:start] + replacement + value[end:]


def replace_all(
    pattern: Pattern, value: str, template: Template, spend: Callable[[int], None]
) -> str:
    """Go's ``ReplaceAllString``: an empty match right after a match is not replaced.
    ``spend`` is told how much longer than its match each replacement is."""
    if pattern.literal is not None:  # str.replace agrees, also for an empty literal
        literal = pattern.literal
        replacement = template.expand(literal)
        matches = len(value) + 1 if not literal else value.count(literal)
        spend(matches * max(len(replacement) - len(literal), 0))
        return value.replace(literal, replacement)
    out: list[str] = []
    last_end = search = 0
    while search <= len(value):
        found = pattern.search(value, search)
        if found is None:
            break
        start, end = found
        out.append(value[last_end:start])
        if end > last_end or start == 0:
            replaced = template.expand(value[start:end])
            spend(max(len(replaced) - (end - start), 0))
            out.append(replaced)
        last_end = end
        search = max(search + 1, end)
    out.append(value[last_end:])
    return "".join(out)
