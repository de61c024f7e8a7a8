"""Parse logical lines into raw ``Node``s by the grammar, as the official parser splits them.

The Lark grammar (``grammar.lark``) defines each instruction's syntax:
keyword, flags, and its argument form (exec or shell form, fields,
``key=value`` or legacy pairs, words, text, HEALTHCHECK's type and command,
ONBUILD's nested instruction). ``node_from_line`` turns one line's tree into a
node; ``parse_nodes`` drives the pre-lexer and asks it for heredoc bodies once
a node turns out able to have them.
"""

from __future__ import annotations

import contextlib
import io
import json
import marshal
import os
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_quote
from frontend.syntax.heredoc import heredocs_in
from frontend.syntax.lalr import (
    LineError,
    LineParser,
    LineTables,
    Token,
    Tree,
    from_lark,
    line_tables,
    number_states,
)
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

_SURROGATES = re.compile("[\ud800-\udfff]")
_HEREDOC_COMMANDS = ("ADD", "COPY", "RUN")


class _NotStrings(Exception):
    pass


GRAMMAR = "grammar.lark"
GRAMMAR_CACHE = Path(__file__).with_name("grammar.lark.cache")
"""The compiled grammar (Lark's cache); the frontend image ships it (see Dockerfile.frontend)."""
TABLES_CACHE = Path(__file__).with_name("grammar.tables.cache")
"""The line parser's tables, from the compiled grammar; also shipped in the image."""
_ESCAPE_BLOCK = re.compile(r"// escape: begin.*?// escape: end", re.S)


def _grammar_text(escape: str) -> str:
    """The grammar, its escape-dependent terminals rewritten for ``escape``."""
    text = Path(__file__).with_name(GRAMMAR).read_text(encoding="utf-8")
    if escape == "\\":
        return text
    block = _ESCAPE_BLOCK.search(text)
    assert block is not None
    return text[: block.start()] + block.group().replace("\\\\", escape) + text[block.end() :]


def _cache_file(path: Path, escape: str) -> Path:
    return path if escape == "\\" else path.with_name(path.name.replace(".", f"-{ord(escape)}.", 1))


if TYPE_CHECKING:  # Lark is loaded only when a line needs more than the tables
    from lark import Lark

TABLES_FORMAT = 1
"""Changes when ``LineTables`` does (part of the cache's key)."""


@cache
def load_grammar(escape: str = "\\") -> Lark:
    """The compiled grammar for files with ``escape``, from its cache file when current.

    The grammar is written for the backslash (the default); for a backtick the
    escape-dependent terminals are rewritten before compiling. The cache holds
    a key (the grammar, Lark's and Python's versions), then Lark's own save of
    the grammar with its states numbered in a fixed order (``number_states``):
    the same grammar always gives the same file.
    """
    import pickle

    import lark

    text = _grammar_text(escape)
    key = f"{text}\0{lark.__version__}\0{sys.version}"
    path = _cache_file(GRAMMAR_CACHE, escape)
    broken = (OSError, ValueError, EOFError, TypeError, KeyError, pickle.UnpicklingError)
    with contextlib.suppress(*broken), path.open("rb") as file:
        if marshal.load(file) == key:
            return lark.Lark.load(file)
    built = lark.Lark(text, parser="lalr", start=["line", "json"], maybe_placeholders=False)
    number_states(built)
    saved = io.BytesIO()
    built.save(saved)
    # Lark's save is a pickle, which shares a string wherever the same object
    # recurs: with every string interned, what is shared no longer depends on
    # how Lark happened to build them.
    data = pickle.dumps(_interned(pickle.loads(saved.getvalue())), pickle.HIGHEST_PROTOCOL)
    grammar = lark.Lark.load(io.BytesIO(data))  # its lexers follow the new numbering
    with contextlib.suppress(OSError):
        partial_file = path.with_name(f"{path.name}.{os.getpid()}")
        partial_file.write_bytes(marshal.dumps(key) + data)
        partial_file.replace(path)
    return grammar


def _interned(value: object) -> object:
    """``value`` rebuilt from its dicts, lists and tuples, each ``str`` interned."""
    if type(value) is str:
        return sys.intern(value)
    if type(value) is dict:
        return {_interned(k): _interned(v) for k, v in value.items()}
    if type(value) is list:
        return [_interned(v) for v in value]
    if type(value) is tuple:
        return tuple(_interned(v) for v in value)
    return value


