"""``attest:sbom``: the scanner runs as Docker's frontend runs it, and its output is
returned as an attestation of each platform's result."""

from __future__ import annotations

import json

from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.llb.marshal import ops_of
from frontend.pb import gateway_pb2, ops_pb2
from tests.support.fake_engine import (
    V025_LLB_CAPS,
    V08_GATEWAY_CAPS,
    FakeBridge,
    fake_digest,
    gateway_env,
    serve,
)

STUB = "docker.io/library/stub:latest"
STUB_CONFIG = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/bin:/bin", "SCANNER=1"],
            "Entrypoint": ["/bin/sh"],
            "Cmd": ["/scan.sh"],
            "WorkingDir": "scandir",
        },
    }
).encode()
ATTESTATIONS = (*V08_GATEWAY_CAPS, "reference.attestations")

STAGES = b"""\
ARG BUILDKIT_SBOM_SCAN_CONTEXT=true
FROM busybox AS file
ARG BUILDKIT_SBOM_SCAN_STAGE=true
RUN echo data > /file
FROM scratch
COPY --from=file /file /foo
"""


def build(
    dockerfile: bytes, opts: dict[str, str], *, config: bytes = STUB_CONFIG, **fake_args: object
) -> FakeBridge:
    fake_args.setdefault("gateway_caps", ATTESTATIONS)
    fake = FakeBridge(  # type: ignore[arg-type]
        llb_caps=V025_LLB_CAPS,
        locals={"dockerfile": {"Dockerfile": dockerfile}, "context": {}},
        images={STUB: (fake_digest(STUB), config)},
        **fake_args,
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(opts))
        fake.wait_returned()
    assert fake.violations == []
    return fake


def returned(fake: FakeBridge) -> gateway_pb2.Result:
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    return ret.result


def scan_op(
    fake: FakeBridge, attestation: gateway_pb2.Attestation
) -> tuple[ops_pb2.Op, ops_pb2.OpMetadata]:
    """The scanner's exec in the definition an attestation's ref was solved from,
    and its metadata."""
    definition = fake.solved[attestation.ref.id]
    for digest, op in ops_of(definition):
        md = definition.metadata[digest]
        if "generating sbom" in md.description.get("llb.customname", ""):
            return op, md
    raise AssertionError("no scan op")


def test_the_scan_is_an_sbom_bundle_of_the_platform() -> None:
    fake = build(b"FROM busybox\nRUN echo hi\n", {"attest:sbom": "generator=stub"})
    result = returned(fake)
    assert list(result.attestations) == ["linux/amd64"]
    (attestation,) = result.attestations["linux/amd64"].attestation
    assert attestation.kind == gateway_pb2.Bundle
    assert dict(attestation.metadata) == {"reason": b"sbom", "sbom-core": b"sbom"}
    assert attestation.inTotoPredicateType == "https://spdx.dev/Document"
    platforms = json.loads(result.metadata["refs.platforms"])["Platforms"]
    assert [p["ID"] for p in platforms] == ["linux/amd64"]
    resolve = fake.requests("ResolveImageConfig")[0]
    assert isinstance(resolve, gateway_pb2.ResolveImageConfigRequest)
    assert (resolve.Ref, resolve.Platform.Architecture, resolve.LogName) == (STUB, "amd64", "")
    solve = [r for r in fake.requests("Solve") if isinstance(r, gateway_pb2.SolveRequest)][-1]
    assert not solve.Evaluate  # the engine runs the scanner when it exports


def test_the_scanner_runs_as_in_docker_s_frontend() -> None:
    fake = build(b"FROM busybox\nRUN echo hi\n", {"attest:sbom": "generator=stub,mode=fast,b=2"})
    result = returned(fake)
    (attestation,) = result.attestations["linux/amd64"].attestation
    op, md = scan_op(fake, attestation)
    assert md.description["llb.customname"] == f"[linux/amd64] generating sbom using {STUB}"
    assert not md.ignore_cache
    meta = op.exec.meta
    assert list(meta.args) == ["/bin/sh", "/scan.sh"]
    assert list(meta.env) == [
        "PATH=/usr/bin:/bin",
        "SCANNER=1",
        "BUILDKIT_SCAN_DESTINATION=/run/out/",
        "BUILDKIT_SCAN_SOURCE=/run/src/core/sbom",
        "BUILDKIT_SCAN_b=2",
        "BUILDKIT_SCAN_mode=fast",
    ]
    assert meta.cwd == "/scandir" and meta.user == "" and meta.removeMountStubsRecursive
    assert (op.platform.OS, op.platform.Architecture) == ("linux", "amd64")
    mounts = [(m.dest, m.input, m.output, m.readonly, m.mountType) for m in op.exec.mounts]
    assert mounts == [
        ("/", 0, 0, False, ops_pb2.BIND),
        ("/run/out/", -1, 1, False, ops_pb2.BIND),
        ("/run/src/core/sbom", 1, -1, True, ops_pb2.BIND),
        ("/tmp", -1, -1, False, ops_pb2.TMPFS),
    ]
    definition = fake.solved[attestation.ref.id]
    ops = dict(ops_of(definition))
    assert ops[op.inputs[0].digest].source.identifier == f"docker-image://{STUB}"
    build_def = fake.solved[result.ref.id]
    built = ops_of(build_def)[-1][1].inputs[0]
    assert op.inputs[1] == built  # the scan reads the very op the build returned


