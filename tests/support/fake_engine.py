"""A fake LLBBridge for tests and benchmarks, and helpers to run a frontend against it.

:class:`FakeBridge` answers like a v0.8 engine (caps, workers, lazy solves,
files per ``local://`` source, image configs) and records every call. Serve it
on a temporary unix socket with :func:`serve`; talk to it in-process through
``server.channel()``, or spawn a real frontend process whose stdio is pumped to
it with :class:`FrontendProcess`, as the engine would.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError, Message

from frontend.gateway.options import EXPORTED_PRODUCT_VAR, OPT_PREFIX, SESSION_ID_VAR, WORKERS_VAR
from frontend.gateway.relay import Pumps
from frontend.llb.marshal import digest_of, pb_platform
from frontend.pb import (
    caps_pb2,
    gateway_pb2,
    gateway_pb2_grpc,
    ops_pb2,
    stat_pb2,
    status_pb2,
    worker_pb2,
)
from frontend.platform import DEFAULT_PATH, Platform

V08_GATEWAY_CAPS: Final[tuple[str, ...]] = (
    "solve.base",
    "solve.inlinereturn",
    "resolveimage",
    "resolveimage.resolvemode",
    "readfile",
    "return",
    "returnmap",
    "readdir",
    "statfile",
    "importcaches",
    "proto.refarray",
    "reference.output",
    "frontend.inputs",
    "gateway.solve.metadata",
    "gateway.exec",
    "frontend.caps",
    "gateway.solve.evaluate",
)
"""Gateway caps a v0.8 engine (Docker 20.10) announces."""

V08_LLB_CAPS: Final[tuple[str, ...]] = (
    "source.image",
    "source.image.resolvemode",
    "source.local",
    "source.local.unique",
    "source.local.sessionid",
    "source.local.includepatterns",
    "source.local.followpaths",
    "source.local.excludepatterns",
    "source.local.sharedkeyhint",
    "source.git",
    "source.git.keepgitdir",
    "source.git.fullurl",
    "source.git.httpauth",
    "source.git.knownsshhosts",
    "source.git.mountsshsock",
    "source.http",
    "source.http.checksum",
    "source.http.perm",
    "soruce.http.uidgid",  # sic: the engine's own spelling
    "source.buildop.llbfilename",
    "exec.meta.base",
    "exec.meta.proxyenv",
    "exec.meta.network",
    "exec.meta.security",
    "exec.meta.security.devices.v1",
    "exec.meta.setsdefaultpath",
    "exec.mount.bind",
    "exec.mount.bind.readwrite-nooutput",
    "exec.mount.cache",
    "exec.mount.cache.sharing",
    "exec.mount.selector",
    "exec.mount.tmpfs",
    "exec.mount.secret",
    "exec.mount.ssh",
    "exec.cgroup",
    "file.base",
    "file.rm.wildcard",
    "constraints",
    "platform",
    "meta.ignorecache",
    "meta.description",
    "meta.exportcache",
)
"""LLB caps a v0.8 engine announces."""

V025_LLB_CAPS: Final[tuple[str, ...]] = (
    "cache.azblob",
    "cache.gha",
    "cache.s3",
    "constraints",
    "diffop",
    "exec.cgroup",
    "exec.meta.base",
    "exec.meta.cdi",
    "exec.meta.cgroup.parent",
    "exec.meta.network",
    "exec.meta.proxyenv",
    "exec.meta.security",
    "exec.meta.security.devices.v1",
    "exec.meta.setsdefaultpath",
    "exec.meta.ulimit",
    "exec.mount.bind",
    "exec.mount.bind.readwrite-nooutput",
    "exec.mount.cache",
    "exec.mount.cache.content",
    "exec.mount.cache.sharing",
    "exec.mount.secret",
    "exec.mount.selector",
    "exec.mount.ssh",
    "exec.mount.tmpfs",
    "exec.mount.tmpfs.size",
    "exec.secretenv",
    "exec.validexitcode",
    "exporter.image.annotations",
    "exporter.image.attestations",
    "exporter.multiple",
    "exporter.session",
    "exporter.sourcedateepoch",
    "file.base",
    "file.copy.alwaysreplaceexistingdestpaths",
    "file.copy.includeexcludepatterns",
    "file.rm.nofollowsymlink",
    "file.rm.wildcard",
    "file.symlink.create",
    "gc.freespacefilter",
    "history.filter",
    "mergeop",
    "meta.description",
    "meta.exportcache",
    "meta.ignorecache",
    "platform",
    "soruce.http.uidgid",
    "source.buildop.llbfilename",
    "source.git",
    "source.git.checksum",
    "source.git.fullurl",
    "source.git.httpauth",
    "source.git.keepgitdir",
    "source.git.knownsshhosts",
    "source.git.mountsshsock",
    "source.git.skipsubmodules",
    "source.git.subdir",
    "source.http",
    "source.http.auth",
    "source.http.checksum",
    "source.http.header",
    "source.http.perm",
    "source.image",
    "source.image.checksum",
    "source.image.layerlimit",
    "source.image.resolvemode",
    "source.local",
    "source.local.differ",
    "source.local.excludepatterns",
    "source.local.followpaths",
    "source.local.includepatterns",
    "source.local.metadatatransfer",
    "source.local.sessionid",
    "source.local.sharedkeyhint",
    "source.local.unique",
    "source.ocilayout",
    "source.policy",
)
"""LLB caps a v0.25 engine (Docker 28) announces: every cap BuildKit 0.25 registers."""

V08_MAX_RECEIVE_BYTES: Final = 4 * 1024 * 1024
"""A v0.8 engine rejects gateway requests larger than this."""

_GO_MODE_DIR: Final = 1 << 31
_ENOENT: Final = "no such file or directory"


def fake_digest(text: str) -> str:
    """A stable ``sha256:<64 hex>`` digest derived from ``text``."""
    return digest_of(text.encode())


def fake_image_config(ref: str, platform: Platform) -> bytes:
    """A small, plausible image config JSON for ``ref`` on ``platform``."""
    config: dict[str, object] = {
        "architecture": platform.architecture,
        "os": platform.os,
        "config": {"Env": [f"PATH={DEFAULT_PATH}"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [fake_digest("layer:" + ref)]},
        "history": [
            {"created": "2024-01-01T00:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file in / "},
            {
                "created": "2024-01-01T00:00:00Z",
                "created_by": '/bin/sh -c #(nop)  CMD ["sh"]',
                "empty_layer": True,
            },
        ],
        "created": "2024-01-01T00:00:00Z",
    }
    if platform.variant:
        config["variant"] = platform.variant
    return json.dumps(config, separators=(",", ":")).encode()


def source_definition(*identifiers: str) -> ops_pb2.Definition:
    """A definition of bare source ops (the last one is the result) and the terminal op,
    each with (empty) metadata, as a Go client marshals one."""
    d = ops_pb2.Definition()
    last = ""
    for ident in identifiers:
        raw = ops_pb2.Op(source=ops_pb2.SourceOp(identifier=ident)).SerializeToString(
            deterministic=True
        )
        last = digest_of(raw)
        getattr(d, "def").append(raw)
        d.metadata[last].SetInParent()
    terminal = ops_pb2.Op(inputs=[ops_pb2.Input(digest=last, index=0)])
    raw = terminal.SerializeToString(deterministic=True)
    getattr(d, "def").append(raw)
    d.metadata[digest_of(raw)].SetInParent()
    return d


@dataclass(frozen=True)
class _AbortStatus(grpc.Status):
    """A status with trailing metadata, for ``abort_with_status``."""

    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, bytes], ...]


def _json_any(name: str, value: object) -> any_pb2.Any:
    data = json.dumps(value).encode()
    return any_pb2.Any(type_url="github.com/moby/buildkit/" + name, value=data)


@dataclass(eq=False, repr=False)
class FakeBridge(gateway_pb2_grpc.LLBBridgeServicer):
    """An LLBBridge that records calls and answers from its fields.

    ``locals`` maps a ``local://NAME`` source to its files (path → bytes): a ref
    solved from a definition whose only source is ``local://NAME`` reads those.
    Any other ref reads ``files``. ``images`` maps an image ref to
    ``(digest, config)``; other refs get :func:`fake_image_config` unless
    ``strict_images``. Contract breaches (a frontend solve, a second or empty
    Return, a bad definition) are answered with an error and listed in
    ``violations``.
    """

    gateway_caps: Sequence[str] = V08_GATEWAY_CAPS
    llb_caps: Sequence[str] = V08_LLB_CAPS
    disabled_caps: Sequence[str] = ()
    worker_platforms: Sequence[Platform] = (Platform("linux", "amd64"),)
    locals: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)
    files: Mapping[str, bytes] = field(default_factory=dict)
    images: Mapping[str, tuple[str, bytes]] = field(default_factory=dict)
    strict_images: bool = False
    inputs: Mapping[str, ops_pb2.Definition] = field(default_factory=dict)
    validate_llb: bool = True
    failing_steps: Mapping[str, str] = field(default_factory=dict)
    """An evaluated solve fails, as the engine fails it, at the first op whose
    progress name contains a key, with that key's message."""
    rehashed: bool = False
    """Name a failing op by another digest (an engine that re-marshals ops)."""

    calls: list[tuple[str, Message]] = field(default_factory=list, init=False)
    first_call_at: dict[str, float] = field(default_factory=dict, init=False)
    """``time.perf_counter()`` at the first arrival of each method."""
    violations: list[str] = field(default_factory=list, init=False)
    solved: dict[str, ops_pb2.Definition] = field(default_factory=dict, init=False)
    return_request: gateway_pb2.ReturnRequest | None = field(default=None, init=False)
    first_solve: threading.Event = field(default_factory=threading.Event, init=False)
    returned: threading.Event = field(default_factory=threading.Event, init=False)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ref_local: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"FakeBridge(calls={len(self.calls)}, violations={self.violations!r})"

    # -- inspection -------------------------------------------------------

    def requests(self, method: str) -> list[Message]:
        """The recorded requests of ``method``, in order."""
        with self._lock:
            return [req for name, req in self.calls if name == method]

    def count(self, method: str) -> int:
        """How many ``method`` calls arrived."""
        return len(self.requests(method))

    def wait_returned(self, timeout: float = 10.0) -> gateway_pb2.ReturnRequest:
        """The ``Return`` request, once it arrived (TimeoutError otherwise)."""
        if not self.returned.wait(timeout) or self.return_request is None:
            raise TimeoutError("no Return arrived")
        return self.return_request

    # -- LLBBridge ----------------------------------------------------------

    def Ping(  # noqa: N802 - gRPC method name
        self, request: gateway_pb2.PingRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.PongResponse:
        self._record("Ping", request)
        disabled = set(self.disabled_caps)
        worker = worker_pb2.WorkerRecord(
            ID="fakeworker",
            Labels={"org.mobyproject.buildkit.worker.executor": "fake"},
            platforms=[pb_platform(p) for p in self.worker_platforms],
        )
        return gateway_pb2.PongResponse(
            FrontendAPICaps=[_cap(c, c not in disabled) for c in self.gateway_caps],
            LLBCaps=[_cap(c, c not in disabled) for c in self.llb_caps],
            Workers=[worker],
        )

    def Solve(  # noqa: N802
        self, request: gateway_pb2.SolveRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.SolveResponse:
        self._record("Solve", request)
        self.first_solve.set()
        if request.Frontend:
            self._violate(context, f"frontend solve of {request.Frontend!r} (forwarding)")
        if not request.allowResultReturn:
            self._violate(context, "allowResultReturn is not set")
        definition = request.Definition
        defs = list(getattr(definition, "def"))
        if not defs:
            return gateway_pb2.SolveResponse(result=gateway_pb2.Result(ref=gateway_pb2.Ref(id="")))
        local = self._check_llb(context, defs)
        if request.Evaluate:
            self._fail_step(context, definition)
        with self._lock:
            ref_id = f"ref-{len(self.solved) + 1}"
            self.solved[ref_id] = definition
            if local is not None:
                self._ref_local[ref_id] = local
        result = gateway_pb2.Result()
        if request.allowResultArrayRef:
            result.ref.id = ref_id
        else:
            result.refDeprecated = ref_id
        return gateway_pb2.SolveResponse(result=result)

    def ReadFile(  # noqa: N802
        self, request: gateway_pb2.ReadFileRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.ReadFileResponse:
        self._record("ReadFile", request)
        files = self._files(context, request.Ref)
        path = _clean(request.FilePath)
        if path not in files:
            context.abort(grpc.StatusCode.UNKNOWN, f"open {path}: {_ENOENT}")
        data = files[path]
        if request.HasField("Range"):
            start = request.Range.Offset
            data = data[start : start + request.Range.Length]
        return gateway_pb2.ReadFileResponse(Data=data)

    def StatFile(  # noqa: N802
        self, request: gateway_pb2.StatFileRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.StatFileResponse:
        self._record("StatFile", request)
        stat = _stat(self._files(context, request.Ref), _clean(request.Path))
        if stat is None:
            context.abort(grpc.StatusCode.UNKNOWN, f"stat {request.Path}: {_ENOENT}")
        return gateway_pb2.StatFileResponse(stat=stat)

    def ReadDir(  # noqa: N802
        self, request: gateway_pb2.ReadDirRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.ReadDirResponse:
        self._record("ReadDir", request)
        files = self._files(context, request.Ref)
        base = _clean(request.DirPath)
        prefix = "" if base == "." else base + "/"
        names = sorted(
            {p[len(prefix) :].split("/", 1)[0] for p in files if p.startswith(prefix) and p != base}
        )
        if request.IncludePattern:
            names = [n for n in names if fnmatch.fnmatch(n, request.IncludePattern)]
        entries = [s for n in names if (s := _stat(files, prefix + n)) is not None]
        for entry in entries:
            entry.path = entry.path[len(prefix) :]
        return gateway_pb2.ReadDirResponse(entries=entries)

    def ResolveImageConfig(  # noqa: N802
        self, request: gateway_pb2.ResolveImageConfigRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.ResolveImageConfigResponse:
        self._record("ResolveImageConfig", request)
        if request.Ref in self.images:
            digest, config = self.images[request.Ref]
        elif self.strict_images:
            context.abort(grpc.StatusCode.NOT_FOUND, f"{request.Ref}: not found")
        else:
            p = request.Platform
            platform = (
                Platform(p.OS, p.Architecture, p.Variant)
                if request.HasField("Platform")
                else self.worker_platforms[0]
            )
            digest = fake_digest(f"{request.Ref}|{platform}")
            config = fake_image_config(request.Ref, platform)
        return gateway_pb2.ResolveImageConfigResponse(Digest=digest, Config=config)

    def Inputs(  # noqa: N802
        self, request: gateway_pb2.InputsRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.InputsResponse:
        self._record("Inputs", request)
        return gateway_pb2.InputsResponse(Definitions=dict(self.inputs))

    def Return(  # noqa: N802
        self, request: gateway_pb2.ReturnRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.ReturnResponse:
        self._record("Return", request)
        with self._lock:
            again = self.return_request is not None
            if not again:
                self.return_request = request
        if again:
            self._violate(context, "gateway result is already set")
        if not request.HasField("result") and not request.HasField("error"):
            self._violate(context, "Return with neither result nor error (v0.8 would crash)")
        if request.HasField("result") and request.result.WhichOneof("result") == "ref":
            ref_id = request.result.ref.id
            if ref_id and ref_id not in self.solved:
                self._violate(context, f"Return of unknown ref {ref_id!r}")
        for found in request.result.attestations.values():
            for attestation in found.attestation:
                if attestation.ref.id not in self.solved:
                    self._violate(context, f"attestation of unknown ref {attestation.ref.id!r}")
        self.returned.set()
        return gateway_pb2.ReturnResponse()

    def NewContainer(  # noqa: N802
        self, request: gateway_pb2.NewContainerRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.NewContainerResponse:
        self._record("NewContainer", request)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "the fake bridge runs no containers")

    def ReleaseContainer(  # noqa: N802
        self, request: gateway_pb2.ReleaseContainerRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.ReleaseContainerResponse:
        self._record("ReleaseContainer", request)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "the fake bridge runs no containers")

    def Warn(  # noqa: N802
        self, request: gateway_pb2.WarnRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.WarnResponse:
        self._record("Warn", request)
        if "gateway.warnings" not in self.gateway_caps:
            self._violate(context, "Warn without the gateway.warnings cap")
        return gateway_pb2.WarnResponse()

    def Evaluate(  # noqa: N802
        self, request: gateway_pb2.EvaluateRequest, context: grpc.ServicerContext
    ) -> gateway_pb2.EvaluateResponse:
        self._record("Evaluate", request)
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "Evaluate is not served by a v0.8 engine")

    # -- helpers ------------------------------------------------------------

    def _record(self, method: str, request: Message) -> None:
        now = time.perf_counter()
        with self._lock:
            self.calls.append((method, request))
            self.first_call_at.setdefault(method, now)

    def _violate(self, context: grpc.ServicerContext, what: str) -> None:
        with self._lock:
            self.violations.append(what)
        context.abort(grpc.StatusCode.UNKNOWN, what)

    def _fail_step(self, context: grpc.ServicerContext, definition: ops_pb2.Definition) -> None:
        """Abort like the engine when a step fails: the failing vertex's digest and
        its source lines as typed details of the status."""
        for raw in getattr(definition, "def"):
            digest = digest_of(raw)
            name = definition.metadata[digest].description.get("llb.customname", "")
            message = next((m for key, m in self.failing_steps.items() if key in name), None)
            if message is None:
                continue
            named = "sha256:" + "0" * 64 if self.rehashed else digest
            details = [_json_any("errdefs.Vertex+json", {"digest": named})]
            for loc in definition.Source.locations[digest].locations:
                info = definition.Source.infos[loc.sourceIndex]
                ranges = [
                    {"start": {"line": r.start.line}, "end": {"line": r.end.line}}
                    for r in loc.ranges
                ]
                details.append(
                    _json_any(
                        "errdefs.Source+json",
                        {"info": {"filename": info.filename}, "ranges": ranges},
                    )
                )
            status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=message)
            status.details.extend(details)
            context.abort_with_status(
                _AbortStatus(
                    grpc.StatusCode.UNKNOWN,
                    message,
                    (("grpc-status-details-bin", status.SerializeToString()),),
                )
            )

    def _files(self, context: grpc.ServicerContext, ref: str) -> Mapping[str, bytes]:
        with self._lock:
            known = ref in self.solved
            local = self._ref_local.get(ref)
        if ref and not known:
            context.abort(grpc.StatusCode.UNKNOWN, f"no such ref: {ref}")
        if local is not None:
            return {_clean(k): v for k, v in self.locals.get(local, {}).items()}
        return {_clean(k): v for k, v in self.files.items()}

    def _check_llb(self, context: grpc.ServicerContext, defs: list[bytes]) -> str | None:
        """Parse the ops; return NAME if the only source is ``local://NAME``."""
        ops: dict[str, ops_pb2.Op] = {}
        for raw in defs:
            try:
                ops[digest_of(raw)] = ops_pb2.Op.FromString(raw)
            except DecodeError:
                self._violate(context, "undecodable op in definition")
        if self.validate_llb:
            terminal = ops_pb2.Op.FromString(defs[-1])
            if terminal.WhichOneof("op") is not None or len(terminal.inputs) != 1:
                self._violate(context, "the last op is not a terminal with one input")
            for op in ops.values():
                for inp in op.inputs:
                    if inp.digest not in ops:
                        self._violate(context, f"input {inp.digest} is not in the definition")
        sources = [op.source.identifier for op in ops.values() if op.HasField("source")]
        others = [op for op in ops.values() if op.WhichOneof("op") not in (None, "source")]
        if len(sources) == 1 and not others and sources[0].startswith("local://"):
            return sources[0][len("local://") :]
        return None


@dataclass
class FakeBridgeServer:
    """A running gRPC server for a :class:`FakeBridge` on a unix socket."""

    fake: FakeBridge
    path: str
    server: grpc.Server
    _dir: str

    def channel(self) -> grpc.Channel:
        """A client channel to the fake, with the frontend's channel options."""
        from frontend.gateway.relay import new_channel

        return new_channel(self.path)

    def stop(self) -> None:
        """Stop serving and remove the socket directory."""
        self.server.stop(grace=None).wait(5)
        shutil.rmtree(self._dir, ignore_errors=True)


@contextmanager
def serve(
    fake: FakeBridge | None = None, *, max_receive_bytes: int = V08_MAX_RECEIVE_BYTES
) -> Iterator[FakeBridgeServer]:
    """Serve ``fake`` (a default one if None) on a temporary unix socket."""
    fake = fake if fake is not None else FakeBridge()
    tmp = tempfile.mkdtemp(prefix="fakebridge-", dir="/tmp")
    path = os.path.join(tmp, "bridge.sock")
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="fakebridge"),
        options=[
            ("grpc.max_receive_message_length", max_receive_bytes),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
        ],
    )
    gateway_pb2_grpc.add_LLBBridgeServicer_to_server(fake, server)
    server.add_insecure_port("unix:" + path)
    server.start()
    running = FakeBridgeServer(fake=fake, path=path, server=server, _dir=tmp)
    try:
        yield running
    finally:
        running.stop()


def gateway_env(
    opts: Mapping[str, str],
    *,
    session_id: str = "fake-session",
    platforms: Sequence[Platform] = (Platform("linux", "amd64"),),
    exported_product: str = "buildkit",
) -> dict[str, str]:
    """The environment variables an engine gives a frontend (keys as v0.8 writes them)."""
    env = {f"{OPT_PREFIX}{i}": f"{k}={v}" for i, (k, v) in enumerate(opts.items())}
    worker: dict[str, object] = {
        "ID": "fakeworker",
        "Labels": {},
        "Platforms": [
            {
                "architecture": p.architecture,
                "os": p.os,
                **({"variant": p.variant} if p.variant else {}),
            }
            for p in platforms
        ],
        "GCPolicy": None,
    }
    env[SESSION_ID_VAR] = session_id
    env[WORKERS_VAR] = json.dumps([worker])
    env[EXPORTED_PRODUCT_VAR] = exported_product
    return env


class FrontendProcess:
    """A frontend process whose stdin/stdout pipes are pumped to a fake bridge socket.

    ``started_at`` is ``time.perf_counter()`` just before the spawn. stderr is
    collected (see :meth:`stderr_text`). Ends the process if still running on exit.
    """

    def __init__(
        self,
        argv: Sequence[str],
        server_path: str,
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(server_path)
        self._stderr = bytearray()
        self.exited_at: float | None = None
        """``time.perf_counter()`` when :meth:`wait` saw the process exit."""
        self.started_at = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env) if env is not None else None,
                cwd=cwd,
            )
        except BaseException:
            sock.close()
            raise
        assert self.proc.stdin is not None and self.proc.stdout is not None
        read_fd, write_fd = os.dup(self.proc.stdout.fileno()), os.dup(self.proc.stdin.fileno())
        self.proc.stdout.close()
        self.proc.stdin.close()
        self.proc.stdout = self.proc.stdin = None
        self.pumps = Pumps(sock, read_fd, write_fd, name="fakebridge-pipe")
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._reaper.start()

    def wait(self, timeout: float | None = 30.0) -> int:
        """Wait for the process to exit and its streams to drain; its exit code."""
        self._reaper.join(timeout)
        if self._reaper.is_alive():
            raise subprocess.TimeoutExpired(self.proc.args, timeout or 0.0)
        code = self.proc.returncode
        self.pumps.join(5)
        self._stderr_thread.join(5)
        return code

    def stderr_text(self) -> str:
        """What the process wrote to stderr so far."""
        return self._stderr.decode(errors="replace")

    def close(self) -> None:
        """Kill the process (by its pid) if it still runs, and release the pipes."""
        if self.exited_at is None and self.proc.returncode is None:
            self.proc.kill()
            self._reaper.join(10)
        self.pumps.shutdown()
        self.pumps.join(5)
        self._stderr_thread.join(5)

    def __enter__(self) -> FrontendProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reap(self) -> None:
        self.proc.wait()  # a blocking waitpid: exact exit time, no polling
        self.exited_at = time.perf_counter()

    def _drain_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        while chunk := os.read(stream.fileno(), 65536):
            self._stderr += chunk
        stream.close()


def _cap(cap_id: str, enabled: bool) -> caps_pb2.APICap:
    if enabled:
        return caps_pb2.APICap(ID=cap_id, Enabled=True)
    return caps_pb2.APICap(ID=cap_id, Enabled=False, DisabledReason="disabled by the fake")


def _clean(path: str) -> str:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return "/".join(parts) or "."


def _stat(files: Mapping[str, bytes], path: str) -> stat_pb2.Stat | None:
    if path in files:
        return stat_pb2.Stat(path=path, mode=0o644, size=len(files[path]))
    prefix = "" if path == "." else path + "/"
    if any(p.startswith(prefix) for p in files) or path == ".":
        return stat_pb2.Stat(path=path, mode=_GO_MODE_DIR | 0o755)
    return None
