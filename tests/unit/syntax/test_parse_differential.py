"""Differential test: our parser against Docker's own, through the ``dockerfile`` package.

The package wraps BuildKit's Go parser (the version it embeds is older than
the one we follow); for each corpus case both parsers must agree on every
instruction field the package reports, or fail with the same message. Cases
where we deliberately differ are listed in ``corpus.KNOWN_DIFFERENCES`` (and
the README) and must keep differing: they are strict expected failures.
Generated Dockerfile-like text (the property tests' strategy) must also
parse alike, unless it may touch one of those differences.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from frontend.syntax.dump import dump_json

from .corpus import CASES, ERRORS, HERE, KNOWN_DIFFERENCES, REASONS, names
from .test_parse_properties import dockerfiles

dockerfile = pytest.importorskip("dockerfile")


def _theirs(path: Path) -> dict[str, Any]:
    try:
        commands = dockerfile.parse_file(str(path))
    except dockerfile.GoParseError as exc:
        return {"error": str(exc)}
    return {
        "instructions": [
            {
                # the package returns None for empty strings, and keywords as written
                "cmd": (c.cmd or "").upper(),
                "sub_cmd": c.sub_cmd.upper() if c.sub_cmd else None,
                "flags": list(c.flags),
                "value": list(c.value),
                "json": c.json,
                "start_line": c.start_line,
                "end_line": c.end_line,
                "original": c.original or "",
                "heredocs": [
                    {"name": h.name, "content": h.content, "file_descriptor": h.file_descriptor}
                    for h in c.heredocs
                ],
            }
            for c in commands
        ]
    }


def _ours(path: Path) -> dict[str, Any]:
    out = dump_json(str(path), path.read_bytes())
    if "error" in out:
        return {"error": out["error"]["message"]}
    instructions = out["instructions"]
    for instruction in instructions:  # the package has no expand/chomp
        instruction["heredocs"] = [
            {k: h[k] for k in ("name", "content", "file_descriptor")}
            for h in instruction["heredocs"]
        ]
    return {"instructions": instructions}


def _params() -> list[Any]:
    params = []
    for kind, root in (("cases", CASES), ("errors", ERRORS)):
        for name in names(root):
            key = f"{kind}/{name}"
            reason = KNOWN_DIFFERENCES.get(key)
            marks = [pytest.mark.xfail(strict=True, reason=REASONS[reason])] if reason else []
            params.append(pytest.param(key, marks=marks, id=key))
    return params


@pytest.mark.parametrize("key", _params())
def test_same_as_official_parser(key: str) -> None:
    path = HERE / key / "Dockerfile"
    assert _ours(path) == _theirs(path)


def test_known_differences_are_documented() -> None:
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", readme, flags=re.MULTILINE))
    assert rows == set(KNOWN_DIFFERENCES.items())
    for key in KNOWN_DIFFERENCES:
        assert (HERE / key / "Dockerfile").is_file(), key


_TRAILING_JSON = re.compile(r"\[.*\][^\S\n]*\S")


def _touches_known_difference(text: str) -> bool:
    """Whether generated ``text`` may hit a row of the README's table (see its reasons)."""
    return (
        "\x00" in text  # package-c-strings (also written as a JSON escape)
        or "\\u0000" in text
        or re.search(r"<<-?[ \t\r]", text) is not None  # heredoc-space
        or "check" in text  # check-directive
        or "escape" in text  # flag-escape
        or ("${" in text and "<<" in text)  # lexer-word-reset
        or _TRAILING_JSON.search(text) is not None  # json-trailing-data
        or any(ord(ch) > 127 for line in text.splitlines() if "--" in line for ch in line)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles)
def test_generated_text_same_as_official_parser(text: str) -> None:
    assume(not _touches_known_difference(text))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "Dockerfile"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            theirs = _theirs(path)
        except UnicodeDecodeError:  # the package cannot return text Go cut inside a character
            assume(False)
        ours = _ours(path)
    for node in ours.get("instructions", []):
        if node["cmd"] == "ONBUILD" and node["heredocs"]:  # package-onbuild-heredocs
            return
    assert ours == theirs