@cache
def line_parser(escape: str = "\\") -> Callable[[str], Tree]:
    """Parse one line from the grammar's ``line`` rule; raises ``LineError``.

    The tables are cached apart from Lark's cache, with the grammar text and
    Python's version; when these differ, the grammar is compiled (by Lark)
    and the cache written again. Lark is not even imported otherwise.
    """
    key = f"{_grammar_text(escape)}\0{TABLES_FORMAT}\0{sys.version}"
    path = _cache_file(TABLES_CACHE, escape)
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        cached_key, tables = marshal.loads(path.read_bytes())
        if cached_key == key:
            return LineParser(LineTables(*tables)).parse
    grammar = load_grammar(escape)
    found = line_tables(grammar, "line")
    if found is None:
        return partial(_lark_line, grammar)
    with contextlib.suppress(OSError):
        partial_file = path.with_name(f"{path.name}.{os.getpid()}")
        partial_file.write_bytes(marshal.dumps((key, tuple(found))))
        partial_file.replace(path)
    return LineParser(found).parse


def _lark_line(grammar: Lark, text: str) -> Tree:
    """A line parsed by Lark itself (when its internals are not what ``lalr`` expects)."""
    from lark.exceptions import LarkError

    try:
        return from_lark(grammar.parse(text, start="line"))
    except LarkError as exc:
        raise LineError(str(exc)) from None


# ---- exec form ----------------------------------------------------------------


def _exec_args(token: str) -> tuple[str, ...]:
    """The strings of an ``EXEC`` token (a flat JSON array of strings)."""
    items: list[str] = json.loads(token)
    return tuple(_SURROGATES.sub("\ufffd", item) for item in items)


def _check_not_json(text: str) -> None:
    """Raise ``_NotStrings`` when ``text`` (not a flat array of strings) is still a
    JSON array Go decodes: one holding something other than strings."""
    if not text.startswith("["):
        return
    from lark.exceptions import LarkError

    try:
        tree = from_lark(load_grammar().parse(text, start="json"))
    except LarkError:
        return
    array = tree.children[0]
    if isinstance(array, Tree) and array.data == "composite" and _decodable(tree):
        raise _NotStrings


def _decodable(tree: Tree) -> bool:
    """Whether encoding/json decodes ``tree``: not too deep, every number a float64."""
    stack = [(tree, 0)]
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


# ---- tokens -------------------------------------------------------------------------


def _flag_text(raw: str, escape: str) -> str:
    """A ``FLAG`` token's text: quotes removed, escaped characters taken literally."""
    raw = raw.rstrip(GO_SPACE)
    if "'" not in raw and '"' not in raw and escape not in raw:
        return raw
    out: list[str] = []
    quote = ""
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        i += 1
        if ch == quote:
            quote = ""
        elif not quote and ch in "'\"":
            quote = ch
        elif ch == escape:
            if i < n:
                out.append(raw[i])
                i += 1
        else:
            out.append(ch)
    return "".join(out)


# ---- the tree of one line → a node ------------------------------------------------------

_KEYWORD = re.compile(r"[^\t\v\f\r ]*")
"""The keyword in a keyword token (which holds the blanks after it)."""
_FORMS = frozenset(("exec", "shell_form", "fields", "pairs", "legacy", "words", "text", "health"))


class _Draft(NamedTuple):
    """One instruction of a line; ``sub`` is ONBUILD's trigger."""

    cmd: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    json: bool
    start: int
    legacy: bool = False


def _drafts(tree: Tree, text: str, escape: str) -> list[_Draft]:
    """The instruction and, for ONBUILD, its nested triggers, outermost first."""
    drafts: list[_Draft] = []
    node: Tree | None = tree.children[0]  # type: ignore[assignment]
    while node is not None:
        keyword = node.children[0]
        assert isinstance(keyword, Token)
        flags: list[str] = []
        form: Tree | None = None
        trigger: Tree | None = None
        for child in node.children[1:]:
            if isinstance(child, Token):
                if child.type == "FLAG":
                    flag = _flag_text(child, escape)
                    if flag != "--":
                        flags.append(flag)
            elif child.data in _FORMS:
                form = child
            else:
                trigger = child
        if len(drafts) > MAX_ONBUILD_NESTING:
            raise DockerfileError(ONBUILD_CHAIN)
        start = keyword.start_pos or 0
        cmd = _KEYWORD.match(keyword).group().upper()  # type: ignore[union-attr]
        if node.data == "unknown" or trigger is not None:  # ONBUILD with a trigger
            drafts.append(_Draft(cmd, tuple(flags), ("",), False, start))
        else:
            value, is_json, legacy = _form(form, text, cmd) if form else ((), False, False)
            drafts.append(_Draft(cmd, tuple(flags), value, is_json, start, legacy))
        node = trigger
    return drafts


