"""Values that cannot reach the build as written give a clear error naming the line.

- The LLB's strings are UTF-8: an undecodable byte of the Dockerfile in a command,
  path or variable is an error at the instruction it reaches; file contents
  (heredocs) are bytes and keep it, as Docker's frontend keeps it.
- ``SOURCE_DATE_EPOCH`` must be a Go integer whose time an image config can hold.
- Variables may add at most ``MAX_EXPANSION`` characters to one word.
"""

from __future__ import annotations

import json
import tracemalloc

import pytest

from frontend.compiler.preview import check_offline, compile_offline
from frontend.compiler.request import parse_request
from frontend.errors import DockerfileError
from frontend.gotext import go_json_time
from frontend.llb.marshal import ops_of
from frontend.semantics.check_report import error_text, results_text
from frontend.semantics.words import MAX_EXPANSION, WordError, expand_word


def _compile(data: bytes, **opts: str) -> object:
    return compile_offline(data, "Dockerfile", opts)


@pytest.mark.parametrize(
    ("data", "line", "shown"),
    [
        (b"FROM a\nRUN echo \xff\n", 2, '"echo \\xff"'),
        (b"FROM a\nRUN <<EOF\necho \xff\nEOF\n", 2, '"echo \\xff\\n"'),
        (b"FROM a\nRUN <<'EOF'\necho \xff\nEOF\n", 2, '"echo \\xff\\n"'),
        (b"FROM a\nRUN true\nRUN echo \\\n \xff\n", 3, '"echo  \\xff"'),
    ],
)
def test_invalid_utf8_reaching_the_llb_is_an_error(data: bytes, line: int, shown: str) -> None:
    """What is not expanded (a shell-form RUN, a RUN heredoc) keeps the byte, which
    protobuf refuses; Docker's frontend fails too (failed to marshal LLB definition)."""
    with pytest.raises(DockerfileError) as caught:
        _compile(data)
    assert caught.value.line == line
    assert (
        caught.value.message == f"invalid UTF-8 in {shown}: the build graph takes only UTF-8 text"
    )
    str(caught.value).encode("utf-8")
    caught.value.render().encode("utf-8")


@pytest.mark.parametrize(
    "data",
    [
        b"FROM a\nWORKDIR /w\xff\n",
        b"FROM a\nCOPY a\xff /b\n",
        b"FROM a\nCOPY a /b\xff\n",
        b"FROM a\nARG X=\xff\nRUN true\n",
        b"FROM a\nENV X=\xff\nRUN true\n",
        b"FROM a\nCOPY <<EOF /f\n\xff\nEOF\n",
    ],
)
def test_invalid_utf8_in_expanded_words_becomes_u_fffd(data: bytes) -> None:
    """Docker's lexer reads an undecodable byte as U+FFFD: a WORKDIR /w<0xff> is /w\ufffd."""
    result = _compile(data)
    ops = b"".join(getattr(result.definition, "def"))  # type: ignore[attr-defined]
    assert "\ufffd".encode() in ops


def test_invalid_utf8_in_file_contents_passes_as_bytes() -> None:
    """A quoted heredoc is not expanded: its file gets the byte, as with Docker."""
    copied = _compile(b"FROM a\nCOPY <<'EOF' /f\n\xff\nEOF\n")
    script = _compile(b"FROM a\nRUN <<EOF\n#!/bin/sh\necho \xff\nEOF\n")
    for result in (copied, script):
        ops = ops_of(result.definition)  # type: ignore[attr-defined]
        datas = [a.mkfile.data for _, op in ops if op.HasField("file") for a in op.file.actions]
        assert any(b"\xff" in d for d in datas)


def test_invalid_utf8_in_the_config_is_shown_as_go_shows_it() -> None:
    result = _compile(b"FROM a\nLABEL a=\xff\n")
    config = json.loads(result.config_json)  # type: ignore[attr-defined]
    assert config["config"]["Labels"] == {"a": "\ufffd"}


def test_check_prints_only_utf8() -> None:
    report = check_offline(b"FROM a\nLABEL \xff=1\nENV \xffKEY value\nRUN echo \xff\n", "D", {})
    text = results_text(report) + error_text(report)
    text.encode("utf-8")
    assert "\ufffd" in text and report.error is not None and report.error.line == 4


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0),
        ("-1", -1),
        ("+5", 5),
        ("253402300799", 253402300799),
        ("-62167219200", -62167219200),
    ],
)
def test_source_date_epoch_in_range(value: str, seconds: int) -> None:
    assert parse_request({"build-arg:SOURCE_DATE_EPOCH": value}).source_date_epoch == seconds


@pytest.mark.parametrize(
    "value", ["253402300800", "-62167219201", "9223372036854775808", "1_0", " 5", "1e3", "0x10"]
)
def test_source_date_epoch_out_of_range_or_malformed(value: str) -> None:
    with pytest.raises(DockerfileError, match="invalid SOURCE_DATE_EPOCH"):
        parse_request({"build-arg:SOURCE_DATE_EPOCH": value})


def test_source_date_epoch_dates_the_image() -> None:
    result = _compile(b"FROM a\nRUN true\n", **{"build-arg:SOURCE_DATE_EPOCH": "-1"})
    config = json.loads(result.config_json)  # type: ignore[attr-defined]
    assert config["history"][-1]["created"] == "1969-12-31T23:59:59Z"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (253402300799, "9999-12-31T23:59:59Z"),
        (-62167219200, "0000-01-01T00:00:00Z"),
        (-62135596801, "0000-12-31T23:59:59Z"),
        (-62135596800, "0001-01-01T00:00:00Z"),
    ],
)
def test_go_json_time(seconds: int, text: str) -> None:
    assert go_json_time(seconds) == text


def test_expansion_limit() -> None:
    env = {"V": "x" * (MAX_EXPANSION // 2)}
    assert len(expand_word("$V$V", env)) == MAX_EXPANSION
    with pytest.raises(WordError, match="variables expand to more than"):
        expand_word("$V$V$V", env)
    with pytest.raises(WordError, match="variables expand to more than"):
        expand_word("${V//x/yyy}", env)
    with pytest.raises(WordError, match="variables expand to more than"):
        expand_word("${V//?/yyy}", env)
    assert expand_word("${V//x/}", env) == ""


def test_doubling_args_fail_early_with_little_memory() -> None:
    """40 ARGs, each the one before twice: 2**40 characters at the end."""
    lines = "".join(f"ARG v{i}=$v{i - 1}$v{i - 1}\n" for i in range(1, 41))
    data = f"FROM a\nARG v0=ab\n{lines}RUN echo $v40\n".encode()
    assert len(data) < 1024
    tracemalloc.start()
    try:
        with pytest.raises(DockerfileError, match="variables expand to more than") as caught:
            _compile(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.line == 22  # ARG v20: v19 holds 2**20 characters
    assert peak < 64 << 20
