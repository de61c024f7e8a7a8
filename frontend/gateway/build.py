"""One frontend run: read the request, load the Dockerfile, evaluate, solve, return once.

``run`` is the whole imperative shell around the pure ``evaluate``
(:mod:`frontend.compiler.entry`). Every path
ends in a single ``Return`` sent from the ``finally``: the result, or an error
whose message (and ``Source`` detail) names the Dockerfile line.
"""

from __future__ import annotations

import posixpath
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from frontend import elapsed_ms, logs
from frontend.compiler.dockerignore import parse_dockerignore
from frontend.compiler.request import (
    DEFAULT_CONTEXT_KEY,
    DEFAULT_FILENAME,
    BuildRequest,
    CacheImport,
    LoadedDockerfile,
    OptionError,
    parse_request,
)
from frontend.compiler.subrequests import reads_dockerfile
from frontend.errors import DockerfileError, DockerfileWarning, line_ranges
from frontend.gateway import remote
from frontend.gateway.bridge import CAP_FRONTEND_INPUTS, Bridge, BridgeError
from frontend.gateway.contexts import BridgeContextReader, ResolveCache
from frontend.gateway.errors import (
    dockerfile_error_status,
    error_status,
    solve_error_status,
    unsupported_frontend_cap_status,
    unsupported_subrequest_status,
)
from frontend.gateway.options import GatewayEnv, GatewayEnvError, read_gateway_env
from frontend.gotext import clean_path
from frontend.llb import caps
from frontend.llb import state as llb
from frontend.llb.caps import LLBCaps
from frontend.llb.git import GitRef, GitRefError, git_source, parse_git_ref
from frontend.llb.graph import Copy, OpMeta, Output
from frontend.llb.imported import NIL_DEFINITION, definition_output, is_nil
from frontend.llb.marshal import marshal
from frontend.pb import gateway_pb2, status_pb2
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform
from frontend.threads import Background, thread_map

if TYPE_CHECKING:
    from frontend.compiler.convert import ImageResolver
    from frontend.compiler.result import BuildResult, PlatformResult

log = logs.get_logger()


class SolveFailedError(Exception):
    """The build failed in the engine; ``status`` says where in the Dockerfile."""

    def __init__(self, status: status_pb2.Status) -> None:
        super().__init__(status.message)
        self.status = status


def run(bridge: Bridge, environ: Mapping[str, str] | None = None) -> None:
    """Answer what the options ask for through ``bridge``, exactly once.

    ``environ`` is the process environment the engine set (``os.environ`` if None).
    """
    loaded: LoadedDockerfile | None = None
    status: status_pb2.Status | None = None
    try:
        env = read_gateway_env(environ)
        log.info("started", ms=elapsed_ms())
        # The engine syncs the Dockerfile while this thread loads the compiler,
        # from when the first Solve has gone out: before that, loading it would
        # only hold the interpreter lock that reading the request needs.
        solving = threading.Event()
        bridge.notify_solve(solving)
        with Background(_request_and_load, bridge, env, solving, name="request") as fetched:
            solving.wait()
            logs.release()
            _import_compiler()
            request, fetched_file = fetched.result()
        if fetched_file is not None:
            loaded = _complete_dockerfile(bridge, request, fetched_file)
        if loaded is not None:
            log.info("dockerfile_loaded", ms=elapsed_ms())
        from frontend.compiler.entry import evaluate

        if missing := request.unsupported_frontend_cap:
            bridge.return_status(unsupported_frontend_cap_status(missing))
            return
        reader = BridgeContextReader(bridge, request.session_id)
        result = evaluate(request, loaded, ResolveCache(_resolver(bridge)), reader)
        _deliver(bridge, request, loaded, result)
    except DockerfileError as exc:
        log.info("dockerfile_error", error=str(exc))
        data = loaded.data if loaded else None
        if loaded is not None and loaded.spliced is not None:
            data = loaded.spliced.data_of(exc.filename)
        definition = loaded.definition if loaded else None
        status = dockerfile_error_status(exc, data, definition=definition)
    except SolveFailedError as exc:
        log.info("solve_failed", error=exc.status.message)
        status = exc.status
    except BridgeError as exc:
        log.warning("bridge_error", method=exc.method, code=exc.code.name, details=exc.details)
        status = error_status(exc.details or str(exc))
    except (GatewayEnvError, OptionError) as exc:  # a malformed option from the client
        log.info("option_error", error=str(exc))
        status = error_status(str(exc))
    except Exception as exc:
        log.exception("internal_error")
        status = error_status(f"pyfrontend internal error: {type(exc).__name__}: {exc}")
    finally:
        logs.release()
        if not bridge.returned:
            bridge.return_status(status or error_status("pyfrontend: build ended without a result"))


