"""Parse logical lines into raw ``Node``s, splitting arguments as the official parser does.

The Lark grammar (``grammar.lark``) reads the exec (JSON array) form; the
per-instruction splitters below mirror upstream's line parsers: JSON-or-shell
for RUN/CMD/ENTRYPOINT/SHELL, JSON-or-words for COPY/ADD/VOLUME, name=value
pairs for ENV/LABEL, and so on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError

from frontend.errors import DockerfileError
from frontend.syntax.nodes import Node
from frontend.syntax.prelex import LogicalLine, prelex

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"


class _NotStrings(Exception):
    pass


class _ToPython(Transformer[Token, object]):
    def array(self, items: list[object]) -> list[object]:
        return [i for i in items if i is not None] if items != [None] else []

    def obj(self, items: list[object]) -> dict[str, object]:
        return {}

    def string(self, items: list[str]) -> str:
        return str(json.loads(items[0]))

    def number(self, items: list[str]) -> float:
        return float(items[0])

    def true(self, _: object) -> bool:
        return True

    def false(self, _: object) -> bool:
        return False

    def null(self, _: object) -> None:
        return None

    def start(self, items: list[object]) -> object:
        return items[0]


GRAMMAR_CACHE = Path(__file__).with_name("grammar.lark.cache")
"""The compiled parser tables; the frontend image ships them (see Dockerfile.frontend)."""


@cache
def load_grammar() -> Lark:
    """The compiled exec-form parser, from the cache file when it is current."""
    return Lark.open_from_package(
        "frontend.syntax",
        "grammar.lark",
        parser="lalr",
        maybe_placeholders=True,
        cache=str(GRAMMAR_CACHE),
    )


def parse_json_array(text: str) -> list[str] | None:
    """The strings of a JSON array, or None when ``text`` is not one (shell form)."""
    text = text.lstrip()
    if not text.startswith("["):
        return None
    try:
        tree = load_grammar().parse(text)
    except LarkError:
        return None
    raw = _ToPython().transform(tree)
    assert isinstance(raw, list)
    if not all(isinstance(item, str) for item in raw):
        raise _NotStrings
    return [str(item) for item in raw]


# ---- argument splitters: rest of line → (value, json, sub node) -------------

Splitter = Callable[[str, str, LogicalLine], tuple[tuple[str, ...], bool, Node | None]]


def _ignore(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, None]:
    return ("",), False, None


def _string(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, None]:
    return ((rest,) if rest else ()), False, None


def _whitespace(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, None]:
    return (tuple(_WHITESPACE.split(rest)) if rest else ()), False, None


def _maybe_json(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, None]:
    if not rest:
        return (), False, None
    args = parse_json_array(rest)
    if args is not None:
        return tuple(args), True, None
    return (rest,), False, None


def _maybe_json_list(
    rest: str, escape: str, line: LogicalLine
) -> tuple[tuple[str, ...], bool, None]:
    args = parse_json_array(rest)
    if args is not None:
        return tuple(args), True, None
    return _whitespace(rest, escape, line)


def parse_words(rest: str, escape: str) -> list[str]:
    """Split on unquoted whitespace, keeping quotes and escapes (upstream ``parseWords``)."""
    words: list[str] = []
    current: list[str] = []
    in_word = blank_ok = False
    quote = ""
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not in_word and not quote:
            if ch.isspace():
                i += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if i + 1 == len(rest):
                    i += 1
                    continue
                current.append(ch)
                i += 1
                ch = rest[i]
            current.append(ch)
        elif ch.isspace():
            if blank_ok or current:
                words.append("".join(current))
            current, in_word, blank_ok = [], False, False
        else:
            if ch in "'\"":
                quote, blank_ok = ch, True
            elif ch == escape:
                if i + 1 == len(rest):
                    i += 1
                    continue
                current.append(ch)
                i += 1
                ch = rest[i]
            current.append(ch)
        i += 1
    if (in_word or quote) and (blank_ok or current):
        words.append("".join(current))
    return words


def _name_values(keyword: str) -> Splitter:
    def split(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, None]:
        words = parse_words(rest, escape)
        if not words:
            return (), False, None
        if "=" not in words[0]:
            parts = _WHITESPACE.split(rest, maxsplit=1)
            if len(parts) < 2:
                raise DockerfileError(f"{keyword} must have two arguments")
            return (parts[0], parts[1]), False, None
        value: list[str] = []
        for word in words:
            if "=" not in word:
                raise DockerfileError(
                    f"Syntax error - can't find = in {json.dumps(word)}. "
                    "Must be of the form: name=value"
                )
            key, _, val = word.partition("=")
            value += [key, val]
        return tuple(value), False, None

    return split


def _name_or_name_values(
    rest: str, escape: str, line: LogicalLine
) -> tuple[tuple[str, ...], bool, None]:
    return tuple(parse_words(rest, escape)), False, None


def _health(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, None]:
    parts = re.split(r"\s+", rest, maxsplit=1)
    if not rest or not parts[0]:
        return (), False, None
    args, is_json, _ = _maybe_json(parts[1] if len(parts) > 1 else "", escape, line)
    return (parts[0], *args), is_json, None


def _sub_command(rest: str, escape: str, line: LogicalLine) -> tuple[tuple[str, ...], bool, Node]:
    if not rest:
        raise DockerfileError("ONBUILD requires at least one argument")
    sub = node_from_line(LogicalLine(rest, line.start_line, line.end_line), escape)
    return sub.value, sub.json, sub


SPLITTERS: dict[str, Splitter] = {
    "add": _maybe_json_list,
    "arg": _name_or_name_values,
    "cmd": _maybe_json,
    "copy": _maybe_json_list,
    "entrypoint": _maybe_json,
    "env": _name_values("ENV"),
    "expose": _whitespace,
    "from": _whitespace,
    "healthcheck": _health,
    "label": _name_values("LABEL"),
    "maintainer": _string,
    "onbuild": _sub_command,
    "run": _maybe_json,
    "shell": _maybe_json,
    "stopsignal": _string,
    "user": _string,
    "volume": _maybe_json_list,
    "workdir": _string,
}


def extract_flags(rest: str, escape: str) -> tuple[str, list[str]]:
    """Leading ``--flag`` words (quotes and escapes removed) and what follows them."""
    flags: list[str] = []
    i = 0
    n = len(rest)
    while True:
        while i < n and rest[i].isspace():
            i += 1
        if i >= n:
            return "", flags
        if not rest.startswith("--", i):
            return rest[i:], flags
        word: list[str] = []
        quote = ""
        blank_ok = False
        while i < n:
            ch = rest[i]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == escape:
                    if i + 1 == n:
                        quote = ""
                        i += 1
                        continue
                    i += 1
                    word.append(rest[i])
                else:
                    word.append(ch)
            elif ch.isspace():
                break
            elif ch in "'\"":
                quote, blank_ok = ch, True
            elif ch == escape:
                if i + 1 < n:
                    i += 1
                    word.append(rest[i])
            else:
                word.append(ch)
            i += 1
        text = "".join(word)
        if text == "--":
            return rest[i:].strip() if i < n else "", flags
        if blank_ok or text:
            flags.append(text)


def node_from_line(line: LogicalLine, escape: str) -> Node:
    """Split one logical line into keyword, flags and arguments."""
    stripped = line.text.strip()
    parts = _WHITESPACE.split(stripped, maxsplit=1)
    cmd = parts[0]
    rest, flags = ("", []) if len(parts) < 2 else extract_flags(parts[1], escape)
    rest = rest.strip()
    splitter = SPLITTERS.get(cmd.lower(), _ignore)
    try:
        value, is_json, sub = splitter(rest, escape, line)
    except _NotStrings:
        raise DockerfileError(NOT_STRINGS, line=line.start_line, end_line=line.end_line) from None
    except DockerfileError as exc:
        if exc.line:
            raise
        raise DockerfileError(exc.message, line=line.start_line, end_line=line.end_line) from None
    column = len(line.text) - len(line.text.lstrip()) + 1
    return Node(
        cmd=cmd.upper(),
        flags=tuple(flags),
        value=value,
        json=is_json,
        start_line=line.start_line,
        end_line=line.end_line,
        original=stripped if not line.heredocs else line.text,
        heredocs=line.heredocs,
        sub=sub,
        column=column,
    )


def parse_nodes(source: str | bytes) -> tuple[dict[str, str], str, list[Node]]:
    """Directives, escape character and one node per instruction."""
    pre = prelex(source)
    nodes = [node_from_line(line, pre.escape) for line in pre.lines]
    if not nodes:
        raise DockerfileError("file with no instructions")
    return pre.directives, pre.escape, nodes
