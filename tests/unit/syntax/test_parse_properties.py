"""Properties of the parser over generated Dockerfile-like text and arbitrary bytes.

- Only ``DockerfileError`` escapes parsing (raw and typed), whatever the input.
- Fixed point: ``render`` (``frontend.syntax.dump``) writes parsed nodes back
  as one line per instruction; parsing that text gives the same directives and
  the same nodes, every field but line numbers and columns, and rendering
  again gives the same text. So ``original`` holds everything the parser read.
- Parsing is deterministic, and the JSON dump always encodes as UTF-8.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontend.errors import DockerfileError
from frontend.gotext import go_json
from frontend.syntax import Parsed, parse, parse_raw
from frontend.syntax.dump import dump_json, render
from frontend.syntax.nodes import Node

FRAGMENTS = [
    "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "LABEL", "ONBUILD", "HEALTHCHECK", "CMD",
    "ENTRYPOINT", "SHELL", "VOLUME", "EXPOSE", "run", "onbuild", "copy", "NONE",
    " ", "  ", "\t", "\n", "\n", "\n", "\r\n", "\r", "\\", "\\\n", "\\ \n", "`", "`\n",
    "#", "# escape=`\n", "# escape=\\\n", "# syntax=x\n", "# check=a=b\n", "#!/bin/x\n",
    "\ufeff", '"', "'", "[", "]", ",", ":", "=", "--", "--mount=type=cache", "--x=", "-- ",
    "<<", "<<-", "<< ", "EOF", "\tEOF", "EOF\n", "\n\tEOF\n", "3<<", "$", "${", "}", ":-",
    "a", "b c", "1", "true", "null", "{", "é", "\x00", "\x85", "\u00a0", "\u2003", "\x0b",
]  # fmt: skip

_fragmentary = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=50
).map("".join)

KEYWORDS = [
    "FROM", "RUN", "run", "COPY", "ADD", "ENV", "ARG", "LABEL", "ONBUILD RUN", "ONBUILD",
    "ONBUILD ONBUILD", "onbuild copy", "HEALTHCHECK CMD", "HEALTHCHECK", "CMD", "SHELL", "FOO", "",
]  # fmt: skip
FLAGS = ["--mount=type=cache,target=/x", '--x="a b"', "--link", "--", "--from=a\\ b", "--'q'"]
WORDS = [
    "a", "b c", '"q w"', "'s'", "\\", "`", "$A", "${A:-x y}", "<<EOF", "<<-EOF", '<<"EOF"',
    "3<<EOF", "<< EOF", "<<E", "[", "]", '["a", "b"]', '["a", 1]', "[]", "=", "k=v", 'k="v w"',
    "#", "\\\n", "`\n", "\\\n# c\n", "\\\n\n", "\\\t",
]  # fmt: skip
OTHER_LINES = ["EOF", "\tEOF", "EOF ", "E", "x", "", "# c", "\\", "# escape=`", "# syntax=s", "#!x"]

_line = st.builds(
    lambda indent, keyword, flags, words: indent + " ".join([keyword, *flags, *words]),
    st.sampled_from(["", "", " ", "\t"]),
    st.sampled_from(KEYWORDS),
    st.lists(st.sampled_from(FLAGS), max_size=2),
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=3)), max_size=4),
)
_heredoc = st.builds(
    lambda keyword, dash, quote, body, indent: (
        f"{keyword} <<{dash}{quote}EOF{quote} /x\n" + "\n".join(body) + f"\n{indent}EOF"
    ),
    st.sampled_from(["RUN", "COPY", "ADD", "run", "ONBUILD RUN", "RUN --x=1 cat", "RUN 3<<A"]),
    st.sampled_from(["", "-"]),
    st.sampled_from(["", '"', "'"]),
    st.lists(st.one_of(st.sampled_from(OTHER_LINES), st.text(max_size=4)), max_size=3),
    st.sampled_from(["", "\t"]),
)
_exec_form = st.builds(
    lambda keyword, items: f"{keyword} {json.dumps(items, ensure_ascii=False)}",
    st.sampled_from(["RUN", "CMD", "COPY", "VOLUME", "HEALTHCHECK CMD", "ONBUILD ENTRYPOINT"]),
    st.lists(st.one_of(st.text(max_size=4), st.integers(), st.none()), max_size=3),
)
_structured = st.builds(
    lambda bom, lines, newline: bom + newline.join(lines),
    st.sampled_from(["", "", "\ufeff"]),
    st.lists(
        st.one_of(_line, _heredoc, _exec_form, st.sampled_from(OTHER_LINES), st.text(max_size=5)),
        max_size=20,
    ),
    st.sampled_from(["\n", "\n", "\r\n"]),
)
dockerfiles = st.one_of(_structured, _fragmentary)
"""Dockerfile-like text: instruction lines with flags, quotes, JSON, heredoc markers and
bodies, directives, continuations; or free fragments of those."""

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(source: str | bytes) -> Parsed | None:
    try:
        return parse_raw(source)
    except DockerfileError as exc:
        assert exc.message
        return None


def _parse_typed(source: str | bytes) -> None:
    """The typed layer too: ``frontend.syntax.parse`` promises only ``DockerfileError``."""
    try:
        parse(source)
    except DockerfileError as exc:
        assert exc.message


def _shape(node: Node) -> dict[str, Any]:
    """Every field of a node but where it sits."""
    return {
        "cmd": node.cmd,
        "flags": node.flags,
        "value": node.value,
        "json": node.json,
        "original": node.original,
        "heredocs": node.heredocs,
        "sub": _shape(node.sub) if node.sub else None,
    }


@SETTINGS
@given(dockerfiles)
def test_text_raises_only_dockerfile_error(text: str) -> None:
    _parse(text)
    _parse_typed(text)


@SETTINGS
@given(st.binary(max_size=300))
def test_bytes_raise_only_dockerfile_error(data: bytes) -> None:
    _parse(data)
    _parse_typed(data)
    go_json(dump_json("Dockerfile", data), indent=None).encode("utf-8")


@SETTINGS
@given(dockerfiles)
def test_render_is_a_fixed_point(text: str) -> None:
    first = _parse(text)
    if first is None:
        return
    rendered = render(first.directives, first.nodes, first.escape)
    second = parse_raw(rendered)
    assert second.directives == first.directives
    assert second.escape == first.escape
    assert [_shape(n) for n in second.nodes] == [_shape(n) for n in first.nodes]
    assert render(second.directives, second.nodes, second.escape) == rendered


@SETTINGS
@given(dockerfiles)
def test_parsing_is_deterministic(text: str) -> None:
    once = dump_json("Dockerfile", text)
    assert dump_json("Dockerfile", text) == once
    go_json(once, indent=None).encode("utf-8")
