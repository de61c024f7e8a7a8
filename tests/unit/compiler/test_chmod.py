"""``--chmod`` on COPY and ADD: octal modes, symbolic modes, and Docker's errors."""

from __future__ import annotations

import pytest

from frontend.compiler.filemode import FileMode, parse_chmod
from frontend.errors import DockerfileError
from frontend.llb.caps import LLBCaps
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import Compile
from tests.unit.compiler.test_copy_flags import copies

V08 = LLBCaps(frozenset(V08_LLB_CAPS))
NOT_OCTAL = "it should be octal string and between 0 and 07777"


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("", FileMode()),
        ("0", FileMode(octal=0)),
        ("755", FileMode(octal=0o755)),
        ("07777", FileMode(octal=0o7777)),
        ("u+x", FileMode(text="u+x")),
        ("go-w", FileMode(text="go-w")),
        ("a=rwx,o-w", FileMode(text="a=rwx,o-w")),
        ("+x", FileMode(text="+x")),
        ("u=rw,g=u-w", FileMode(text="u=rw,g=u-w")),
        ("ug+rwX,o=", FileMode(text="ug+rwX,o=")),
        ("u+s,+t", FileMode(text="u+s,+t")),
    ],
)
def test_modes_docker_accepts(value: str, mode: FileMode) -> None:
    assert parse_chmod(value) == mode


@pytest.mark.parametrize("value", ["10000", "0777777777777", "8", "9x", "0u+x", "1.5"])
def test_numbers_that_are_not_octal_modes(value: str) -> None:
    with pytest.raises(DockerfileError) as info:
        parse_chmod(value)
    assert info.value.message == f"invalid chmod parameter: '{value}'. {NOT_OCTAL}"


@pytest.mark.parametrize("value", ["u", "x", "u+x,", ",u+x", "u+x;", "-1", "u+y", "rwx", "U+x"])
def test_symbolic_syntax_errors(value: str) -> None:
    with pytest.raises(DockerfileError) as info:
        parse_chmod(value)
    assert info.value.message == "invalid syntax"  # Docker's words


def test_copy_with_an_octal_mode(compile_text: Compile) -> None:
    (copy,) = copies(compile_text("FROM busybox\nCOPY --chmod=0750 a /a\n").definition)
    assert (copy.mode, copy.modeStr) == (0o750, "")


def test_symbolic_mode_is_passed_as_text(compile_text: Compile) -> None:
    (copy,) = copies(compile_text("FROM busybox\nCOPY --chmod=u+x a /a\n").definition)
    assert (copy.mode, copy.modeStr) == (0, "u+x")


def test_chmod_is_expanded(compile_text: Compile) -> None:
    text = "FROM busybox\nARG M=go-w\nCOPY --chmod=$M a /a\n"
    (copy,) = copies(compile_text(text).definition)
    assert copy.modeStr == "go-w"


def test_add_of_a_url_gets_the_mode(compile_text: Compile) -> None:
    text = "FROM busybox\nADD --chmod=700 https://e.x/f /f\nADD --chmod=a+r https://e.x/g /\n"
    octal, symbolic = copies(compile_text(text).definition)
    assert (octal.src, octal.mode) == ("/f", 0o700)
    assert (symbolic.mode, symbolic.modeStr) == (0, "a+r")


def test_add_of_git_gets_the_mode(compile_text: Compile) -> None:
    text = "FROM busybox\nADD --chmod=g+w https://github.com/o/r.git#v1 /src\n"
    (copy,) = copies(compile_text(text).definition)
    assert (copy.src, copy.modeStr) == ("/", "g+w")


def test_heredoc_gets_the_mode(compile_text: Compile) -> None:
    text = "FROM busybox\nCOPY --chmod=u+x <<EOT /run.sh\necho hi\nEOT\n"
    (copy,) = copies(compile_text(text).definition)
    assert copy.modeStr == "u+x"


def test_invalid_mode_names_the_line(compile_text: Compile) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text("FROM busybox\n\nCOPY --chmod=999 a /a\n")
    assert info.value.line == 3
    assert NOT_OCTAL in info.value.message


def test_symbolic_mode_needs_buildkit_0_17(compile_text: Compile) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text("FROM busybox\nCOPY --chmod=u+x a /a\n", llb_caps=V08)
    assert info.value.line == 2
    assert info.value.message == (
        "COPY --chmod=u+x: a symbolic mode needs BuildKit v0.17 or newer"
        " (this engine would ignore it)"
    )
    # octal modes work everywhere
    (copy,) = copies(compile_text("FROM busybox\nCOPY --chmod=644 a /a\n", llb_caps=V08).definition)
    assert copy.mode == 0o644
