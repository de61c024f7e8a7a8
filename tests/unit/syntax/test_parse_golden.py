"""Golden corpus: every case parses to its expected dump, every error case fails as expected."""

from __future__ import annotations

import json

import pytest

from frontend.errors import DockerfileError
from frontend.gotext import go_json
from frontend.syntax import parse_raw
from frontend.syntax.dump import dump_json

from .corpus import CASES, ERRORS, UPDATE, names, read_expected_error, write_expected_error


def test_corpus_is_large_enough() -> None:
    assert len(names(CASES)) >= 150
    assert len(names(ERRORS)) >= 30


@pytest.mark.parametrize("name", names(CASES))
def test_case(name: str) -> None:
    folder = CASES / name
    data = (folder / "Dockerfile").read_bytes()
    actual = json.loads(go_json(dump_json("Dockerfile", data), indent=None))
    assert "error" not in actual, actual.get("error")
    expected_path = folder / "expected.json"
    if UPDATE:
        expected_path.write_text(go_json(actual, indent=2) + "\n", encoding="utf-8")
        return
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert actual == expected


@pytest.mark.parametrize("name", names(ERRORS))
def test_error_case(name: str) -> None:
    folder = ERRORS / name
    with pytest.raises(DockerfileError) as caught:
        parse_raw((folder / "Dockerfile").read_bytes())
    err = caught.value
    if UPDATE:
        write_expected_error(folder / "expected.txt", err.message, err.line, err.column)
        return
    expected = read_expected_error(folder / "expected.txt")
    assert expected["message"] in err.message
    assert err.line == int(expected["line"])
    if "column" in expected:
        assert err.column == int(expected["column"])