def _deliver(
    bridge: Bridge, request: BuildRequest, loaded: LoadedDockerfile | None, result: BuildResult
) -> None:
    """Show the warnings, then return the subrequest's answer or solve and return the
    build's result; an error is raised for ``run`` to return."""
    if result.unsupported:
        bridge.return_status(unsupported_subrequest_status(result.unsupported))
        return
    if loaded is not None:
        _warn(bridge, loaded, result.warnings)
    if result.error is not None:
        raise result.error
    if request.subrequest:
        if result.report is not None:
            report = result.report
            log.info("linted", warnings=len(report.warnings), error=str(report.error or "") or None)
        bridge.return_result(None, result.metadata)
        return
    first = result.platforms[0].compiled
    log.info(
        "compiled",
        ms=elapsed_ms(),
        platforms=len(result.platforms),
        stages=len(first.plan.stages),
        reachable=sorted(first.plan.reachable),
        ops=len(getattr(first.definition, "def")),
    )
    _solve_and_return(bridge, request, loaded, result.platforms)
    log.info("returned", ms=elapsed_ms())


def _solve_and_return(
    bridge: Bridge,
    request: BuildRequest,
    loaded: LoadedDockerfile | None,
    platforms: Sequence[PlatformResult],
) -> None:
    """Solve each platform's definition (in parallel) and return one ref, or a refs map
    keyed by platform id when the request asks for several platforms; with the
    SBOM of each (solved lazily: the engine scans when it exports)."""
    from frontend.compiler.platforms import platform_id, result_metadata

    def solve(built: PlatformResult) -> str:
        return _solve_located(bridge, request, loaded, built.definition)

    refs = thread_map(solve, platforms, max_workers=4)
    attestations = {
        platform_id(b.platform): [_sbom_attestation(bridge.solve(b.sbom))]
        for b in platforms
        if b.sbom is not None
    }
    metadata = result_metadata(platforms, request.multi_platform)
    if request.multi_platform:
        keyed = {platform_id(b.platform): ref for b, ref in zip(platforms, refs, strict=True)}
        bridge.return_refs(keyed, metadata, attestations)
    else:
        bridge.return_result(refs[0], metadata, attestations)


def _sbom_attestation(ref: str) -> gateway_pb2.Attestation:
    """A bundle of SPDX statements (the scanner's output in ``ref``)."""
    from frontend.compiler.sbom import ATTESTATION_METADATA, SPDX_PREDICATE

    return gateway_pb2.Attestation(
        kind=gateway_pb2.Bundle,
        metadata=ATTESTATION_METADATA,
        ref=gateway_pb2.Ref(id=ref),
        inTotoPredicateType=SPDX_PREDICATE,
    )


def _solve_located(
    bridge: Bridge,
    request: BuildRequest,
    loaded: LoadedDockerfile | None,
    definition: pb.Definition,
) -> str:
    """Solve the build now rather than at export, so that a failing step's error
    names its Dockerfile line and instruction (on every client)."""
    source = None if loaded is None else (loaded.filename, loaded.data, loaded.definition)
    return solve_located(bridge, definition, source, cache_imports=request.cache_imports)


def solve_located(
    bridge: Bridge,
    definition: pb.Definition,
    source: tuple[str, bytes, pb.Definition | None] | None,
    cache_imports: Iterable[CacheImport] = (),
) -> str:
    """Solve ``definition`` now; a failure is a :class:`SolveFailedError` naming
    the failing op's lines in ``source`` (file name, contents, its own
    definition), when given."""
    try:
        return bridge.solve(definition, cache_imports=cache_imports, evaluate=True)
    except BridgeError as exc:
        if source is None:
            raise
        status = solve_error_status(
            exc.details or str(exc), exc.code.value[0], exc.status_details, definition, source
        )
        raise SolveFailedError(status) from None


def read_request(bridge: Bridge, env: GatewayEnv) -> BuildRequest:
    """Ping the engine, then read the build's options as its caps allow."""
    caps = bridge.ping()
    return parse_request(
        env.opts,
        session_id=env.session_id,
        build_platform=env.build_platform,
        llb_caps=LLBCaps(caps.llb),
        gateway_caps=caps.gateway,
    )


