"""The grammar's own driver (``frontend.syntax.lalr``) against Lark's parser, line by line."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lark.exceptions import LarkError

from frontend.gotext import SPACE as GO_SPACE
from frontend.syntax import parser
from frontend.syntax.lalr import LineError, LineParser, Token, Tree, from_lark, line_tables
from frontend.syntax.parser import load_grammar
from frontend.syntax.prelex import Prelexer

from .corpus import CASES, names

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
]


def _lines(name: str) -> list[tuple[str, str]]:
    if name == "extra":
        return [(text, escape) for text in EXTRA for escape in ("\\", "`")]
    lexer = Prelexer((CASES / name / "Dockerfile").read_bytes())
    texts = [line.text.strip(GO_SPACE) for line in lexer]
    return [(text, lexer.escape) for text in texts if text]


def _shape(tree: Tree) -> object:
    """A tree as nested tuples, tokens with their type and start."""
    return (
        tree.data,
        [
            (c.type, str(c), c.start_pos) if isinstance(c, Token) else _shape(c)
            for c in tree.children
        ],
    )


@pytest.mark.parametrize("name", ["extra", *names(CASES)])
def test_same_tree_as_lark(name: str) -> None:
    for text, escape in _lines(name):
        lark = load_grammar(escape)
        tables = line_tables(lark, "line")
        assert tables is not None
        try:
            expected = _shape(from_lark(lark.parse(text, start="line")))
        except LarkError:
            with pytest.raises(LineError):
                LineParser(tables).parse(text)
            continue
        assert _shape(LineParser(tables).parse(text)) == expected, text


def test_tables_are_plain_data() -> None:
    tables = line_tables(load_grammar(), "line")
    assert tables is not None
    assert marshal.loads(marshal.dumps(tuple(tables))) == tuple(tables)


def test_tables_cache_is_written_and_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser, "TABLES_CACHE", tmp_path / "tables.cache")
    parse = parser.line_parser.__wrapped__("\\")
    assert (tmp_path / "tables.cache").is_file()
    again = parser.line_parser.__wrapped__("\\")
    assert _shape(parse("RUN --x a")) == _shape(again("RUN --x a"))


def test_falls_back_to_lark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without usable tables (another Lark's internals), Lark parses the line itself."""
    monkeypatch.setattr(parser, "TABLES_CACHE", tmp_path / "tables.cache")
    monkeypatch.setattr(parser, "line_tables", lambda grammar, start: None)
    parse = parser.line_parser.__wrapped__("\\")
    tables = line_tables(load_grammar(), "line")
    assert tables is not None
    assert _shape(parse("RUN --x a")) == _shape(LineParser(tables).parse("RUN --x a"))
    with pytest.raises(LineError):
        parse("")


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
