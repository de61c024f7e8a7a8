"""``serve(build)``: a build function as a BuildKit gateway frontend.

The engine starts the frontend image with the gateway API on stdio. ``serve``
relays that stream, pings the engine for its capabilities, reads the frontend
options, calls ``build(ctx)`` once, solves the state it returns and sends the
single ``Return``: the result with its image config, or an error status.
The names are re-exported by :mod:`frontend.gateway` (the public API).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from frontend import logs
from frontend.compiler.platforms import PLATFORMS_KEY, platform_id, platforms_json
from frontend.compiler.request import BuildRequest, LoadedDockerfile, OptionError
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gateway.bridge import Bridge, BridgeError
from frontend.gateway.build import (
    SolveFailedError,
    UnreadableBuildFile,
    load_dockerfile,
    read_request,
    solve_located,
)
from frontend.gateway.errors import (
    dockerfile_error_status,
    error_status,
    source_detail,
    unsupported_frontend_cap_status,
    unsupported_subrequest_status,
)
from frontend.gateway.options import GatewayEnv, GatewayEnvError, read_gateway_env
from frontend.llb.caps import LLBCaps, MissingCapError
from frontend.llb.graph import OpMeta
from frontend.llb.marshal import Definition, SourceFile, marshal
from frontend.llb.state import State, local
from frontend.pb import status_pb2
from frontend.platform import Platform
from frontend.reference import normalize, with_digest

IMAGE_CONFIG_KEY = "containerimage.config"
"""The Return metadata key the engine's image exporter reads the image config from."""

log = logs.get_logger()


class BuildError(Exception):
    """A failure to report to the user; with ``source`` and ``lines`` (1-based,
    inclusive ``(start, end)`` spans) the client shows those lines of the file."""

    def __init__(
        self,
        message: str,
        *,
        source: SourceFile | None = None,
        lines: Sequence[tuple[int, int]] = (),
    ) -> None:
        super().__init__(message)
        self.source = source
        self.lines = tuple(lines)

    def _status(self) -> status_pb2.Status:
        """The error status ``Return`` sends."""
        details = []
        if self.source is not None and self.lines:
            src = self.source
            details.append(
                source_detail(
                    src.filename,
                    src.data,
                    self.lines,
                    definition=src.definition,
                    language=src.language,
                )
            )
        return error_status(str(self), details=details)


@frozen
class Result:
    """What a build function returns: the filesystem and the image config (an OCI
    image config object: ``{"config": {"Env": [...], ...}, ...}``), or None for none."""

    state: State
    config: Mapping[str, Any] | None = None
    metadata: Mapping[str, bytes] = field(default_factory=dict)
    """More ``Return`` metadata (exporter keys)."""


class BuildContext:
    """The request a build function answers, and the engine calls it may make
    (``serve`` makes it; its constructor is internal)."""

    def __init__(
        self,
        bridge: Bridge,
        request: BuildRequest,
        env: GatewayEnv,
        *,
        platform: Platform | None = None,
        loaded: _Loaded | None = None,
    ) -> None:
        self._bridge = bridge
        self._request = request
        self._env = env
        self._platform = platform
        self._shared = loaded or _Loaded()

    @property
    def build_file(self) -> SourceFile | None:
        """The file :meth:`read_build_file` read (its ops' source locations point into it)."""
        return self._shared.build_file

    @property
    def options(self) -> Mapping[str, str]:
        """The frontend options as the client sent them (``filename``, ``target``...)."""
        return self._env.opts

    @property
    def build_args(self) -> Mapping[str, str]:
        """``--build-arg`` values by name."""
        return self._request.build_args

    @property
    def target(self) -> str:
        """The ``--target`` option (empty if none)."""
        return self._request.target

    @property
    def caps(self) -> LLBCaps:
        """The LLB caps of the engine."""
        return self._request.llb_caps

    @property
    def build_platform(self) -> Platform:
        """The platform the engine's worker runs on."""
        return self._request.build_platform

    @property
    def platform(self) -> Platform:
        """The target platform: the one ``--platform`` (``serve`` calls the build
        function once for each of several), else the build platform."""
        if self._platform is not None:
            return self._platform
        targets = self._request.target_platforms
        return targets[0] if targets else self._request.build_platform

    @property
    def session_id(self) -> str:
        """The client session that shares the local directories."""
        return self._request.session_id

    def read_build_file(self, *, language: str = "") -> SourceFile:
        """The file named by the ``filename`` option (``-f``), read from the client
        (or a Git or HTTP context); ``BuildError`` if it is missing. Read once."""
        if self._shared.build_file is None:
            loaded = self._load()
            self._shared.build_file = SourceFile(
                loaded.filename, loaded.data, language=language, definition=loaded.definition
            )
        return self._shared.build_file

    def context(self, *, include_patterns: Iterable[str] | None = None) -> State:
        """The build context: the client's directory (less what its
        ``.dockerignore`` excludes), or the Git or HTTP context it named."""
        loaded = self._load()
        if loaded.context is not None:
            return loaded.context
        name = self._request.context_key
        return self.local(
            name,
            shared_key_hint=name,
            exclude_patterns=loaded.excludes or None,
            include_patterns=include_patterns,
            meta=OpMeta(name="[internal] load build context"),
        )

    def local(
        self,
        name: str,
        *,
        shared_key_hint: str = "",
        include_patterns: Iterable[str] | None = None,
        exclude_patterns: Iterable[str] | None = None,
        follow_paths: Iterable[str] | None = None,
        meta: OpMeta | None = None,
    ) -> State:
        """A directory the client shares under ``name``, in this build's session."""
        return local(
            name,
            session_id=self._request.local_session(name),
            shared_key_hint=shared_key_hint,
            include_patterns=include_patterns,
            exclude_patterns=exclude_patterns,
            follow_paths=follow_paths,
            meta=meta or OpMeta(name=f"[internal] load local {name}"),
        )

    def resolve_image_config(
        self, ref: str, *, platform: Platform | None = None
    ) -> tuple[str, dict[str, Any]]:
        """The reference pinned to its digest and the image's config (parsed JSON)."""
        name = normalize(ref)
        digest, config = self._bridge.resolve_image_config(
            name, platform or self.platform, log_name=f"[internal] load metadata for {name}"
        )
        return with_digest(name, digest), json.loads(config) if config else {}

    def marshal(self, state: State) -> Definition:
        """``state`` as a Definition for this engine, with locations in the build file."""
        return marshal(state.output, source=self.build_file, caps=self.caps)

    def solve(self, state: State) -> str:
        """Solve ``state`` now and return its ref id; a failure names the build
        file's lines when the failing op has a location."""
        src = self.build_file
        source = None if src is None else (src.filename, src.data, src.definition)
        return solve_located(self._bridge, self.marshal(state), source)

    def read_file(self, state: State, path: str) -> bytes:
        """The contents of ``path`` in ``state`` (solved first)."""
        return self._bridge.read_file(self.solve(state), path)

    def _load(self) -> LoadedDockerfile:
        shared = self._shared
        if shared.loaded is None:
            try:
                shared.loaded = load_dockerfile(self._bridge, self._request)
            except UnreadableBuildFile as exc:  # Docker's wording says "dockerfile"
                raise BuildError(f"failed to read the build file: {exc.failure}") from None
            except DockerfileError as exc:
                raise BuildError(str(exc)) from None
        return shared.loaded

    def _for(self, platform: Platform) -> BuildContext:
        """This request for one of its target platforms (the build file is read once)."""
        return BuildContext(
            self._bridge, self._request, self._env, platform=platform, loaded=self._shared
        )


