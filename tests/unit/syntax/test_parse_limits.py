"""Large and pathological inputs parse, or fail, with the right result.

Each input is near the sizes the brief names (a 10 MB file, 100,000 lines,
10,000 continuation lines, a 10,000-line heredoc, deep nesting);
``test_linear`` checks that work grows linearly where a quadratic slip would
hide (long logical lines joined from continuations have no length limit).
No test here has a time budget: ``hack/bench_parse.py`` times the full-size
versions against the official parser.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from frontend.errors import DockerfileError
from frontend.syntax import parse_raw
from frontend.syntax.parser import MAX_ONBUILD_NESTING, load_grammar
from frontend.syntax.prelex import MAX_LINE_BYTES
from tests.unit.growth import assert_linear


def _parsed(text: str) -> object:
    try:
        return parse_raw(text)
    except DockerfileError as exc:
        return exc


INPUTS: dict[str, tuple[Callable[[], str], int | str]] = {
    # name: (input, number of instructions or the start of the error message)
    "10 MB heredoc body": (lambda: "FROM a\nRUN <<EOF\n" + "echo line\n" * 1_000_000 + "EOF\n", 2),
    "10 MB of comments and blank lines": (
        lambda: ("#" + "c" * 78 + "\n\n") * 125_000 + "FROM a\n",
        1,
    ),
    "10 MB line": (lambda: "FROM a\nRUN " + "x" * 10_000_000 + "\n", "dockerfile line greater"),
    "100,000 lines": (lambda: "FROM a\n" + "RUN echo hello\n" * 99_999, 100_000),
    "10,000 continuation lines": (
        lambda: "FROM a\nRUN a \\\n" + "  b \\\n# comment\n\n" * 10_000 + "c\n",
        2,
    ),
    "10,000-line heredoc": (lambda: "FROM a\nRUN <<EOF\n" + "echo line\n" * 10_000 + "EOF\n", 2),
    "64 KB of alternating quotes": (lambda: "FROM a\nENV a=" + "\"'" * 32_000 + "\n", 2),
    "unbalanced quotes in flags": (lambda: "FROM a\nRUN --x=" + "\"'" * 32_000 + "\n", 2),
    "10,000 nested ${ on a heredoc line": (
        lambda: "FROM a\nRUN <<EOF " + "${a:-" * 10_000 + "}" * 10_000 + "\nEOF\n",
        2,
    ),
    '5,000 nested "${ on a heredoc line': (
        lambda: "FROM a\nRUN <<EOF " + '"${a:-' * 5_000 + '}"' * 5_000 + "\nEOF\n",
        2,
    ),
    "100,000 nested ${ over continuation lines": (
        lambda: "FROM a\nRUN <<EOF \\\n" + "${a:-\\\n" * 100_000 + "}\\\n" * 99_999 + "}\nEOF\n",
        3,  # beyond MAX_LEX_NESTING: no heredoc, so EOF is an instruction
    ),
    "JSON nested 30,000 deep": (lambda: "FROM a\nRUN " + "[" * 30_000 + "]" * 30_000 + "\n", 2),
    "JSON nested 10,000 deep": (
        lambda: "FROM a\nRUN " + "[" * 10_000 + "]" * 10_000 + "\n",
        "when using JSON array syntax",
    ),
    "100,000 nested ONBUILD": (
        lambda: "FROM a\n" + "ONBUILD \\\n" * 100_000 + "RUN x\n",
        "Chaining ONBUILD",
    ),
    "5,000 heredocs on one line": (
        lambda: "FROM a\nRUN " + "<<A " * 5_000 + "\n" + "A\n" * 5_000,
        2,
    ),
    "64 KB flag of escapes": (lambda: "FROM a\nRUN --x=" + "\\ " * 30_000 + "y z\n", 2),
}


@pytest.mark.parametrize("name", INPUTS)
def test_bounded(name: str) -> None:
    make, expected = INPUTS[name]
    result = _parsed(make())
    if isinstance(expected, int):
        assert not isinstance(result, DockerfileError), result
        assert len(result.nodes) == expected  # type: ignore[attr-defined]
    else:
        assert isinstance(result, DockerfileError)
        assert result.message.startswith(expected)


def test_line_limit_is_upstreams() -> None:
    ok = "FROM a\nRUN " + "x" * (MAX_LINE_BYTES - 4)
    assert len(parse_raw(ok).nodes) == 2
    assert len(parse_raw(ok + "\n").nodes) == 2
    with pytest.raises(DockerfileError, match="max allowed size of 65535") as caught:
        parse_raw(ok + "é\n")  # one more character, two more bytes
    assert caught.value.line == 2
    with pytest.raises(DockerfileError, match="file with no instructions"):
        parse_raw("x" * (MAX_LINE_BYTES + 1) + "\nFROM a\n")
    with_bom = "\ufeffRUN " + "x" * (MAX_LINE_BYTES - 7)  # the BOM is three of the bytes
    assert len(parse_raw(with_bom).nodes) == 1
    with pytest.raises(DockerfileError, match="file with no instructions"):
        parse_raw(with_bom + "x\nFROM a\n")
    with pytest.raises(DockerfileError, match="unterminated heredoc"):
        parse_raw("FROM a\nRUN <<EOF\n" + "x" * (MAX_LINE_BYTES + 1) + "\nEOF\n")


def test_onbuild_limit() -> None:
    nested = "ONBUILD " * MAX_ONBUILD_NESTING
    assert parse_raw(f"FROM a\n{nested}RUN x\n").nodes[1].sub_cmd == "ONBUILD"
    with pytest.raises(DockerfileError, match="Chaining ONBUILD"):
        parse_raw(f"FROM a\nONBUILD {nested}RUN x\n")


LINEAR: dict[str, Callable[[int], str]] = {
    "continued ENV pairs": lambda n: "FROM a\nENV " + 'a="b c" \\\n' * n + "z=1\n",
    "continued flags": lambda n: "FROM a\nRUN " + '--a="b c" \\\n' * n + "x\n",
    "continued JSON": lambda n: "FROM a\nRUN [" + '"ab", \\\n' * n + '"c"]\n',
    "continued heredoc line": lambda n: "FROM a\nRUN <<EOF " + '"$x" \\\n' * n + "\nEOF\n",
    "continued ${ nesting": lambda n: "FROM a\nRUN <<EOF " + "${a:-\\\n" * n + "}\\\n" * n + "\n",
    "heredoc lines": lambda n: "FROM a\nRUN <<EOF\n" + "x\n" * (20 * n) + "EOF\n",
    "instructions": lambda n: "FROM a\n" + "COPY --from=a b c\n" * n,
}


@pytest.mark.parametrize("name", LINEAR)
def test_linear(name: str) -> None:
    load_grammar()
    assert_linear(lambda n: _parsed(LINEAR[name](n)), 2_500)
