"""The typed LLBBridge client against the fake engine."""

from __future__ import annotations

import inspect

import grpc
import pytest

from frontend.compiler.request import CacheImport
from frontend.gateway import errors
from frontend.gateway.bridge import Bridge, BridgeError, Caps, ReturnAlreadySentError
from frontend.pb import caps_pb2, gateway_pb2, ops_pb2
from frontend.platform import Platform
from tests.support.fake_engine import (
    V08_GATEWAY_CAPS,
    V08_LLB_CAPS,
    FakeBridge,
    FakeBridgeServer,
    serve,
    source_definition,
)

DOCKERFILE = b"FROM busybox\nRUN echo hi\n"


def _solve_dockerfile(bridge: Bridge) -> str:
    return bridge.solve(source_definition("local://dockerfile"))


# -- Ping and caps -------------------------------------------------------------


def test_ping_v08_caps_and_workers(bridge: Bridge) -> None:
    caps = bridge.ping()
    assert caps.gateway == frozenset(V08_GATEWAY_CAPS)
    assert caps.llb == frozenset(V08_LLB_CAPS)
    assert caps.supports("gateway.solve.evaluate")
    assert "file.base" in caps.llb
    assert "mergeop" not in caps.llb
    assert not caps.supports("gateway.warnings")
    assert caps.worker_platforms == (Platform("linux", "amd64"),)
    assert caps.workers[0].ID == "fakeworker"
    assert bridge.caps is caps


def test_disabled_cap_is_not_usable() -> None:
    fake = FakeBridge(disabled_caps=("file.base", "importcaches"))
    with serve(fake) as srv, srv.channel() as ch:
        caps = Bridge(ch).ping()
    assert "file.base" not in caps.llb
    assert not caps.supports("importcaches")
    assert caps.supports("readfile")


def test_caps_from_pong_needs_presence_and_enabled() -> None:
    pong = gateway_pb2.PongResponse(
        FrontendAPICaps=[
            caps_pb2.APICap(ID="readfile", Enabled=True),
            caps_pb2.APICap(ID="readdir", Enabled=False, DisabledReasonMsg="old"),
        ]
    )
    caps = Caps.from_pong(pong)
    assert caps.gateway == {"readfile"}
    assert not caps.supports("statfile")
    assert caps.worker_platforms == ()


# -- Solve -----------------------------------------------------------------------


def test_solve_request_fields(bridge: Bridge, fake: FakeBridge) -> None:
    bridge.ping()
    d = source_definition("docker-image://docker.io/library/busybox:latest")
    ref = bridge.solve(d, cache_imports=[CacheImport("registry", {"ref": "r/c:1"})])
    assert ref == "ref-1"
    (req,) = fake.requests("Solve")
    assert isinstance(req, gateway_pb2.SolveRequest)
    assert req.Definition == d
    assert req.allowResultReturn and req.allowResultArrayRef
    assert req.Frontend == "" and not req.FrontendOpt
    assert not req.Evaluate
    assert [(c.Type, dict(c.Attrs)) for c in req.CacheImports] == [("registry", {"ref": "r/c:1"})]
    assert not req.ImportCacheRefsDeprecated


def test_solve_evaluate_with_cap(bridge: Bridge, fake: FakeBridge) -> None:
    bridge.ping()
    ref = bridge.solve(source_definition("local://context"), evaluate=True)
    (req,) = fake.requests("Solve")
    assert isinstance(req, gateway_pb2.SolveRequest) and req.Evaluate
    assert ref and fake.count("StatFile") == 0


def test_solve_evaluate_without_cap_stats_root() -> None:
    fake = FakeBridge(disabled_caps=("gateway.solve.evaluate", "importcaches"))
    with serve(fake) as srv, srv.channel() as ch:
        bridge = Bridge(ch)
        bridge.ping()
        ref = bridge.solve(
            source_definition("local://context"),
            evaluate=True,
            cache_imports=[CacheImport("registry", {"ref": "r/c"}), CacheImport("local", {})],
        )
    (req,) = fake.requests("Solve")
    assert isinstance(req, gateway_pb2.SolveRequest)
    assert not req.Evaluate
    assert not req.CacheImports and list(req.ImportCacheRefsDeprecated) == ["r/c"]
    (stat,) = fake.requests("StatFile")
    assert isinstance(stat, gateway_pb2.StatFileRequest)
    assert (stat.Ref, stat.Path) == (ref, ".")