@dataclass
class _Loaded:
    """What the contexts of one request share: the build file, once read."""

    loaded: LoadedDockerfile | None = None
    build_file: SourceFile | None = None


BuildFunction = Callable[[BuildContext], "State | Result"]
"""What ``serve`` calls: it gets the request, returns the result's filesystem
(or a :class:`Result`), and raises :class:`BuildError` for the user's mistakes."""


def serve(build: BuildFunction) -> NoReturn:
    """Run ``build`` as this process's frontend, over stdio; call it from the
    image's entry point. The process exits once ``Return`` has gone out."""
    from frontend.gateway.relay import StdioRelay, exit_now

    relay = StdioRelay.from_stdio()  # first: nothing but gRPC may reach stdout
    logs.configure()
    run(Bridge(relay.channel()), build)
    exit_now(0)


def run(bridge: Bridge, build: BuildFunction, environ: Mapping[str, str] | None = None) -> None:
    """One build through ``bridge`` (``serve`` without the stdio relay): Ping, the
    options, ``build``, Solve and exactly one Return. ``environ`` is the process
    environment the engine set (``os.environ`` if None)."""
    status: status_pb2.Status | None = None
    try:
        env = read_gateway_env(environ)
        request = read_request(bridge, env)
        if missing := request.unsupported_frontend_cap:
            status = unsupported_frontend_cap_status(missing)
        elif request.subrequest:
            status = unsupported_subrequest_status(request.subrequest)
        else:
            _build_and_return(bridge, build, request, BuildContext(bridge, request, env))
    except BuildError as exc:
        log.info("build_error", error=str(exc))
        status = exc._status()
    except SolveFailedError as exc:
        status = exc.status
    except DockerfileError as exc:  # a malformed option
        status = dockerfile_error_status(exc, None)
    except BridgeError as exc:
        log.warning("bridge_error", method=exc.method, code=exc.code.name, details=exc.details)
        status = error_status(exc.details or str(exc))
    except (GatewayEnvError, OptionError, MissingCapError) as exc:
        status = error_status(str(exc))
    except Exception as exc:
        log.exception("internal_error")
        status = error_status(f"frontend internal error: {type(exc).__name__}: {exc}")
    finally:
        if not bridge.returned:
            bridge.return_status(status or error_status("build ended without a result"))


def _build_and_return(
    bridge: Bridge, build: BuildFunction, request: BuildRequest, ctx: BuildContext
) -> None:
    """Build and solve once, or for each target platform of a multi-platform request
    (the results keyed by platform, as the image exporter expects them)."""
    if not request.multi_platform:
        ref, metadata = _build_one(build, ctx)
        bridge.return_result(ref, metadata)
        return
    refs: dict[str, str] = {}
    metadata = {PLATFORMS_KEY: platforms_json(request.target_platforms)}
    for platform in request.target_platforms:
        key = platform_id(platform)
        ref, found = _build_one(build, ctx._for(platform))
        refs[key] = ref or ""
        metadata.update({f"{name}/{key}": value for name, value in found.items()})
    bridge.return_refs(refs, metadata)


def _build_one(build: BuildFunction, ctx: BuildContext) -> tuple[str | None, dict[str, bytes]]:
    result = build(ctx)
    if isinstance(result, State):
        result = Result(result)
    metadata = dict(result.metadata)
    if result.config is not None:
        config = json.dumps(result.config, separators=(",", ":"), sort_keys=True)
        metadata[IMAGE_CONFIG_KEY] = config.encode()
    ref = ctx.solve(result.state) if result.state.output is not None else None
    return ref, metadata
