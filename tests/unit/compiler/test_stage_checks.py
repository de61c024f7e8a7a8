"""The build checks that follow a stage run inside the compiler's walk, on the scope
each instruction is lowered in."""

from __future__ import annotations

import json

import pytest

from frontend.compiler.convert import compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.request import BuildRequest
from frontend.semantics.check_context import CheckContext
from frontend.semantics.check_rules import CheckConfig
from frontend.semantics.checks import run_checks
from frontend.syntax import parse
from tests.unit.compiler.conftest import AMD64, Resolver, image_config

CASES = [
    "FROM busybox\nENV A=1\nCOPY $A $B /x\n",
    "FROM busybox AS base\nARG V=1\nFROM base\nRUN true\nCOPY $V $W /\n",
    "ARG G=1\nFROM busybox\nARG G\nARG H=$G$I\nWORKDIR rel\nCMD run\nCMD again\n",
    "FROM busybox\nARG password=x\nENV key value\nEXPOSE 80:80/TCP\n",
    "FROM busybox\nARG X=${Y:?missing}\nCOPY $X $Z /\n",
]


def _warnings(text: str, build_args: dict[str, str], *, during: bool) -> list[str]:
    dockerfile = parse(text)
    options = BuildOptions(BuildRequest(build_platform=AMD64, build_args=build_args), AMD64)
    ctx = CheckContext(CheckConfig(), AMD64, AMD64, build_args)
    result = compile_dockerfile(dockerfile, options, Resolver(), checks=ctx if during else None)
    found = run_checks(dockerfile, result.plan, ctx, result.stage_warnings)
    return [f"{w.line}: {w.rule}: {w.message}" for w in found]


@pytest.mark.parametrize("text", CASES)
def test_checks_during_the_compile_find_what_a_walk_of_their_own_finds(text: str) -> None:
    args = {"X": "1"} if "?missing" in text else {}
    during = _warnings(text, args, during=True)
    assert during == _warnings(text, args, during=False)
    assert during  # each case warns


def test_variables_an_onbuild_trigger_sets_are_defined() -> None:
    """The base image's ONBUILD ENV is in the scope the stage's words are checked in."""
    resolver = Resolver(
        {"docker.io/library/base:latest": image_config(OnBuild=["ENV FROMBASE=/src"])}
    )
    dockerfile = parse("FROM base\nCOPY $FROMBASE /dst\n")
    options = BuildOptions(BuildRequest(build_platform=AMD64), AMD64)
    ctx = CheckContext(CheckConfig(), AMD64, AMD64)
    result = compile_dockerfile(dockerfile, options, resolver, checks=ctx)
    assert result.stage_warnings == ()
    assert json.loads(result.config_json)["config"]["Env"][-1] == "FROMBASE=/src"
