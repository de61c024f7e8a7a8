"""A thin typed client of the engine's LLBBridge service.

Only LLB definitions are ever solved: no method names a frontend, so the
``Frontend`` field of ``SolveRequest`` is never set and this frontend cannot
forward a build. ``Return`` goes out exactly once per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final, TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError

from frontend import logs
from frontend.compiler.request import CacheImport
from frontend.frozen import frozen
from frontend.gotext import utf8
from frontend.llb.marshal import pb_platform
from frontend.pb import (
    caps_pb2,
    gateway_pb2,
    gateway_pb2_grpc,
    ops_pb2,
    stat_pb2,
    status_pb2,
    worker_pb2,
)
from frontend.platform import Platform

# Gateway (Pong.FrontendAPICaps) capability IDs this module acts on.
CAP_IMPORT_CACHES: Final = "importcaches"
CAP_SOLVE_EVALUATE: Final = "gateway.solve.evaluate"
CAP_REF_ARRAY: Final = "proto.refarray"
CAP_FRONTEND_INPUTS: Final = "frontend.inputs"
CAP_WARNINGS: Final = "gateway.warnings"

STATUS_DETAILS_KEY: Final = "grpc-status-details-bin"
RESOLVER_OCI_LAYOUT: Final = 1
"""``ResolveImageConfigRequest.ResolverType`` of an OCI layout store."""

Attestations = Mapping[str, Sequence[gateway_pb2.Attestation]]
"""Attestations to return with a result, by platform id."""

log = logs.get_logger()

_Req = TypeVar("_Req")
_Resp = TypeVar("_Resp")


class BridgeError(Exception):
    """A gateway call failed; ``code`` and ``details`` are the engine's gRPC status,
    ``status_details`` its typed details (which vertex failed, where in the source)."""

    def __init__(
        self,
        method: str,
        code: grpc.StatusCode,
        details: str,
        status_details: Sequence[any_pb2.Any] = (),
    ) -> None:
        super().__init__(f"{method}: {details or code.name}")
        self.method = method
        self.code = code
        self.details = details
        self.status_details = tuple(status_details)


class ReturnAlreadySentError(RuntimeError):
    """``Return`` was already sent (or attempted) by this bridge."""


@frozen
class Caps:
    """Capabilities from ``Ping``: a cap counts only if present and enabled."""

    gateway: frozenset[str]
    llb: frozenset[str]
    workers: tuple[worker_pb2.WorkerRecord, ...] = ()

    @classmethod
    def from_pong(cls, pong: gateway_pb2.PongResponse) -> Caps:
        """Read a ``PongResponse``."""
        return cls(
            gateway=_enabled(pong.FrontendAPICaps),
            llb=_enabled(pong.LLBCaps),
            workers=tuple(pong.Workers),
        )

    def supports(self, cap: str) -> bool:
        """Whether the gateway cap ``cap`` is usable."""
        return cap in self.gateway

    @property
    def worker_platforms(self) -> tuple[Platform, ...]:
        """The first worker's platforms (as ``BUILDKIT_WORKERS`` gives them)."""
        if not self.workers:
            return ()
        return tuple(Platform(p.OS, p.Architecture, p.Variant) for p in self.workers[0].platforms)


