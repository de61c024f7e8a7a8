"""One frontend run: load the Dockerfile, compile it, solve, and return exactly once.

``run`` is the whole imperative shell around the pure compiler. Every path
ends in a single ``Return`` sent from the ``finally``: the result, or an error
whose message (and ``Source`` detail) names the Dockerfile line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import structlog

from frontend import elapsed_ms
from frontend.compiler.dockerignore import parse_dockerignore
from frontend.errors import DockerfileError, DockerfileWarning, line_ranges
from frontend.gateway import remote
from frontend.gateway.bridge import Bridge, BridgeError
from frontend.gateway.errors import (
    dockerfile_error_status,
    error_status,
    solve_error_status,
    unsupported_subrequest_status,
)
from frontend.gateway.options import (
    CacheImport,
    GatewayEnv,
    GatewayEnvError,
    cache_imports_from_opts,
    read_gateway_env,
)
from frontend.gotext import go_bool
from frontend.llb import caps, git
from frontend.llb import state as llb
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import OpMeta, Output
from frontend.llb.marshal import SourceFile, digest_of, marshal
from frontend.llb.platform import DEFAULT_PLATFORM, Platform
from frontend.pb import ops_pb2 as pb
from frontend.pb import status_pb2

if TYPE_CHECKING:
    from frontend.compiler.convert import ImageResolver

log = structlog.get_logger()

DEFAULT_FILENAME = "Dockerfile"
DESCRIBE = "frontend.subrequests.describe"
KEEP_GIT_DIR_OPT = "build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR"
LINT = "frontend.lint"


class SolveFailedError(Exception):
    """The build failed in the engine; ``status`` says where in the Dockerfile."""

    def __init__(self, status: status_pb2.Status) -> None:
        super().__init__(status.message)
        self.status = status


@dataclass(frozen=True)
class LoadedDockerfile:
    filename: str
    data: bytes
    definition: pb.Definition
    """The LLB that delivered the Dockerfile (for error locations and warnings)."""
    excludes: tuple[str, ...]
    remote_context: llb.State | None = None
    """The build context when it is not the client's directory (see ``remote``)."""


def run(bridge: Bridge, environ: Mapping[str, str] | None = None) -> None:
    """Build what the options ask for and report it through ``bridge`` exactly once.

    ``environ`` is the process environment the engine set (``os.environ`` if None).
    """
    loaded: LoadedDockerfile | None = None
    status: status_pb2.Status | None = None
    try:
        env = read_gateway_env(environ)
        log.info("started", ms=elapsed_ms())
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The engine syncs the Dockerfile while this thread loads the compiler.
            fetched = pool.submit(_ping_and_load, bridge, env)
            _import_compiler()
            loaded = fetched.result()
        if loaded is None:
            return
        log.info("dockerfile_loaded", ms=elapsed_ms())
        if env.opts.get("requestid") == LINT:
            bridge.return_result(None, lint(bridge, env, loaded))
            return
        ref, config = build(bridge, env, loaded)
        bridge.return_result(ref, {"containerimage.config": config})
        log.info("returned", ms=elapsed_ms())
    except DockerfileError as exc:
        if loaded is not None:
            exc.filename = loaded.filename  # errors past parsing do not know the file's name
        log.info("dockerfile_error", error=str(exc))
        data = loaded.data if loaded else None
        definition = loaded.definition if loaded else None
        status = dockerfile_error_status(exc, data, definition=definition)
    except SolveFailedError as exc:
        log.info("solve_failed", error=exc.status.message)
        status = exc.status
    except BridgeError as exc:
        log.warning("bridge_error", method=exc.method, code=exc.code.name, details=exc.details)
        status = error_status(exc.details or str(exc))
    except GatewayEnvError as exc:  # a malformed option from the client
        log.info("option_error", error=str(exc))
        status = error_status(str(exc))
    except Exception as exc:
        log.exception("internal_error")
        status = error_status(f"pyfrontend internal error: {type(exc).__name__}: {exc}")
    finally:
        if not bridge.returned:
            bridge.return_status(status or error_status("pyfrontend: build ended without a result"))