def test_declared_scan_args_add_the_context_and_stages() -> None:
    fake = build(STAGES, {"attest:sbom": "generator=stub"})
    (attestation,) = returned(fake).attestations["linux/amd64"].attestation
    op, _ = scan_op(fake, attestation)
    assert "BUILDKIT_SCAN_SOURCE_EXTRAS=/run/src/extras" in op.exec.meta.env
    extras = {m.dest: m for m in op.exec.mounts if m.dest.startswith("/run/src/extras/")}
    assert sorted(extras) == ["/run/src/extras/sbom-context", "/run/src/extras/sbom-file"]
    assert all(m.readonly and m.output == -1 for m in extras.values())
    ops = dict(ops_of(fake.solved[attestation.ref.id]))
    context = ops[op.inputs[extras["/run/src/extras/sbom-context"].input].digest]
    assert context.source.identifier == "local://context"
    stage = ops[op.inputs[extras["/run/src/extras/sbom-file"].input].digest]
    assert stage.exec.meta.args[-1] == "echo data > /file"


def test_build_args_alone_add_no_extras() -> None:
    fake = build(
        b"FROM busybox AS a\nRUN true\nFROM a\n",
        {
            "attest:sbom": "generator=stub",
            "build-arg:BUILDKIT_SBOM_SCAN_CONTEXT": "true",
            "build-arg:BUILDKIT_SBOM_SCAN_STAGE": "true",
        },
    )
    (attestation,) = returned(fake).attestations["linux/amd64"].attestation
    op, _ = scan_op(fake, attestation)
    assert [m.dest for m in op.exec.mounts] == ["/", "/run/out/", "/run/src/core/sbom", "/tmp"]
    assert not any(e.startswith("BUILDKIT_SCAN_SOURCE_EXTRAS=") for e in op.exec.meta.env)


def test_no_cache_for_a_scanned_stage_reaches_the_scan() -> None:
    fake = build(STAGES, {"attest:sbom": "generator=stub", "no-cache": "file"})
    (attestation,) = returned(fake).attestations["linux/amd64"].attestation
    _, md = scan_op(fake, attestation)
    assert md.ignore_cache


def test_each_platform_gets_its_scan_run_on_the_build_platform() -> None:
    fake = build(
        b"FROM scratch\nCOPY a /a\n",
        {"attest:sbom": "generator=stub", "platform": "linux/amd64,linux/arm64"},
    )
    result = returned(fake)
    assert sorted(result.attestations) == ["linux/amd64", "linux/arm64"]
    (arm,) = result.attestations["linux/arm64"].attestation
    op, md = scan_op(fake, arm)
    assert md.description["llb.customname"] == f"[linux/arm64] generating sbom using {STUB}"
    assert op.platform.Architecture == "amd64"
    assert [r.Ref for r in fake.requests("ResolveImageConfig")].count(STUB) == 1  # type: ignore[attr-defined]


def test_without_sbom_nothing_is_attached() -> None:
    result = returned(build(b"FROM scratch\n", {}))
    assert not result.attestations and "refs.platforms" not in result.metadata


def test_an_engine_without_attestations_refuses() -> None:
    fake = build(b"FROM scratch\n", {"attest:sbom": ""}, gateway_caps=V08_GATEWAY_CAPS)
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert "attest:sbom needs BuildKit v0.11 or newer" in ret.error.message


def test_a_scanner_without_a_command_is_an_error() -> None:
    config = json.dumps({"os": "linux", "architecture": "amd64", "config": {}}).encode()
    fake = build(b"FROM scratch\n", {"attest:sbom": "generator=stub"}, config=config)
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert ret.error.message == f"scanner {STUB} does not have cmd"


def test_a_missing_scanner_is_the_option_s_error() -> None:
    fake = build(b"FROM scratch\n", {"attest:sbom": "generator=nope"}, strict_images=True)
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert ret.error.message.startswith("failed to resolve image docker.io/library/nope:latest")
