"""``.dockerignore`` matching as Docker's pattern matcher does it."""

from __future__ import annotations

import pytest

from frontend.gotext import clean_path
from frontend.semantics.ignore import IgnoreMatcher


@pytest.mark.parametrize(
    ("patterns", "path", "matched"),
    [
        (("secret.txt",), "secret.txt", True),
        (("secret.txt",), "other.txt", False),
        (("dir",), "dir/deep/file", True),  # a parent directory matches
        (("*.log",), "a.log", True),
        (("*.log",), "d/a.log", False),  # `*` stops at a slash
        (("**/*.log",), "d/e/a.log", True),
        (("**",), "anything/at/all", True),
        (("build/**",), "build/x", True),
        (("a?c",), "abc", True),
        (("[ab].txt",), "b.txt", True),
        (("a.b",), "axb", False),  # `.` is literal
        (("*.log", "!keep.log"), "keep.log", False),
        (("*.log", "!keep.log"), "drop.log", True),
    ],
)
def test_matches_or_parent_matches(patterns: tuple[str, ...], path: str, matched: bool) -> None:
    assert IgnoreMatcher(patterns).matches_or_parent_matches(path) is matched


def test_exclusions_and_root() -> None:
    assert IgnoreMatcher(("a", "!b")).has_exclusions
    assert not IgnoreMatcher(("a",)).has_exclusions
    assert IgnoreMatcher(("**/*",)).root_ignored()
    assert not IgnoreMatcher(("a/*",)).root_ignored()
    with pytest.raises(ValueError, match="illegal exclusion"):
        IgnoreMatcher(("!",))


def test_clean_is_gos() -> None:
    assert [clean_path(p) for p in ("./a/../b", "//x", "", "a/")] == ["b", "/x", ".", "a"]