def _ping_and_load(bridge: Bridge, env: GatewayEnv) -> LoadedDockerfile | None:
    """Ping, then read the Dockerfile; a subrequest is answered here (None)."""
    bridge.ping()
    request = env.opts.get("requestid", "")
    if request and request != LINT:
        _subrequest(bridge, request)
        return None
    return load_dockerfile(bridge, env)


def _import_compiler() -> None:
    """Load the parser, compiler and checks (the slowest part of a cold start)."""
    import frontend.compiler.convert
    import frontend.compiler.lint
    import frontend.semantics.checks
    import frontend.syntax.parser

    frontend.syntax.parser.load_grammar()


def load_dockerfile(bridge: Bridge, env: GatewayEnv) -> LoadedDockerfile:
    """Read the Dockerfile from the client, a Git repository or a download."""
    opts = env.opts
    filename = opts.get("filename", "") or DEFAULT_FILENAME
    context_value = opts.get(opts.get("contextkey", "") or "context", "")
    try:
        repository = git.parse_git_ref(context_value)
    except git.GitRefError as exc:
        raise DockerfileError(f"invalid git context {context_value}: {exc}") from None
    if repository is not None:
        return _load_from_git(bridge, env, repository, context_value, filename)
    if remote.is_http_url(context_value):
        return _load_from_url(bridge, context_value, filename)
    return _load_local(bridge, env, filename)


