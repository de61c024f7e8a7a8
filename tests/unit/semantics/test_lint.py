"""Warnings over the stages a build runs."""

from __future__ import annotations

from frontend.llb.platform import Platform
from frontend.semantics.lint import plan_warnings
from frontend.semantics.stages import plan
from frontend.syntax import parse

AMD64 = Platform("linux", "amd64")


def warnings_of(text: str, target: str = "") -> list[str]:
    built = plan(
        parse(text), target=target, build_args={}, build_platform=AMD64, target_platform=AMD64
    )
    return [str(w) for w in plan_warnings(built)]


def test_overridden_cmd_entrypoint_and_healthcheck_are_reported_where_ignored() -> None:
    text = (
        "FROM busybox AS a\nCMD a\nHEALTHCHECK NONE\nCMD b\nHEALTHCHECK CMD true\nCMD c\n"
        "ENTRYPOINT x\nFROM a\nCMD d\n"
    )
    assert warnings_of(text) == [
        f"Dockerfile:{line}:1: warning: Multiple {kind} instructions should not be used in the"
        " same stage because only the last one will be used"
        for line, kind in ((2, "CMD"), (3, "HEALTHCHECK"), (4, "CMD"))
    ]


def test_only_stages_the_target_needs() -> None:
    text = "FROM busybox AS a\nCMD a\nCMD b\nFROM busybox AS b\nCMD c\n"
    assert warnings_of(text, target="b") == []