def _request_and_load(
    bridge: Bridge, env: GatewayEnv, done: threading.Event
) -> tuple[BuildRequest, LoadedDockerfile | None]:
    """Ping, read the options, then the Dockerfile unless the request needs none
    (as :func:`_fetch_dockerfile` fetches it: this runs while the compiler loads).

    ``done`` is set at the end, whatever happened.
    """
    try:
        request = read_request(bridge, env)
        if not reads_dockerfile(request):
            return request, None
        return request, _fetch_dockerfile(bridge, request)
    finally:
        done.set()


def _import_compiler() -> None:
    """Load the parser, compiler and checks (the slowest part of a cold start)."""
    import frontend.compiler.entry
    import frontend.syntax.parser

    frontend.syntax.parser.line_parser()


def load_dockerfile(bridge: Bridge, request: BuildRequest) -> LoadedDockerfile:
    """Read the Dockerfile from the client, a Git repository, a download or the
    frontend inputs; a non-local context is then scoped to ``contextsubdir``."""
    return _complete_dockerfile(bridge, request, _fetch_dockerfile(bridge, request))


def _fetch_dockerfile(bridge: Bridge, request: BuildRequest) -> LoadedDockerfile:
    """The Dockerfile as read, before :func:`_complete_dockerfile` (which loads the parser)."""
    context_value = request.context_value
    try:
        repository = parse_git_ref(context_value)
    except GitRefError as exc:
        raise DockerfileError(f"invalid git context {context_value}: {exc}") from None
    if repository is not None:
        loaded = _load_from_git(bridge, request, repository, context_value)
    elif remote.is_http_url(context_value):
        loaded = _load_from_url(bridge, request, context_value)
    else:
        loaded = _load_from_inputs(bridge, request) or _load_local(bridge, request)
    return loaded


def _complete_dockerfile(
    bridge: Bridge, request: BuildRequest, loaded: LoadedDockerfile
) -> LoadedDockerfile:
    """``loaded`` with its included files spliced in and its context scoped."""
    loaded = _with_includes(bridge, request, loaded)
    if loaded.context is None or request.context_subdir is None:
        return loaded
    return replace(loaded, context=_scoped(loaded.context, request.context_subdir))


def _with_includes(
    bridge: Bridge, request: BuildRequest, loaded: LoadedDockerfile
) -> LoadedDockerfile:
    """The Dockerfile with the files it includes spliced in (the ``include``
    extension): each read from where the Dockerfile came from, the client sending
    only that file."""
    from frontend.semantics.include import includes, splice

    if not includes(loaded.data):
        return loaded
    definition = loaded.definition
    if definition is None or not _from_client(definition):

        def read(path: str) -> bytes | None:
            if definition is None:
                raise DockerfileError("INCLUDE: this Dockerfile's source cannot be read")
            return _read_optional(bridge, definition, path)

    else:

        def read(path: str) -> bytes | None:
            name = request.dockerfile_key
            source = llb.local(
                name,
                session_id=request.local_session(name),
                shared_key_hint=name,
                follow_paths=[path],
                differ_none=request.llb_caps.supports(caps.SOURCE_LOCAL_DIFFER),
                meta=OpMeta(name=f"[internal] load included file {path}"),
            )
            return _read_optional(bridge, _marshal(request, source.output), path)

    spliced = splice(loaded.data, loaded.filename, read)
    return replace(loaded, data=spliced.data, spliced=spliced)


def _from_client(definition: pb.Definition) -> bool:
    """Whether ``definition`` reads a local source (the client's directory)."""
    for raw in getattr(definition, "def"):
        op = pb.Op.FromString(raw)
        if op.HasField("source") and op.source.identifier.startswith("local://"):
            return True
    return False


def _scoped(context: llb.State, subdir: str) -> llb.State:
    """The contents of ``subdir`` of ``context``, at the root of an empty filesystem."""
    assert context.output is not None
    src = clean_path(posixpath.join("/", subdir))
    return llb.scratch().file(Copy(context.output, src, "/", dir_copy_contents=True))


