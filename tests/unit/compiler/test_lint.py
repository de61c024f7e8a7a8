"""``pyfrontend check``: docker build --check's output, offline."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from frontend.cli import main
from frontend.compiler.preview import check_offline
from frontend.gotext import go_json
from frontend.semantics.check_report import source_excerpt


def write(tmp_path: Path, text: str, name: str = "Dockerfile") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_text_output_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "FROM busybox\nCMD echo hi\n")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert out == (
        "Check complete, 1 warning has been found!\n"
        "\n"
        "WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/\n"
        "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals\n"
        f"{path}:2\n"
        "--------------------\n"
        "   1 |     FROM busybox\n"
        "   2 | >>> CMD echo hi\n"
        "   3 |     \n"
        "--------------------\n"
    )


def test_no_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, 'FROM busybox\nCMD ["sh"]\n')
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out == "Check complete, no warnings found.\n"


def test_json_output_is_upstreams_lint_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "FROM busybox AS Build\n"
    path = write(tmp_path, text)
    assert main(["check", "--format", "json", str(path)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {
        "warnings": [
            {
                "ruleName": "StageNameCasing",
                "description": "Stage names should be lowercase",
                "url": "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/",
                "detail": "Stage name 'Build' should be lowercase",
                "location": {"ranges": [{"start": {"line": 1}, "end": {"line": 1}}]},
            }
        ],
        "sources": [
            {
                "filename": str(path),
                "data": base64.b64encode(text.encode()).decode(),
                "language": "Dockerfile",
            }
        ],
    }


def test_build_error_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "# check=error=true\nFROM busybox\nENV a b\n")
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("Check complete, 1 warning has been found!")
    assert captured.err.startswith("\nlint violation found for rules: LegacyKeyValueFormat\n")


def test_dockerignore_next_to_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "FROM busybox\nCOPY key.pem /\n")
    (tmp_path / ".dockerignore").write_text("*.pem\n")
    assert main(["check", str(path)]) == 1
    assert "WARNING: CopyIgnoredFile" in capsys.readouterr().out


def test_build_args_and_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, 'FROM busybox AS a\nCMD x\nFROM busybox AS b\nCMD ["y"]\n')
    assert main(["check", "--target", "b", str(path)]) == 0  # stage a is not needed
    skip = "BUILDKIT_DOCKERFILE_CHECK=skip=JSONArgsRecommended"
    assert main(["check", "--build-arg", skip, str(path)]) == 0
    capsys.readouterr()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "nope")]) == 1
    assert "nope" in capsys.readouterr().err


def test_checks_survive_a_compile_error() -> None:
    report = check_offline(b"FROM busybox\nCMD x\nRUN --device=gpu true\n", "Dockerfile", {})
    assert report.error is not None and report.status == 1
    assert [w.rule for w in report.warnings] == ["JSONArgsRecommended"]


def test_go_json_escapes_html() -> None:
    assert go_json({"a": "<b>&"}, indent=None) == '{"a":"\\u003cb\\u003e\\u0026"}'


def test_source_excerpt_pads_like_buildkit() -> None:
    data = "".join(f"L{i}\n" for i in range(1, 11)).encode()
    assert source_excerpt("F", data, 5, 6).splitlines() == [
        "F:5", "-" * 20,
        "   4 |     L4", "   5 | >>> L5", "   6 | >>> L6", "   7 |     L7",
        "-" * 20,
    ]  # fmt: skip
