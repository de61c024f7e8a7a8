"""Build-check warnings in the build's progress: each is tied to the vertex that
loaded the Dockerfile, with its lines, as Docker's frontend sends them.

Our frontend loads the Dockerfile with the op the engine loaded it with, so the
two are one vertex (one ``[internal] load build definition`` step) and the
warnings belong to it. Engines before BuildKit 0.10 take no warnings (Engine
20.10 shows none for either frontend); they are checked on current engines.
"""

from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.e2e, pytest.mark.engines("current", "current-containerd")]

# Line 1 is the syntax line for ours and a comment for the built-in, so that
# both report the same line numbers.
DOCKERFILE = """\
FROM busybox AS base
RUN echo hi
CMD echo hi
from base
ENV A 1
"""

LOAD = "[internal] load build definition from Dockerfile"


def _progress(frontend: harness.Frontend) -> list[dict[str, Any]]:
    text = harness.dockerfile_for(DOCKERFILE, frontend)
    if frontend == "builtin":
        text = "# a comment where the syntax line is\n" + text
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp, "context")
        root.mkdir()
        harness._write_context(root, text, {})
        proc = harness.run_docker([*harness.build_command(), "--progress=rawjson", str(root)])
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def _warnings(events: list[dict[str, Any]]) -> list[tuple[str, str, list[Any]]]:
    """(vertex, short message, line ranges) of each warning, in arrival order."""
    return [
        (w["vertex"], base64.b64decode(w["short"]).decode(), w.get("range") or [])
        for event in events
        for w in event.get("warnings") or ()
    ]


def _load_vertices(events: list[dict[str, Any]]) -> set[str]:
    return {
        v["digest"] for event in events for v in event.get("vertexes") or () if v["name"] == LOAD
    }


def test_warnings_belong_to_the_dockerfile_vertex() -> None:
    builtin_events = _progress("builtin")
    ours_events = _progress("ours")
    builtin = _warnings(builtin_events)
    ours = _warnings(ours_events)
    assert [(short, ranges) for _, short, ranges in ours] == [
        (short, ranges) for _, short, ranges in builtin
    ]
    assert len(ours) == 3
    # one load step: the engine's and ours are the same op
    (builtin_load,) = _load_vertices(builtin_events)
    (ours_load,) = _load_vertices(ours_events)
    assert {vertex for vertex, _, _ in builtin} == {builtin_load}
    assert {vertex for vertex, _, _ in ours} == {ours_load}
