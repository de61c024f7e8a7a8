"""Heredoc lowering: inline documents for COPY, programs for RUN."""

from __future__ import annotations

from frontend.llb.marshal import ops_of
from frontend.semantics import heredoc
from frontend.syntax import ast
from tests.unit.compiler.conftest import Compile


def test_marker_names() -> None:
    assert heredoc.marker_name("<<EOF") == "EOF"
    assert heredoc.marker_name("<<-'EOF'") == "EOF"
    assert heredoc.marker_name('3<<"X"') == "X"
    assert heredoc.marker_name("<<EOF bash") is None
    assert heredoc.marker_name("cat") is None


def test_expand_keeps_quotes_and_honours_escapes() -> None:
    assert heredoc.expand("a \"$X\" '$X' \\$X\n", {"X": "1"}) == "a \"1\" '1' $X\n"


def test_chomp_strips_leading_tabs() -> None:
    doc = ast.Heredoc("E", "\tone\n\t\ttwo\n", chomp=True)
    assert heredoc.body(doc) == "one\ntwo\n"


def test_copy_heredoc_becomes_mkfile_then_copy(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nARG W=x\nCOPY <<EOF /f\n$W\nEOF\n")
    mkfile = next(
        op.file.actions[0].mkfile
        for _, op in ops_of(result.definition)
        if op.HasField("file") and op.file.actions[0].HasField("mkfile")
    )
    assert (mkfile.path, mkfile.data, mkfile.mode) == ("/EOF", b"x\n", 0o644)


def test_run_heredoc_forms(compile_text: Compile) -> None:
    text = "FROM busybox\nRUN <<EOF\necho a\nEOF\nRUN <<EOF\n#!/bin/sh\necho b\nEOF\n"
    execs = [op.exec for _, op in ops_of(compile_text(text).definition) if op.HasField("exec")]
    assert list(execs[0].meta.args) == ["/bin/sh", "-c", "echo a\n"]
    assert list(execs[1].meta.args) == ["/bin/sh", "-c", "/dev/pipes/EOF"]
    assert [m.dest for m in execs[1].mounts] == ["/", "/dev/pipes/"]


def test_run_heredoc_with_blanks_after_marker_runs_script_file(compile_text: Compile) -> None:
    """``RUN << EOF`` (blanks after ``<<``) with a ``#!`` body runs the body as a file."""
    text = "FROM busybox\nRUN << EOF\n#!/bin/sh\necho b\nEOF\nRUN <<\t'EOF'\necho c\nEOF\n"
    ops = [op for _, op in ops_of(compile_text(text).definition)]
    execs = [op.exec for op in ops if op.HasField("exec")]
    assert list(execs[0].meta.args) == ["/bin/sh", "-c", "/dev/pipes/EOF"]
    assert [m.dest for m in execs[0].mounts] == ["/", "/dev/pipes/"]
    mkfile = next(
        op.file.actions[0].mkfile
        for op in ops
        if op.HasField("file") and op.file.actions[0].HasField("mkfile")
    )
    assert (mkfile.path, mkfile.data, mkfile.mode) == ("/EOF", b"#!/bin/sh\necho b\n", 0o755)
    assert list(execs[1].meta.args) == ["/bin/sh", "-c", "echo c\n"]


def test_marker_names_follow_the_shell_lexer() -> None:
    assert heredoc.marker_name("<< EOF") == "EOF"
    assert heredoc.marker_name('<<\t"E F"') == "E F"
    assert heredoc.marker_name("<<$X") == "$X"
    assert heredoc.marker_name("<<'") is None  # does not lex
    assert heredoc.marker_name("<<a b") is None


def test_a_lone_marker_is_found_however_it_is_spelled() -> None:
    """``is_lone`` reads the usual ``<<NAME`` without the lexer, and agrees with it."""
    cases = {
        "<<EOF": True,
        "  <<EOF  ": True,
        "<<-EOF": True,
        '<<"EOF"': True,
        "<<'EOF'": True,
        "3<<EOF": True,
        "<<EOF cat": False,
        "cat <<EOF": False,
        "<<OTHER": False,
    }
    for text, lone in cases.items():
        command = ast.ShellCommand(text, (ast.Heredoc("EOF", "x\n"),))
        assert heredoc.is_lone(command) is lone, text
        assert (heredoc.marker_name(text.strip()) == "EOF") is lone, text
