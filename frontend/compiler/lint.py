"""Build checks for a whole Dockerfile.

``lint_dockerfile`` is what ``docker build --check`` asks a frontend for
(the ``frontend.lint`` subrequest): every stage is compiled (not only those
the target needs) and checked; an error that stops the build is part of the
result, not raised.
"""

from __future__ import annotations

from dataclasses import replace

from frontend.compiler.convert import ContextReader, ImageResolver, compile_dockerfile, plan_for
from frontend.compiler.options import BuildOptions
from frontend.compiler.request import BuildRequest, LoadedDockerfile
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.semantics.check_context import CheckContext
from frontend.semantics.check_report import LintReport
from frontend.semantics.check_rules import check_config, lint_error
from frontend.semantics.checks import checks_before_error, run_checks, typing_checks
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
    request: BuildRequest,
    dockerfile: LoadedDockerfile,
    resolve: ImageResolver,
    contexts: ContextReader | None = None,
) -> LintReport:
    """Check every stage (or only what ``target`` needs, when one is given)."""
    data, filename = dockerfile.data, dockerfile.filename
    warnings: list[DockerfileWarning] = []
    try:
        try:
            parsed = parse(data, filename, request.wording)
        except DockerfileError as exc:
            if exc.parse:
                warnings = typing_checks(data, filename, request.check)
            raise
        config = check_config(parsed.directives, request.check)
        options = BuildOptions(
            request,
            request.platforms[0],  # the checks look at the first target platform
            excludes=dockerfile.excludes,
            all_stages=not request.target,
        )
        ctx = CheckContext(
            config,
            options.request.build_platform,
            options.target_platform,
            options.request.build_args,
            ignore=ignore_matcher(dockerfile.excludes),
            all_stages=options.all_stages,
            filename=filename,
        )
        try:
            result = compile_dockerfile(
                parsed,
                options,
                resolve,
                source=dockerfile.source(with_definition=False),
                contexts=contexts,
                checks=ctx,
            )
        except DockerfileError:
            warnings = _plan_only(parsed, options, ctx)
            raise
        checked = replace(ctx, bases=result.bases)
        warnings = run_checks(parsed, result.plan, checked, result.stage_warnings)
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
    """What the checks can say when compiling failed (less if planning fails too)."""
    try:
        plan = plan_for(dockerfile, options)
    except DockerfileError as exc:
        return checks_before_error(dockerfile, ctx, exc.line)
    return run_checks(dockerfile, plan, ctx)
