"""Gateway runs with several platforms (a refs map) and with named contexts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from frontend.compiler.request import FRONTEND_CAPS
from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.gateway.errors import decode_json_detail
from frontend.llb.marshal import ops_of
from frontend.pb import gateway_pb2
from tests.support.fake_engine import FakeBridge, gateway_env, serve, source_definition

CROSS = b"""\
FROM --platform=$BUILDPLATFORM busybox AS build
ARG TARGETARCH
RUN echo $TARGETARCH > /arch
FROM scratch
COPY --from=build /arch /arch
"""


def build(dockerfile: bytes, opts: dict[str, str], **fake_args: object) -> FakeBridge:
    fake_args.setdefault("locals", {"dockerfile": {"Dockerfile": dockerfile}, "context": {}})
    fake = FakeBridge(**fake_args)  # type: ignore[arg-type]
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(opts))
        fake.wait_returned()
    return fake


def test_several_platforms_return_a_refs_map() -> None:
    fake = build(CROSS, {"platform": "linux/amd64,linux/arm64"})
    assert fake.violations == []
    ret = fake.return_request
    assert ret is not None and ret.result.WhichOneof("result") == "refs"
    refs = dict(ret.result.refs.refs)
    assert sorted(refs) == ["linux/amd64", "linux/arm64"]
    assert all(ref.id in fake.solved for ref in refs.values())
    meta = ret.result.metadata
    platforms = json.loads(meta["refs.platforms"])["Platforms"]
    assert [p["ID"] for p in platforms] == ["linux/amd64", "linux/arm64"]
    arm = json.loads(meta["containerimage.config/linux/arm64"])
    assert arm["architecture"] == "arm64"
    arm_def = fake.solved[refs["linux/arm64"].id]
    env = next(op.exec.meta.env for _, op in ops_of(arm_def) if op.HasField("exec"))
    assert "TARGETARCH=arm64" in env


def test_multi_platform_flag_returns_a_map_of_one() -> None:
    fake = build(CROSS, {"build-arg:BUILDKIT_MULTI_PLATFORM": "1"})
    ret = fake.return_request
    assert ret is not None and sorted(ret.result.refs.refs) == ["linux/amd64"]
    assert "containerimage.config/linux/amd64" in ret.result.metadata


def test_one_platform_returns_one_ref() -> None:
    fake = build(CROSS, {"platform": "linux/arm64"})
    ret = fake.return_request
    assert ret is not None and ret.result.WhichOneof("result") == "ref"
    assert set(ret.result.metadata) == {"containerimage.config"}


def test_local_named_context_reads_its_dockerignore() -> None:
    fake = build(
        b"FROM scratch\nCOPY --from=assets /a /a\n",
        {"context:assets": "local:assets"},
        locals={
            "dockerfile": {"Dockerfile": b"FROM scratch\nCOPY --from=assets /a /a\n"},
            "context": {},
            "assets": {".dockerignore": b"secret\n", "a": b"x"},
        },
    )
    assert fake.violations == []
    final = list(fake.solved.values())[-1]
    local = next(op.source for _, op in ops_of(final) if op.source.identifier == "local://assets")
    assert dict(local.attrs)["local.excludepatterns"] == '["secret"]'
    assert dict(local.attrs)["local.followpaths"] == '["a"]'


def test_input_named_context() -> None:
    definition = source_definition("docker-image://docker.io/library/alpine:latest")
    fake = build(
        b"FROM scratch\nCOPY --from=base /etc /etc\n",
        {"context:base": "input:base"},
        inputs={"base": definition},
    )
    assert fake.violations == []
    final = list(fake.solved.values())[-1]
    assert getattr(definition, "def")[0] in list(getattr(final, "def"))


def test_oci_layout_named_context_asks_the_client_store() -> None:
    digest = "sha256:" + "a" * 64
    fake = build(
        b"FROM app\n",
        {"context:app": f"oci-layout://store1@{digest}"},
    )
    assert fake.violations == []
    (req,) = fake.requests("ResolveImageConfig")
    assert isinstance(req, gateway_pb2.ResolveImageConfigRequest)
    assert (req.Ref, req.ResolverType, req.SessionID, req.StoreID) == (
        f"docker.io/library/app@{digest}",
        1,
        "fake-session",
        "store1",
    )


def test_frontend_caps_we_have_are_accepted() -> None:
    fake = build(CROSS, {"frontend.caps": "moby.buildkit.frontend.contexts+forward"})
    ret = fake.return_request
    assert ret is not None and ret.HasField("result")


def test_unknown_frontend_cap_is_unimplemented() -> None:
    fake = build(CROSS, {"frontend.caps": "moby.buildkit.frontend.contexts,moby.x.y+forward"})
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert ret.error.code == 12
    assert ret.error.message == "unsupported frontend capability moby.x.y"
    type_url, detail = decode_json_detail(ret.error.details[0])
    assert type_url.endswith("errdefs.FrontendCap+json") and detail == {"name": "moby.x.y"}


def test_image_label_lists_the_frontend_caps() -> None:
    text = (Path(__file__).parents[3] / "Dockerfile.frontend").read_text()
    match = re.search(r'moby\.buildkit\.frontend\.caps="([^"]*)"', text)
    assert match is not None
    assert set(match.group(1).split(",")) == FRONTEND_CAPS


def test_platforms_share_image_look_ups() -> None:
    fake = build(CROSS, {"platform": "linux/amd64,linux/arm64,linux/arm/v7"})
    refs = [r.Ref for r in fake.requests("ResolveImageConfig")]  # type: ignore[attr-defined]
    assert refs == [
        "docker.io/library/busybox:latest"
    ]  # the build stage runs on the build platform
