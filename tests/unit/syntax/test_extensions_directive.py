"""The ``# extensions=`` parser directive: what turns our extensions on."""

from __future__ import annotations

import pytest

from frontend.errors import DockerfileError
from frontend.syntax import parse, parse_raw
from frontend.syntax.prelex import extensions_of


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("# extensions=include\nFROM a\n", {"include"}),
        ("# extensions = include , from-vars,exclude-vars\nFROM a\n",
         {"include", "from-vars", "exclude-vars"}),
        ("# syntax=x\n# extensions=from-vars\n# escape=`\nFROM a\n", {"from-vars"}),
        ("FROM a\n# extensions=include\n", set()),  # too late: a comment
        ("# x=1\n# extensions=include\nFROM a\n", set()),
        ("FROM a\n", set()),
    ],
)  # fmt: skip
def test_extensions_read_from_the_directive(source: str, expected: set[str]) -> None:
    assert extensions_of(parse_raw(source).directives) == expected


def test_other_directives_still_apply_after_it() -> None:
    assert parse_raw("# extensions=include\n# escape=`\nFROM a\n").escape == "`"


@pytest.mark.parametrize("value", ["includ", "include,frm-vars", "include,,from-vars"])
def test_an_unknown_name_is_an_error_naming_the_line(value: str) -> None:
    with pytest.raises(DockerfileError) as info:
        parse(f"# syntax=x\n# extensions={value}\nFROM a\n", filename="app.Dockerfile")
    exc = info.value
    assert (exc.filename, exc.line) == ("app.Dockerfile", 2)
    assert "unknown extension" in exc.message
    assert "known: exclude-vars, from-vars, include" in exc.message


def test_the_directive_can_be_given_once() -> None:
    with pytest.raises(DockerfileError, match="only one extensions parser directive"):
        parse("# extensions=include\n# extensions=from-vars\nFROM a\n")


def test_without_it_a_mount_from_variable_is_refused_as_docker_does() -> None:
    with pytest.raises(DockerfileError, match="'from' doesn't support variable expansion"):
        parse("FROM a\nRUN --mount=from=$X,target=/m true\n")
    run = parse("# extensions=from-vars\nFROM a\nRUN --mount=from=$X,target=/m true\n")
    mount = run.instructions[1].mounts[0]  # type: ignore[attr-defined]
    assert (mount.from_, mount.unexpanded) == ("$X", ("from",))


def test_without_it_include_is_an_unknown_instruction() -> None:
    with pytest.raises(DockerfileError, match="unknown instruction: INCLUDE"):
        parse("FROM a\nINCLUDE other.Dockerfile\n")


def test_include_is_no_onbuild_trigger() -> None:
    with pytest.raises(DockerfileError, match="INCLUDE isn't allowed as an ONBUILD trigger") as err:
        parse("# extensions=include\nFROM a\nONBUILD INCLUDE other.Dockerfile\n")
    assert (err.value.line, err.value.column) == (3, 9)
    plain = parse("FROM a\nONBUILD INCLUDE other.Dockerfile\n")  # checked when a child runs it
    assert plain.instructions[1].trigger is None  # type: ignore[attr-defined]
