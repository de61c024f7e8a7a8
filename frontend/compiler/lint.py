"""Build checks for a whole Dockerfile, and ``pyfrontend check``.

``lint_dockerfile`` is what ``docker build --check`` asks a frontend for
(the ``frontend.lint`` subrequest): every stage is compiled (not only those
the target needs) and checked; an error that stops the build is part of the
result, not raised. ``pyfrontend check FILE...`` does it offline: base images
are taken to be plain images with no config (see ``pyfrontend llb``), so
checks that need a real config (its variables, its SHELL, its platform) know
less than a build does; the context is the Dockerfile's directory, and its
``.dockerignore`` (or ``<file>.dockerignore``) applies.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from frontend.compiler.convert import ImageResolver, compile_dockerfile, plan_for
from frontend.compiler.dockerignore import parse_dockerignore
from frontend.compiler.options import BuildOptions
from frontend.compiler.preview import assumed_image, options_from_args
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.gotext import go_json
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import SourceFile
from frontend.llb.platform import DEFAULT_PLATFORM, Platform
from frontend.semantics.check_report import (
    LintReport,
    error_text,
    results_json,
    results_text,
)
from frontend.semantics.check_rules import check_config, lint_error
from frontend.semantics.checks import CheckContext, run_checks
from frontend.semantics.ignore import IgnoreMatcher
from frontend.syntax import ast, parse


def ignore_matcher(excludes: tuple[str, ...]) -> IgnoreMatcher | None:
    """The matcher for ``CopyIgnoredFile`` (None: no patterns, or ones Docker refuses)."""
    if not excludes:
        return None
    try:
        return IgnoreMatcher(excludes)
    except ValueError:
        return None


def lint_dockerfile(
    data: bytes,
    filename: str,
    opts: Mapping[str, str],
    resolve: ImageResolver,
    *,
    build_platform: Platform = DEFAULT_PLATFORM,
    excludes: tuple[str, ...] = (),
    llb_caps: LLBCaps | None = None,
) -> LintReport:
    """Check every stage (or only what ``target`` needs, when one is given)."""
    warnings: list[DockerfileWarning] = []
    try:
        dockerfile = parse(data, filename=filename)
        config = check_config(dockerfile.directives, opts)
        options = BuildOptions.from_opts(
            opts, build_platform=build_platform, excludes=excludes, llb_caps=llb_caps
        )
        options = replace(options, all_stages=not options.target)
        ctx = CheckContext(
            config,
            options.build_platform,
            options.target_platform,
            options.build_args,
            ignore=ignore_matcher(excludes),
            all_stages=options.all_stages,
            filename=filename,
        )
        try:
            result = compile_dockerfile(
                dockerfile, options, resolve, source=SourceFile(filename, data)
            )
        except DockerfileError:
            warnings = _plan_only(dockerfile, options, ctx)
            raise
        warnings = run_checks(dockerfile, result.plan, replace(ctx, bases=result.bases))
        message = lint_error(warnings, config)
        if message:
            raise DockerfileError(message)
    except DockerfileError as exc:
        exc.filename = filename
        return LintReport(filename, data, tuple(warnings), exc)
    return LintReport(filename, data, tuple(warnings))


def _plan_only(
    dockerfile: ast.Dockerfile, options: BuildOptions, ctx: CheckContext
) -> list[DockerfileWarning]:
    """What the checks can say when compiling failed (nothing if planning fails too)."""
    try:
        plan = plan_for(dockerfile, options)
    except DockerfileError:
        return []
    return run_checks(dockerfile, plan, ctx)


def _excludes(path: Path) -> tuple[str, ...]:
    for candidate in (Path(f"{path}.dockerignore"), path.parent / ".dockerignore"):
        try:
            return parse_dockerignore(candidate.read_bytes())
        except OSError:
            continue
    return ()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="pyfrontend check",
        description="run the build checks on Dockerfiles, as docker build --check does",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--target", default="", help="check only what this stage needs")
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("--platform", default="", help="target platform, e.g. linux/arm64")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    opts = options_from_args(args)
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{name}: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        report = lint_dockerfile(data, name, opts, assumed_image, excludes=_excludes(path))
        if args.format == "json":
            print(go_json(results_json(report), indent=None))
        else:
            print(results_text(report), end="")
            if report.error is not None:
                print(("\n" if report.warnings else "") + error_text(report), end="",
                      file=sys.stderr)  # fmt: skip
        status = max(status, report.status)
    return status
