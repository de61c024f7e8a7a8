"""Parse logical lines into raw ``Node``s by the grammar, as the official parser splits them.

The Lark grammar (``grammar.lark``) defines each instruction's syntax:
keyword, flags, and its argument form (exec or shell form, fields,
``key=value`` or legacy pairs, words, text, HEALTHCHECK's type and command,
ONBUILD's nested instruction). ``Builder`` is the grammar's transformer: the
line parser calls its methods at each reduction, as Lark's ``transformer=``
option would; it reads each line's instruction (and its heredoc bodies from the
pre-lexer once it turns out able to have them) and ``finish`` builds its node.
The typed AST has its own transformer (``transformer.TypedBuilder``), which
builds typed instructions instead. ``parse_lines`` drives the pre-lexer line by line.
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
from functools import cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_quote
from frontend.syntax.heredoc import heredocs_in
from frontend.syntax.lalr import (
    Callbacks,
    LineError,
    LineParser,
    LineTables,
    Token,
    from_lark,
    line_tables,
    number_states,
    transform,
)
from frontend.syntax.nodes import Heredoc, Node
from frontend.syntax.prelex import MAX_LINE_BYTES, LogicalLine, Prelexer, extensions_of

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
_HERE = os.path.dirname(__file__)
GRAMMAR_CACHE = os.path.join(_HERE, "grammar.lark.cache")
"""The compiled grammar (Lark's cache); the frontend image ships it (see Dockerfile.frontend)."""
TABLES_CACHE = os.path.join(_HERE, "grammar.tables.cache")
"""The line parser's tables, from the compiled grammar; also shipped in the image."""
_ESCAPE_BLOCK = re.compile(r"// escape: begin.*?// escape: end", re.S)


def _grammar_text(escape: str) -> str:
    """The grammar, its escape-dependent terminals rewritten for ``escape``."""
    with open(os.path.join(_HERE, GRAMMAR), encoding="utf-8") as file:
        text = file.read()
    if escape == "\\":
        return text
    block = _ESCAPE_BLOCK.search(text)
    assert block is not None
    return text[: block.start()] + block.group().replace("\\\\", escape) + text[block.end() :]


def _cache_file(path: str, escape: str) -> str:
    if escape == "\\":
        return path
    head, name = os.path.split(path)
    return os.path.join(head, name.replace(".", f"-{ord(escape)}.", 1))


def _write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through a private file (readers see all or nothing);
    a failure (a read-only install, say) is ignored."""
    with contextlib.suppress(OSError):
        partial_file = f"{path}.{os.getpid()}"
        with open(partial_file, "wb") as file:
            file.write(data)
        os.replace(partial_file, path)


if TYPE_CHECKING:  # Lark is loaded only when a line needs more than the tables
    from lark import Lark

TABLES_FORMAT = 5
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
    with contextlib.suppress(*broken), open(path, "rb") as file:
        if marshal.load(file) == key:
            return lark.Lark.load(file)
    built = lark.Lark(text, parser="lalr", start=["line", "json", "csv"], maybe_placeholders=False)
    number_states(built)
    saved = io.BytesIO()
    built.save(saved)
    # Lark's save is a pickle, which shares a string wherever the same object
    # recurs: with every string interned, what is shared no longer depends on
    # how Lark happened to build them.
    data = pickle.dumps(_interned(pickle.loads(saved.getvalue())), pickle.HIGHEST_PROTOCOL)
    grammar = lark.Lark.load(io.BytesIO(data))  # its lexers follow the new numbering
    _write_atomically(path, marshal.dumps(key) + data)
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
def _tables(escape: str) -> LineTables | None:
    """The grammar's tables, from their cache file when current, else from the compiled
    grammar (None when Lark's internals are not what ``lalr`` expects).

    The tables are cached apart from Lark's cache, with the grammar text and
    Python's version; when these differ, the grammar is compiled (by Lark)
    and the cache written again. Lark is not even imported otherwise.
    """
    key = f"{_grammar_text(escape)}\0{TABLES_FORMAT}\0{sys.version}"
    path = _cache_file(TABLES_CACHE, escape)
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError), open(path, "rb") as file:
        cached_key, tables = marshal.loads(file.read())
        if cached_key == key:
            return LineTables(*tables)
    found = line_tables(load_grammar(escape))
    if found is not None:
        _write_atomically(path, marshal.dumps((key, tuple(found))))
    return found


@cache
def line_parser(escape: str = "\\", start: str = "line") -> Callable[[str, Callbacks], Any]:
    """Parse text from the grammar's ``start`` rule (one line, or a CSV record);
    raises ``LineError``."""
    tables = _tables(escape)
    if tables is None:
        return partial(_lark_line, load_grammar(escape), start)
    return LineParser(tables, start).parse


def _lark_line(grammar: Lark, start: str, text: str, callbacks: Callbacks) -> Any:
    """Text parsed by Lark itself (when its internals are not what ``lalr`` expects)."""
    from lark.exceptions import LarkError

    try:
        tree = from_lark(grammar.parse(text, start=start))
    except LarkError as exc:
        raise LineError(str(exc)) from None
    return transform(tree, callbacks)


# ---- exec form ----------------------------------------------------------------


def _exec_args(token: str) -> tuple[str, ...]:
    """The strings of an ``EXEC`` token (a flat JSON array of strings)."""
    items: list[str] = json.loads(token)
    if "\\u" not in token and not _SURROGATES.search(token):
        return tuple(items)
    return tuple(_SURROGATES.sub("\ufffd", item) for item in items)


def _check_not_json(text: str) -> None:
    """Raise ``_NotStrings`` when ``text`` (not a flat array of strings) is still a
    JSON array Go decodes: one holding something other than strings."""
    if not text.startswith("["):
        return
    try:
        decodable = line_parser("\\", "json")(text, _JSON)
    except (LineError, _Undecodable):
        return
    if decodable:
        raise _NotStrings


class _Undecodable(Exception):
    """JSON that encoding/json refuses: too deeply nested, or a number beyond float64."""


def _nesting(children: list[Any]) -> int:
    """How deeply the arrays and objects among ``children`` nest (their callbacks' ints)."""
    return max((c for c in children if c.__class__ is int), default=0)


def _container(children: list[Any]) -> int:
    depth = 1 + _nesting(children)
    if depth > MAX_JSON_DEPTH:
        raise _Undecodable
    return depth


def _composite(children: list[Any]) -> int:
    for child in children:
        if getattr(child, "type", "") == "NUMBER" and abs(float(child)) == float("inf"):
            raise _Undecodable
    return _nesting(children)


_JSON: Callbacks = {
    "json": lambda children: children[0].__class__ is int,  # an array, object or literal
    "composite": _composite,
    "array": _container,
    "object": _container,
    "member": _nesting,
}
"""The ``json`` rule's callbacks: whether the value is no string, and Go decodes it."""


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


def split_flag(text: str) -> tuple[str, str | None]:
    """A flag's name and value (None without ``=``), from its unquoted text."""
    name, sep, value = text.removeprefix("--").partition("=")
    return name, value if sep else None


# ---- the grammar's transformer: one line → a node ---------------------------------------

_KEYWORD = re.compile(r"[^\t\v\f\r ]*")
"""The keyword in an unknown keyword's token (which holds the blanks after it)."""
_AS = "\t\v\f\r "
"""The blanks a ``FIELD`` token ends with (the grammar's ``_AS``)."""
_NOT_JSON_CHECKED = frozenset(("FROM", "EXPOSE"))
"""Instructions whose fields are never read as a JSON array."""


class _Form(NamedTuple):
    """An argument form's values; ``json_at``: where text that may be a JSON array starts."""

    value: tuple[str, ...]
    json: bool = False
    legacy: bool = False
    json_at: int = -1


class Draft(NamedTuple):
    """One instruction of a line; ``sub`` is ONBUILD's trigger."""

    cmd: str
    flags: tuple[str, ...]
    value: tuple[str, ...]
    json: bool
    start: int
    legacy: bool = False
    sub: Draft | None = None
    flag_starts: tuple[int, ...] = ()
    """Where each flag starts, and the arguments (``args_start``), in the line's text."""
    args_start: int = 0


_EMPTY = _Form(())
_new = tuple.__new__
"""``_Form(...)``, ``Draft(...)`` or ``Whole(...)`` given all the fields, without the
call of the named tuple's own ``__new__`` (a line makes one of each)."""


class Whole(NamedTuple):
    """A line's instruction once read whole: ONBUILD's triggers (outermost first) with
    their keywords' columns, heredoc bodies, last line, and ``original`` text."""

    draft: Draft
    triggers: tuple[tuple[Draft, int], ...]
    heredocs: tuple[Heredoc, ...]
    end_line: int
    original: str


class Builder:
    """The grammar's transformer: one method per rule of ``line``, called at each
    reduction (by ``LineParser``, or by Lark given ``transformer=``), building the
    line's ``Node``.

    ``begin`` sets the line being parsed (positions in tokens are relative to its
    text); ``line`` reads the instruction's heredoc bodies from the pre-lexer.
    """

    def __init__(self, lexer: Prelexer) -> None:
        self.lexer = lexer
        self.extensions: frozenset[str] | None = None  # read once the directives are done
        self.written, self.logical = "", LogicalLine("", 0, 0)
        self.callbacks: dict[str, Callable[[list[Any]], Any]] = dict.fromkeys(
            INSTRUCTIONS, self.instruction
        )
        self.callbacks.update(  # FORMS, each written out: a parse makes a builder per file
            exec=self.exec, shell_form=self.shell_form, fields=self.fields, pairs=self.pairs,
            legacy=self.legacy, words=self.words, text=self.text, health=self.health,
            line=self.line,
        )  # fmt: skip

    def begin(self, logical: LogicalLine, text: str) -> None:
        self.logical, self.written = logical, text

    # ---- argument forms
    def exec(self, c: list[Token]) -> _Form:
        return _new(_Form, (_exec_args(c[0]), True, False, -1))

    def shell_form(self, c: list[Token]) -> _Form:
        return _new(_Form, ((str(c[0]),), False, False, c[0].start_pos))

    def fields(self, c: list[Token]) -> _Form:
        return _new(_Form, (tuple([t.rstrip(_AS) for t in c]), False, False, c[0].start_pos))

    def pairs(self, c: list[Token]) -> _Form:
        pairs: list[str] = []
        for word in c:
            if word.type != "PAIR":
                raise DockerfileError(
                    f"Syntax error - can't find = in {go_quote(word)}. "
                    "Must be of the form: name=value"
                )
            key, _, val = word.partition("=")
            pairs += [key, val]
        return _new(_Form, (tuple(pairs), False, False, -1))

    def legacy(self, c: list[Token]) -> _Form:
        return _new(_Form, ((c[0].rstrip(_AS), *map(str, c[1:])), False, True, -1))

    def words(self, c: list[Token]) -> _Form:
        return _new(_Form, (tuple(map(str, c)), False, False, -1))

    text = words

    def health(self, c: list[Any]) -> _Form:
        sub: _Form = c[1] if len(c) > 1 else _EMPTY
        return _new(_Form, ((str(c[0]), *sub.value), sub.json, sub.legacy, sub.json_at))

    # ---- instructions: the keyword, flags, then a form or (ONBUILD) a trigger
    def instruction(self, c: list[Any]) -> Draft:
        keyword: Token = c[0]
        kind = keyword.type
        cmd = kind if kind != "UNKNOWN" else _KEYWORD.match(keyword).group().upper()  # type: ignore[union-attr]
        size = len(c)
        last = c[-1] if size > 1 and not isinstance(c[-1], str) else None
        start = keyword.start_pos
        where: tuple[tuple[int, ...], int] = ((), start + len(keyword))
        flags: tuple[str, ...] = ()
        if size > (2 if last is not None else 1):  # flags between the keyword and the form
            flags, where = self._flags(c[1:-1] if last is not None else c[1:], start)
        if last.__class__ is Draft or kind == "UNKNOWN":  # ONBUILD's trigger, or unknown
            sub = last if last.__class__ is Draft else None
            return Draft(cmd, flags, ("",), False, start, False, sub, *where)
        if last is None:
            return _new(Draft, (cmd, flags, (), False, start, False, None, *where))
        form: _Form = last
        json_at = form.json_at
        if json_at >= 0 and self.written.startswith("[", json_at) and cmd not in _NOT_JSON_CHECKED:
            _check_not_json(self.written[json_at:])
        if form.legacy and len(form.value) < 2:
            raise DockerfileError(f"{cmd} must have two arguments")
        return _new(Draft, (cmd, flags, form.value, form.json, start, form.legacy, None, *where))

    def _flags(
        self, tokens: list[Token], start: int
    ) -> tuple[tuple[str, ...], tuple[tuple[int, ...], int]]:
        """The flags' texts (without ``--`` alone), where each starts and where the
        arguments start, relative to ``start``."""
        escape = self.lexer.escape
        texts = [_flag_text(t, escape) for t in tokens]
        end = tokens[-1].start_pos + len(tokens[-1]) - start
        if "--" not in texts:
            return tuple(texts), (tuple([t.start_pos - start for t in tokens]), end)
        kept = [(f, t.start_pos - start) for f, t in zip(texts, tokens, strict=True) if f != "--"]
        return tuple(f for f, _ in kept), (tuple(s for _, s in kept), end)

    def line(self, c: list[Draft]) -> Any:
        """The line's node."""
        return self.finish(self.whole(c[0]))

    def whole(self, draft: Draft) -> Whole:
        """The line's instruction read whole: its ONBUILD triggers checked, then its
        heredoc bodies read."""
        logical = self.logical
        triggers = self._triggers(draft.sub) if draft.sub is not None else ()
        docs: tuple[Heredoc, ...] = ()
        end_line, original = logical.end_line, logical.text
        if "<<" in original and _heredoc_target(draft):
            docs = _read_heredocs(logical, self.lexer)
            if docs:
                end_line = self.lexer.line
                original += "\n" + "".join(d.content + d.name + "\n" for d in docs)
        if self.extensions is None:
            self.extensions = extensions_of(self.lexer.directives)
        return _new(Whole, (draft, triggers, docs, end_line, original))

    def finish(self, whole: Whole) -> Any:
        """The line's node."""
        draft, triggers, docs, end_line, original = whole
        logical, sub = self.logical, None
        text, inner_end = self.written, logical.end_line
        for i, (trigger, column) in enumerate(reversed(triggers), 1):
            last = i == len(triggers)  # the outer instruction's trigger holds its heredocs
            sub = Node(trigger.cmd, trigger.flags, trigger.value, trigger.json, logical.start_line,
                       end_line if last else inner_end, text[trigger.start :],
                       docs if last else (), sub, column, legacy_format=trigger.legacy,
                       flag_starts=trigger.flag_starts, args_start=trigger.args_start)  # fmt: skip
        empty = logical.end_line if logical.empty_continuation else 0
        return Node(draft.cmd, draft.flags, draft.value, draft.json, logical.start_line,
                    end_line, original, docs, sub, logical.column, logical.comments, empty,
                    draft.legacy, draft.flag_starts, draft.args_start)  # fmt: skip

    def _triggers(self, draft: Draft | None) -> tuple[tuple[Draft, int], ...]:
        """ONBUILD's trigger (and its own, if any), each with its keyword's column."""
        logical = self.logical
        drafts = []
        while draft is not None:
            drafts.append(draft)
            draft = draft.sub
        if len(drafts) > MAX_ONBUILD_NESTING:
            raise DockerfileError(ONBUILD_CHAIN, column=logical.column)
        column = logical.column + logical.text.index(self.written)
        return tuple((d, column + d.start) for d in drafts)


INSTRUCTIONS = ("from", "run", "cmd", "entrypoint", "shell", "copy", "add", "volume", "env",
                "label", "arg", "expose", "user", "workdir", "maintainer", "stopsignal",
                "healthcheck", "onbuild", "include", "unknown")  # fmt: skip
"""The grammar's instruction rules: ``Builder.instruction`` reduces each."""
for _rule in INSTRUCTIONS:
    setattr(Builder, _rule, Builder.instruction)
FORMS = ("exec", "shell_form", "fields", "pairs", "legacy", "words", "text", "health", "line")
"""The other rules of ``line`` that are not inlined: the argument forms, and ``line``."""
RULES = (*INSTRUCTIONS, *FORMS)
"""Every rule of ``line`` that is not inlined."""

LineParse = Callable[[str, str, Builder], Any]
"""Parses a line's text, with an escape character, by a builder's callbacks."""


def _parse_line(escape: str, text: str, builder: Builder) -> Any:
    return line_parser(escape)(text, builder.callbacks)


def parse_line(line: LogicalLine, builder: Builder, parse: LineParse = _parse_line) -> Any:
    """What ``builder`` makes of one logical line (keyword, flags and arguments by the
    grammar); ``ONBUILD <instruction>`` nests the trigger as ``sub``, up to
    ``MAX_ONBUILD_NESTING`` levels."""
    text = line.text.strip(GO_SPACE)  # a continued line may start with blanks
    builder.begin(line, text)
    if not text:
        return builder.line([Draft("", (), ("",), False, 0)])
    escape = builder.lexer.escape
    try:
        return parse(escape, text, builder)
    except LineError as exc:  # the grammar reads any line: this is a bug
        raise DockerfileError(f"cannot parse the instruction: {exc}") from None
    except _NotStrings:
        raise DockerfileError(NOT_STRINGS, line=line.start_line) from None
    except DockerfileError as exc:
        if str(exc) == ONBUILD_CHAIN:
            exc.column = line.column
        raise


def _heredoc_target(draft: Draft) -> bool:
    """Whether a line's instruction (or ONBUILD's trigger) can have heredocs."""
    target = draft.sub if draft.cmd == "ONBUILD" and draft.sub else draft
    return target.cmd in _HEREDOC_COMMANDS and not target.json


def _read_heredocs(line: LogicalLine, lexer: Prelexer) -> tuple[Heredoc, ...]:
    """The bodies of the heredocs ``line`` opens, read from the pre-lexer."""
    docs = []
    for doc in heredocs_in(line.text):
        content = lexer.read_heredoc(doc)
        if content is None:
            raise DockerfileError("unterminated heredoc", end_line=lexer.line)
        docs.append(Heredoc(doc.name, content, doc.expand, doc.chomp, doc.file_descriptor))
    return tuple(docs)


class Parsed(NamedTuple):
    directives: dict[str, str]
    escape: str
    nodes: list[Node]
    warnings: tuple[DockerfileWarning, ...] = ()


def parse_nodes(source: str | bytes, parse: LineParse = _parse_line) -> Parsed:
    """Directives, escape character and one node per instruction."""
    directives, escape, nodes, warnings = parse_lines(source, parse)
    return Parsed(directives, escape, nodes, warnings)


def parse_lines(
    source: str | bytes,
    parse: LineParse = _parse_line,
    transformer: Callable[[Prelexer], Builder] = Builder,
) -> tuple[dict[str, str], str, list[Any], tuple[DockerfileWarning, ...]]:
    """Directives, escape character and what ``transformer``'s builder makes of each
    line (by default its node), and warnings."""
    lexer = Prelexer(source)
    builder = transformer(lexer)
    nodes = []
    for line in lexer:
        try:
            nodes.append(parse_line(line, builder, parse))
        except DockerfileError as exc:
            exc.line, exc.column = line.start_line, exc.column or line.column
            exc.end_line = max(exc.end_line, line.end_line)
            exc.source_line = lexer.physical(line.start_line)
            raise
    if not nodes:
        raise DockerfileError("file with no instructions", line=lexer.line)
    if lexer.too_long:
        raise DockerfileError(
            f"dockerfile line greater than max allowed size of {MAX_LINE_BYTES}",
            line=lexer.too_long,
            column=1,
        )
    return lexer.directives, lexer.escape, nodes, tuple(lexer.warnings)
