"""``frontend.outline``, ``frontend.targets`` and ``describe``: the JSON and text that
Docker's frontend (BuildKit v0.25) gives for the same Dockerfiles, byte for byte."""

from __future__ import annotations

import base64
import json
from typing import Any

from frontend.compiler.entry import evaluate
from frontend.compiler.preview import assumed_image
from frontend.compiler.request import LoadedDockerfile, parse_request
from frontend.gotext import tabwrite

DOCKERFILE = b"""\
ARG ALPINE_VERSION=latest
# GO_VERSION sets the Go toolchain
ARG GO_VERSION=1.22
ARG UNUSED=x

# base is the shared setup
FROM busybox:${ALPINE_VERSION} AS base
# FOO the foo value
ARG FOO=bar
ARG GO_VERSION
RUN --mount=type=secret,id=token,required \\
    --mount=type=ssh true

FROM base AS build
ARG BAR=${FOO}-x
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc true

# release is the final image
FROM scratch AS release
COPY --from=build /x /x
"""


def lines(*numbers: int) -> dict[str, Any]:
    return {"ranges": [{"start": {"line": n}, "end": {"line": n}} for n in numbers]}


SOURCES = [base64.b64encode(DOCKERFILE).decode()]

OUTLINE = {
    "name": "release",
    "description": "is the final image",
    "args": [
        {"name": "ALPINE_VERSION", "value": "latest", "location": lines(1)},
        {"name": "GO_VERSION", "description": "sets the Go toolchain", "value": "1.22",
         "location": lines(3)},
        {"name": "FOO", "description": "the foo value", "value": "bar", "location": lines(9)},
        {"name": "BAR", "value": "bar-x", "location": lines(15)},
    ],
    "secrets": [
        {"name": "token", "required": True, "location": lines(11, 12)},
        {"name": "npmrc", "location": lines(16)},
    ],
    "ssh": [{"name": "default", "location": lines(11, 12)}],
    "sources": SOURCES,
}  # fmt: skip

OUTLINE_TEXT = """\
TARGET:      release
DESCRIPTION: is the final image

BUILD ARG        VALUE    DESCRIPTION
ALPINE_VERSION   latest   
GO_VERSION       1.22     sets the Go toolchain
FOO              bar      the foo value
BAR              bar-x    

SECRET   REQUIRED
token    true
npmrc    

SSH       REQUIRED
default   

"""  # noqa: W291

TARGETS = {
    "targets": [
        {"name": "base", "description": "is the shared setup", "base": "busybox:${ALPINE_VERSION}",
         "location": lines(7)},
        {"name": "build", "base": "base", "location": lines(14)},
        {"name": "release", "default": True, "description": "is the final image",
         "base": "scratch", "location": lines(19)},
    ],
    "sources": SOURCES,
}  # fmt: skip

TARGETS_TEXT = """\
TARGET            DESCRIPTION
base              is the shared setup
build             
release (default) is the final image
"""  # noqa: W291


def answer(request: str, dockerfile: bytes = DOCKERFILE, **opts: str) -> dict[str, bytes]:
    result = evaluate(
        parse_request({"requestid": request, **opts}),
        LoadedDockerfile("Dockerfile", dockerfile),
        assumed_image,
    )
    assert result.error is None and not result.warnings
    return dict(result.metadata)


