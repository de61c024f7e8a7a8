"""Word expansion with BuildKit's shell-lexer rules (not a shell: no command substitution).

``expand_word`` turns one word into one string (quotes removed, ``$VAR`` and
``${VAR...}`` forms expanded); ``expand_words`` also splits on unquoted
whitespace, the way EXPOSE reads its arguments.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping


class WordError(Exception):
    """A malformed word, or a ``${VAR?message}`` whose variable is unset."""


def expand_word(word: str, env: Mapping[str, str], escape: str = "\\") -> str:
    """One word, expanded and unquoted."""
    return "".join(_Lexer(word, env, escape).words(split=False))


def expand_words(text: str, env: Mapping[str, str], escape: str = "\\") -> list[str]:
    """Expanded words, split on unquoted whitespace (expansions are not re-split)."""
    return _Lexer(text, env, escape).words(split=True)


class _Lexer:
    def __init__(self, text: str, env: Mapping[str, str], escape: str) -> None:
        self.text = text
        self.pos = 0
        self.env = env
        self.escape = escape

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1
        return ch

    def words(self, *, split: bool) -> list[str]:
        words: list[str] = []
        current: list[str] = []
        started = False
        while self.pos < len(self.text):
            ch = self.peek()
            if split and ch in " \t\r\n":
                self.pos += 1
                if started:
                    words.append("".join(current))
                    current, started = [], False
                continue
            started = True
            if ch == self.escape:
                self.pos += 1
                if self.pos < len(self.text):
                    current.append(self.next())
            elif ch == "'":
                self.pos += 1
                current.append(self.single_quoted())
            elif ch == '"':
                self.pos += 1
                current.append(self.double_quoted())
            elif ch == "$":
                current.append(self.dollar())
            else:
                current.append(self.next())
        if started or not split:
            words.append("".join(current))
        return words if split else ["".join(words)]

    def single_quoted(self) -> str:
        end = self.text.find("'", self.pos)
        if end < 0:
            raise WordError("unexpected end of statement while looking for matching single-quote")
        out = self.text[self.pos : end]
        self.pos = end + 1
        return out

    def double_quoted(self) -> str:
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise WordError(
                    "unexpected end of statement while looking for matching double-quote"
                )
            ch = self.peek()
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == self.escape:
                self.pos += 1
                nxt = self.peek()
                if nxt in ('"', "$", self.escape):
                    out.append(self.next())
                else:
                    out.append(ch)
            else:
                out.append(self.next())

    def dollar(self) -> str:
        self.pos += 1  # the '$'
        ch = self.peek()
        if ch == "{":
            self.pos += 1
            return self.braced()
        name = self.name()
        if not name:
            return "$"
        return self.env.get(name, "")

    def name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if match is None:
            return ""
        self.pos = match.end()
        return match.group(0)

    def braced(self) -> str:
        name = self.name()
        if not name:
            raise WordError(f"bad substitution: invalid variable name in {self.text!r}")
        ch = self.next()
        if ch == "}":
            return self.env.get(name, "")
        value = self.env.get(name)
        if ch == ":":
            op = self.next()
            if op not in "-+?":
                raise WordError(f"unsupported modifier (:{op}) in substitution")
            word = self.until_brace()
            set_ = bool(value)
        elif ch in "-+?":
            op = ch
            word = self.until_brace()
            set_ = value is not None
        elif ch in "#%":
            longest = self.peek() == ch
            if longest:
                self.pos += 1
            pattern = self.until_brace()
            return _trim(value or "", pattern, prefix=ch == "#", longest=longest)
        elif ch == "/":
            every = self.peek() == "/"
            if every:
                self.pos += 1
            return _replace(value or "", self.until_brace(), every)
        else:
            raise WordError(f"unsupported modifier ({ch}) in substitution")
        if op == "-":
            return value if set_ and value is not None else word
        if op == "+":
            return word if set_ else ""
        if not set_:
            raise WordError(f"{name}: {word or 'is not allowed to be unset'}")
        return value or ""

    def until_brace(self) -> str:
        """Expand up to the closing ``}`` (nested expansions and quotes allowed)."""
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise WordError("syntax error: missing '}'")
            ch = self.peek()
            if ch == "}":
                self.pos += 1
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == self.escape:
                self.pos += 1
                out.append(self.next())
            elif ch == "'":
                self.pos += 1
                out.append(self.single_quoted())
            elif ch == '"':
                self.pos += 1
                out.append(self.double_quoted())
            else:
                out.append(self.next())


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]|[*#?@!$-]")


def _trim(value: str, pattern: str, *, prefix: bool, longest: bool) -> str:
    sizes = range(len(value), -1, -1) if longest else range(len(value) + 1)
    for n in sizes:
        part = value[:n] if prefix else value[len(value) - n :]
        if fnmatch.fnmatchcase(part, pattern):
            return value[n:] if prefix else value[: len(value) - n]
    return value


def _replace(value: str, spec: str, every: bool) -> str:
    """``${VAR/pattern/repl}``: ``spec`` is ``pattern/repl``; longest match wins."""
    pattern, _, repl = spec.partition("/")
    if not pattern:
        return value
    out: list[str] = []
    i = 0
    while i <= len(value):
        for j in range(len(value), i - 1, -1):
            if j > i and fnmatch.fnmatchcase(value[i:j], pattern):
                out.append(repl)
                i = j
                if not every:
                    return "".join(out) + value[i:]
                break
        else:
            if i < len(value):
                out.append(value[i])
            i += 1
    return "".join(out)
