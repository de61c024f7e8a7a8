"""The frontend image a Dockerfile asks for: its ``# syntax=`` directive, or the
build arg ``BUILDKIT_SYNTAX`` (which wins).

Docker's frontend hands such a build over to the named image. This frontend
never delegates a build: it checks that the named image exists (a name that
does not resolve fails the build, at the directive's line, as with Docker) and
then builds the Dockerfile itself, with a warning when the name is not the
image it runs as. A build that another frontend handed over (``cmdline`` set)
has had its directive read already and is not checked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.reference import ReferenceError, normalize
from frontend.syntax.prelex import syntax_directive

if TYPE_CHECKING:
    from frontend.compiler.convert import ImageResolver
    from frontend.compiler.request import BuildRequest

SYNTAX_ARG = "BUILDKIT_SYNTAX"


def check_syntax_image(
    request: BuildRequest, data: bytes, resolve: ImageResolver
) -> DockerfileWarning | None:
    """None when no other frontend is asked for; a warning when one is and its image
    exists; a ``DockerfileError`` (at the directive's line) when it does not."""
    if request.forwarded:
        return None
    line, where = 0, f"build-arg:{SYNTAX_ARG}"
    value = request.build_args.get(SYNTAX_ARG, "").strip()
    if not value:
        found = syntax_directive(data)
        if found is None:
            return None
        (value, line), where = found, "syntax directive"
    ref = value.split(" ", 1)[0]
    if _same_image(ref, request.source):
        return None
    try:
        resolve(
            normalize(ref),
            platform=request.build_platform,
            resolve_mode=request.image_resolve_mode,
            log_name=f"[internal] resolve frontend image {ref}",
        )
    except (DockerfileError, ReferenceError) as exc:
        reason = exc.message if isinstance(exc, DockerfileError) else str(exc)
        raise DockerfileError(f"{where} names frontend {ref}: {reason}", line=line) from None
    return DockerfileWarning(
        f"{where} names frontend {ref}; this frontend builds the Dockerfile itself",
        line=line,
        description="The Dockerfile is not handed over to another frontend image.",
    )


def _same_image(ref: str, source: str) -> bool:
    if not source:
        return False
    try:
        return normalize(ref) == normalize(source)
    except ReferenceError:
        return ref == source