def test_solve_empty_definition_gives_empty_ref(bridge: Bridge) -> None:
    assert bridge.solve(ops_pb2.Definition()) == ""


def test_solve_never_forwards() -> None:
    params = inspect.signature(Bridge.solve).parameters
    assert "frontend" not in params and "frontend_opt" not in params
    public = [name for name in dir(Bridge) if not name.startswith("_")]
    assert not [n for n in public if "forward" in n or n == "frontend"]


def test_solve_frontend_inputs_are_passed(bridge: Bridge, fake: FakeBridge) -> None:
    inp = source_definition("local://context")
    bridge.solve(source_definition("local://x"), frontend_inputs={"context": inp})
    (req,) = fake.requests("Solve")
    assert isinstance(req, gateway_pb2.SolveRequest)
    assert dict(req.FrontendInputs) == {"context": inp} and req.Frontend == ""


def test_bad_definition_is_a_bridge_error(bridge: Bridge, fake: FakeBridge) -> None:
    d = ops_pb2.Definition()
    getattr(d, "def").append(
        ops_pb2.Op(source=ops_pb2.SourceOp(identifier="x")).SerializeToString()
    )
    with pytest.raises(BridgeError) as info:
        bridge.solve(d)
    assert info.value.method == "Solve"
    assert fake.violations == ["the last op is not a terminal with one input"]


# -- Files, images, inputs ---------------------------------------------------


def test_read_file_whole_and_range(bridge: Bridge, fake: FakeBridge) -> None:
    ref = _solve_dockerfile(bridge)
    assert bridge.read_file(ref, "Dockerfile") == DOCKERFILE
    assert bridge.read_file(ref, "/Dockerfile", offset=5, length=7) == b"busybox"
    assert bridge.read_file(ref, "Dockerfile", length=0) == b""
    whole, ranged, empty = fake.requests("ReadFile")
    assert isinstance(whole, gateway_pb2.ReadFileRequest)
    assert not whole.HasField("Range")
    assert isinstance(ranged, gateway_pb2.ReadFileRequest)
    assert (ranged.Range.Offset, ranged.Range.Length) == (5, 7)
    assert isinstance(empty, gateway_pb2.ReadFileRequest) and empty.HasField("Range")
    with pytest.raises(ValueError):
        bridge.read_file(ref, "Dockerfile", offset=3)


def test_missing_file_is_not_found(bridge: Bridge) -> None:
    ref = _solve_dockerfile(bridge)
    with pytest.raises(BridgeError) as info:
        bridge.read_file(ref, "dockerfile")
    assert "no such file or directory" in info.value.details
    assert info.value.code == grpc.StatusCode.UNKNOWN


def test_stat_file(bridge: Bridge) -> None:
    ref = bridge.solve(source_definition("docker-image://x"))
    st = bridge.stat_file(ref, "etc/hostname")
    assert (st.path, st.size, st.mode) == ("etc/hostname", 5, 0o644)
    assert bridge.stat_file(ref, "etc").mode & (1 << 31)


def test_resolve_image_config(bridge: Bridge, fake: FakeBridge) -> None:
    digest, config = bridge.resolve_image_config(
        "docker.io/library/busybox:latest",
        Platform("linux", "arm", "v7"),
        resolve_mode="pull",
        log_name="[internal] load metadata for docker.io/library/busybox:latest",
    )
    assert digest.startswith("sha256:") and len(digest) == 71
    assert b'"variant":"v7"' in config
    (req,) = fake.requests("ResolveImageConfig")
    assert isinstance(req, gateway_pb2.ResolveImageConfigRequest)
    assert (req.Platform.OS, req.Platform.Architecture, req.Platform.Variant) == (
        "linux",
        "arm",
        "v7",
    )
    assert req.ResolveMode == "pull" and req.LogName.startswith("[internal]")
    bridge.resolve_image_config("docker.io/library/alpine:latest")
    assert not fake.requests("ResolveImageConfig")[1].HasField("Platform")


