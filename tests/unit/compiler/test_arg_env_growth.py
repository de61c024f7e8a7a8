"""ENV and ARG compile (and check) in work linear in their number.

The work is counted, not timed: the Python calls made while compiling and
checking 10 times the lines must grow about 10 times, far from the 100 times
of a cost per line that grows with the lines before it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from frontend.compiler.convert import compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.request import BuildRequest
from frontend.semantics.check_context import CheckContext
from frontend.semantics.check_rules import CheckConfig
from frontend.semantics.checks import run_checks
from frontend.syntax import parse
from tests.unit.compiler.conftest import AMD64, Resolver

WORKLOADS: dict[str, Callable[[int], str]] = {
    "ENV": lambda n: "FROM busybox\n" + "".join(f"ENV V{i}=x$V{i // 2}\n" for i in range(n)),
    "stage ARG": lambda n: "FROM busybox\n" + "".join(f"ARG A{i}=$A{i // 2}\n" for i in range(n)),
    "global ARG": lambda n: (
        "".join(f"ARG A{i}=x$A{i // 2}\n" for i in range(n)) + f"FROM busybox:${{A{n - 1}}}\n"
    ),
    "ENV and ARG": lambda n: (
        "FROM busybox\n" + "".join(f"ENV V{i}=$A{i // 2}\nARG A{i}=$V{i}\n" for i in range(n // 2))
    ),
    "ENV in chained stages": lambda n: (
        "FROM busybox AS s0\n"
        + "".join(f"ENV V{i}=$V{i // 2}\nFROM s{i} AS s{i + 1}\n" for i in range(n // 2))
    ),
}


def _calls(text: str) -> int:
    """The Python calls made to compile and check ``text`` (parsed beforehand)."""
    dockerfile = parse(text + "RUN true\n")
    options = BuildOptions(BuildRequest(build_platform=AMD64), AMD64)
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event == "call":
            count += 1

    checks = CheckContext(CheckConfig(), AMD64, AMD64)
    sys.setprofile(profile)
    try:
        result = compile_dockerfile(dockerfile, options, Resolver(), checks=checks)
        run_checks(dockerfile, result.plan, checks, result.stage_warnings)
        run_checks(dockerfile, result.plan, checks)  # the checks' walk of their own
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("kind", list(WORKLOADS))
def test_work_grows_linearly(kind: str) -> None:
    make = WORKLOADS[kind]
    small, large = _calls(make(100)), _calls(make(1000))
    assert large / small < 15, f"{kind}: 10x the lines took {large / small:.0f}x the calls"
