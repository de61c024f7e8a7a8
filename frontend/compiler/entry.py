"""The one entry point of every frontend run: a build request in, its result out.

``evaluate`` is pure: given the request (options and engine caps, read once),
the loaded Dockerfile and a base-image resolver, it returns the LLB and image
config of each target platform, or a subrequest's answer, or the error, with
the warnings to show. The gateway build, the subrequests and the offline
commands all go through it.
"""

from __future__ import annotations

from dataclasses import replace

from frontend.compiler.convert import ContextReader, ImageResolver, compile_dockerfile
from frontend.compiler.lint import ignore_matcher, lint_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.outline import outline, targets
from frontend.compiler.platforms import platform_id
from frontend.compiler.request import BuildRequest, LoadedDockerfile, OptionError
from frontend.compiler.result import BuildResult, PlatformResult
from frontend.compiler.sbom import Scanner, ScanTargets, load_scanner, scan
from frontend.compiler.subrequests import (
    DESCRIBE,
    LINT,
    OUTLINE,
    SERVED,
    TARGETS,
    describe,
    rpc_result,
)
from frontend.compiler.syntax_image import check_syntax_image
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.llb.marshal import Definition, SourceFile, marshal
from frontend.platform import Platform
from frontend.semantics.check_context import CheckContext
from frontend.semantics.check_report import LintReport, results_json, results_text
from frontend.semantics.check_rules import check_config, lint_error
from frontend.semantics.checks import (
    checks_before_error,
    legacy_continuation_warnings,
    run_checks,
    typing_checks,
)
from frontend.semantics.include import Spliced
from frontend.syntax import parse
from frontend.threads import thread_map


def evaluate(
    request: BuildRequest,
    dockerfile: LoadedDockerfile | None,
    resolve: ImageResolver,
    contexts: ContextReader | None = None,
) -> BuildResult:
    """The result of ``request``; ``dockerfile`` may be None when it needs none.

    ``contexts`` reads what named contexts need besides image configs (local
    directories, frontend inputs, OCI layouts); without it only image contexts load.
    """
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
                return BuildResult(
                    metadata=targets(
                        dockerfile.data, dockerfile.filename, request.wording, dockerfile.spliced
                    )
                )
            return BuildResult(metadata=_outline(request, dockerfile, resolve, contexts))
        except DockerfileError as exc:
            exc.filename = dockerfile.filename
            if dockerfile.spliced is not None:
                dockerfile.spliced.error(exc)
            return BuildResult(error=exc)
    if name == LINT:
        report = lint_dockerfile(request, dockerfile, resolve, contexts)
        if dockerfile.spliced is not None:
            report = _report_in_files(report, dockerfile.spliced)
        metadata = rpc_result(results_json(report), results_text(report))
        metadata["result.statuscode"] = str(report.status).encode()
        return BuildResult(metadata=metadata, report=report)
    result = _build(request, dockerfile, resolve, contexts)
    if dockerfile.spliced is None:
        return result
    spliced = dockerfile.spliced
    error = result.error
    if isinstance(error, DockerfileError):
        error = spliced.error(error)
    return replace(result, warnings=tuple(map(spliced.warning, result.warnings)), error=error)


def _report_in_files(report: LintReport, spliced: Spliced) -> LintReport:
    """A report on a Dockerfile with includes, each line located in its own file."""
    return replace(
        report,
        data=spliced.files[0][1],
        warnings=tuple(map(spliced.warning, report.warnings)),
        error=spliced.error(report.error) if report.error is not None else None,
        included=spliced.files[1:],
    )


