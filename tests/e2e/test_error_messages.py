"""Errors that say where, on any client: the Dockerfile line and instruction are
in the message itself (Engine 20.10's client prints nothing else).

Our builds get a ``# syntax=`` line first: lines below count from the
Dockerfile text given, plus that one.
"""

from __future__ import annotations

import re

import pytest

from .harness import build_fails
from .test_copy_flags import Server, server  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

_PARSE_ERROR = re.compile(r"dockerfile parse error (on )?line (\d+): (.*)")


def where(line: int) -> str:
    """``Dockerfile:N`` of line ``line`` of the text, in the file ours builds."""
    return f"Dockerfile:{line + 1}"


def test_failing_run_names_line_and_instruction() -> None:
    log = build_fails(
        "FROM busybox\nRUN echo ok\nRUN echo failing \\\n  && exit 7\n", frontend="ours"
    )
    assert f"{where(3)}: RUN echo failing   && exit 7: " in log
    assert "exit code: 7" in log


def test_failing_copy_names_line_and_instruction() -> None:
    log = build_fails("FROM busybox\n\nCOPY missing.txt /\n", {"a.txt": "a\n"}, frontend="ours")
    assert f"{where(3)}: COPY missing.txt /: " in log


def test_missing_base_image_names_image_and_line() -> None:
    log = build_fails("FROM busybox\nFROM pyfrontend/no-such-image:1\n", frontend="ours")
    assert f"{where(2)}: failed to resolve image docker.io/pyfrontend/no-such-image:1: " in log


def test_stage_cycle_names_stages_and_lines() -> None:
    log = build_fails(
        "FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n",
        frontend="ours",
    )
    assert (
        f"{where(2)}: circular dependency detected on stage: a: "
        f"a reads b (line {2 + 1}), b reads a (line {4 + 1})"
    ) in log


def test_failed_download_names_the_add(server: Server) -> None:  # noqa: F811 - fixture
    log = build_fails(f"FROM busybox\nADD {server.url}/no-such-file /f\n", frontend="ours")
    assert f"{where(2)}: ADD {server.url}/no-such-file /f: " in log


def _parse_error(log: str) -> tuple[str, int, str]:
    """The words around the line number of a parse error, the number, and the message."""
    found = _PARSE_ERROR.search(log)
    assert found is not None, f"no parse error in:\n{log[-3000:]}"
    return found[1] or "", int(found[2]), found[3].strip()


@pytest.mark.parametrize(
    "instruction",
    [
        "RUN --mont=target=/mytmp,type=tmpfs true",
        "COPY --frmo=x a b",
        "COPY --chown=1 --chown=2 a b",
    ],
)
def test_a_bad_flag_is_worded_as_the_built_in_frontend_words_it(instruction: str) -> None:
    """Engine 20.10's frontend: ``dockerfile parse error line N: Unknown flag: mont``;
    a current one: ``... on line N: unknown flag: --mont (did you mean mount?)``."""
    dockerfile = f"FROM busybox\nRUN true\n{instruction}\n"
    words, line, message = _parse_error(build_fails(dockerfile, frontend="builtin"))
    assert _parse_error(build_fails(dockerfile, frontend="ours")) == (words, line + 1, message)