def _load_from_inputs(bridge: Bridge, request: BuildRequest) -> LoadedDockerfile | None:
    """The context (input ``context``) and the Dockerfile (input named by
    ``dockerfilekey``, unless given) from the frontend inputs, where the engine
    has them; None when there is neither."""
    if not request.supports_gateway(CAP_FRONTEND_INPUTS):
        return None
    try:
        inputs = bridge.inputs()
    except BridgeError as exc:
        raise DockerfileError(f"failed to get frontend inputs: {exc.details}") from None
    context_input = inputs.get(DEFAULT_CONTEXT_KEY)
    dockerfile_input = None if request.dockerfile_key_given else inputs.get(request.dockerfile_key)
    if context_input is None and dockerfile_input is None:
        return None
    if dockerfile_input is not None and is_nil(dockerfile_input):
        raise DockerfileError(NIL_DEFINITION)
    context = None
    if context_input is not None:
        try:
            context = llb.State(output=definition_output(context_input))
        except ValueError as exc:
            raise DockerfileError(str(exc)) from None
    return _load_local(bridge, request, context, dockerfile_input)


def _load_local(
    bridge: Bridge,
    request: BuildRequest,
    context: llb.State | None = None,
    dockerfile_input: pb.Definition | None = None,
) -> LoadedDockerfile:
    """The Dockerfile from the client (or ``dockerfile_input``); with the client's
    context, its ``.dockerignore`` too (``<Dockerfile>.dockerignore`` first), read
    in parallel."""
    filename = request.filename
    local_name = request.dockerfile_key
    context_name = request.context_key
    follow = [filename, filename + ".dockerignore"]
    lowercase = _lowercase_name(filename)
    if lowercase:
        follow.append(lowercase)
    # The same op as the engine's own frontend loads the Dockerfile with: one
    # vertex, which the warnings are shown under.
    differ_none = request.llb_caps.supports(caps.SOURCE_LOCAL_DIFFER)
    source = llb.local(
        local_name,
        session_id=request.local_session(local_name),
        shared_key_hint=local_name,
        follow_paths=follow,
        differ_none=differ_none,
        meta=OpMeta(name=f"[internal] load build definition from {filename}"),
    )
    definition = dockerfile_input or _marshal(request, source.output)
    if context is not None:
        data = _read_dockerfile(bridge, bridge.solve(definition), filename)
        return LoadedDockerfile(filename, data, context=context, definition=definition)
    ignore_source = llb.local(
        context_name,
        session_id=request.local_session(context_name),
        shared_key_hint=f"{context_name}-.dockerignore",
        follow_paths=[".dockerignore"],
        differ_none=differ_none,
        meta=OpMeta(name="[internal] load .dockerignore"),
    )
    ignore_definition = _marshal(request, ignore_source.output)
    with Background(
        _read_optional, bridge, ignore_definition, ".dockerignore", name="dockerignore"
    ) as ignored:
        ref = bridge.solve(definition)
        data = _read_dockerfile(bridge, ref, filename)
        own_ignore = _read_ref_optional(bridge, ref, filename + ".dockerignore")
        default_ignore = ignored.result()
    ignore = own_ignore if own_ignore is not None else default_ignore
    excludes = parse_dockerignore(ignore) if ignore else ()
    return LoadedDockerfile(filename, data, excludes, definition=definition)


def _load_from_git(
    bridge: Bridge, request: BuildRequest, repository: GitRef, url: str
) -> LoadedDockerfile:
    """The context is a checkout of ``repository``, and so is the Dockerfile's source
    unless ``dockerfilekey`` names a local one.

    As with Docker's frontend, a ``.dockerignore`` does not filter a Git context,
    and ``.git`` is left out unless the build arg BUILDKIT_CONTEXT_KEEP_GIT_DIR
    (or the URL's ``keep-git-dir``) asks for it.
    """
    if request.keep_git_dir:
        repository = replace(repository, keep_git_dir=True)
    missing = [cap for cap in repository.required_caps() if not request.llb_caps.supports(cap)]
    if missing:
        subdir = caps.SOURCE_GIT_SUBDIR in missing
        hint = " (a subdir needs BuildKit 0.9 or later)" if subdir else ""
        raise DockerfileError(
            f"git context {url} needs LLB caps this engine lacks: {', '.join(missing)}{hint}"
        )
    context = git_source(repository, meta=OpMeta(name=f"[internal] load git source {url}"))
    if request.dockerfile_key_given:
        return _load_local(bridge, request, context)
    definition = _marshal(request, context.output)
    data = _read_dockerfile(bridge, bridge.solve(definition), request.filename)
    return LoadedDockerfile(request.filename, data, context=context, definition=definition)