def test_resolve_unknown_image_strict() -> None:
    with (
        serve(FakeBridge(strict_images=True)) as srv,
        srv.channel() as ch,
        pytest.raises(BridgeError) as info,
    ):
        Bridge(ch).resolve_image_config("nope:1")
    assert info.value.code == grpc.StatusCode.NOT_FOUND


def test_inputs() -> None:
    ctx = source_definition("local://context")
    with serve(FakeBridge(inputs={"context": ctx})) as srv, srv.channel() as ch:
        assert Bridge(ch).inputs() == {"context": ctx}


# -- Return ------------------------------------------------------------------------


def test_return_result_once(bridge: Bridge, fake: FakeBridge) -> None:
    bridge.ping()
    ref = _solve_dockerfile(bridge)
    bridge.return_result(ref, {"containerimage.config": b"{}"})
    assert bridge.returned
    with pytest.raises(ReturnAlreadySentError):
        bridge.return_result(ref, {})
    with pytest.raises(ReturnAlreadySentError):
        bridge.return_status(errors.error_status("late", code=errors.CODE_UNKNOWN))
    assert fake.count("Return") == 1
    req = fake.wait_returned()
    assert req.result.ref.id == ref
    assert dict(req.result.metadata) == {"containerimage.config": b"{}"}
    assert not req.HasField("error")
    assert fake.violations == []


def test_return_empty_result_is_on_the_wire(bridge: Bridge, fake: FakeBridge) -> None:
    bridge.return_result(None, {})
    req = fake.wait_returned()
    assert req.HasField("result") and req.result.WhichOneof("result") is None
    assert req.SerializeToString() == b"\x0a\x00"
    assert fake.violations == []


def test_return_deprecated_ref_without_refarray_cap() -> None:
    fake = FakeBridge(disabled_caps=("proto.refarray",))
    with serve(fake) as srv, srv.channel() as ch:
        bridge = Bridge(ch)
        bridge.ping()
        ref = bridge.solve(source_definition("local://context"))
        bridge.return_result(ref, {})
    assert fake.wait_returned().result.refDeprecated == ref


def test_return_error(bridge: Bridge, fake: FakeBridge) -> None:
    detail = errors.subrequest_detail("frontend.bogus")
    status = errors.error_status(
        "unsupported request", code=errors.CODE_UNIMPLEMENTED, details=[detail]
    )
    bridge.return_status(status)
    req = fake.wait_returned()
    assert not req.HasField("result")
    assert (req.error.code, req.error.message) == (12, "unsupported request")
    assert list(req.error.details) == [detail]
    with pytest.raises(ValueError):
        Bridge(grpc.insecure_channel("unix:/nonexistent")).return_status(
            errors.error_status("ok?", code=0)
        )


def test_failed_return_still_counts_as_sent(server: FakeBridgeServer) -> None:
    with server.channel() as ch:
        bridge = Bridge(ch)
        with pytest.raises(BridgeError):
            bridge.return_result("ref-unknown", {})
    # The fake rejects an unknown ref; a retry must still be refused locally.
    assert server.fake.violations == ["Return of unknown ref 'ref-unknown'"]
    with pytest.raises(ReturnAlreadySentError):
        bridge.return_result(None, {})


def test_unreachable_engine_is_a_bridge_error() -> None:
    with (
        grpc.insecure_channel("unix:/nonexistent/socket") as ch,
        pytest.raises(BridgeError) as info,
    ):
        Bridge(ch).ping()
    assert info.value.code == grpc.StatusCode.UNAVAILABLE


def test_fake_rejects_requests_over_the_v08_limit(bridge: Bridge) -> None:
    d = source_definition("local://context")
    d.metadata["sha256:big"].description["pad"] = "x" * (4 * 1024 * 1024)
    with pytest.raises(BridgeError) as info:
        bridge.solve(d)
    assert info.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
