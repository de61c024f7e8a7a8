"""The one entry point of every frontend run: a build request in, its result out.

``evaluate`` is pure: given the request (options and engine caps, read once),
the loaded Dockerfile and a base-image resolver, it returns the LLB and image
config of each target platform, or a subrequest's answer, or the error, with
the warnings to show. The gateway build, the subrequests and the offline
commands all go through it.
"""

from __future__ import annotations

from frontend.compiler.convert import ImageResolver, compile_dockerfile
from frontend.compiler.lint import ignore_matcher, lint_dockerfile
from frontend.compiler.options import build_options, single_platform
from frontend.compiler.outline import outline, targets
from frontend.compiler.result import BuildResult, PlatformResult
from frontend.compiler.subrequests import (
    DESCRIBE,
    LINT,
    OUTLINE,
    SERVED,
    TARGETS,
    describe,
    rpc_result,
)
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.llb.marshal import SourceFile
from frontend.request import BuildRequest, LoadedDockerfile
from frontend.semantics.check_report import results_json, results_text
from frontend.semantics.check_rules import check_config, lint_error
from frontend.semantics.checks import CheckContext, run_checks
from frontend.syntax import parse


def evaluate(
    request: BuildRequest, dockerfile: LoadedDockerfile | None, resolve: ImageResolver
) -> BuildResult:
    """The result of ``request``; ``dockerfile`` may be None when it needs none."""
    name = request.subrequest
    if name and name not in SERVED:
        return BuildResult(unsupported=name)
    if name == DESCRIBE:
        return BuildResult(metadata=describe())
    if dockerfile is None:
        raise ValueError(f"{name or 'a build'} needs the Dockerfile")
    if name in (OUTLINE, TARGETS):
        try:
            if name == TARGETS:
                return BuildResult(metadata=targets(dockerfile.data, dockerfile.filename))
            return BuildResult(metadata=_outline(request, dockerfile, resolve))
        except DockerfileError as exc:
            exc.filename = dockerfile.filename
            return BuildResult(error=exc)
    if name == LINT:
        report = lint_dockerfile(request, dockerfile, resolve)
        metadata = rpc_result(results_json(report), results_text(report))
        metadata["result.statuscode"] = str(report.status).encode()
        return BuildResult(metadata=metadata, report=report)
    return _build(request, dockerfile, resolve)


def _build(
    request: BuildRequest, dockerfile: LoadedDockerfile, resolve: ImageResolver
) -> BuildResult:
    """Compile and check the target for each platform; a check may fail the build."""
    warnings: list[DockerfileWarning] = []
    results: list[PlatformResult] = []
    try:
        parsed = parse(dockerfile.data, filename=dockerfile.filename)
        warnings.extend(parsed.warnings)
        check = check_config(parsed.directives, request.check)
        checked: list[DockerfileWarning] = []
        for platform in (single_platform(request),):
            options = build_options(
                request, platform, excludes=dockerfile.excludes, remote_context=dockerfile.context
            )
            compiled = compile_dockerfile(
                parsed, options, resolve, source=SourceFile(dockerfile.filename, dockerfile.data)
            )
            context = CheckContext(
                check,
                options.build_platform,
                options.target_platform,
                options.build_args,
                bases=compiled.bases,
                ignore=ignore_matcher(dockerfile.excludes),
                filename=dockerfile.filename,
            )
            checked.extend(run_checks(parsed, compiled.plan, context))
            results.append(PlatformResult(platform, compiled))
        warnings.extend(checked)
        failure = lint_error(checked, check)
        if failure:
            raise DockerfileError(failure)
    except DockerfileError as exc:
        exc.filename = dockerfile.filename  # errors past parsing do not know the file's name
        return BuildResult(warnings=tuple(warnings), error=exc)
    return BuildResult(platforms=tuple(results), warnings=tuple(warnings))


def _outline(
    request: BuildRequest, dockerfile: LoadedDockerfile, resolve: ImageResolver
) -> dict[str, bytes]:
    """The ``frontend.outline`` answer: the target is compiled as a build would be."""
    parsed = parse(dockerfile.data, filename=dockerfile.filename)
    options = build_options(
        request,
        single_platform(request),
        excludes=dockerfile.excludes,
        remote_context=dockerfile.context,
    )
    source = SourceFile(dockerfile.filename, dockerfile.data)
    compiled = compile_dockerfile(parsed, options, resolve, source=source)
    return outline(parsed, dockerfile.data, compiled, options)
