"""Word expansion with the rules of BuildKit's Dockerfile shell lexer (not a shell).

``expand_word`` is ProcessWord: one string, quotes removed, ``$VAR`` and ``${VAR...}``
expanded. ``expand_words`` is ProcessWords: the same, then split on unquoted whitespace
(an unquoted expansion's value is split too; empty words are dropped). There is no
command substitution, globbing or tilde expansion. An undecodable byte of the word (a
surrogate escape) comes out as U+FFFD, as Go's scanner reads it.

Behaviour follows the upstream lexer (``frontend/dockerfile/shell/lex.go``), including
its quirks: ``*``/``?`` in trim and replace patterns never match a newline, quotes do
not make a pattern literal, ``${VAR/pattern}`` without a replacement is an error, the
replacement keeps backslashes, and ``${VAR//p/r}`` (not ``${VAR/p/r}``) expands ``$0`` in
the replacement to the match.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from frontend.gotext import go_quote, printable

__all__ = [
    "WordError",
    "WordMatches",
    "expand_word",
    "expand_word_matches",
    "expand_words",
]

MAX_NESTING = 100
"""Deepest ``${VAR:-${...}}`` nesting accepted (upstream has no limit)."""

MAX_EXPANSION = 1 << 20
"""Most characters the variables of one word may add to it (upstream has no limit):
each ``$VAR`` adds its value, and a ``${VAR//p/r}`` what its replacements add."""

# Go's unicode.IsSpace; Python's str.isspace also counts U+001C..U+001F.
_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_RUN = re.compile(f"[{_SPACE}]+")
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_HEREDOC_SPACE = frozenset(" \t\r")
_BOM = "\ufeff"
_BAD_RUNE = "\ufffd"  # how Go prints the EOF rune


class WordError(Exception):
    """A malformed word, or a ``${VAR?message}`` whose variable is unset (or empty)."""

    def __init__(self, reason: str, source: str) -> None:
        super().__init__(reason, source)
        self.reason = reason
        self.source = source

    def __str__(self) -> str:
        return f"failed to process {go_quote(self.source)}: {self.reason}"


@dataclass(frozen=True)
class WordMatches:
    """An expanded word and the variable names it looked up, found or not."""

    value: str
    matched: frozenset[str]
    unmatched: frozenset[str]


def expand_word(
    word: str,
    env: Mapping[str, str],
    escape: str = "\\",
    *,
    raw_quotes: bool = False,
    raw_escapes: bool = False,
    skip_unset_env: bool = False,
    skip_process_quotes: bool = False,
) -> str:
    """One word, expanded and unquoted (upstream ``ProcessWord``).

    ``raw_quotes`` keeps quote characters, ``raw_escapes`` keeps escape characters,
    ``skip_unset_env`` leaves references to unset variables as written, and
    ``skip_process_quotes`` treats quotes as ordinary characters.
    """
    lexer = _Lexer(word, env, escape, raw_quotes, skip_unset_env, skip_process_quotes)
    return lexer.run(raw_escapes, None)


def expand_words(
    text: str,
    env: Mapping[str, str],
    escape: str = "\\",
    *,
    raw_quotes: bool = False,
    raw_escapes: bool = False,
    skip_unset_env: bool = False,
    skip_process_quotes: bool = False,
) -> list[str]:
    """Expanded words split on unquoted whitespace (upstream ``ProcessWords``)."""
    lexer = _Lexer(text, env, escape, raw_quotes, skip_unset_env, skip_process_quotes)
    words = _Words()
    lexer.run(raw_escapes, words)
    return words.finish()


def expand_word_matches(
    word: str,
    env: Mapping[str, str],
    escape: str = "\\",
    *,
    raw_quotes: bool = False,
    raw_escapes: bool = False,
    skip_unset_env: bool = False,
    skip_process_quotes: bool = False,
) -> WordMatches:
    """Like ``expand_word``, also naming the variables found and not found in ``env``."""
    lexer = _Lexer(word, env, escape, raw_quotes, skip_unset_env, skip_process_quotes)
    value = lexer.run(raw_escapes, None)
    return WordMatches(value, frozenset(lexer.matched), frozenset(lexer.unmatched))


class _Fail(Exception):
    """An error inside the lexer; ``WordError`` adds the source text."""


class _Words:
    """Word splitting: whitespace ends a word, empty words are dropped."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.buf: list[str] = []

    def add_raw(self, text: str) -> None:
        """Text that is never split (quoted or escaped)."""
        if text:
            self.buf.append(text)

    def add_text(self, text: str) -> None:
        """Text split on whitespace (plain characters and ``$`` expansions)."""
        first, *rest = _SPACE_RUN.split(text)
        self.add_raw(first)
        for part in rest:
            self.flush()
            self.add_raw(part)

    def flush(self) -> None:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf = []

    def finish(self) -> list[str]:
        self.flush()
        return self.words


@functools.lru_cache(maxsize=64)
def _plain_run(specials: str) -> re.Pattern[str]:
    """Matches a run of characters that need no special handling."""
    return re.compile(f"[^{re.escape(specials)}]+")


class _Lexer:
    def __init__(
        self,
        text: str,
        env: Mapping[str, str],
        escape: str,
        raw_quotes: bool,
        skip_unset_env: bool,
        skip_process_quotes: bool,
    ) -> None:
        if len(escape) != 1:
            raise ValueError(f"escape must be one character, not {escape!r}")
        self.source = text
        self.text = printable(text)  # Go's scanner reads an undecodable byte as U+FFFD
        self.end = len(text)
        self.pos = 1 if text.startswith(_BOM) else 0  # Go's text/scanner skips a leading BOM
        self.env = env
        self.escape = escape
        self.raw_quotes = raw_quotes
        self.skip_unset_env = skip_unset_env
        self.quotes = "" if skip_process_quotes else "'\""
        self.depth = 0
        self.budget = MAX_EXPANSION
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()

    def run(self, raw_escapes: bool, words: _Words | None) -> str:
        try:
            return self.stop_on("", raw_escapes, words)
        except _Fail as exc:
            raise WordError(str(exc), self.source) from None

    def peek(self) -> str:
        """The next character, or ``""`` at the end."""
        return self.text[self.pos] if self.pos < self.end else ""

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch

    def stop_on(self, stop: str, raw_escapes: bool, words: _Words | None) -> str:
        """Process up to ``stop`` (consumed) or, when ``stop`` is empty, the end.

        ``raw_escapes`` keeps escape characters; upstream sets it for trim and replace
        patterns, so that ``\\*`` reaches the pattern matcher.
        """
        out: list[str] = []
        text, escape = self.text, self.escape
        plain = _plain_run("$<" + escape + stop + self.quotes)
        while self.pos < self.end:
            run = plain.match(text, self.pos)
            if run is not None:
                out.append(run.group())
                if words is not None:
                    words.add_text(run.group())
                self.pos = run.end()
                continue
            ch = text[self.pos]
            if ch == stop:
                self.pos += 1
                return "".join(out)
            if ch == "$":
                value = self.dollar()
                if words is not None:
                    words.add_text(value)
            elif ch == "<":
                value = self.heredoc()
            elif ch == "'" and self.quotes:
                value = self.single_quoted()
            elif ch == '"' and self.quotes:
                value = self.double_quoted(raw_escapes)
            else:  # the escape character
                self.pos += 1
                if raw_escapes:
                    out.append(ch)
                    if words is not None:
                        words.add_raw(ch)
                value = self.next()
                if not value:
                    break  # an escape at the end is dropped
            if words is not None and ch != "$":
                words.add_raw(value)
            out.append(value)
        if stop:
            raise _Fail(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out)

    def nested(self, stop: str, raw_escapes: bool, missing: str) -> str:
        """A word inside ``${...}``; running out of input reports ``missing``."""
        if self.depth >= MAX_NESTING:
            raise _Fail(f"syntax error: substitutions nested deeper than {MAX_NESTING}")
        self.depth += 1
        try:
            return self.stop_on(stop, raw_escapes, None)
        except _Fail:
            if self.pos >= self.end:
                raise _Fail(missing) from None
            raise
        finally:
            self.depth -= 1

    def single_quoted(self) -> str:
        """Everything up to the next ``'``, as written."""
        self.pos += 1
        close = self.text.find("'", self.pos)
        if close < 0:
            self.pos = self.end
            raise _Fail("unexpected end of statement while looking for matching single-quote")
        body = self.text[self.pos : close]
        self.pos = close + 1
        return f"'{body}'" if self.raw_quotes else body

    def double_quoted(self, raw_escapes: bool) -> str:
        """Up to the next ``"``: expands ``$``; the escape only escapes ``"``, ``$``, itself."""
        text, escape = self.text, self.escape
        plain = _plain_run('"$' + escape)
        self.pos += 1
        out = ['"'] if self.raw_quotes else []
        while True:
            if self.pos >= self.end:
                raise _Fail("unexpected end of statement while looking for matching double-quote")
            run = plain.match(text, self.pos)
            if run is not None:
                out.append(run.group())
                self.pos = run.end()
                continue
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            self.pos += 1  # the escape character
            if raw_escapes:
                out.append(ch)
            following = self.peek()
            if not following:
                continue  # reported as an unterminated quote
            if following in ('"', "$", escape):
                ch = self.next()
            out.append(ch)

    def heredoc(self) -> str:
        """``<``, or ``<<`` with the blanks after it (kept in one word)."""
        self.pos += 1
        if self.peek() != "<":
            return "<"
        self.pos += 1
        start = self.pos
        while self.peek() in _HEREDOC_SPACE:
            self.pos += 1
        return "<<" + self.text[start : self.pos]

    def lookup(self, name: str) -> str | None:
        value = self.env.get(name)
        (self.unmatched if value is None else self.matched).add(name)
        if value is not None:
            self.spend(len(value))
        return value

    def spend(self, added: int) -> None:
        """Count characters a variable adds to the word; too many is an error."""
        self.budget -= added
        if self.budget < 0:
            raise _Fail(f"variables expand to more than {MAX_EXPANSION} characters")

    def name(self) -> str:
        """A name, a run of digits, or one special parameter (may be empty)."""
        text, start = self.text, self.pos
        first = self.peek()
        if not first:
            return ""
        if first.isdecimal():
            while self.pos < self.end and text[self.pos].isdecimal():
                self.pos += 1
        elif first in _SPECIAL_PARAMS:
            self.pos += 1
        else:
            while self.pos < self.end and _is_name_char(text[self.pos]):
                self.pos += 1
        return text[start : self.pos]

    def dollar(self) -> str:
        self.pos += 1  # the '$'
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            value = self.lookup(name)
            if value is None:
                return "$" + name if self.skip_unset_env else ""
            return value

        self.pos += 1  # the '{'
        first = self.peek()
        if not first:
            raise _Fail("syntax error: missing '}'")
        if first in ("{", "}", ":"):
            raise _Fail("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        modifier = op or _BAD_RUNE
        if op == "}":
            value = self.lookup(name)
            if value is None:
                return "${" + name + "}" if self.skip_unset_env else ""
            return value
        if op == "/":
            return self.replace(name)
        null_is_unset = op == ":"
        if null_is_unset:
            op = self.next()
            modifier += op or _BAD_RUNE
        elif op not in ("+", "-", "?", "#", "%"):
            raise _Fail(f"unsupported modifier ({modifier}) in substitution")
        trim = op in ("#", "%")
        if null_is_unset and trim:
            raise _Fail(f"unsupported modifier ({modifier}) in substitution")
        word = self.nested("}", trim, "syntax error: missing '}'")

        found = self.lookup(name)
        if found is None and self.skip_unset_env:
            return "${" + name + modifier + word + "}"
        value = found or ""
        unset = found is None or (null_is_unset and not value)
        if op == "-":
            return word if unset else value
        if op == "+":
            return "" if unset else word
        if op == "?":
            if found is None:
                raise _Fail(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and not value:
                raise _Fail(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if trim:
            longest = word[:1] == op
            if longest:
                word = word[1:]
            if op == "%":
                return _trim_suffix(word, value, longest)
            return _trim_prefix(word, value, longest)
        raise _Fail(f"unsupported modifier ({modifier}) in substitution")

    def replace(self, name: str) -> str:
        """``${VAR/pattern/replacement}`` and ``${VAR//pattern/replacement}``."""
        every = self.peek() == "/"
        if every:
            self.pos += 1
        pattern = self.nested("/", True, "syntax error: missing '/' in ${}")
        replacement = self.nested("}", True, "syntax error: missing '}'")
        value = self.lookup(name)
        if value is None and self.skip_unset_env:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        compiled = _compile_pattern(pattern)
        if every:
            return _replace_all(compiled, value or "", _Template(replacement), self.spend)
        return _replace_first(compiled, value or "", replacement)


def _is_name_char(ch: str) -> bool:
    """Go's ``unicode.IsLetter || unicode.IsDigit || '_'``."""
    return ch.isalpha() or ch.isdecimal() or ch == "_"


# --- patterns ------------------------------------------------------------------------------
#
# Upstream turns a pattern into a Go regular expression: ``*`` is ``.*`` (``.*?`` for the
# shortest trims), ``?`` is ``.``, and ``\*``, ``\?``, ``\\`` are literals; ``.`` never
# matches a newline. With leftmost-first matching, all-greedy stars give the longest match
# from the leftmost start and all-lazy stars the shortest, so a small NFA simulation
# (linear in the text) gives the same answers without backtracking.

_STAR = "<star>"
_ANY = "<any>"


class _Pattern:
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


def _compile_pattern(pattern: str) -> _Pattern:
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
                raise _Fail(
                    f"invalid pattern ({pattern}) in substitution: invalid escape '\\{bad}'"
                )
            tokens.append(following)
        else:
            tokens.append(ch)
    return _Pattern(tokens)


def _trim_prefix(pattern: str, value: str, longest: bool) -> str:
    end = _compile_pattern(pattern).match_prefix(value, longest)
    return value if end is None else value[end:]


def _trim_suffix(pattern: str, value: str, longest: bool) -> str:
    """Trim a suffix by trimming the reversed pattern from the reversed value."""
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], longest)[::-1]


def _reverse_pattern(pattern: str) -> str:
    """Reverse, keeping each backslash before the character it escapes."""
    units: list[str] = []
    pos = 0
    while pos < len(pattern):
        size = 2 if pattern[pos] == "\\" and pos + 1 < len(pattern) else 1
        units.append(pattern[pos : pos + size])
        pos += size
    return "".join(reversed(units))


class _Template:
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
    while end < len(text) and _is_name_char(text[end]):
        end += 1
    if end == start:
        return None, pos
    if braced:
        if not text.startswith("}", end):
            return None, pos
        return text[start:end], end + 1
    return text[start:end], end


def _replace_first(pattern: _Pattern, value: str, replacement: str) -> str:
    """The first match only; unlike replace-all, ``$`` is not special here."""
    found = pattern.search(value, 0)
    if found is None:
        return value
    start, end = found
    return value[:start] + replacement + value[end:]


def _replace_all(
    pattern: _Pattern, value: str, template: _Template, spend: Callable[[int], None]
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
