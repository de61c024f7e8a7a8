"""Parse logical lines into raw ``Node``s, splitting arguments as the official parser does.

The Lark grammar (``grammar.lark``) reads the exec (JSON array) form; the
per-instruction splitters below mirror upstream's line parsers: JSON-or-shell
for RUN/CMD/ENTRYPOINT/SHELL, JSON-or-words for COPY/ADD/VOLUME, name=value
pairs for ENV/LABEL, and so on. ``parse_nodes`` drives the pre-lexer and asks
it for heredoc bodies once a node turns out able to have them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import NamedTuple

from lark import Lark, Token, Tree
from lark.exceptions import LarkError

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_quote
from frontend.syntax.heredoc import heredocs_in
from frontend.syntax.nodes import Node
from frontend.syntax.prelex import MAX_LINE_BYTES, LogicalLine, Prelexer

NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"
MAX_JSON_DEPTH = 10000
"""Go's encoding/json rejects deeper nesting (and the line is then shell form)."""
MAX_ONBUILD_NESTING = 8
"""``ONBUILD ONBUILD ...`` levels kept; each holds the rest of its line as ``original``.

Docker's frontend rejects any ``ONBUILD ONBUILD``; the parser does so itself
past this depth (with the frontend's message), so memory stays linear.
"""
ONBUILD_CHAIN = "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"

_ARG_SPLIT = re.compile(r"[\t\v\f\r ]+")  # upstream's reWhitespace
_SPACE_CLASS = "[" + re.escape(GO_SPACE) + "]"
_SPACES = re.compile(_SPACE_CLASS + "+")
_FIRST_SPACE = re.compile(_SPACE_CLASS)
_SURROGATES = re.compile("[\ud800-\udfff]")
_HEREDOC_COMMANDS = ("ADD", "COPY", "RUN")


class _NotStrings(Exception):
    pass


GRAMMAR_CACHE = Path(__file__).with_name("grammar.lark.cache")
"""The compiled parser tables; the frontend image ships them (see Dockerfile.frontend)."""


@cache
def load_grammar() -> Lark:
    """The compiled exec-form parser, from the cache file when it is current."""
    return Lark.open_from_package(
        "frontend.syntax",
        "grammar.lark",
        parser="lalr",
        maybe_placeholders=False,
        cache=str(GRAMMAR_CACHE),
    )


# ---- exec form ----------------------------------------------------------------


@cache
def _flat_string_array() -> re.Pattern[str]:
    """An array of strings only, by the grammar's own STRING and whitespace: the common case."""
    string = load_grammar().get_terminal("STRING").pattern.to_regexp()
    blank = "[ \t\n\r]*"
    return re.compile(rf"\[{blank}(?:{string}{blank}(?:,{blank}{string}{blank})*)?\]{blank}\Z")


def parse_json_array(text: str) -> list[str] | None:
    """The strings of a JSON array, or None when ``text`` is not one (shell form).

    Raises ``_NotStrings`` for a valid array with anything but strings in it.
    A flat array of strings is recognised by a regular expression built from
    the grammar's terminals and decoded by ``json``; anything else goes
    through the grammar.
    """
    text = text.lstrip(GO_SPACE)
    if not text.startswith("["):
        return None
    if _flat_string_array().match(text):
        items: list[str] = json.loads(text)
        return [_SURROGATES.sub("\ufffd", item) for item in items]
    try:
        tree = load_grammar().parse(text)
    except LarkError:
        return None
    children = tree.children
    if all(isinstance(item, Token) for item in children):
        return [_json_string(str(item)) for item in children]
    if not _decodable(tree):
        return None
    raise _NotStrings


def _json_string(token: str) -> str:
    text = token[1:-1] if "\\" not in token else str(json.loads(token))
    # encoding/json turns invalid UTF-8 and unpaired surrogates into U+FFFD
    return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


def _decodable(tree: Tree[Token]) -> bool:
    """Whether encoding/json decodes ``tree``: not too deep, every number a float64."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        for child in node.children:
            if isinstance(child, Token):
                if child.type == "NUMBER" and float(child) in (float("inf"), float("-inf")):
                    return False
                continue
            deeper = depth + (child.data in ("array", "object"))
            if deeper > MAX_JSON_DEPTH:
                return False
            stack.append((child, deeper))
    return True


# ---- words and flags --------------------------------------------------------------


@cache
def _runs(escape: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Runs of ordinary characters: outside quotes and inside double quotes."""
    e = re.escape(escape)
    return re.compile(f"[^{re.escape(GO_SPACE)}'\"{e}]+"), re.compile(f'[^"{e}]+')


_IN_SINGLE = re.compile("[^']+")


