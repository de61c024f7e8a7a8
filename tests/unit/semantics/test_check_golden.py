"""Golden build-check output: each folder under check_golden/ holds a Dockerfile and
``expected.txt``, what ``pyfrontend check`` prints for it (text, the error if any,
then the JSON form), with the offline stand-in base images.

To update after a deliberate change: ``UPDATE_GOLDEN=1 python -m pytest`` this file,
then read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frontend.compiler.preview import check_offline
from frontend.gotext import go_json
from frontend.semantics.check_report import error_text, results_json, results_text

GOLDEN = Path(__file__).parent / "check_golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "Dockerfile").is_file())


def render(case: Path) -> str:
    report = check_offline((case / "Dockerfile").read_bytes(), "Dockerfile", {})
    json_text = go_json(results_json(report), indent=None)
    return f"{results_text(report)}# error\n{error_text(report)}# json\n{json_text}\n"


@pytest.mark.parametrize("name", CASES)
def test_check_golden(name: str) -> None:
    case = GOLDEN / name
    text = render(case)
    text.encode("utf-8")  # what `check` prints is always valid UTF-8
    assert render(case) == text, "checking twice gave different output"
    expected = case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_text(text, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing: write it with UPDATE_GOLDEN=1"
    assert text == expected.read_text(encoding="utf-8")


def test_there_are_cases() -> None:
    assert len(CASES) >= 5