def _load_local(
    bridge: Bridge, env: GatewayEnv, filename: str, context: llb.State | None = None
) -> LoadedDockerfile:
    """The Dockerfile from the client; with the client's context, its ``.dockerignore``
    too (``<Dockerfile>.dockerignore`` first), read in parallel."""
    local_name = env.opts.get("dockerfilekey", "") or "dockerfile"
    context_name = env.opts.get("contextkey", "") or "context"
    follow = [filename, filename + ".dockerignore"]
    lowercase = _lowercase_name(filename)
    if lowercase:
        follow.append(lowercase)
    source = llb.local(
        local_name,
        session_id=env.session_id,
        shared_key_hint=local_name,
        follow_paths=follow,
        meta=OpMeta(name=f"[internal] load build definition from {filename}"),
    )
    definition = _marshal(bridge, source.output)
    if context is not None:
        data = _read_dockerfile(bridge, bridge.solve(definition), filename)
        return LoadedDockerfile(filename, data, definition, (), remote_context=context)
    ignore_source = llb.local(
        context_name,
        session_id=env.session_id,
        shared_key_hint=f"{context_name}-.dockerignore",
        follow_paths=[".dockerignore"],
        meta=OpMeta(name="[internal] load .dockerignore"),
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        ignored = pool.submit(
            _read_optional, bridge, _marshal(bridge, ignore_source.output), ".dockerignore"
        )
        ref = bridge.solve(definition)
        data = _read_dockerfile(bridge, ref, filename)
        own_ignore = _read_ref_optional(bridge, ref, filename + ".dockerignore")
        default_ignore = ignored.result()
    ignore = own_ignore if own_ignore is not None else default_ignore
    excludes = parse_dockerignore(ignore) if ignore else ()
    return LoadedDockerfile(filename, data, definition, excludes)


def _load_from_git(
    bridge: Bridge, env: GatewayEnv, repository: git.GitRef, url: str, filename: str
) -> LoadedDockerfile:
    """The context is a checkout of ``repository``, and so is the Dockerfile's source
    unless ``dockerfilekey`` names a local one.

    As with Docker's frontend, a ``.dockerignore`` does not filter a Git context,
    and ``.git`` is left out unless the build arg BUILDKIT_CONTEXT_KEEP_GIT_DIR
    (or the URL's ``keep-git-dir``) asks for it.
    """
    if _go_bool_or_false(env.opts.get(KEEP_GIT_DIR_OPT, "")):
        repository = replace(repository, keep_git_dir=True)
    engine = _engine_caps(bridge)
    missing = [cap for cap in repository.required_caps() if not engine.supports(cap)]
    if missing:
        subdir = caps.SOURCE_GIT_SUBDIR in missing
        hint = " (a subdir needs BuildKit 0.9 or later)" if subdir else ""
        raise DockerfileError(
            f"git context {url} needs LLB caps this engine lacks: {', '.join(missing)}{hint}"
        )
    context = git.git_source(repository, meta=OpMeta(name=f"[internal] load git source {url}"))
    if "dockerfilekey" in env.opts:
        return _load_local(bridge, env, filename, context)
    definition = _marshal(bridge, context.output)
    data = _read_dockerfile(bridge, bridge.solve(definition), filename)
    return LoadedDockerfile(filename, data, definition, (), remote_context=context)


def _load_from_url(bridge: Bridge, url: str, filename: str) -> LoadedDockerfile:
    """The Dockerfile and context from a download: an archive, or the Dockerfile itself.

    A remote context has no ``.dockerignore`` handling, as with Docker's frontend.
    """
    downloaded = remote.download(url)
    ref = bridge.solve(_marshal(bridge, downloaded.output))
    try:
        head = bridge.read_file(ref, remote.DOWNLOADED, length=remote.HEAD_BYTES)
    except BridgeError as exc:
        raise DockerfileError(f"failed to read downloaded context: {exc.details}") from None
    if remote.is_archive(head):
        context = remote.unpacked(downloaded)
        definition = _marshal(bridge, context.output)
        ref = bridge.solve(definition)
    else:
        context, filename = downloaded, remote.DOWNLOADED
        definition = _marshal(bridge, downloaded.output)
    data = _read_dockerfile(bridge, ref, filename)
    return LoadedDockerfile(filename, data, definition, (), remote_context=context)


def _warn(bridge: Bridge, loaded: LoadedDockerfile, warnings: Sequence[DockerfileWarning]) -> None:
    """Log each warning, and show it with the build's progress where the engine can."""
    if not warnings:
        return
    defs = list(getattr(loaded.definition, "def"))
    vertex = digest_of(defs[0])  # the source op that loaded the Dockerfile
    info = pb.SourceInfo(filename=loaded.filename, data=loaded.data, definition=loaded.definition)
    for warning in warnings:
        log.warning("dockerfile_warning", warning=str(warning), url=warning.url or None)
        bridge.warn(
            vertex,
            warning.short,
            info=info,
            ranges=list(line_ranges(warning.line, warning.last_line)),
            detail=[warning.description] if warning.description else [],
            url=warning.url,
        )


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
            raise DockerfileError(f"failed to resolve image {ref}: {exc.details}") from None

    return resolve


def lint(bridge: Bridge, env: GatewayEnv, loaded: LoadedDockerfile) -> dict[str, bytes]:
    """The ``frontend.lint`` subrequest: the checks of every stage, as result metadata."""
    from frontend.compiler.lint import lint_dockerfile
    from frontend.semantics.check_report import go_json, results_json, results_text

    report = lint_dockerfile(
        loaded.data,
        loaded.filename,
        env.opts,
        _resolver(bridge),
        build_platform=env.build_platform or DEFAULT_PLATFORM,
        excludes=loaded.excludes,
        llb_caps=_engine_caps(bridge),
    )
    log.info("linted", warnings=len(report.warnings), error=str(report.error or "") or None)
    return {
        "result.json": go_json(results_json(report)).encode(),
        "result.txt": results_text(report).encode(),
        "result.statuscode": str(report.status).encode(),
        "version": b"1.0.0",
    }


def build(bridge: Bridge, env: GatewayEnv, loaded: LoadedDockerfile) -> tuple[str, bytes]:
    """Compile, check and solve; returns the result ref and the image config JSON."""
    from frontend.compiler.convert import compile_dockerfile
    from frontend.compiler.lint import ignore_matcher
    from frontend.compiler.options import BuildOptions
    from frontend.semantics.check_rules import check_config, lint_error
    from frontend.semantics.checks import CheckContext, run_checks
    from frontend.syntax import parse

    dockerfile = parse(loaded.data, filename=loaded.filename)
    _warn(bridge, loaded, dockerfile.warnings)
    check = check_config(dockerfile.directives, env.opts)
    options = BuildOptions.from_opts(
        env.opts,
        build_platform=env.build_platform or DEFAULT_PLATFORM,
        session_id=env.session_id,
        excludes=loaded.excludes,
        llb_caps=_engine_caps(bridge),
        remote_context=loaded.remote_context,
    )
    result = compile_dockerfile(
        dockerfile, options, _resolver(bridge), source=SourceFile(loaded.filename, loaded.data)
    )
    log.info(
        "compiled",
        ms=elapsed_ms(),
        stages=len(result.plan.stages),
        reachable=sorted(result.plan.reachable),
        ops=len(getattr(result.definition, "def")),
    )
    context = CheckContext(
        check,
        options.build_platform,
        options.target_platform,
        options.build_args,
        bases=result.bases,
        ignore=ignore_matcher(loaded.excludes),
        filename=loaded.filename,
    )
    warnings = run_checks(dockerfile, result.plan, context)
    _warn(bridge, loaded, warnings)
    failure = lint_error(warnings, check)
    if failure:
        raise DockerfileError(failure)
    ref = _solve_located(bridge, loaded, result.definition, cache_imports_from_opts(env.opts))
    return ref, result.config_json


def _solve_located(
    bridge: Bridge,
    loaded: LoadedDockerfile,
    definition: pb.Definition,
    cache_imports: Sequence[CacheImport],
) -> str:
    """Solve the build now rather than at export, so that a failing step's error
    names its Dockerfile line and instruction (on every client)."""
    try:
        return bridge.solve(definition, cache_imports=cache_imports, evaluate=True)
    except BridgeError as exc:
        status = solve_error_status(
            exc.details or str(exc),
            exc.code.value[0],
            exc.status_details,
            definition,
            (loaded.filename, loaded.data, loaded.definition),
        )
        raise SolveFailedError(status) from None


def _engine_caps(bridge: Bridge) -> LLBCaps:
    return LLBCaps(bridge.caps.llb) if bridge.caps else LLBCaps()


def _marshal(bridge: Bridge, output: Output | None) -> pb.Definition:
    """``output`` marshalled the way the engine's own frontend would write it."""
    return marshal(output, oneof_last=_engine_caps(bridge).oneof_last)


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
    raise DockerfileError(f"failed to read dockerfile: {failure}")


def _go_bool_or_false(text: str) -> bool:
    try:
        return go_bool(text)
    except ValueError:
        return False


def _read_optional(bridge: Bridge, definition: pb.Definition, path: str) -> bytes | None:
    return _read_ref_optional(bridge, bridge.solve(definition), path)


def _read_ref_optional(bridge: Bridge, ref: str, path: str) -> bytes | None:
    try:
        return bridge.read_file(ref, path)
    except BridgeError:
        return None


def _subrequest(bridge: Bridge, request: str) -> None:
    if request != DESCRIBE:
        bridge.return_status(unsupported_subrequest_status(request))
        return
    described = [
        {
            "name": DESCRIBE,
            "version": "1.0.0",
            "type": "rpc",
            "description": "List available subrequest types",
            "metadata": [{"name": "result.json"}, {"name": "result.txt"}],
        }
    ]
    text = "".join(f"{d['name']} - {d['description']}\n" for d in described)
    bridge.return_result(
        None,
        {
            "result.json": json.dumps(described).encode(),
            "result.txt": text.encode(),
            "version": b"1.0.0",
        },
    )