def _load_from_url(bridge: Bridge, request: BuildRequest, url: str) -> LoadedDockerfile:
    """The context from a download: an archive's tree, or the downloaded file. The
    Dockerfile is read from it too, unless ``dockerfilekey`` names a local source.

    A remote context has no ``.dockerignore`` handling, as with Docker's frontend.
    """
    downloaded = remote.download(url)
    ref = bridge.solve(_marshal(request, downloaded.output))
    try:
        head = bridge.read_file(ref, remote.DOWNLOADED, length=remote.HEAD_BYTES)
    except BridgeError as exc:
        raise DockerfileError(f"failed to read downloaded context: {exc.details}") from None
    archive = remote.is_archive(head)
    context = remote.unpacked(downloaded) if archive else downloaded
    if request.dockerfile_key_given:
        return _load_local(bridge, request, context)
    filename = request.filename if archive else remote.DOWNLOADED
    definition = _marshal(request, context.output)
    if archive:
        ref = bridge.solve(definition)
    data = _read_dockerfile(bridge, ref, filename)
    return LoadedDockerfile(filename, data, context=context, definition=definition)


def _warn(bridge: Bridge, loaded: LoadedDockerfile, warnings: Sequence[DockerfileWarning]) -> None:
    """Log each warning, and show it with the build's progress where the engine can."""
    if not warnings or loaded.definition is None:
        return
    # the op that gave the Dockerfile (the terminal op's input), as Docker's frontend names it
    terminal = pb.Op.FromString(getattr(loaded.definition, "def")[-1])
    vertex = terminal.inputs[0].digest if terminal.inputs else ""
    info = pb.SourceInfo(filename=loaded.filename, data=loaded.data, definition=loaded.definition)
    if loaded.spliced is not None:
        info.data = loaded.spliced.files[0][1]
    for warning in warnings:
        log.info("dockerfile_warning", warning=str(warning), url=warning.url or None)
        shown = info
        if loaded.spliced is not None and warning.filename != loaded.filename:
            data = loaded.spliced.data_of(warning.filename)
            shown = pb.SourceInfo(filename=warning.filename, data=data)
        bridge.warn(
            vertex,
            warning.short,
            info=shown,
            ranges=list(line_ranges(warning.line, warning.last_line)) if warning.line else [],
            detail=[warning.description] if warning.description else [],
            url=warning.url,
        )


_NON_IMAGE = r"ref mutated by policy to non-image: \S+ -> (\S+)"
"""The engine's answer when a source policy turns an image into another source."""


def _resolver(bridge: Bridge) -> ImageResolver:
    """Base image configs from the engine; a failure is the Dockerfile's error."""

    def resolve(
        ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        try:
            return bridge.resolve_image_config(
                ref, platform, resolve_mode=resolve_mode, log_name=log_name
            )
        except BridgeError as exc:
            message = f"failed to resolve image {ref}: {exc.details}"
            mutated = re.search(_NON_IMAGE, exc.details)
            if mutated:
                # Imported here: the compiler loads while the Dockerfile does.
                from frontend.compiler.contexts import ResolvedToNonImage

                raise ResolvedToNonImage(message, mutated.group(1)) from None
            raise DockerfileError(message) from None

    return resolve


def _marshal(request: BuildRequest, output: Output | None) -> pb.Definition:
    """``output`` marshalled the way the engine's own frontend would write it."""
    return marshal(output, caps=request.llb_caps)


def _lowercase_name(filename: str) -> str:
    head, _, base = filename.rpartition("/")
    if base != DEFAULT_FILENAME:
        return ""
    return f"{head}/{base.lower()}" if head else base.lower()


def _read_dockerfile(bridge: Bridge, ref: str, filename: str) -> bytes:
    """``filename`` in ``ref``, else its lowercase form (``dockerfile``) as Docker allows."""
    try:
        return bridge.read_file(ref, filename)
    except BridgeError as exc:
        failure = exc.details
    lowercase = _lowercase_name(filename)
    data = _read_ref_optional(bridge, ref, lowercase) if lowercase else None
    if data is not None:
        return data
    if "no such file" in failure:
        failure = f"open {filename}: no such file"
    raise UnreadableBuildFile(failure)


class UnreadableBuildFile(DockerfileError):
    """The file to build could not be read; ``failure`` says why."""

    def __init__(self, failure: str) -> None:
        super().__init__(f"failed to read dockerfile: {failure}")
        self.failure = failure


def _read_optional(bridge: Bridge, definition: pb.Definition, path: str) -> bytes | None:
    return _read_ref_optional(bridge, bridge.solve(definition), path)


def _read_ref_optional(bridge: Bridge, ref: str, path: str) -> bytes | None:
    try:
        return bridge.read_file(ref, path)
    except BridgeError:
        return None
