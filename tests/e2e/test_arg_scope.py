"""ARG scope against the engine's own frontend: raw names, build args that replace a
default, unset global ARGs, non-env ARGs and TARGETSTAGE.

Engine 20.10's frontend expands an ARG's name and default before it looks at the
build args; newer ones do not. The same Dockerfiles are built with both frontends
on each engine, so each test holds whichever behaviour the engine's frontend has.
"""

from __future__ import annotations

import pytest

from .harness import (
    ENGINE,
    assert_same_build,
    build_fails,
    run_build,
    run_image,
)

pytestmark = pytest.mark.e2e

STAGE_DEFAULT = "FROM busybox\nARG X=${Y:?missing}\nRUN echo $X > /x\n"
GLOBAL_DEFAULT = "ARG X=${Y:?missing}\nFROM busybox\nARG X\nRUN echo $X > /x\n"


def test_a_default_that_cannot_expand_fails() -> None:
    for frontend in ("builtin", "ours"):
        assert "Y: missing" in build_fails(STAGE_DEFAULT, frontend=frontend)


def test_a_build_arg_replaces_a_default_without_expanding_it() -> None:
    """BuildKit's TestArgDefaultExpansion; Engine 20.10's frontend fails here."""
    args = {"X": "1"}
    if ENGINE == "legacy":
        for frontend in ("builtin", "ours"):
            result = run_build(STAGE_DEFAULT, frontend=frontend, build_args=args)
            assert not result.ok and "Y: missing" in result.log
        return
    image = assert_same_build(STAGE_DEFAULT, build_args=args)
    assert run_image(image, "cat", "/x") == "1\n"


@pytest.mark.engines("current", "current-containerd")
def test_a_build_arg_replaces_a_global_default_without_expanding_it() -> None:
    image = assert_same_build(GLOBAL_DEFAULT, build_args={"X": "1"})
    assert run_image(image, "cat", "/x") == "1\n"


def test_arg_names_as_the_engine_reads_them() -> None:
    # the shell keeps a variable with a name like A$B out of its children's environment
    dockerfile = (
        "FROM busybox\nARG B=x\nARG A$B=1\nRUN tr '\\0' '\\n' < /proc/$$/environ | grep ^A > /a\n"
    )
    image = assert_same_build(dockerfile)
    expected = "Ax=1\n" if ENGINE == "legacy" else "A$B=1\n"
    assert run_image(image, "cat", "/a") == expected


def test_a_global_arg_without_a_value() -> None:
    """Unset for a newer frontend; Engine 20.10's reads it as empty."""
    dockerfile = 'ARG X\nARG Y=${X-unset}\nFROM busybox\nARG Y\nRUN echo "[$Y]" > /y\n'
    image = assert_same_build(dockerfile)
    expected = "[]\n" if ENGINE == "legacy" else "[unset]\n"
    assert run_image(image, "cat", "/y") == expected


def test_global_sbom_scan_args_in_the_run_environment() -> None:
    dockerfile = """\
ARG BUILDKIT_SBOM_SCAN_STAGE=true
FROM busybox
ARG BUILDKIT_SBOM_SCAN_STAGE
RUN env | grep -c '^BUILDKIT_SBOM' > /count.txt || true
"""
    image = assert_same_build(dockerfile)
    expected = "1\n" if ENGINE == "legacy" else "0\n"
    assert run_image(image, "cat", "/count.txt") == expected


@pytest.mark.parametrize(("target", "expected"), [(None, "[final]\n"), ("base", "[base]\n")])
def test_target_stage(target: str | None, expected: str) -> None:
    dockerfile = """\
FROM busybox AS base
ARG TARGETSTAGE
RUN echo "[$TARGETSTAGE]" > /t
FROM base AS final
"""
    image = assert_same_build(dockerfile, target=target)
    assert run_image(image, "cat", "/t") == ("[]\n" if ENGINE == "legacy" else expected)
