"""The build request (every frontend option and engine capability, read once)
and the Dockerfile it builds.

``parse_request`` is the only reader of the ``key=value`` options the engine
passes a frontend (``target``, ``build-arg:X``, ``platform``...) and of the
capabilities its ``Ping`` answered. The gateway, the subrequests and the
offline commands all start from the ``BuildRequest`` it returns.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import (
    JSON_TIME_RANGE,
    GoNumError,
    go_bool,
    go_parse_int,
    go_quote,
    json_field,
)
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import HostIP, NetMode, Ulimit
from frontend.llb.marshal import Definition, SourceFile
from frontend.llb.state import State
from frontend.platform import DEFAULT_PLATFORM, Platform
from frontend.reference import ReferenceError, normalize
from frontend.semantics.check_rules import CheckConfig, check_override

if TYPE_CHECKING:  # the parser loads after the first Solve: this module is on the way to it
    from frontend.semantics.include import Spliced
    from frontend.syntax.wording import Wording

DEFAULT_FILENAME: Final = "Dockerfile"
DEFAULT_CONTEXT_KEY: Final = "context"
DEFAULT_DOCKERFILE_KEY: Final = "dockerfile"
KEEP_GIT_DIR_ARG: Final = "BUILDKIT_CONTEXT_KEEP_GIT_DIR"
SOURCE_DATE_EPOCH_ARG: Final = "SOURCE_DATE_EPOCH"
SANDBOX_HOSTNAME_ARG: Final = "BUILDKIT_SANDBOX_HOSTNAME"
"""A build arg that, when set, overrides the ``hostname`` option."""

ATTESTATIONS_CAP: Final = "reference.attestations"
"""The gateway cap of engines that take attestations with a result (BuildKit 0.11)."""
DEFAULT_SBOM_GENERATOR: Final = "docker/buildkit-syft-scanner:stable-1"
_ATTEST_PREFIXES: Final = ("attest:", "build-arg:BUILDKIT_ATTEST_")
_ATTEST_DEFAULTS: Final[Mapping[str, Mapping[str, str]]] = {
    "sbom": {"generator": DEFAULT_SBOM_GENERATOR},
    "provenance": {},
}
"""The attestation types an option may ask for, with their default attributes
(provenance is the engine's business: the type is only checked here)."""

FRONTEND_CAPS: Final = frozenset(
    {
        "moby.buildkit.frontend.inputs",
        "moby.buildkit.frontend.subrequests",
        "moby.buildkit.frontend.contexts",
        "moby.buildkit.frontend.gitquerystring",
    }
)
"""What clients may ask of this frontend (also its image's ``moby.buildkit.frontend.caps``)."""

_NET_MODES: Final = {"sandbox": NetMode.SANDBOX, "host": NetMode.HOST, "none": NetMode.NONE}


class OptionError(ValueError):
    """A malformed option outside the Dockerfile's concerns (such as ``cache-imports``)."""


@frozen
class CacheImport:
    """One cache source for ``SolveRequest.CacheImports`` (``type`` is e.g. ``registry``)."""

    type: str
    attrs: Mapping[str, str] = field(default_factory=dict)


@frozen
class SbomRequest:
    """``attest:sbom``: the scanner image to run on the result, and its parameters."""

    generator: str
    """The scanner image, normalised (``docker.io/library/name:tag``)."""
    params: tuple[tuple[str, str], ...] = ()
    """Other attributes, sorted by key: the scanner reads each as ``BUILDKIT_SCAN_<key>``."""


@frozen
class LoadedDockerfile:
    """The Dockerfile as read from the client, a Git checkout or a download."""

    filename: str
    data: bytes
    excludes: tuple[str, ...] = ()
    """The ``.dockerignore`` patterns of the client's context."""
    context: State | None = None
    """The build context when it is not the client's directory."""
    definition: Definition | None = None
    """The LLB that delivered the Dockerfile (for error locations and warnings)."""
    spliced: Spliced | None = None
    """The included files (the ``include`` extension): ``data`` is then the text
    with them spliced in, and this locates its lines in their files."""

    def source(self, *, with_definition: bool = True) -> SourceFile:
        """The file the LLB's source map points into (each included file itself)."""
        definition = self.definition if with_definition else None
        if self.spliced is None:
            return SourceFile(self.filename, self.data, definition=definition)
        parts, origins = self.spliced.files, self.spliced.origins
        return SourceFile(
            self.filename, self.data, definition=definition, parts=parts, origins=origins
        )


@frozen
class BuildRequest:
    """What one frontend run is asked to do, and what the engine can do."""

    subrequest: str = ""
    """``requestid``: empty for a build, else e.g. ``frontend.lint``."""
    filename: str = DEFAULT_FILENAME
    context_key: str = DEFAULT_CONTEXT_KEY
    """The local source (and option) naming the build context."""
    dockerfile_key: str = DEFAULT_DOCKERFILE_KEY
    dockerfile_key_given: bool = False
    """Whether the client named the Dockerfile's source (a Git context then keeps it local)."""
    context_value: str = ""
    """The option under ``context_key``: a Git or HTTP URL, or empty for the client's."""
    context_subdir: str | None = None
    """``contextsubdir``: the directory of a Git, HTTP or input context to build from
    (ignored for the client's directory, as by Docker's frontend)."""
    keep_git_dir: bool = False
    session_id: str = ""
    build_platform: Platform = DEFAULT_PLATFORM
    target_platforms: tuple[Platform, ...] = ()
    """The ``platform`` option; empty means the build platform, implicitly."""
    multi_platform: bool = False
    """Return one result per platform (a refs map), even for a single platform."""
    named_contexts: Mapping[str, str] = field(default_factory=dict)
    """``context:KEY`` options by KEY (``name`` or ``name::os/arch``)."""
    input_metadata: Mapping[str, str] = field(default_factory=dict)
    """``input-metadata:NAME`` options (JSON) by input name."""
    local_sessions: Mapping[str, str] = field(default_factory=dict)
    """``local-sessionid:NAME``: the session that holds local NAME, when not the build's."""
    target: str = ""
    build_args: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    no_cache: frozenset[str] | None = None
    """None: cache everything; empty: no cache anywhere; else stage names."""
    image_resolve_mode: str = "default"
    network: NetMode = NetMode.SANDBOX
    extra_hosts: tuple[HostIP, ...] = ()
    hostname: str = ""
    ulimits: tuple[Ulimit, ...] = ()
    shm_size: int = 0
    cgroup_parent: str = ""
    source_date_epoch: int | None = None
    cache_imports: tuple[CacheImport, ...] = ()
    sbom: SbomRequest | None = None
    """``attest:sbom`` (or the build arg ``BUILDKIT_ATTEST_SBOM``): attach an SBOM."""
    check: CheckConfig | None = None
    """The ``BUILDKIT_DOCKERFILE_CHECK`` build arg (it replaces the ``check`` directive)."""
    llb_caps: LLBCaps = field(default_factory=LLBCaps)
    gateway_caps: frozenset[str] | None = None
    """The engine's gateway caps; None stands for a current engine (all of them)."""
    frontend_caps: tuple[str, ...] = ()
    """``frontend.caps``: what the client needs of this frontend (``NAME[+forward]``)."""
    source: str = ""
    """``source``: the frontend image this run was started as (gateway builds)."""
    forwarded: bool = False
    """``cmdline``: another frontend handed the build over after reading its syntax
    directive (which is then not looked at again)."""

    @property
    def unsupported_frontend_cap(self) -> str:
        """The first ``frontend.caps`` entry this frontend lacks, or empty.

        This frontend forwards to no other, so ``+forward`` changes nothing.
        """
        for entry in self.frontend_caps:
            name = entry.partition("+")[0]
            if name not in FRONTEND_CAPS:
                return name
        return ""

    @property
    def platforms(self) -> tuple[Platform, ...]:
        """The platforms to build for (the build platform when none was asked for)."""
        return self.target_platforms or (self.build_platform,)

    @property
    def wording(self) -> Wording:
        """How the engine's own frontend words an instruction that does not parse."""
        from frontend.syntax.wording import Wording

        return Wording(self.llb_caps.release)

    def local_session(self, name: str) -> str:
        """The session that holds the client's local directory ``name``."""
        return self.local_sessions.get(name, self.session_id)

    def supports_gateway(self, cap: str) -> bool:
        return self.gateway_caps is None or cap in self.gateway_caps


def parse_request(
    opts: Mapping[str, str],
    *,
    session_id: str = "",
    build_platform: Platform | None = None,
    llb_caps: LLBCaps | None = None,
    gateway_caps: frozenset[str] | None = None,
) -> BuildRequest:
    """Read the frontend options; a bad one is a ``DockerfileError`` (or ``OptionError``).

    Without caps (offline) every capability counts as present.
    """
    filename = opts.get("filename", "") or DEFAULT_FILENAME
    build_args = _prefixed(opts, "build-arg:")

    def fail(message: str) -> DockerfileError:
        return DockerfileError(message, filename=filename)

    platforms = [p for p in opts.get("platform", "").split(",") if p.strip()]
    try:
        targets = tuple(dict.fromkeys(Platform.parse(p) for p in platforms))
    except ValueError as exc:
        raise fail(f"invalid platform option: {exc}") from None
    multi_platform = _multi_platform(opts, build_args, len(targets), fail)
    no_cache = None
    if "no-cache" in opts:
        no_cache = frozenset(n.strip().lower() for n in opts["no-cache"].split(",") if n.strip())
    network = opts.get("force-network-mode", "") or "sandbox"
    if network not in _NET_MODES:
        raise fail(f"invalid force-network-mode: {network!r}")
    epoch = build_args.get(SOURCE_DATE_EPOCH_ARG, "")
    try:
        source_date_epoch = go_parse_int(epoch) if epoch else None
    except ValueError:
        raise fail(f"invalid SOURCE_DATE_EPOCH: {epoch}") from None
    low, high = JSON_TIME_RANGE
    if source_date_epoch is not None and not low <= source_date_epoch <= high:
        raise fail(
            f"invalid SOURCE_DATE_EPOCH: {epoch}: an image config can only hold"
            f" times from {low} (year 0) to {high} (year 9999)"
        )
    try:
        check = check_override(build_args)
        ulimits = parse_ulimits(opts.get("ulimit", ""))
        shm_size = parse_shm_size(opts.get("shm-size", ""))
    except DockerfileError as exc:
        raise fail(exc.message) from None
    context_key = opts.get("contextkey", "") or DEFAULT_CONTEXT_KEY
    request = BuildRequest(
        subrequest=opts.get("requestid", ""),
        filename=filename,
        context_key=context_key,
        dockerfile_key=opts.get("dockerfilekey", "") or DEFAULT_DOCKERFILE_KEY,
        dockerfile_key_given="dockerfilekey" in opts,
        context_value=opts.get(context_key, ""),
        context_subdir=opts.get("contextsubdir"),
        keep_git_dir=_go_bool_or_false(build_args.get(KEEP_GIT_DIR_ARG, "")),
        session_id=session_id,
        build_platform=build_platform or DEFAULT_PLATFORM,
        target_platforms=targets,
        multi_platform=multi_platform,
        named_contexts=MappingProxyType(_prefixed(opts, "context:")),
        input_metadata=MappingProxyType(_prefixed(opts, "input-metadata:")),
        local_sessions=MappingProxyType(_prefixed(opts, "local-sessionid:")),
        target=opts.get("target", ""),
        build_args=MappingProxyType(build_args),
        labels=MappingProxyType(_prefixed(opts, "label:")),
        no_cache=no_cache,
        image_resolve_mode=opts.get("image-resolve-mode", "") or "default",
        network=_NET_MODES[network],
        extra_hosts=_hosts(opts.get("add-hosts", "")),
        hostname=build_args.get(SANDBOX_HOSTNAME_ARG, "") or opts.get("hostname", ""),
        ulimits=ulimits,
        shm_size=shm_size,
        cgroup_parent=opts.get("cgroup-parent", ""),
        source_date_epoch=source_date_epoch,
        cache_imports=cache_imports_from_opts(opts),
        sbom=_sbom_request(_attestations(opts)),
        check=check,
        llb_caps=llb_caps or LLBCaps(),
        gateway_caps=gateway_caps,
        frontend_caps=tuple(c for c in opts.get("frontend.caps", "").split(",") if c),
        source=opts.get("source", ""),
        forwarded="cmdline" in opts,
    )
    if request.sbom and not request.subrequest and not request.supports_gateway(ATTESTATIONS_CAP):
        raise OptionError(f"attest:sbom needs BuildKit v0.11 or newer (the {ATTESTATIONS_CAP} cap)")
    return request


def cache_imports_from_opts(opts: Mapping[str, str]) -> tuple[CacheImport, ...]:
    """Cache sources from ``cache-imports`` (JSON ``[{"Type","Attrs"}]``) then ``cache-from``.

    ``cache-from`` is the older comma-separated list of registry refs.
    """
    imports: list[CacheImport] = []
    if raw := opts.get("cache-imports", ""):
        try:
            entries = json.loads(raw)
        except ValueError as exc:
            raise OptionError(f"invalid cache-imports: {exc}") from None
        if not isinstance(entries, list):
            raise OptionError("invalid cache-imports: expected a JSON array")
        for entry in entries:
            if not isinstance(entry, dict):
                raise OptionError("invalid cache-imports: expected objects")
            attrs = json_field(entry, "attrs") or {}
            if not isinstance(attrs, dict):
                raise OptionError("invalid cache-imports: Attrs must be an object")
            type_ = json_field(entry, "type")
            imports.append(
                CacheImport(str(type_ or ""), {str(k): str(v) for k, v in attrs.items()})
            )
    for ref in opts.get("cache-from", "").split(","):
        if ref.strip():
            imports.append(CacheImport("registry", {"ref": ref.strip()}))
    return tuple(imports)


def _attestations(opts: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The attributes of each attestation asked for, by type (``sbom``, ``provenance``):
    ``attest:TYPE`` or the build arg ``BUILDKIT_ATTEST_TYPE``, a CSV of ``key=value``
    over the type's default attribute."""
    found: dict[str, str] = {}
    for key, value in sorted(opts.items()):
        for prefix in _ATTEST_PREFIXES:
            if key.startswith(prefix):
                found[key[len(prefix) :].lower()] = value
    out: dict[str, dict[str, str]] = {}
    for kind, text in found.items():
        if kind not in _ATTEST_DEFAULTS:
            raise OptionError(f"unknown attestation type {go_quote(kind)}")
        attrs = dict(_ATTEST_DEFAULTS[kind])
        if text:
            try:
                fields = next(csv.reader([text], strict=True))
            except csv.Error as exc:
                raise OptionError(f"failed to parse {kind}: {exc}") from None
            for item in fields:
                name, _, value = item.partition("=")
                attrs[name] = value
        out[kind] = attrs
    return out


def _sbom_request(attestations: Mapping[str, Mapping[str, str]]) -> SbomRequest | None:
    attrs = attestations.get("sbom")
    if attrs is None:
        return None
    generator = attrs["generator"]
    try:
        ref = normalize(generator)
    except ReferenceError as exc:
        raise OptionError(f"failed to parse sbom scanner {generator}: {exc}") from None
    params = tuple(sorted((k, v) for k, v in attrs.items() if k != "generator"))
    return SbomRequest(ref, params)


def _multi_platform(
    opts: Mapping[str, str],
    build_args: Mapping[str, str],
    count: int,
    fail: Callable[[str], DockerfileError],
) -> bool:
    """``multi-platform`` (or the build arg ``BUILDKIT_MULTI_PLATFORM``), else several platforms."""
    text = build_args.get("BUILDKIT_MULTI_PLATFORM", "") or opts.get("multi-platform", "")
    if not text:
        return count > 1
    try:
        wanted = go_bool(text)
    except ValueError:
        raise fail(f"invalid boolean value for multi-platform: {text}") from None
    if not wanted and count > 1:
        raise fail("conflicting config: returning multiple target platforms is not allowed")
    return wanted


def _hosts(text: str) -> tuple[HostIP, ...]:
    """``add-hosts``: ``host=ip`` (or the older ``host:ip``), comma-separated."""
    hosts = []
    for item in text.split(","):
        if item.strip():
            host, sep, ip = item.strip().partition("=")
            if not sep:
                host, _, ip = item.strip().partition(":")
            hosts.append(HostIP(host, ip))
    return tuple(hosts)


def _go_bool_or_false(text: str) -> bool:
    try:
        return go_bool(text)
    except ValueError:
        return False


def _prefixed(opts: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in sorted(opts.items()) if k.startswith(prefix)}


ULIMIT_NAMES = frozenset(
    ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
     "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")
)  # fmt: skip
"""The limits Docker knows (go-units)."""


def parse_shm_size(text: str) -> int:
    """``shm-size``: bytes, a decimal integer (empty: none)."""
    if not text:
        return 0
    try:
        return go_parse_int(text)
    except GoNumError as exc:
        raise DockerfileError(f"failed to parse shm size: {exc}") from None


def parse_ulimits(text: str) -> tuple[Ulimit, ...]:
    """``ulimit``: CSV of ``name=soft[:hard]`` (``nofile=1024:2048``)."""
    if not text:
        return ()
    try:
        fields = next(csv.reader([text], strict=True))
        return tuple(_ulimit(field) for field in fields)
    except (csv.Error, ValueError) as exc:
        raise DockerfileError(f"failed to parse ulimit: {exc}") from None


def _ulimit(text: str) -> Ulimit:
    """One limit, checked as go-units checks it (its messages)."""
    name, sep, values = text.partition("=")
    if not sep:
        raise ValueError(f"invalid ulimit argument: {text}")
    if name not in ULIMIT_NAMES:
        raise ValueError(f"invalid ulimit type: {name}")
    parts = values.split(":")
    if len(parts) > 2:
        raise ValueError(
            f"too many limit value arguments - {values}, can only have up to two, `soft[:hard]`"
        )
    hard = go_parse_int(parts[1]) if len(parts) == 2 else None
    soft = go_parse_int(parts[0])
    if hard is None:
        hard = soft
    elif hard != -1:
        if soft == -1:
            raise ValueError(
                "ulimit soft limit must be less than or equal to hard limit: "
                f"soft: -1 (unlimited), hard: {hard}"
            )
        if soft > hard:
            raise ValueError(
                f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            )
    return Ulimit(name, soft, hard)