def go_indented(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def test_outline_json_and_text() -> None:
    meta = answer("frontend.outline")
    assert json.loads(meta["result.json"]) == OUTLINE
    assert meta["result.json"] == go_indented(OUTLINE)
    assert meta["result.txt"].decode() == OUTLINE_TEXT
    assert meta["version"] == b"1.0.0"


def test_targets_json_and_text() -> None:
    meta = answer("frontend.targets")
    assert json.loads(meta["result.json"]) == TARGETS
    assert meta["result.json"] == go_indented(TARGETS)
    assert meta["result.txt"].decode() == TARGETS_TEXT
    assert meta["version"] == b"1.0.0"


def test_outline_of_another_target_with_build_args() -> None:
    dockerfile = b"""\
ARG A=1
ARG B=${A}2
# C is built from B
ARG C=$B-3
ARG NOVAL
FROM busybox:latest AS one
ARG C
ARG NOVAL
FROM busybox:latest AS two
"""
    meta = answer(
        "frontend.outline", dockerfile, target="one", **{"build-arg:A": "9", "build-arg:NOVAL": "n"}
    )
    assert json.loads(meta["result.json"]) == {
        "name": "one",
        "args": [
            {"name": "A", "value": "9", "location": lines(1)},
            {"name": "B", "value": "92", "location": lines(2)},
            {"name": "C", "description": "is built from B", "value": "92-3", "location": lines(4)},
            {"name": "NOVAL", "value": "n", "location": lines(8)},
        ],
        "sources": [base64.b64encode(dockerfile).decode()],
    }


def test_outline_takes_the_build_platform_whatever_the_platform_option() -> None:
    dockerfile = (
        b"FROM --platform=$TARGETPLATFORM busybox AS app\nARG TARGETARCH\nARG A=$TARGETARCH\n"
    )
    for platform in ("linux/arm64", "linux/arm64,linux/s390x"):
        meta = answer("frontend.outline", dockerfile, platform=platform)
        args = json.loads(meta["result.json"])["args"]
        assert [(a["name"], a["value"]) for a in args] == [("A", "amd64")]


def test_outline_of_an_unnamed_stage_has_no_header() -> None:
    meta = answer("frontend.outline", b"FROM busybox:latest\n# stage0 ignored\nRUN true\n")
    assert json.loads(meta["result.json"]) == {
        "sources": [base64.b64encode(b"FROM busybox:latest\n# stage0 ignored\nRUN true\n").decode()]
    }
    assert meta["result.txt"] == b""


def test_outline_fails_as_the_build_does() -> None:
    result = evaluate(
        parse_request({"requestid": "frontend.outline", "target": "nope"}),
        LoadedDockerfile("app.Dockerfile", b"FROM busybox\n"),
        assumed_image,
    )
    assert result.error is not None and str(result.error).startswith("app.Dockerfile")


def test_describe_lists_every_subrequest_served() -> None:
    meta = answer("frontend.subrequests.describe")
    described = json.loads(meta["result.json"])
    assert [d["name"] for d in described] == [
        "frontend.outline",
        "frontend.targets",
        "frontend.lint",
        "frontend.subrequests.describe",
    ]
    assert described[0] == {
        "name": "frontend.outline",
        "version": "1.0.0",
        "type": "rpc",
        "description": "List all parameters current build target supports",
        "opts": [{"name": "target", "description": "Target build stage"}],
        "inputs": None,
        "metadata": [
            {"name": "result.json", "description": ""},
            {"name": "result.txt", "description": ""},
        ],
        "refs": None,
    }
    assert described[1]["opts"] == [] and described[3]["opts"] is None
    assert [m["name"] for m in described[2]["metadata"]] == [
        "result.json",
        "result.txt",
        "result.statuscode",
    ]
    assert meta["result.txt"].decode() == (
        "NAME                 VERSION DESCRIPTION\n"
        "outline              1.0.0   List all parameters current build target supports\n"
        "targets              1.0.0   List all targets current build supports\n"
        "lint                 1.0.0   Lint a Dockerfile\n"
        "subrequests.describe 1.0.0   List available subrequest types\n"
    )


def test_tabwrite_aligns_blocks_of_lines_as_go_does() -> None:
    assert tabwrite("a\tbb\tc\nlong\t\tx\n", padding=1) == "a    bb c\nlong    x\n"
    # a line without tabs ends a column block
    assert tabwrite("a\tb\nnone\nlonger\tc\n", padding=2) == "a  b\nnone\nlonger  c\n"
