"""The grammar's own driver (``frontend.syntax.lalr``) against Lark's parser.

Lark, given the parser's transformer (``Builder``) as ``transformer=``, calls
the same methods at its reductions: it must build the same typed instructions
(and the same errors) on the whole corpus as the parser's own driver.
"""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lark import Lark
from lark.exceptions import LarkError

from frontend.errors import DockerfileError
from frontend.syntax import parser
from frontend.syntax.instructions import to_instruction
from frontend.syntax.lalr import (
    LineError,
    LineParser,
    Tree,
    compiled_regex,
    line_tables,
    transform,
)
from frontend.syntax.nodes import Node
from frontend.syntax.parser import RULES, Builder, load_grammar, parse_lines
from frontend.syntax.prelex import Prelexer, extensions_of
from frontend.syntax.transformer import TypedBuilder

from .corpus import CASES, ERRORS, names

EXTRA = [
    "RUN --mount=type=cache,target=/x -- --not-a-flag",
    'HEALTHCHECK --interval=5s CMD ["a", "b"]',
    "ONBUILD --x ONBUILD RUN y",
    "ENV a b c",
    'ENV a="b c" d=e',
    "label a=b c",
    'COPY ["a", 1] b',
    'ARG a \'b c\' "d\\" e"',
    "unknown --flag and words",
    "RUN <<EOF\nbody\nEOF",
    "ONBUILD COPY <<A b\nx\nA",
]


class _Current:
    """Lark binds a transformer once: this one hands each rule on to the current builder."""

    builder: Builder

    def __getattr__(self, name: str) -> Any:
        if name not in RULES:
            raise AttributeError(name)
        return lambda children: self.builder.callbacks[name](children)


_CURRENT = _Current()


@cache
def _lark(escape: str) -> Lark:
    return Lark(
        parser._grammar_text(escape),
        parser="lalr",
        start="line",
        maybe_placeholders=False,
        transformer=_CURRENT,
    )


def _lark_line(escape: str, text: str, builder: Builder) -> Any:
    _CURRENT.builder = builder
    try:
        return _lark(escape).parse(text)
    except LarkError as exc:
        raise LineError(str(exc)) from None


def _typed(node: Node, extensions: frozenset[str]) -> object:
    try:
        return to_instruction(node, extensions)
    except DockerfileError as exc:
        return ("error", exc.message, exc.line, exc.column)


def _outcome(source: bytes, parse: parser.LineParse) -> object:
    try:
        directives, escape, nodes, warnings = parse_lines(source, parse)
    except DockerfileError as exc:
        return ("error", exc.message, exc.line, exc.column)
    extensions = extensions_of(directives)
    return directives, escape, [_typed(node, extensions) for node in nodes], warnings


def _sources() -> list[bytes]:
    files = [CASES / n / "Dockerfile" for n in names(CASES)]
    files += [ERRORS / n / "Dockerfile" for n in names(ERRORS)]
    extra = [f"FROM a\n{text}\n".encode() for text in EXTRA]
    return extra + [f"# escape=`\n{t}\n".encode() for t in EXTRA] + [p.read_bytes() for p in files]


def test_lark_with_the_same_transformer_builds_the_same_instructions() -> None:
    sources = _sources()
    assert len(sources) > 250
    for source in sources:
        assert _outcome(source, _lark_line) == _outcome(source, parser._parse_line), source[:200]


def test_a_builder_has_a_callback_for_each_rule_that_is_not_inlined() -> None:
    builder = Builder(Prelexer("FROM a"))
    assert set(builder.callbacks) == set(RULES)
    assert all(builder.callbacks[name] == getattr(builder, name) for name in RULES)


def test_tables_are_plain_data() -> None:
    tables = line_tables(load_grammar())
    assert tables is not None
    assert set(tables.starts) == {"line", "json", "csv"}
    assert marshal.loads(marshal.dumps(tuple(tables))) == tuple(tables)


def test_tables_hold_each_lexer_pattern_as_re_compiles_it() -> None:
    """Each state's expression is saved compiled; loaded, it is what ``re.compile`` makes."""
    tables = line_tables(load_grammar())
    assert tables is not None
    patterns = {(pattern, flags) for pattern, flags, _ in tables.lexers.values()}
    assert set(tables.programs) == patterns
    for pattern, flags in patterns:
        program = tables.programs[pattern, flags]
        assert compiled_regex(pattern, program) == re.compile(pattern, flags)


def test_a_pattern_without_a_usable_program_is_compiled_by_re() -> None:
    tables = line_tables(load_grammar())
    assert tables is not None
    broken = {key: (0, [], 0, {}, ()) for key in tables.programs}
    expected = _shape("RUN --x a", LineParser(tables).parse)
    assert _shape("RUN --x a", LineParser(tables._replace(programs={})).parse) == expected
    assert _shape("RUN --x a", LineParser(tables._replace(programs=broken)).parse) == expected


def _shape(text: str, parse: Any) -> object:
    """What a line parser makes of ``text`` with callbacks that build trees."""
    callbacks = {name: lambda c, name=name: (name, [str(x) for x in c]) for name in RULES}
    return parse(text, callbacks)


def test_tables_cache_is_written_and_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser, "TABLES_CACHE", tmp_path / "tables.cache")
    tables = parser._tables.__wrapped__("\\")
    assert (tmp_path / "tables.cache").is_file()
    assert tables is not None
    assert parser._tables.__wrapped__("\\") == tables


def test_falls_back_to_lark(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without usable tables (another Lark's internals), Lark parses the line itself."""
    monkeypatch.setattr(parser, "_tables", lambda escape: None)
    parse = parser.line_parser.__wrapped__("\\")
    tables = line_tables(load_grammar())
    assert tables is not None
    assert _shape("RUN --x a", parse) == _shape("RUN --x a", LineParser(tables).parse)
    with pytest.raises(LineError):
        parse("", {})


def test_transform_applies_callbacks_bottom_up() -> None:
    tree = Tree("a", [Tree("b", []), Tree("b", [Tree("b", [])])])
    callbacks = {"a": lambda c: ("a", *c), "b": lambda c: len(c)}
    assert transform(tree, callbacks) == ("a", 0, 1)


BUILD_CACHE = """
import sys
from pathlib import Path
import frontend.syntax.parser as parser
parser.GRAMMAR_CACHE = Path(sys.argv[1]) / "grammar.lark.cache"
parser.TABLES_CACHE = Path(sys.argv[1]) / "grammar.tables.cache"
parser.line_parser()
"""


def test_grammar_caches_are_the_same_bytes_from_run_to_run(tmp_path: Path) -> None:
    """Lark numbers its states differently each run; the caches do not differ."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", BUILD_CACHE, str(out)], check=True, env=env, timeout=300
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == ["grammar.lark.cache", "grammar.tables.cache"]
    assert outputs[0] == outputs[1]


def _typed_outcome(source: bytes, parse: parser.LineParse) -> object:
    def transformer(lexer: Prelexer) -> TypedBuilder:
        return TypedBuilder(lexer, [])

    try:
        _, _, typed, _ = parse_lines(source, parse, transformer)
    except DockerfileError as exc:
        return ("error", exc.message, exc.line, exc.column)
    return [("error", t.message, t.line, t.column) if isinstance(t, DockerfileError) else t
            for t in typed]  # fmt: skip


def test_lark_with_the_typed_transformer_builds_the_same_instructions() -> None:
    for source in _sources():
        expected = _typed_outcome(source, parser._parse_line)
        assert _typed_outcome(source, _lark_line) == expected, source[:200]
