"""``docker buildx build --call outline|targets``: what our frontend answers is what the
engine's built-in frontend answers for the same Dockerfile, as JSON and as text.

Subrequests need BuildKit 0.11 or later: these run on the current engines only.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from .harness import Frontend, build_command, dockerfile_for, run_docker

pytestmark = [pytest.mark.e2e, pytest.mark.engines("current", "current-containerd")]

RICH = """\
ARG ALPINE_VERSION=latest
# GO_VERSION sets the Go toolchain
ARG GO_VERSION=1.22
ARG UNUSED=x

# base is the shared setup
FROM busybox:${ALPINE_VERSION} AS base
# FOO the foo value
ARG FOO=bar
ARG GO_VERSION
ARG P=$PATH
RUN --mount=type=secret,id=token,required \\
    --mount=type=ssh true

FROM base AS build
ARG BAR=${FOO}-x
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc true

# release is the final image
FROM scratch AS release
COPY --from=build /x /x
"""

META_ARGS = """\
ARG A=1
ARG B=${A}2
# C is built from B
ARG C=$B-3
ARG NOVAL
FROM busybox:latest AS one
ARG C
ARG NOVAL
RUN --mount=type=ssh,id=gitlab,required=true --mount=type=secret,target=/run/secrets/gh true
FROM busybox:latest AS two
ARG OTHER=o
"""


def call(
    dockerfile: str,
    request: str,
    *,
    frontend: Frontend,
    fmt: str = "json",
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> str:
    """``--call REQUEST`` on a fresh context; returns what the client prints."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp)
        (root / "Dockerfile").write_text(dockerfile_for(dockerfile, frontend))
        cmd = [*build_command(), "--progress=quiet", "--call", f"{request},format={fmt}"]
        if target is not None:
            cmd += ["--target", target]
        if platform is not None:
            cmd += ["--platform", platform]
        for key, value in (build_args or {}).items():
            cmd += ["--build-arg", f"{key}={value}"]
        proc = run_docker([*cmd, str(root)])
    assert proc.returncode == 0, f"--call {request} with the {frontend} frontend:\n{proc.stderr}"
    return proc.stdout


def comparable(printed: str, dockerfile: str, frontend: Frontend) -> Any:
    """The JSON printed, with line numbers as in ``dockerfile`` (ours gets a syntax line
    on top) and its ``sources`` checked, then dropped."""
    given = dockerfile_for(dockerfile, frontend)
    shift = given.count("\n") - dockerfile.count("\n")
    value = json.loads(printed)
    assert [base64.b64decode(s).decode() for s in value.pop("sources")] == [given]

    def unshift(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: v - shift if k == "line" else unshift(v) for k, v in node.items()}
        if isinstance(node, list):
            return [unshift(v) for v in node]
        return node

    return unshift(value)


PLATFORM_ARGS = """\
FROM --platform=$TARGETPLATFORM busybox:latest AS app
ARG TARGETARCH
ARG ARCH=$TARGETARCH
"""


@pytest.mark.parametrize(
    ("dockerfile", "options"),
    [
        (RICH, {}),
        (META_ARGS, {"target": "one", "build_args": {"A": "9", "NOVAL": "given"}}),
        (META_ARGS, {}),
        (PLATFORM_ARGS, {"platform": "linux/arm64"}),  # outline ignores it, as upstream
    ],
    ids=["rich", "meta-args-target", "meta-args", "platform"],
)
@pytest.mark.parametrize("request_name", ["outline", "targets"])
def test_same_answer_as_the_builtin_frontend(
    dockerfile: str, options: dict[str, Any], request_name: str
) -> None:
    for fmt in ("json", "text"):
        builtin = call(dockerfile, request_name, frontend="builtin", fmt=fmt, **options)
        ours = call(dockerfile, request_name, frontend="ours", fmt=fmt, **options)
        if fmt == "json":
            assert comparable(ours, dockerfile, "ours") == comparable(
                builtin, dockerfile, "builtin"
            )
        else:
            assert ours == builtin


def test_describe_lists_what_we_serve() -> None:
    described = json.loads(call(RICH, "subrequests.describe", frontend="ours"))
    builtin = json.loads(call(RICH, "subrequests.describe", frontend="builtin"))
    assert [d["name"] for d in described] == [
        "frontend.outline",
        "frontend.targets",
        "frontend.lint",
        "frontend.subrequests.describe",
    ]
    # every request the built-in frontend describes, described the same way
    assert [d for d in described if d["name"] != "frontend.lint"] == builtin