class Bridge:
    """Typed LLBBridge calls over one channel. Call :meth:`ping` first.

    Until :meth:`ping` has run, every cap is assumed present. Failed calls raise
    :class:`BridgeError`.
    """

    def __init__(self, channel: grpc.Channel) -> None:
        self._stub = gateway_pb2_grpc.LLBBridgeStub(channel)
        self.caps: Caps | None = None
        self._return_lock = threading.Lock()
        self._returned = False
        self._on_solve: threading.Event | None = None

    def notify_solve(self, event: threading.Event) -> None:
        """Set ``event`` as each Solve goes out (the engine then works for a while)."""
        self._on_solve = event

    @property
    def returned(self) -> bool:
        """Whether ``Return`` has been sent (or attempted)."""
        return self._returned

    def ping(self) -> Caps:
        """Fetch and remember the engine's caps and workers."""
        pong = self._call("Ping", self._stub.Ping, gateway_pb2.PingRequest())
        self.caps = Caps.from_pong(pong)
        return self.caps

    def resolve_image_config(
        self,
        ref: str,
        platform: Platform | None = None,
        *,
        resolve_mode: str = "default",
        log_name: str = "",
        oci_store: tuple[str, str] | None = None,
    ) -> tuple[str, bytes]:
        """The manifest digest and config JSON bytes of image ``ref`` for ``platform``
        (from a registry, or with ``oci_store`` = ``(session, store id)`` from an OCI
        layout the client holds)."""
        req = gateway_pb2.ResolveImageConfigRequest(
            Ref=ref, ResolveMode=resolve_mode, LogName=log_name
        )
        if oci_store is not None:
            req.ResolverType = RESOLVER_OCI_LAYOUT
            req.SessionID, req.StoreID = oci_store
        if platform is not None:
            req.Platform.CopyFrom(pb_platform(platform))
        resp = self._call("ResolveImageConfig", self._stub.ResolveImageConfig, req)
        return resp.Digest, resp.Config

    def solve(
        self,
        definition: ops_pb2.Definition,
        *,
        cache_imports: Iterable[CacheImport] = (),
        evaluate: bool = False,
        frontend_inputs: Mapping[str, ops_pb2.Definition] | None = None,
    ) -> str:
        """Solve an LLB definition and return the result's ref id.

        Solving is lazy unless ``evaluate`` is set; without the evaluate cap,
        evaluation is forced with ``StatFile(".")``. ``frontend_inputs`` only
        matter to a frontend solve, which this class never makes.
        """
        req = gateway_pb2.SolveRequest(
            Definition=definition, allowResultReturn=True, allowResultArrayRef=True
        )
        imports = list(cache_imports)
        if imports:
            if self._supports(CAP_IMPORT_CACHES):
                req.CacheImports.extend(
                    gateway_pb2.CacheOptionsEntry(Type=c.type, Attrs=dict(c.attrs)) for c in imports
                )
            else:
                req.ImportCacheRefsDeprecated.extend(
                    c.attrs["ref"] for c in imports if c.type == "registry" and c.attrs.get("ref")
                )
        if frontend_inputs:
            for name, inp in frontend_inputs.items():
                req.FrontendInputs[name].CopyFrom(inp)
        fallback_evaluate = evaluate and not self._supports(CAP_SOLVE_EVALUATE)
        req.Evaluate = evaluate and not fallback_evaluate
        if self._on_solve is not None:
            self._on_solve.set()
        resp = self._call("Solve", self._stub.Solve, req)
        ref_id = _result_ref_id(resp)
        if fallback_evaluate and ref_id:
            self.stat_file(ref_id, ".")
        return ref_id

    def read_file(
        self, ref: str, path: str, *, offset: int = 0, length: int | None = None
    ) -> bytes:
        """The bytes of ``path`` in ``ref``; the whole file unless ``length`` is given."""
        req = gateway_pb2.ReadFileRequest(Ref=ref, FilePath=path)
        if length is not None:
            req.Range.CopyFrom(gateway_pb2.FileRange(Offset=offset, Length=length))
        elif offset:
            raise ValueError("read_file: an offset needs a length")
        return self._call("ReadFile", self._stub.ReadFile, req).Data

    def stat_file(self, ref: str, path: str) -> stat_pb2.Stat:
        """File metadata of ``path`` in ``ref``."""
        req = gateway_pb2.StatFileRequest(Ref=ref, Path=path)
        return self._call("StatFile", self._stub.StatFile, req).stat

    def inputs(self) -> dict[str, ops_pb2.Definition]:
        """The definitions passed in as frontend inputs (the ``frontend.inputs`` cap)."""
        resp = self._call("Inputs", self._stub.Inputs, gateway_pb2.InputsRequest())
        return dict(resp.Definitions)

    def warn(
        self,
        vertex: str,
        message: str,
        *,
        info: ops_pb2.SourceInfo | None = None,
        ranges: Sequence[tuple[int, int]] = (),
        detail: Sequence[str] = (),
        url: str = "",
        level: int = 1,
    ) -> bool:
        """Show a warning with the build's progress, tied to ``vertex`` (an op digest)
        and to 1-based ``(start, end)`` line ranges of ``info``'s file; ``detail``
        lines and a documentation ``url`` go with it.

        Only engines with the ``gateway.warnings`` cap (BuildKit 0.10 and later)
        take one; returns whether it was sent.
        """
        if self.caps is None or not self.caps.supports(CAP_WARNINGS):
            return False
        req = gateway_pb2.WarnRequest(
            digest=vertex,
            level=level,
            short=utf8(message),
            detail=[utf8(d) for d in detail],
            url=url,
        )
        if info is not None:
            req.info.CopyFrom(info)
        for start, end in ranges:
            req.ranges.append(
                ops_pb2.Range(
                    start=ops_pb2.Position(line=start, character=0),
                    end=ops_pb2.Position(line=end, character=0),
                )
            )
        self._call("Warn", self._stub.Warn, req)
        return True

    def return_result(
        self,
        ref_id: str | None,
        metadata: Mapping[str, bytes],
        attestations: Attestations | None = None,
    ) -> None:
        """Finish the build with one ref (None: no filesystem), its metadata and
        attestations (by platform id)."""
        result = _result(metadata, attestations)
        if ref_id is not None:
            if self._supports(CAP_REF_ARRAY):
                result.ref.id = ref_id
            else:
                result.refDeprecated = ref_id
        self._return(gateway_pb2.ReturnRequest(result=result), ok=True)

    def return_refs(
        self,
        refs: Mapping[str, str],
        metadata: Mapping[str, bytes],
        attestations: Attestations | None = None,
    ) -> None:
        """Finish the build with one ref per key (a platform id), their metadata and
        attestations."""
        result = _result(metadata, attestations)
        if self._supports(CAP_REF_ARRAY):
            for key, ref_id in refs.items():
                result.refs.refs[key].id = ref_id
        else:
            result.refsDeprecated.refs.update(refs)
        self._return(gateway_pb2.ReturnRequest(result=result), ok=True)

    def return_status(self, status: status_pb2.Status) -> None:
        """Finish the build with a prepared error status (see :mod:`frontend.gateway.errors`)."""
        if status.code == 0:
            raise ValueError("return_status needs a non-zero code")
        self._return(gateway_pb2.ReturnRequest(error=status), ok=False)

    def _return(self, req: gateway_pb2.ReturnRequest, *, ok: bool) -> None:
        with self._return_lock:
            if self._returned:
                raise ReturnAlreadySentError("Return was already sent")
            self._returned = True
        if ok:
            # An empty Result still has to be on the wire: v0.8 dereferences it.
            req.result.SetInParent()
        self._call("Return", self._stub.Return, req)

    def _supports(self, cap: str) -> bool:
        return self.caps is None or self.caps.supports(cap)

    def _call(
        self,
        method: str,
        func: Callable[[_Req], _Resp],
        req: _Req,
    ) -> _Resp:
        start = time.perf_counter()
        try:
            resp = func(req)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else grpc.StatusCode.UNKNOWN
            details = (exc.details() if isinstance(exc, grpc.Call) else None) or ""
            log.debug("gateway_call_failed", method=method, code=code.name, details=details)
            typed = _status_details(exc) if isinstance(exc, grpc.Call) else ()
            raise BridgeError(method, code, details, typed) from None
        log.debug("gateway_call", method=method, ms=round((time.perf_counter() - start) * 1e3, 2))
        return resp


def _result(metadata: Mapping[str, bytes], attestations: Attestations | None) -> gateway_pb2.Result:
    result = gateway_pb2.Result(metadata=dict(metadata))
    for key, found in (attestations or {}).items():
        result.attestations[key].attestation.extend(found)
    return result


def _status_details(call: grpc.Call) -> tuple[any_pb2.Any, ...]:
    """The typed details of a failed call's status (the ``grpc-status-details-bin`` trailer)."""
    for key, value in call.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status()
            try:
                status.ParseFromString(value)
            except DecodeError:
                return ()
            return tuple(status.details)
    return ()


def _enabled(caps: Iterable[caps_pb2.APICap]) -> frozenset[str]:
    return frozenset(cap.ID for cap in caps if cap.Enabled)


def _result_ref_id(resp: gateway_pb2.SolveResponse) -> str:
    if not resp.HasField("result"):
        return resp.ref
    kind = resp.result.WhichOneof("result")
    if kind == "ref":
        return resp.result.ref.id
    if kind == "refDeprecated":
        return resp.result.refDeprecated
    if kind is None:
        return ""
    raise BridgeError("Solve", grpc.StatusCode.UNKNOWN, f"unexpected multi-ref result ({kind})")