def parse_words(rest: str, escape: str) -> list[str]:
    """Split on unquoted whitespace, keeping quotes and escapes (upstream ``parseWords``).

    Inside single quotes the escape character is an ordinary one; an escape
    character at the very end is dropped.
    """
    unquoted, in_double = _runs(escape)
    words: list[str] = []
    n = len(rest)
    i = 0
    while i < n:
        spaces = _SPACES.match(rest, i)
        if spaces:
            i = spaces.end()
            continue
        word: list[str] = []
        while i < n:
            run = unquoted.match(rest, i)
            if run:
                word.append(run.group())
                i = run.end()
                continue
            ch = rest[i]
            if ch in GO_SPACE:
                break
            if ch == escape:
                word.append(rest[i : i + 2] if i + 1 < n else "")
                i += 2
            else:
                i = _quoted(rest, i, escape, _IN_SINGLE if ch == "'" else in_double, word)
        text = "".join(word)
        if text:
            words.append(text)
    return words


def _quoted(rest: str, i: int, escape: str, run_re: re.Pattern[str], word: list[str]) -> int:
    """Append the quoted section at ``i`` (quotes and escapes kept); the index after it."""
    quote = rest[i]
    word.append(quote)
    n = len(rest)
    i += 1
    while i < n:
        run = run_re.match(rest, i)
        if run:
            word.append(run.group())
            i = run.end()
        elif rest[i] == quote:
            word.append(quote)
            return i + 1
        else:  # the escape character: it and the next one, or nothing at the very end
            word.append(rest[i : i + 2] if i + 1 < n else "")
            i += 2
    return min(i, n)


def extract_flags(line: str, escape: str) -> tuple[str, list[str]]:
    """Leading ``--flag`` words (quotes and escapes removed) and what follows them."""
    flags: list[str] = []
    n = len(line)
    i = 0
    while True:
        while i < n and line[i] in GO_SPACE:
            i += 1
        if not line.startswith("--", i):
            return line[i:], flags
        word: list[str] = []
        quoted = False
        quote = ""
        while i < n:
            ch = line[i]
            if not quote and ch in GO_SPACE:
                break
            i += 1
            if ch == quote:
                quote = ""
            elif not quote and ch in "'\"":
                quote, quoted = ch, True
            elif ch == escape:
                if i == n:
                    quote = ""
                else:
                    word.append(line[i])
                    i += 1
            else:
                word.append(ch)
        text = "".join(word)
        if i < n and text == "--":
            return line[i:], flags
        if text != "--" and (quoted or text):
            flags.append(text)
        if i == n:
            return "", flags


# ---- argument splitters: rest of line → (value, json) -----------------------------

Split = tuple[tuple[str, ...], bool]
Splitter = Callable[[str, str], Split]


def _ignore(rest: str, escape: str) -> Split:
    return ("",), False


def _empty(rest: str, escape: str) -> Split:
    return (), False


def _string(rest: str, escape: str) -> Split:
    return ((rest,) if rest else ()), False


def _whitespace(rest: str, escape: str) -> Split:
    return (tuple(_ARG_SPLIT.split(rest)) if rest else ()), False


def _maybe_json(rest: str, escape: str) -> Split:
    if not rest:
        return (), False
    args = parse_json_array(rest)
    if args is not None:
        return tuple(args), True
    return (rest,), False


def _maybe_json_list(rest: str, escape: str) -> Split:
    args = parse_json_array(rest)
    if args is not None:
        return tuple(args), True
    return _whitespace(rest, escape)


def _name_values(keyword: str) -> Splitter:
    def split(rest: str, escape: str) -> Split:
        words = parse_words(rest, escape)
        if not words:
            return (), False
        if "=" not in words[0]:
            parts = _ARG_SPLIT.split(rest, maxsplit=1)
            if len(parts) < 2:
                raise DockerfileError(f"{keyword} must have two arguments")
            return (parts[0], parts[1]), False
        value: list[str] = []
        for word in words:
            if "=" not in word:
                raise DockerfileError(
                    f"Syntax error - can't find = in {go_quote(word)}. "
                    "Must be of the form: name=value"
                )
            key, _, val = word.partition("=")
            value += [key, val]
        return tuple(value), False

    return split


def _words(rest: str, escape: str) -> Split:
    return tuple(parse_words(rest, escape)), False


def _health(rest: str, escape: str) -> Split:
    space = _FIRST_SPACE.search(rest)
    sep = space.start() if space else len(rest)
    if sep == 0:
        return (), False
    spaces = _SPACES.match(rest, sep)
    args, is_json = _maybe_json(rest[spaces.end() if spaces else sep :], escape)
    return (rest[:sep], *args), is_json


SPLITTERS: dict[str, Splitter] = {
    "add": _maybe_json_list,
    "arg": _words,
    "cmd": _maybe_json,
    "copy": _maybe_json_list,
    "entrypoint": _maybe_json,
    "env": _name_values("ENV"),
    "expose": _whitespace,
    "from": _whitespace,
    "healthcheck": _health,
    "label": _name_values("LABEL"),
    "maintainer": _string,
    "onbuild": _empty,  # only reached without a trigger; see node_from_line
    "run": _maybe_json,
    "shell": _maybe_json,
    "stopsignal": _string,
    "user": _string,
    "volume": _maybe_json_list,
    "workdir": _string,
}


