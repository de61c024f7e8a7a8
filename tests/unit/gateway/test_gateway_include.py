"""INCLUDE through the gateway: the client sends only the files included."""

from __future__ import annotations

import base64
import json
from typing import Any

from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.gateway.errors import decode_json_detail
from frontend.llb.marshal import ops_of
from tests.support.fake_engine import (
    V025_LLB_CAPS,
    V08_GATEWAY_CAPS,
    FakeBridge,
    gateway_env,
    serve,
)

ROOT = b"""\
# extensions=include
INCLUDE parts/build.Dockerfile
FROM busybox
COPY --from=build /hello /hello
"""
BUILD = b"FROM busybox AS build\nrun echo hi > /hello\n"


def build(files: dict[str, bytes], opts: dict[str, str] | None = None) -> FakeBridge:
    fake = FakeBridge(
        gateway_caps=(*V08_GATEWAY_CAPS, "gateway.warnings"),
        llb_caps=V025_LLB_CAPS,  # a current engine's release, and its wording
        locals={"dockerfile": files, "context": {}},
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(opts or {}))
        fake.wait_returned()
    return fake


def follow_paths(fake: FakeBridge) -> list[list[str]]:
    return [
        json.loads(op.source.attrs["local.followpaths"])
        for definition in fake.solved.values()
        for _, op in ops_of(definition)
        if op.source.identifier == "local://dockerfile"
    ]


def test_the_included_file_alone_is_asked_for_and_spliced_in() -> None:
    fake = build({"Dockerfile": ROOT, "parts/build.Dockerfile": BUILD, "secret": b"x"})
    assert fake.violations == []
    assert fake.return_request is not None and fake.return_request.HasField("result")
    assert ["parts/build.Dockerfile"] in follow_paths(fake)
    assert all("secret" not in paths for paths in follow_paths(fake))
    final = list(fake.solved.values())[-1]
    runs = [op.exec.meta.args[-1] for _, op in ops_of(final) if op.HasField("exec")]
    assert runs == ["echo hi > /hello"]
    (warn,) = fake.requests("Warn")  # run in lowercase: a check, in the included file
    assert warn.info.filename == "parts/build.Dockerfile"  # type: ignore[attr-defined]
    assert warn.info.data == BUILD  # type: ignore[attr-defined]
    assert [r.start.line for r in warn.ranges] == [2]  # type: ignore[attr-defined]


def test_an_error_in_an_included_file_names_it() -> None:
    fake = build(
        {
            "Dockerfile": ROOT,
            "parts/build.Dockerfile": b"FROM busybox AS build\nCOPY --frmo=x a b\n",
        }
    )
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert "parts/build.Dockerfile:2:" in ret.error.message
    assert "unknown flag: --frmo" in ret.error.message
    _, detail = decode_json_detail(ret.error.details[0])
    assert detail["info"]["filename"] == "parts/build.Dockerfile"
    assert detail["ranges"][0]["start"]["line"] == 2


def test_a_missing_included_file_is_an_error() -> None:
    fake = build({"Dockerfile": ROOT})
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert "parts/build.Dockerfile: no such file" in ret.error.message


def test_from_a_git_context_included_files_come_from_the_checkout() -> None:
    repo = {"Dockerfile": ROOT, "parts/build.Dockerfile": BUILD.replace(b"run", b"RUN")}
    fake = FakeBridge(files=repo)
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env({"context": "git://127.0.0.1:9418/repo"}))
        fake.wait_returned()
    assert fake.violations == []
    assert fake.return_request is not None and fake.return_request.HasField("result")
    assert follow_paths(fake) == []  # nothing asked of the client
    final = list(fake.solved.values())[-1]
    assert [op.exec.meta.args[-1] for _, op in ops_of(final) if op.HasField("exec")] == [
        "echo hi > /hello"
    ]


SECRET = b"""\
FROM busybox AS build
ARG FLAVOUR=plain
RUN --mount=type=secret,id=token,required=true cat /run/secrets/token
"""


def subrequest(name: str) -> dict[str, Any]:
    fake = build({"Dockerfile": ROOT, "parts/build.Dockerfile": SECRET}, {"requestid": name})
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    answer: dict[str, Any] = json.loads(ret.result.metadata["result.json"])
    return answer


def test_targets_and_outline_locate_lines_in_their_own_files() -> None:
    def at(entry: dict[str, Any]) -> tuple[int, int]:
        location = entry["location"]
        return location.get("sourceIndex", 0), location["ranges"][0]["start"]["line"]

    listed = subrequest("frontend.targets")
    assert [(t.get("name"), at(t)) for t in listed["targets"]] == [
        ("build", (1, 1)),
        (None, (0, 3)),
    ]
    assert [base64.b64decode(s) for s in listed["sources"]] == [ROOT, SECRET]
    outline = subrequest("frontend.outline")
    assert [(a["name"], at(a)) for a in outline["args"]] == [("FLAVOUR", (1, 2))]
    assert [(s["name"], at(s)) for s in outline["secrets"]] == [("token", (1, 3))]
    assert [base64.b64decode(s) for s in outline["sources"]] == [ROOT, SECRET]
