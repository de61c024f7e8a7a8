"""``--chmod`` in every form Docker's frontend accepts, on COPY, ADD, ADD of URLs and git.

Symbolic modes need BuildKit 0.17: on a current engine both frontends build
and the file trees must agree; on Engine 20.10 ours refuses them clearly.
"""

from __future__ import annotations

import pytest

from .harness import build, build_fails
from .test_copy_flags import Server, assert_same_files, server  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

FILES = {"a.txt": "a\n", "run.sh": "echo hi\n", "dir/x.txt": "x\n", "dir/sub/y.txt": "y\n"}


@pytest.mark.engines("current", "current-containerd")
def test_octal_and_symbolic_modes(server: Server) -> None:  # noqa: F811 - fixture
    dockerfile = f"""\
FROM busybox
ARG MODE=go-w
COPY --chmod=0750 a.txt /octal/a
COPY --chmod=u+x run.sh /sym/run.sh
COPY --chmod=$MODE dir /sym/dir
COPY --chmod=a=rX,u+w dir /sym/capital-x
ADD --chmod=g+w a.txt /add/a
ADD --chmod=0700 {server.url}/file.txt /url/octal
ADD --chmod=u+x,o-r {server.url}/file.txt /url/sym
ADD --chmod=o-rwx {server.url}/repo.git#v1 /git/
"""
    images = [build(dockerfile, FILES, frontend=f) for f in ("builtin", "ours")]
    assert_same_files(*images)


@pytest.mark.engines("legacy")
def test_symbolic_mode_needs_a_newer_engine() -> None:
    log = build_fails("FROM busybox\nCOPY --chmod=u+x run.sh /\n", FILES, frontend="ours")
    assert "COPY --chmod=u+x: a symbolic mode needs BuildKit v0.17 or newer" in log
    assert "Dockerfile:3" in log  # line 2, after the syntax line


def test_invalid_modes_are_refused() -> None:
    log = build_fails("FROM busybox\nCOPY --chmod=999 a.txt /\n", FILES, frontend="ours")
    assert (
        "invalid chmod parameter: '999'. it should be octal string and between 0 and 07777" in log
    )
