"""A Dockerfile that names a frontend image (``# syntax=`` or ``BUILDKIT_SYNTAX``):
checked to exist, never handed over."""

from __future__ import annotations

from frontend.compiler.entry import evaluate
from frontend.compiler.request import LoadedDockerfile, parse_request
from frontend.compiler.result import BuildResult
from frontend.errors import DockerfileError
from frontend.platform import Platform
from frontend.syntax.prelex import syntax_directive
from tests.unit.compiler.conftest import Resolver


class Missing(Resolver):
    """Resolves nothing named in ``missing``."""

    missing: tuple[str, ...] = ("docker.io/library/foobar:latest",)

    def __call__(
        self, ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        if ref in self.missing:
            self.calls.append(ref)
            raise DockerfileError(f"failed to resolve image {ref}: not found")
        return super().__call__(
            ref, platform=platform, resolve_mode=resolve_mode, log_name=log_name
        )


def build(text: str, resolver: Resolver, **opts: str) -> BuildResult:
    request = parse_request({"source": "myorg/pyfrontend:1", **opts})
    return evaluate(request, LoadedDockerfile("Dockerfile", text.encode()), resolver)


def test_directive_is_detected_as_buildkit_does() -> None:
    assert syntax_directive("#syntax=foobar\nFROM alpine\n") == ("foobar", 1)
    assert syntax_directive("#!/usr/bin/env x\n# syntax = a/b:1 --x\nFROM a\n") == (
        "a/b:1 --x",
        2,
    )
    assert syntax_directive("\ufeff# escape=`\n# syntax=x\nFROM a\n") == ("x", 2)
    assert syntax_directive("FROM a\n# syntax=x\n") is None
    assert syntax_directive("# hello\n# syntax=x\nFROM a\n") is None


def test_a_frontend_image_that_does_not_resolve_fails_at_the_directive() -> None:
    resolver = Missing()
    result = build("#syntax=foobar\nfrom alpine", resolver)
    error = result.error
    assert isinstance(error, DockerfileError)
    assert (error.line, error.filename) == (1, "Dockerfile")
    assert "foobar" in error.message and "not found" in error.message
    assert resolver.calls == ["docker.io/library/foobar:latest"]  # nothing else was looked up


def test_an_existing_frontend_image_is_not_used_and_a_warning_says_so() -> None:
    resolver = Resolver()
    result = build("# syntax=docker/dockerfile:1\nFROM alpine\n", resolver)
    assert result.error is None
    (warning,) = [w for w in result.warnings if "docker/dockerfile:1" in w.message]
    assert warning.line == 1
    assert resolver.calls[0] == "docker.io/docker/dockerfile:1"


def test_no_check_for_our_own_image_or_a_handed_over_build() -> None:
    for text, opts in [
        ("# syntax=docker.io/myorg/pyfrontend:1\nFROM alpine\n", {}),
        ("# syntax=foobar\nFROM alpine\n", {"cmdline": "foobar"}),
    ]:
        resolver = Missing()
        result = build(text, resolver, **opts)
        assert result.error is None
        assert result.warnings == ()
        assert resolver.missing[0] not in resolver.calls


def test_the_build_arg_wins_over_the_directive() -> None:
    resolver = Missing()
    result = build(
        "# syntax=docker/dockerfile:1\nFROM alpine\n",
        resolver,
        **{"build-arg:BUILDKIT_SYNTAX": "foobar"},
    )
    error = result.error
    assert isinstance(error, DockerfileError) and error.line == 0
    assert "build-arg:BUILDKIT_SYNTAX names frontend foobar" in error.message


def test_an_invalid_frontend_reference_fails_at_the_directive() -> None:
    result = build("# syntax=Not/Valid\nFROM alpine\n", Resolver())
    error = result.error
    assert isinstance(error, DockerfileError) and error.line == 1
    assert "syntax directive names frontend Not/Valid: invalid reference format" in error.message
