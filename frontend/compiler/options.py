"""Build options: what the engine's frontend options mean to the compiler."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from frontend.compiler.sandbox import parse_shm_size, parse_ulimits
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import HostIP, NetMode, Ulimit
from frontend.llb.platform import Platform
from frontend.llb.state import State

HOSTNAME_ARG_OPT = "build-arg:BUILDKIT_SANDBOX_HOSTNAME"
"""A build arg that, when set, overrides the ``hostname`` option."""

_NET_MODES = {"sandbox": NetMode.SANDBOX, "host": NetMode.HOST, "none": NetMode.NONE}


@dataclass(frozen=True)
class BuildOptions:
    """Everything besides the Dockerfile that shapes the build graph."""

    build_platform: Platform
    target_platform: Platform
    implicit_target: bool = True
    target: str = ""
    build_args: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    no_cache: frozenset[str] | None = None
    """None: cache everything; empty: no cache anywhere; else stage names."""
    image_resolve_mode: str = "default"
    force_network: NetMode = NetMode.SANDBOX
    extra_hosts: tuple[HostIP, ...] = ()
    hostname: str = ""
    session_id: str = ""
    context_name: str = "context"
    excludes: tuple[str, ...] = ()
    llb_caps: LLBCaps = field(default_factory=LLBCaps)
    """What the engine supports; lowering degrades (or refuses) per missing cap."""
    remote_context: State | None = None
    """The build context when it is a download rather than the client's directory."""
    source_date_epoch: int | None = None
    """``SOURCE_DATE_EPOCH`` (seconds): the time the image and its new history carry."""
    all_stages: bool = False
    """Lower every stage, not only those the target needs (for the build checks)."""
    ulimits: tuple[Ulimit, ...] = ()
    shm_size: int = 0
    """Bytes of ``/dev/shm`` for RUN steps (0: the engine's default)."""
    cgroup_parent: str = ""

    def require_cap(self, cap: str, feature: str, failure: str = "") -> None:
        """Fail as an engine without ``cap`` fails, saying which engine would do."""
        if self.llb_caps.supports(cap):
            return
        since = caps.ADDED_IN.get(cap, "v0.8")
        reason = failure or f"unknown API capability {cap}"
        raise DockerfileError(f"{reason}: {feature} needs BuildKit {since} or newer")

    @classmethod
    def from_opts(
        cls,
        opts: Mapping[str, str],
        *,
        build_platform: Platform,
        session_id: str = "",
        excludes: tuple[str, ...] = (),
        llb_caps: LLBCaps | None = None,
        remote_context: State | None = None,
    ) -> BuildOptions:
        """Read the ``key=value`` options the engine passes (``target``, ``build-arg:X``...)."""
        platforms = [p for p in opts.get("platform", "").split(",") if p.strip()]
        if len(platforms) > 1:
            raise DockerfileError("building for several platforms at once is not supported yet")
        try:
            target_platform = Platform.parse(platforms[0]) if platforms else build_platform
        except ValueError as exc:
            raise DockerfileError(f"invalid platform option: {exc}") from None
        no_cache = None
        if "no-cache" in opts:
            no_cache = frozenset(
                n.strip().lower() for n in opts["no-cache"].split(",") if n.strip()
            )
        network = opts.get("force-network-mode", "") or "sandbox"
        if network not in _NET_MODES:
            raise DockerfileError(f"invalid force-network-mode: {network!r}")
        hosts = []
        for item in opts.get("add-hosts", "").split(","):
            if item.strip():
                host, sep, ip = item.strip().partition("=")
                if not sep:
                    host, _, ip = item.strip().partition(":")
                hosts.append(HostIP(host, ip))
        epoch = opts.get("build-arg:SOURCE_DATE_EPOCH", "")
        try:
            source_date_epoch = int(epoch) if epoch else None
        except ValueError:
            raise DockerfileError(f"invalid SOURCE_DATE_EPOCH: {epoch}") from None
        return cls(
            source_date_epoch=source_date_epoch,
            build_platform=build_platform,
            target_platform=target_platform,
            implicit_target=not platforms,
            target=opts.get("target", ""),
            build_args=_prefixed(opts, "build-arg:"),
            labels=_prefixed(opts, "label:"),
            no_cache=no_cache,
            image_resolve_mode=opts.get("image-resolve-mode", "") or "default",
            force_network=_NET_MODES[network],
            extra_hosts=tuple(hosts),
            hostname=opts.get(HOSTNAME_ARG_OPT, "") or opts.get("hostname", ""),
            session_id=session_id,
            context_name=opts.get("contextkey", "") or "context",
            excludes=excludes,
            llb_caps=llb_caps or LLBCaps(),
            remote_context=remote_context,
            ulimits=parse_ulimits(opts.get("ulimit", "")),
            shm_size=parse_shm_size(opts.get("shm-size", "")),
            cgroup_parent=opts.get("cgroup-parent", ""),
        )


def _prefixed(opts: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in sorted(opts.items()) if k.startswith(prefix)}
