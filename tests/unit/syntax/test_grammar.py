"""The grammar's own driver (``frontend.syntax.lalr``) against Lark's parser, line by line."""

from __future__ import annotations

import pytest
from lark.exceptions import LarkError

from frontend.gotext import SPACE as GO_SPACE
from frontend.syntax.lalr import LineParser
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


@pytest.mark.parametrize("name", ["extra", *names(CASES)])
def test_same_tree_as_lark(name: str) -> None:
    for text, escape in _lines(name):
        lark = load_grammar(escape)
        try:
            expected = lark.parse(text, start="line")
        except LarkError:
            with pytest.raises(LarkError):
                LineParser(lark, "line").parse(text)
            continue
        assert LineParser(lark, "line").parse(text) == expected, text


def test_falls_back_to_lark() -> None:
    parser = LineParser(load_grammar(), "line")
    parser.states = {}
    assert parser.parse("RUN a").children[0].data == "run"  # type: ignore[union-attr]
