"""The one shell lexer: word splitting and variable expansion as BuildKit's ``shell.Lex``.

``Lex`` holds the options (escape character, raw quotes, raw escapes, unset
variables kept, quotes ignored, nesting limit); ``process_word`` is upstream's
ProcessWord (one string, quotes removed, ``$VAR`` and ``${VAR...}`` expanded),
``process_words`` its ProcessWords (the same, split on unquoted whitespace; an
unquoted expansion's value is split too and empty words are dropped). There is
no command substitution, globbing or tilde expansion.

Behaviour follows the upstream lexer, quirks included: ``*``/``?`` in trim and
replace patterns never match a newline, quotes do not make a pattern literal,
``${VAR/pattern}`` without a replacement is an error, the replacement keeps
backslashes, ``${VAR//p/r}`` (not ``${VAR/p/r}``) expands ``$0`` in the
replacement to the match, ``<<`` keeps the blanks after it in its word, and a
nested ``${...}`` scan restarts the word being split. Nested scans run on an
explicit stack, so depth is bounded by ``max_nesting``, not by Python's
recursion limit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Generator, Mapping
from functools import partial

from frontend.frozen import frozen
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_quote, printable
from frontend.syntax.shellpattern import (
    PatternError,
    Template,
    compile_pattern,
    is_name_char,
    replace_all,
    replace_first,
    trim_prefix,
    trim_suffix,
)

MAX_NESTING = 100
"""Deepest ``${VAR:-${...}}`` nesting expansion accepts (upstream has no limit)."""

MAX_EXPANSION = 1 << 20
"""Most characters the variables of one word may add to it (upstream has no limit):
each ``$VAR`` adds its value, and a ``${VAR//p/r}`` what its replacements add."""

# Go's unicode.IsSpace; Python's str.isspace also counts U+001C..U+001F.
_SPACE_RUN = re.compile(f"[{re.escape(GO_SPACE)}]+")
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_HEREDOC_SPACE = frozenset(" \t\r")
_HEREDOC_WORDS = re.compile(f"(?:<<[ \t\r]*|[^<{re.escape(GO_SPACE)}]+|<)+")
"""The words of text that is plain but for ``<``: a ``<<`` keeps the blanks after it."""
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


@frozen
class WordMatches:
    """An expanded word and the variable names it looked up, found or not."""

    value: str
    matched: frozenset[str]
    unmatched: frozenset[str]


@frozen
class Lex:
    """Lexer options (upstream's ``Lex`` fields).

    ``raw_quotes`` keeps quote characters, ``raw_escapes`` keeps escape
    characters, ``skip_unset_env`` leaves references to unset variables as
    written, ``skip_process_quotes`` treats quotes as ordinary characters.
    """

    escape: str = "\\"
    raw_quotes: bool = False
    raw_escapes: bool = False
    skip_unset_env: bool = False
    skip_process_quotes: bool = False
    max_nesting: int = MAX_NESTING

    def process_word(self, word: str, env: Mapping[str, str]) -> str:
        """One word, expanded and unquoted."""
        return _Scanner(self, word, env).run(None)

    def process_words(self, text: str, env: Mapping[str, str]) -> list[str]:
        """Expanded words split on unquoted whitespace."""
        if plain(text, self.escape):
            return [word for word in _SPACE_RUN.split(text) if word]
        if "<" in text and plain(text.replace("<", ""), self.escape):
            return _HEREDOC_WORDS.findall(text)  # as the scan below splits it
        words = _Words()
        _Scanner(self, text, env).run(words)
        return words.finish()

    def process_word_matches(self, word: str, env: Mapping[str, str]) -> WordMatches:
        """Like ``process_word``, also naming the variables found and not found in ``env``."""
        scanner = _Scanner(self, word, env)
        value = scanner.run(None)
        return WordMatches(value, frozenset(scanner.matched), frozenset(scanner.unmatched))


class _Fail(Exception):
    """An error inside the lexer; ``WordError`` adds the source text."""


class _Words:
    """Word splitting: whitespace ends a word, empty words are dropped.

    As upstream, one buffer is shared by every scan level and a nested scan
    starts by emptying it (the word being built before ``${...}`` is lost).
    """

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


_SPECIAL = re.compile("[$'\"<]")
"""What the lexer reads specially besides the escape character: variables, quotes
and ``<`` (a heredoc's ``<<`` keeps the blanks after it in its word)."""


def plain(text: str, escape: str) -> bool:
    """Whether the lexer gives ``text`` back as it is, whatever its options (and
    ``process_words`` only splits it on whitespace): ASCII (no byte to read as
    U+FFFD, no BOM) with no variable, quote, ``<`` or escape character."""
    return text.isascii() and len(escape) == 1 and escape not in text and not _SPECIAL.search(text)


@functools.lru_cache(maxsize=64)
def _plain_run(specials: str) -> re.Pattern[str]:
    """Matches a run of characters that need no special handling."""
    return re.compile(f"[^{re.escape(specials)}]+")


Piece = str | list["Piece"]
"""Text built by nested scans, kept as nested lists so that no level copies another's."""

_Scan = Generator["_Scan", Piece, Piece]
"""A scan: yields the nested scans it needs, receives their text, returns its own."""


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


class _Scanner:
    """One run of a ``Lex`` over one text."""

    def __init__(self, lex: Lex, text: str, env: Mapping[str, str]) -> None:
        if len(lex.escape) != 1:
            raise ValueError(f"escape must be one character, not {lex.escape!r}")
        self.lex = lex
        self.source = text
        self.text = printable(text)  # Go's scanner reads an undecodable byte as U+FFFD
        self.end = len(text)
        self.pos = 1 if text.startswith(_BOM) else 0  # Go's text/scanner skips a leading BOM
        self.env = env
        self.escape = lex.escape
        self.quotes = "" if lex.skip_process_quotes else "'\""
        self.words: _Words | None = None
        self.depth = 0
        self.budget = MAX_EXPANSION
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()

    def run(self, words: _Words | None) -> str:
        self.words = words
        try:
            return _flatten(_drive(self.stop_on("", self.lex.raw_escapes, words)))
        except _Fail as exc:
            raise WordError(str(exc), self.source) from None
        except PatternError as exc:
            raise WordError(str(exc), self.source) from None

    def peek(self) -> str:
        """The next character, or ``""`` at the end."""
        return self.text[self.pos] if self.pos < self.end else ""

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch

    def stop_on(self, stop: str, raw_escapes: bool, words: _Words | None) -> _Scan:
        """Process up to ``stop`` (consumed) or, when ``stop`` is empty, the end.

        ``words`` collects the split words at the outermost level only.
        ``raw_escapes`` keeps escape characters; upstream sets it for trim and
        replace patterns, so that ``\\*`` reaches the pattern matcher.
        """
        if self.words is not None:
            self.words.buf.clear()
        out: list[Piece] = []
        text, escape = self.text, self.escape
        plain = _plain_run("$<" + escape + stop + self.quotes)
        value: Piece
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
                if self.words is not None:
                    self.words.buf.clear()
                return out
            if ch == "$":
                value = (yield self.braced()) if text.startswith("${", self.pos) else self.dollar()
                if words is not None:
                    words.add_text(_flatten(value))
            elif ch == "<":
                value = self.heredoc()
            elif ch == "'" and self.quotes:
                value = self.single_quoted()
            elif ch == '"' and self.quotes:
                value = yield self.double_quoted(raw_escapes)
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
                words.add_raw(_flatten(value))
            out.append(value)
        if stop:
            raise _Fail(f"unexpected end of statement while looking for matching {stop}")
        return out

    def nested(self, stop: str, raw_escapes: bool, missing: str) -> _Scan:
        """A word inside ``${...}``; running out of input reports ``missing``."""
        if self.depth >= self.lex.max_nesting:
            raise _Fail(f"syntax error: substitutions nested deeper than {self.lex.max_nesting}")
        self.depth += 1
        try:
            return (yield self.stop_on(stop, raw_escapes, None))
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
        return f"'{body}'" if self.lex.raw_quotes else body

    def double_quoted(self, raw_escapes: bool) -> _Scan:
        """Up to the next ``"``: expands ``$``; the escape only escapes ``"``, ``$``, itself."""
        text, escape = self.text, self.escape
        plain = _plain_run('"$' + escape)
        self.pos += 1
        out: list[Piece] = ['"'] if self.lex.raw_quotes else []
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
                if self.lex.raw_quotes:
                    out.append(ch)
                return out
            if ch == "$":
                out.append(
                    (yield self.braced()) if text.startswith("${", self.pos) else self.dollar()
                )
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
            while self.pos < self.end and is_name_char(text[self.pos]):
                self.pos += 1
        return text[start : self.pos]

    def dollar(self) -> str:
        """``$name`` (or a lone ``$``)."""
        self.pos += 1  # the '$'
        name = self.name()
        if not name:
            return "$"
        value = self.lookup(name)
        if value is None:
            return "$" + name if self.lex.skip_unset_env else ""
        return value

    def braced(self) -> _Scan:
        """``${name}`` and ``${name<modifier>word}``."""
        self.pos += 2  # the '${'
        skip_unset = self.lex.skip_unset_env
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
                return "${" + name + "}" if skip_unset else ""
            return value
        if op == "/":
            return (yield self.replace(name))
        null_is_unset = op == ":"
        if null_is_unset:
            op = self.next()
            modifier += op or _BAD_RUNE
        elif op not in ("+", "-", "?", "#", "%"):
            raise _Fail(f"unsupported modifier ({modifier}) in substitution")
        trim = op in ("#", "%")
        if null_is_unset and trim:
            raise _Fail(f"unsupported modifier ({modifier}) in substitution")
        word = yield self.nested("}", trim, "syntax error: missing '}'")

        found = self.lookup(name)
        if found is None and skip_unset:
            return ["${" + name + modifier, word, "}"]
        value = found or ""
        unset = found is None or (null_is_unset and not value)
        if op == "-":
            return word if unset else value
        if op == "+":
            return "" if unset else word
        if op == "?":
            message = _flatten(word)
            if found is None:
                raise _Fail(f"{name}: {message or 'is not allowed to be unset'}")
            if null_is_unset and not value:
                raise _Fail(f"{name}: {message or 'is not allowed to be empty'}")
            return value
        if trim:
            word = _flatten(word)
            longest = word[:1] == op
            if longest:
                word = word[1:]
            if op == "%":
                return trim_suffix(word, value, longest)
            return trim_prefix(word, value, longest)
        raise _Fail(f"unsupported modifier ({modifier}) in substitution")

    def replace(self, name: str) -> _Scan:
        """``${VAR/pattern/replacement}`` and ``${VAR//pattern/replacement}``."""
        every = self.peek() == "/"
        if every:
            self.pos += 1
        pattern = _flatten((yield self.nested("/", True, "syntax error: missing '/' in ${}")))
        replacement = _flatten((yield self.nested("}", True, "syntax error: missing '}'")))
        value = self.lookup(name)
        if value is None and self.lex.skip_unset_env:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        compiled = compile_pattern(pattern)
        if every:
            return replace_all(compiled, value or "", Template(replacement), self.spend)
        return replace_first(compiled, value or "", replacement)


def _drive(scan: _Scan) -> Piece:
    """Run a scan and the nested scans it yields on an explicit stack."""
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
        except (_Fail, PatternError) as exc:
            stack.pop()
            if not stack:
                raise
            step = partial(stack[-1].throw, exc)
        else:
            stack.append(sub)
            step = sub.__next__
