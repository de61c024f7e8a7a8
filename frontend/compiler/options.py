"""Build options: a build request as the compiler sees it, for one target platform."""

from __future__ import annotations

from frontend.compiler.request import BuildRequest
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.llb import caps
from frontend.llb.state import State
from frontend.platform import Platform


@frozen
class BuildOptions:
    """The build request as the compiler sees it for one target platform."""

    request: BuildRequest
    """Every option of the build (read once by ``parse_request``)."""
    target_platform: Platform
    excludes: tuple[str, ...] = ()
    """The ``.dockerignore`` patterns of the client's context."""
    remote_context: State | None = None
    """The build context when it is a download rather than the client's directory."""
    all_stages: bool = False
    """Lower every stage, not only those the target needs (for the build checks)."""

    @property
    def implicit_target(self) -> bool:
        """Whether no ``platform`` option was given (the target is the build platform)."""
        return not self.request.target_platforms

    @property
    def target_stage_arg(self) -> bool:
        """Whether ``TARGETSTAGE`` is a predefined ARG (Docker's frontend from BuildKit 0.17)."""
        return self.request.llb_caps.release >= (0, 17)

    @property
    def os_version_args(self) -> bool:
        """Whether ``BUILDOSVERSION`` and ``TARGETOSVERSION`` are predefined ARGs
        (Docker's frontend from BuildKit 0.19)."""
        return self.request.llb_caps.release >= (0, 19)

    @property
    def raw_args(self) -> bool:
        """Whether an ARG's name stays as written, a default a build arg replaces is not
        expanded, and a global ARG without a value is unset rather than empty (Docker's
        frontend from BuildKit 0.14)."""
        return self.request.llb_caps.release >= (0, 14)

    @property
    def onbuild_sources(self) -> bool:
        """Whether an ONBUILD trigger may ``COPY --from`` (Docker's frontend from BuildKit 0.17)."""
        return self.request.llb_caps.release >= (0, 17)

    def require_cap(self, cap: str, feature: str, failure: str = "") -> None:
        """Fail as an engine without ``cap`` fails, saying which engine would do."""
        if self.request.llb_caps.supports(cap):
            return
        since = caps.ADDED_IN.get(cap, "v0.8")
        reason = failure or f"unknown API capability {cap}"
        raise DockerfileError(f"{reason}: {feature} needs BuildKit {since} or newer")
