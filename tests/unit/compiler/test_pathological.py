"""The pathological corpus (``pathological.py``) compiles, or fails with its error,
and the checks answer too; compile work (function calls made) grows linearly with
each kind of input."""

from __future__ import annotations

import pytest

from frontend.compiler.preview import check_offline, compile_offline
from frontend.errors import DockerfileError
from frontend.semantics.check_report import error_text, results_text
from tests.unit.compiler.pathological import CASES, GROWTH, LINEAR
from tests.unit.growth import assert_linear_calls


def _compile(text: str) -> int | tuple[str, int]:
    try:
        result = compile_offline(text.encode(), "Dockerfile", {})
    except DockerfileError as exc:
        return exc.message, exc.line
    return len(getattr(result.definition, "def"))


@pytest.mark.parametrize("name", CASES)
def test_case(name: str) -> None:
    text, expected = CASES[name]
    got = _compile(text)
    if isinstance(expected, int):
        assert got == expected
    else:
        assert isinstance(got, tuple), got
        message, line = got
        assert message.startswith(expected[0]) and line == expected[1], got
    report = check_offline(text.encode(), "Dockerfile", {})
    (results_text(report) + error_text(report)).encode("utf-8")


@pytest.mark.parametrize("name", LINEAR)
def test_linear(name: str) -> None:
    make = GROWTH[name]
    base = 1_000 if "bytes" in name else 60 if "DAG" in name else 120
    assert_linear_calls(lambda n: _compile(make(n)), base)
