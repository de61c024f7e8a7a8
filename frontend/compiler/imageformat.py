"""Which generation of image config and history an engine's own frontend writes.

Docker's Dockerfile frontend is built into the engine, and its image config
and history formats changed from one BuildKit release to the next. To give
the same image (and image id), we write what the engine's frontend would:
its release line comes from the engine's caps, each property below says
whether that line has one change. Without caps (offline) it is the newest.
"""

from __future__ import annotations

import functools

from frontend.frozen import frozen
from frontend.llb.caps import LLBCaps


@frozen
class ImageFormat:
    """The formats of one BuildKit release line ``(0, minor)``."""

    line: tuple[int, int] = LLBCaps().release

    @property
    def health_start_interval(self) -> bool:
        """v0.12: the history of HEALTHCHECK always prints the start interval."""
        return self.line >= (0, 12)

    @property
    def args_escaped_first(self) -> bool:
        """v0.12: ``ArgsEscaped`` is written with the OCI fields, before ``Healthcheck``."""
        return self.line >= (0, 12)

    @property
    def docker_spec(self) -> bool:
        """v0.13: the config is moby's docker-image-spec type (``OnBuild`` left out when
        empty, no ``StopTimeout``, the platform's ``os.version``/``os.features`` kept,
        no ``created`` of its own); COPY and ADD record ``--chown`` and ``--chmod``."""
        return self.line >= (0, 13)

    @property
    def arg_shows_value(self) -> bool:
        """v0.14: the history of ARG shows the value used, not the Dockerfile's default."""
        return self.line >= (0, 14)

    @property
    def inherits_stage_args(self) -> bool:
        """v0.15: a stage built on another lists that stage's ARGs in its RUN history."""
        return self.line >= (0, 15)

    @property
    def unique_run_args(self) -> bool:
        """v0.18: an ARG declared twice is listed once in RUN history (its last value)."""
        return self.line >= (0, 18)

    @property
    def windows_leaves_path(self) -> bool:
        """v0.22: Windows images get no default PATH (Windows sets its own)."""
        return self.line >= (0, 22)

    @property
    def expose_list(self) -> bool:
        """v0.25: EXPOSE parses ports with its own stricter rules and records them as a
        list in order (``EXPOSE [80/tcp 443/tcp]``), not as a Go map."""
        return self.line >= (0, 25)

    @property
    def shares_maps(self) -> bool:
        """Up to v0.29: a stage shares its label, port and volume maps with the stages
        built on it (``sharedmaps``)."""
        return self.line < (0, 30)

    @property
    def health_fields(self) -> bool:
        """v0.30: the history of HEALTHCHECK names its fields (``{Test:[...] Interval:1s ...}``)."""
        return self.line >= (0, 30)

    @property
    def old_go(self) -> bool:
        """Engines before the v0.15 line (Docker 27) were built with Go 1.21 or older,
        whose JSON writes backspace and form feed as ``\\u0008`` and ``\\u000c``."""
        return self.line < (0, 15)


@functools.cache
def image_format(engine: LLBCaps) -> ImageFormat:
    """The formats the built-in frontend of an engine with these caps writes."""
    return ImageFormat(engine.release)
