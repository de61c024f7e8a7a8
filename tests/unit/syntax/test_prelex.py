"""Pre-lexer and grammar details, one behaviour of the official parser per row."""

from __future__ import annotations

import pytest

from frontend.errors import DockerfileError
from frontend.gotext import go_quote
from frontend.syntax import parse_raw
from frontend.syntax.dump import render
from frontend.syntax.heredoc import heredocs_in
from frontend.syntax.nodes import Node
from frontend.syntax.parser import Builder, parse_line
from frontend.syntax.prelex import LogicalLine, Prelexer, trim_continuation


def node_from_line(line: LogicalLine, escape: str) -> Node:
    """The node of one line, in a file whose escape character is ``escape``."""
    lexer = Prelexer("")
    lexer.escape = escape
    node: Node = parse_line(line, Builder(lexer))
    return node


@pytest.mark.parametrize(
    ("line", "escape", "expected"),
    [
        ("RUN a \\", "\\", ("RUN a ", True)),
        ("RUN a\\ \t ", "\\", ("RUN a", True)),
        ("\\", "\\", ("", True)),
        ("\\  ", "\\", ("", True)),
        ("  \\", "\\", ("  ", True)),
        ("RUN a \\\\", "\\", ("RUN a \\\\", False)),  # an escaped escape
        ("RUN a \\\\\\", "\\", ("RUN a \\\\\\", False)),  # upstream's regexp: no look-behind
        ("RUN a \\", "`", ("RUN a \\", False)),
        ("RUN a `", "`", ("RUN a ", True)),
        ("RUN a ``", "`", ("RUN a ``", False)),
        ("RUN a\\\r", "\\", ("RUN a\\\r", False)),  # \r is no blank here: lines arrive trimmed
    ],
)
def test_trim_continuation(line: str, escape: str, expected: tuple[str, bool]) -> None:
    assert trim_continuation(line, escape) == expected


def test_logical_lines_and_columns() -> None:
    lexer = Prelexer("\ufeff  FROM a\n\n# c\n\tRUN x \\\n  # inside\n\n  y\nRUN \\\n")
    lines = [(ln.text, ln.start_line, ln.end_line, ln.column) for ln in lexer]
    assert lines == [("FROM a", 1, 1, 3), ("RUN x   y", 4, 7, 2), ("RUN ", 8, 8, 1)]


@pytest.mark.parametrize(
    ("source", "directives", "escape"),
    [
        ("# syntax=a\n# escape=`\n# check=b\nFROM x\n",
         {"syntax": "a", "escape": "`", "check": "b"}, "`"),
        ("#ESCAPE = `\nFROM x\n", {"escape": "`"}, "`"),
        ("  # syntax = a b  \nFROM x\n", {"syntax": "a b"}, "\\"),
        ("# x=1\n# syntax=a\nFROM x\n", {}, "\\"),
        ("\n# syntax=a\nFROM x\n", {}, "\\"),
        ("#\n# syntax=a\nFROM x\n", {}, "\\"),
        ("#!/bin/sh\n# syntax=a\n# escape=`\nFROM x\n", {"syntax": "a"}, "\\"),
        ("#!/bin/sh\n# syntax=a\n# syntax=b\n# check=c\nFROM x\n", {"syntax": "a"}, "\\"),
        ("FROM x\n# syntax=a\n", {}, "\\"),
    ],
)  # fmt: skip
def test_directives(source: str, directives: dict[str, str], escape: str) -> None:
    parsed = parse_raw(source)
    assert (parsed.directives, parsed.escape) == (directives, escape)


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("# escape=\\\n  #escape=`\nFROM x\n", "only one escape parser directive", 2, 3),
        ("# escape=ab\nFROM x\n", "invalid escape token 'ab'", 1, 10),
    ],
)
def test_directive_errors(source: str, message: str, line: int, column: int) -> None:
    with pytest.raises(DockerfileError, match=message) as caught:
        parse_raw(source)
    assert (caught.value.line, caught.value.column) == (line, column)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("RUN <<EOF", [("EOF", True, False, 0)]),
        ("RUN <<-EOF", [("EOF", True, True, 0)]),
        ('RUN <<"EOF"', [("EOF", False, False, 0)]),
        ("RUN <<'EOF'", [("EOF", False, False, 0)]),
        ('RUN <<E"O"F', [("EOF", False, False, 0)]),
        ("RUN <<\\EOF", [("EOF", True, False, 0)]),  # an escape does not stop expansion
        ("RUN <<EOF''", [("EOF", False, False, 0)]),
        ("RUN 3<<A 12<<-B", [("A", True, False, 3), ("B", True, True, 12)]),
        ("RUN << EOF", [("EOF", True, False, 0)]),
        ('RUN <<"E F"', [("E F", False, False, 0)]),
        ("RUN <<$X <<${Y}", [("$X", True, False, 0), ("${Y}", True, False, 0)]),
        ("RUN <<EOF;", [("EOF;", True, False, 0)]),
        ("RUN x<<EOF", []),
        ('RUN "<<EOF"', []),
        ("RUN <<", []),
        ("RUN <<<EOF", []),
        ('RUN <<EOF "unbalanced', []),  # the line does not lex: no heredocs at all
        ("RUN <<EOF ${", []),
        ("RUN <<${A:-x y}", []),  # the ${...} scan restarts the word: << is lost
        ("RUN a${A:-b}<<EOF", []),
        ("RUN ${A:-b} <<EOF", [("EOF", True, False, 0)]),
    ],
)
def test_heredoc_markers(line: str, expected: list[tuple[str, bool, bool, int]]) -> None:
    docs = [(d.name, d.expand, d.chomp, d.file_descriptor) for d in heredocs_in(line)]
    assert docs == expected


