"""``pyfrontend parse``: one JSON object per line and file, or a readable dump."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontend.cli import main

ROOT = Path(__file__).resolve().parents[3]

GOOD = """\
# syntax=docker/dockerfile:1
FROM alpine AS base
ONBUILD --x=1 RUN --network=none echo \\
    hi
COPY --chmod=644 <<-"EOF" 3<<E2 /etc/
\tname=$USER
\tEOF
two
E2
CMD ["sh", "-c", "echo é"]
"""


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "good": tmp_path / "Dockerfile",
        "bad": tmp_path / "bad.Dockerfile",
        "empty": tmp_path / "empty",
        "binary": tmp_path / "binary",
    }
    paths["good"].write_text(GOOD, encoding="utf-8")
    paths["bad"].write_bytes(b"FROM alpine\n\nRUN [1]\n")
    paths["empty"].write_bytes(b"")
    paths["binary"].write_bytes(b"FROM a\nRUN \xff\xfe\n")
    return paths


def _json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_one_object_per_file_in_order(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [str(files[k]) for k in ("good", "bad", "empty", "good")]
    status = main(["parse", "--format", "json", *args])
    objects = _json_lines(capsys.readouterr().out)
    assert status == 1
    assert [o["file"] for o in objects] == args
    good, bad, empty, again = objects
    assert good == again
    assert good["directives"] == {"syntax": "docker/dockerfile:1"}
    instructions = good["instructions"]
    assert isinstance(instructions, list)
    assert [i["cmd"] for i in instructions] == ["FROM", "ONBUILD", "COPY", "CMD"]
    assert instructions[1] == {
        "cmd": "ONBUILD",
        "sub_cmd": "RUN",
        "flags": ["--x=1"],
        "value": ["echo     hi"],
        "json": False,
        "start_line": 3,
        "end_line": 4,
        "original": "ONBUILD --x=1 RUN --network=none echo     hi",
        "heredocs": [],
    }
    copy = instructions[2]
    assert copy["flags"] == ["--chmod=644"]
    assert (copy["start_line"], copy["end_line"]) == (5, 9)
    assert copy["heredocs"] == [
        {"name": "EOF", "content": "\tname=$USER\n", "expand": False, "chomp": True,
         "file_descriptor": 0},
        {"name": "E2", "content": "two\n", "expand": True, "chomp": False,
         "file_descriptor": 3},
    ]  # fmt: skip
    assert instructions[3]["value"] == ["sh", "-c", "echo é"] and instructions[3]["json"]
    assert bad == {
        "file": args[1],
        "error": {
            "message": "when using JSON array syntax, arrays must be comprised of strings only",
            "line": 3,
            "column": 1,
        },
    }
    assert empty["error"] == {"message": "file with no instructions", "line": 0, "column": 0}


def test_json_status_zero_when_all_parse(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", "--format", "json", str(files["good"]), str(files["binary"])]) == 0
    good, binary = _json_lines(capsys.readouterr().out)
    assert "error" not in good
    instructions = binary["instructions"]
    assert isinstance(instructions, list)
    assert instructions[1]["value"] == ["\ufffd\ufffd"]  # undecodable bytes, as Go's encoder


def test_text_dump(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(files["good"])]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:4] == [
        f"# {files['good']}",
        "# syntax=docker/dockerfile:1",
        'L2        FROM ["alpine", "AS", "base"]',
        'L3-4      ONBUILD RUN --x=1 ["echo     hi"]',
    ]
    assert 'L5-9      COPY --chmod=644 ["<<-\\"EOF\\"", "3<<E2", "/etc/"]' in out
    assert '          <<EOF no-expand chomp: "\\tname=$USER\\n"' in out
    assert '          <<E2 fd=3: "two\\n"' in out
    assert 'L10       CMD ["sh", "-c", "echo é"] (exec form)' in out


def test_text_dump_error_points_at_the_line(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", str(files["bad"])]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{files['bad']}:3:1: when using JSON array syntax, arrays must be comprised of "
        "strings only",
        "   3 | RUN [1]",
        "       ^",
    ]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_late_directive_is_a_comment_with_a_warning_on_stderr(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("# syntax=a\nFROM a\n  # escape=`\nRUN x \\\n  y\n# check=skip=all\n")
    assert main(["parse", "--format", fmt, str(path)]) == 0
    captured = capsys.readouterr()
    if fmt == "json":
        (obj,) = _json_lines(captured.out)
        assert obj["directives"] == {"syntax": "a"}
    late = "here is a comment, not a parser directive"
    assert captured.err.splitlines() == [
        f"{path}:3:3: warning: '# escape=' {late}: directives must come first in the file, "
        "before any instruction, comment or blank line",
        "   3 |   # escape=`",
        "         ^",
        f"{path}:6:1: warning: '# check=' {late}: directives must come first in the file, "
        "before any instruction, comment or blank line",
        "   6 | # check=skip=all",
        "       ^",
    ]


def test_no_warning_for_directives_or_plain_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("# syntax=a\n# escape=`\n# a note: x=1\nFROM a\n# unknown=1\n")
    assert main(["parse", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main(["parse", "--format", "json", str(missing)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(missing) in captured.err


def test_process_output_is_deterministic(files: dict[str, Path]) -> None:
    """The same bytes from separate processes, whatever the hash seed."""
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-m", "frontend", "parse", "--format", "json",
             str(files["good"]), str(files["bad"])],
            capture_output=True, env=env, check=False,
        )  # fmt: skip
        assert result.returncode == 1
        outputs.add(result.stdout)
    (output,) = outputs
    assert len(output.splitlines()) == 2
