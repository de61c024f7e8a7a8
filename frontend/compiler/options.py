"""Build options: what a build request means to the compiler, for one target platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from frontend.compiler.request import BuildRequest
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import HostIP, NetMode, Ulimit
from frontend.llb.state import State
from frontend.platform import Platform


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
    multi_platform: bool = False
    """One result per platform (progress names then start with the platform)."""
    named_contexts: Mapping[str, str] = field(default_factory=dict)
    """``context:KEY`` options by KEY (``name`` or ``name::os/arch``)."""
    input_metadata: Mapping[str, str] = field(default_factory=dict)
    """``input-metadata:NAME`` options (JSON) by input name."""
    local_sessions: Mapping[str, str] = field(default_factory=dict)
    """``local-sessionid:NAME``: the session that holds local NAME, when not the build's."""
    ulimits: tuple[Ulimit, ...] = ()
    shm_size: int = 0
    """Bytes of ``/dev/shm`` for RUN steps (0: the engine's default)."""
    cgroup_parent: str = ""

    def local_session(self, name: str) -> str:
        """The session that holds the client's local directory ``name``."""
        return self.local_sessions.get(name, self.session_id)

    @property
    def target_stage_arg(self) -> bool:
        """Whether ``TARGETSTAGE`` is a predefined ARG (Docker's frontend from BuildKit 0.17)."""
        return self.llb_caps.release >= (0, 17)

    @property
    def os_version_args(self) -> bool:
        """Whether ``BUILDOSVERSION`` and ``TARGETOSVERSION`` are predefined ARGs
        (Docker's frontend from BuildKit 0.19)."""
        return self.llb_caps.release >= (0, 19)

    @property
    def raw_args(self) -> bool:
        """Whether an ARG's name stays as written, a default a build arg replaces is not
        expanded, and a global ARG without a value is unset rather than empty (Docker's
        frontend from BuildKit 0.14)."""
        return self.llb_caps.release >= (0, 14)

    @property
    def onbuild_sources(self) -> bool:
        """Whether an ONBUILD trigger may ``COPY --from`` (Docker's frontend from BuildKit 0.17)."""
        return self.llb_caps.release >= (0, 17)

    def require_cap(self, cap: str, feature: str, failure: str = "") -> None:
        """Fail as an engine without ``cap`` fails, saying which engine would do."""
        if self.llb_caps.supports(cap):
            return
        since = caps.ADDED_IN.get(cap, "v0.8")
        reason = failure or f"unknown API capability {cap}"
        raise DockerfileError(f"{reason}: {feature} needs BuildKit {since} or newer")


def build_options(
    request: BuildRequest,
    platform: Platform,
    *,
    excludes: tuple[str, ...] = (),
    remote_context: State | None = None,
    all_stages: bool = False,
) -> BuildOptions:
    """The compiler's view of ``request`` for the target ``platform``."""
    return BuildOptions(
        build_platform=request.build_platform,
        target_platform=platform,
        implicit_target=not request.target_platforms,
        target=request.target,
        build_args=request.build_args,
        labels=request.labels,
        no_cache=request.no_cache,
        image_resolve_mode=request.image_resolve_mode,
        force_network=request.network,
        extra_hosts=request.extra_hosts,
        hostname=request.hostname,
        session_id=request.session_id,
        context_name=request.context_key,
        excludes=excludes,
        llb_caps=request.llb_caps,
        remote_context=remote_context,
        source_date_epoch=request.source_date_epoch,
        all_stages=all_stages,
        multi_platform=request.multi_platform,
        named_contexts=request.named_contexts,
        input_metadata=request.input_metadata,
        local_sessions=request.local_sessions,
        ulimits=request.ulimits,
        shm_size=request.shm_size,
        cgroup_parent=request.cgroup_parent,
    )