def _form(form: Tree, text: str, cmd: str) -> tuple[tuple[str, ...], bool, bool]:
    """Argument values, whether they are the exec form, whether ENV/LABEL is legacy."""
    tokens = [t for t in form.children if isinstance(t, Token)]
    kind = form.data
    if kind == "exec":
        return _exec_args(tokens[0]), True, False
    if kind == "shell_form":
        _check_not_json(tokens[0])
        return (str(tokens[0]),), False, False
    if kind == "fields":
        if cmd in ("ADD", "COPY", "VOLUME"):
            _check_not_json(text[tokens[0].start_pos or 0 :])
        return tuple(map(str, tokens)), False, False
    if kind == "health":
        sub = [c for c in form.children if isinstance(c, Tree)]
        value, is_json, _ = _form(sub[0], text, cmd) if sub else ((), False, False)
        return (str(tokens[0]), *value), is_json, False
    if kind == "pairs":
        pairs: list[str] = []
        for word in tokens:
            if word.type != "PAIR":
                raise DockerfileError(
                    f"Syntax error - can't find = in {go_quote(word)}. "
                    "Must be of the form: name=value"
                )
            key, _, val = word.partition("=")
            pairs += [key, val]
        return tuple(pairs), False, False
    if kind == "legacy":
        if len(tokens) < 2:
            raise DockerfileError(f"{cmd} must have two arguments")
        return (str(tokens[0]), str(tokens[1])), False, True
    return tuple(map(str, tokens)), False, False  # words, text


_KEYWORDS = frozenset((*_HEREDOC_COMMANDS, "ARG", "CMD", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
                       "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "SHELL", "STOPSIGNAL",
                       "USER", "VOLUME", "WORKDIR", "UNKNOWN"))  # fmt: skip
"""The grammar's keyword terminals: one per instruction of a line."""


def _parse_line(escape: str, text: str) -> Tree:
    """The tree of one line; a long ONBUILD chain is refused as soon as it is too deep."""
    if text[:7].lower() != "onbuild" or text.lower().count("onbuild") <= MAX_ONBUILD_NESTING:
        return line_parser(escape)(text)
    interactive = load_grammar(escape).parse_interactive(text, start="line")
    keywords = 0
    for token in interactive.iter_parse():
        keywords += token.type in _KEYWORDS
        if keywords > MAX_ONBUILD_NESTING + 1:
            raise DockerfileError(ONBUILD_CHAIN)
    return from_lark(interactive.resume_parse())  # type: ignore[no-untyped-call]


def node_from_line(line: LogicalLine, escape: str) -> Node:
    """Parse one logical line into keyword, flags and arguments by the grammar.

    ``ONBUILD <instruction>`` nests the trigger's node as ``sub``, up to
    ``MAX_ONBUILD_NESTING`` levels.
    """
    text = line.text.strip(GO_SPACE)  # a continued line may start with blanks
    lead = line.text.index(text) if text else 0
    if not text:
        drafts = [_Draft("", (), ("",), False, 0)]
    else:
        try:
            tree = _parse_line(escape, text)
        except LineError as exc:  # the grammar reads any line: this is a bug
            raise DockerfileError(f"cannot parse the instruction: {exc}") from None
        try:
            drafts = _drafts(tree, text, escape)
        except _NotStrings:
            raise DockerfileError(NOT_STRINGS, line=line.start_line) from None
        except DockerfileError as exc:
            if str(exc) == ONBUILD_CHAIN:
                exc.column = line.column
            raise
    last = drafts[-1]
    original = text[last.start :] if len(drafts) > 1 else line.text
    column = line.column + lead + last.start if len(drafts) > 1 else line.column
    node = Node(last.cmd, last.flags, last.value, last.json, line.start_line, line.end_line,
                original, column=column, legacy_format=last.legacy)  # fmt: skip
    for draft in reversed(drafts[:-1]):
        original = text[draft.start :] if draft is not drafts[0] else line.text
        column = line.column + lead + draft.start if draft is not drafts[0] else line.column
        node = Node(draft.cmd, draft.flags, draft.value, draft.json, line.start_line,
                    line.end_line, original, sub=node, column=column)  # fmt: skip
    if line.comments or line.empty_continuation:
        empty = line.end_line if line.empty_continuation else 0
        node = replace(node, comments=line.comments, empty_continuation_line=empty)
    return node


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