def _build(
    request: BuildRequest,
    dockerfile: LoadedDockerfile,
    resolve: ImageResolver,
    contexts: ContextReader | None,
) -> BuildResult:
    """Compile the target for each platform (in parallel, so their image look-ups
    overlap) and check the first; a check may fail the build. With ``attest:sbom``,
    each platform gets its scan (the scanner is looked up first, as Docker's
    frontend does)."""
    warnings: list[DockerfileWarning] = []
    results: list[PlatformResult] = []
    scanner = None
    if request.sbom is not None:
        try:
            scanner = load_scanner(
                request.sbom, request.build_platform, resolve, request.image_resolve_mode
            )
        except OptionError as exc:
            return BuildResult(error=exc)
    try:
        requested = check_syntax_image(request, dockerfile.data, resolve)
        try:
            parsed = parse(dockerfile.data, dockerfile.filename, request.wording)
        except DockerfileError as exc:
            if exc.parse:
                warnings.extend(typing_checks(dockerfile.data, dockerfile.filename, request.check))
            raise
        warnings.extend(parsed.warnings)
        if requested is not None:
            warnings.append(replace(requested, filename=dockerfile.filename))
        check = check_config(parsed.directives, request.check)
        source = dockerfile.source()

        platforms = request.platforms
        context = CheckContext(
            check,
            request.build_platform,
            platforms[0],
            request.build_args,
            ignore=ignore_matcher(dockerfile.excludes),
            filename=dockerfile.filename,
        )

        def compile_for(platform: Platform) -> PlatformResult:
            options = BuildOptions(
                request, platform, excludes=dockerfile.excludes, remote_context=dockerfile.context
            )
            checks = context if platform is platforms[0] else None  # the first is checked
            compiled = compile_dockerfile(
                parsed, options, resolve, source=source, contexts=contexts, checks=checks
            )
            sbom = _sbom(scanner, platform, compiled.sbom, request, source)
            return PlatformResult(platform, compiled, sbom)

        try:
            results.extend(thread_map(compile_for, platforms, max_workers=4))
        except DockerfileError as exc:
            warnings.extend(checks_before_error(parsed, context, exc.line))
            raise
        first = results[0]
        context = replace(context, target_platform=first.platform, bases=first.compiled.bases)
        checked = run_checks(parsed, first.compiled.plan, context, first.compiled.stage_warnings)
        # (build checks came with BuildKit 0.14; 0.13 to 0.16 have the same caps)
        if request.llb_caps.release < (0, 13):
            checked = legacy_continuation_warnings(checked, parsed)
        warnings.extend(checked)
        failure = lint_error(checked, check)
        if failure:
            raise DockerfileError(failure)
    except DockerfileError as exc:
        exc.filename = dockerfile.filename  # errors past parsing do not know the file's name
        return BuildResult(warnings=tuple(warnings), error=exc)
    return BuildResult(platforms=tuple(results), warnings=tuple(warnings))


def _sbom(
    scanner: Scanner | None,
    platform: Platform,
    targets: ScanTargets | None,
    request: BuildRequest,
    source: SourceFile,
) -> Definition | None:
    """The scan of one platform's result, if asked for."""
    if scanner is None or targets is None:
        return None
    output = scan(scanner, platform_id(platform), targets)
    return marshal(output, source=source, caps=request.llb_caps)


def _outline(
    request: BuildRequest,
    dockerfile: LoadedDockerfile,
    resolve: ImageResolver,
    contexts: ContextReader | None,
) -> dict[str, bytes]:
    """The ``frontend.outline`` answer: the target is compiled as a build would be.

    As in Docker's frontend, the ``platform`` option plays no part: the target
    platform is the build platform.
    """
    parsed = parse(dockerfile.data, dockerfile.filename, request.wording)
    request = replace(request, target_platforms=(), multi_platform=False)
    options = BuildOptions(
        request,
        request.build_platform,
        excludes=dockerfile.excludes,
        remote_context=dockerfile.context,
    )
    source = dockerfile.source()
    compiled = compile_dockerfile(parsed, options, resolve, source=source, contexts=contexts)
    return outline(parsed, dockerfile.data, compiled, options, dockerfile.spliced)
