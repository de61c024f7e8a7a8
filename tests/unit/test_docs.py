"""The library's documentation: its examples run, and its reference is the code's."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from frontend.llb.marshal import ops_of
from tests.support.api_reference import reference

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", sorted(p.name for p in DOCS.glob("*.md")))
def test_examples_in_docs_pass(name: str) -> None:
    result = doctest.testfile(
        str(DOCS / name),
        module_relative=False,
        globs={"ops_of": ops_of},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=True,
    )
    assert result.failed == 0


def test_api_reference_is_generated_from_the_code() -> None:
    expected = reference()
    assert (DOCS / "api.md").read_text() == expected, (
        "docs/api.md is stale: python -m tests.support.api_reference > docs/api.md"
    )


def test_guide_has_examples() -> None:
    parsed = doctest.DocTestParser().get_examples((DOCS / "library.md").read_text())
    assert len(parsed) >= 20
