"""Steps share the engine's cache with Docker's own frontend: the same ops, the same keys.

A Dockerfile no build has seen (a fresh tag in every path) is built by the
built-in frontend, then by ours: every step of ours must come from the cache.
"""

from __future__ import annotations

import re
import uuid

import pytest

from .harness import run_build

pytestmark = pytest.mark.e2e

FILES = {"f.txt": "from the context\n"}
_STEP = re.compile(r"^\[[^\]]*\d+/\d+\] ")


def _steps(log: str) -> dict[str, bool]:
    """Each numbered step of a plain-progress log, and whether it came from the cache."""
    names = dict(re.findall(r"^(#\d+) (\[.*)$", log, re.M))
    cached = set(re.findall(r"^(#\d+) CACHED$", log, re.M))
    return {name: vertex in cached for vertex, name in names.items() if _STEP.match(name)}


def test_steps_built_by_the_builtin_frontend_are_cached_for_ours() -> None:
    tag = uuid.uuid4().hex[:12]
    dockerfile = f"""\
FROM busybox AS base
ARG TAG={tag}
WORKDIR /app-{tag}/
RUN --mount=type=cache,target=/root/.cache-{tag}/ echo $TAG > /x
RUN --mount=type=tmpfs,target=/t-{tag}/ --mount=type=secret,id=s --mount=type=ssh echo {tag} > /y
COPY f.txt sub/
RUN --mount=type=bind,source=f.txt,target=rel-{tag}/f cat rel-{tag}/f > /z

FROM busybox
COPY --from=base /x /y /
RUN --mount=type=cache,target=/c-{tag},uid=1000,mode=0700 cat /x /y
"""
    first = run_build(dockerfile, FILES, frontend="builtin")
    assert first.ok, first.log[-3000:]
    second = run_build(dockerfile, FILES, frontend="ours")
    assert second.ok, second.log[-3000:]
    steps = _steps(second.log)
    assert len(steps) >= 8, second.log[-3000:]
    ran = [name for name, cached in steps.items() if not cached and " FROM " not in name]
    assert not ran, f"not from the built-in frontend's cache: {ran}\n{second.log[-3000:]}"