def test_deep_nesting_gives_up_on_heredocs_only() -> None:
    line = "RUN <<EOF " + "${a:-" * 20_000 + "}" * 20_000
    assert heredocs_in(line) == []
    assert heredocs_in("RUN <<EOF " + "${a:-" * 1_000 + "}" * 1_000) != []


@pytest.mark.parametrize(
    ("rest", "escape", "words"),
    [
        ("a\"b c\"d 'e f'g\\ h i", "\\", ['a"b c"d', "'e f'g\\ h", "i"]),
        ('\'p\\q\' "x\\"y"', "\\", ["'p\\q'", '"x\\"y"']),
        ("a\\", "\\", ["a"]),
        ("\\", "\\", []),
        ('"a b', "\\", ['"a b']),
        ('"b\\', "\\", ['"b']),
        ("a`  b\\ c", "`", ["a` ", "b\\", "c"]),
        ("a\u00a0b\u2003c\x1cd", "\\", ["a", "b", "c\x1cd"]),  # Go's whitespace, not Python's
    ],
)
def test_arg_words(rest: str, escape: str, words: list[str]) -> None:
    """ARG's words: split on Go's whitespace, quotes and escapes kept."""
    assert node_from_line(LogicalLine(f"ARG {rest}", 1, 1), escape).value == tuple(words)


@pytest.mark.parametrize(
    ("line", "escape", "rest", "flags"),
    [
        ("--a --b=c d e", "\\", "d e", ["--a", "--b=c"]),
        ("--a=b\\", "\\", "", ["--a=b"]),
        ("--a='b\\'c' x", "\\", "x", ["--a=b'c"]),
        ('--a="b c" -- d', "\\", " d", ["--a=b c"]),
        ('--"a b"=c x', "\\", "x", ["--a b=c"]),
        ('--"" x', "\\", " x", []),
        ("---x y", "\\", "y", ["---x"]),
        ("-- ", "\\", " ", []),
        ("--a= --b x", "\\", "x", ["--a=", "--b"]),
        ('--a=`" b', "`", "b", ['--a="']),
        ("-a b", "\\", "-a b", []),
    ],
)
def test_flags(line: str, escape: str, rest: str, flags: list[str]) -> None:
    """Leading ``--`` words are flags (quotes removed); ``--`` alone ends them."""
    node = node_from_line(LogicalLine(f"RUN {line}", 1, 1), escape)
    assert (node.value, list(node.flags)) == ((rest.strip(),) if rest.strip() else (), flags)


def test_onbuild_trigger_offsets() -> None:
    text = "ONBUILD --x=1  RUN  a  "
    node = parse_raw(f"FROM a\n  {text}\n").nodes[1]
    assert (node.cmd, node.flags, node.original) == ("ONBUILD", ("--x=1",), text)
    assert node.sub is not None
    assert (node.sub.cmd, node.sub.value, node.sub.original) == ("RUN", ("a",), "RUN  a")
    assert node.sub.column == 18


def test_go_quote() -> None:
    assert go_quote('a "b"\\\t\x01é\u00a0\udcff') == '"a \\"b\\"\\\\\\t\\x01é\\u00a0\\xff"'


def test_render_keeps_what_the_parser_read() -> None:
    source = "# escape=`\nFROM a\n`\n  RUN x\nRUN <<-EOF\n\tbody\n\tEOF\nRUN end`\t`"
    parsed = parse_raw(source)
    text = render(parsed.directives, parsed.nodes, parsed.escape)
    assert text == "# escape=`\nFROM a\n`\n  RUN x\nRUN <<-EOF\n\tbody\nEOF\nRUN end`\t`\n"
    again = parse_raw(text)
    assert [n.original for n in again.nodes] == [n.original for n in parsed.nodes]