# ---- nodes ------------------------------------------------------------------------


def split_command(text: str, escape: str) -> tuple[str, list[str], str, int]:
    """Keyword, flags, the rest of the line and where that rest starts in ``text``."""
    trimmed = text.strip(GO_SPACE)
    parts = _ARG_SPLIT.split(trimmed, maxsplit=1)
    if len(parts) < 2:
        return parts[0], [], "", len(text)
    after = parts[1].lstrip(GO_SPACE)
    flags: list[str] = []
    if after.startswith("--"):
        after, flags = extract_flags(after, escape)
        after = after.strip(GO_SPACE)
    start = len(text) - len(text.lstrip(GO_SPACE)) + len(trimmed) - len(after)
    return parts[0], flags, after, start


def node_from_line(line: LogicalLine, escape: str) -> Node:
    """Split one logical line into keyword, flags and arguments.

    ``ONBUILD <instruction>`` nests the trigger's node as ``sub``; chains of
    ONBUILD are unrolled in a loop, not by recursion, up to ``MAX_ONBUILD_NESTING``.
    """
    text, column = line.text, line.column
    outer: list[tuple[str, list[str], str, int]] = []
    while True:
        cmd, flags, rest, start = split_command(text, escape)
        if cmd.lower() != "onbuild" or not rest:
            break
        if len(outer) == MAX_ONBUILD_NESTING:
            raise DockerfileError(ONBUILD_CHAIN, column=line.column)
        outer.append((cmd, flags, text, column))
        text, column = rest, column + start
    try:
        value, is_json = SPLITTERS.get(cmd.lower(), _ignore)(rest, escape)
    except _NotStrings:
        raise DockerfileError(NOT_STRINGS, line=line.start_line) from None
    legacy = cmd.lower() in ("env", "label") and len(value) == 2 and _is_legacy(rest, escape)
    node = Node(cmd.upper(), tuple(flags), value, is_json, line.start_line, line.end_line, text,
                column=column, legacy_format=legacy)  # fmt: skip
    for cmd, flags, original, col in reversed(outer):
        node = Node(cmd.upper(), tuple(flags), ("",), False, line.start_line, line.end_line,
                    original, sub=node, column=col)  # fmt: skip
    if line.comments or line.empty_continuation:
        empty = line.end_line if line.empty_continuation else 0
        node = replace(node, comments=line.comments, empty_continuation_line=empty)
    return node


def _is_legacy(rest: str, escape: str) -> bool:
    """Whether ENV/LABEL arguments are ``KEY value`` rather than ``KEY=value`` words."""
    words = parse_words(rest, escape)
    return bool(words) and "=" not in words[0]


def _heredoc_target(node: Node) -> Node | None:
    """The node whose heredocs a line holds (ONBUILD's trigger), if it can have any."""
    target = node.sub if node.cmd == "ONBUILD" and node.sub else node
    return target if target.cmd in _HEREDOC_COMMANDS and not target.json else None


def _with_heredocs(node: Node, line: LogicalLine, lexer: Prelexer) -> Node:
    docs = []
    for doc in heredocs_in(line.text):
        content = lexer.read_heredoc(doc)
        if content is None:
            raise DockerfileError("unterminated heredoc", end_line=lexer.line)
        docs.append(replace(doc, content=content))
    if not docs:
        return node
    original = line.text + "\n" + "".join(d.content + d.name + "\n" for d in docs)
    sub = node.sub and replace(node.sub, heredocs=tuple(docs), end_line=lexer.line)
    return replace(node, heredocs=tuple(docs), end_line=lexer.line, original=original, sub=sub)


class Parsed(NamedTuple):
    directives: dict[str, str]
    escape: str
    nodes: list[Node]
    warnings: tuple[DockerfileWarning, ...] = ()


def parse_nodes(source: str | bytes) -> Parsed:
    """Directives, escape character and one node per instruction."""
    lexer = Prelexer(source)
    nodes = []
    for line in lexer:
        try:
            node = node_from_line(line, lexer.escape)
            if "<<" in line.text and _heredoc_target(node):
                node = _with_heredocs(node, line, lexer)
        except DockerfileError as exc:
            exc.line, exc.column = line.start_line, exc.column or line.column
            exc.end_line = max(exc.end_line, line.end_line)
            exc.source_line = lexer.physical(line.start_line)
            raise
        nodes.append(node)
    if not nodes:
        raise DockerfileError("file with no instructions", line=lexer.line)
    if lexer.too_long:
        raise DockerfileError(
            f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}",
            line=lexer.too_long,
            column=1,
        )
    return Parsed(lexer.directives, lexer.escape, nodes, tuple(lexer.warnings))
