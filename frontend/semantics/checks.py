"""Build checks: the warnings Docker's Dockerfile frontend gives on every build.

``run_checks`` is pure: the typed Dockerfile, its plan, the check config and
what the build knows about base images in; warnings (each naming its rule,
message, documentation link and lines) out. Rules run where upstream runs
them: on every instruction of the file (casing, MAINTAINER, blank
continuation lines), on every FROM (stage names, ARGs and ``--platform``),
and instruction by instruction over the stages the build dispatches
(``frontend.semantics.check_dispatch``). A ``# check=skip=...`` comment right
above an instruction skips rules for that instruction only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from frontend import reference
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.gotext import go_quote
from frontend.platform import Platform
from frontend.semantics import check_rules as rules
from frontend.semantics.check_context import CheckContext, Reporter, StageBase
from frontend.semantics.check_dispatch import dispatch_checks
from frontend.semantics.check_rules import CheckConfig
from frontend.semantics.scope import global_args, predefined_args, target_stage_name, values_of
from frontend.semantics.stages import BuildPlan, split_stages
from frontend.semantics.words import WordError, WordMatches, expand_word_matches
from frontend.syntax import ast
from frontend.syntax.instructions import suggest

_RESERVED_STAGE_NAMES = ("context", "scratch")


def run_checks(
    dockerfile: ast.Dockerfile,
    plan: BuildPlan,
    ctx: CheckContext,
    stage_warnings: Sequence[DockerfileWarning] | None = None,
) -> list[DockerfileWarning]:
    """Every warning the build checks give for this build, in the order upstream finds them.

    ``stage_warnings`` are those of the stage checks, found while the stages were
    lowered; without them, the stages are walked here.
    """
    report = Reporter(ctx.filename)
    config = ctx.config
    _empty_continuations(dockerfile.empty_continuations, config, report)
    for node in dockerfile.instructions:
        _instruction_rules(node, config.for_comments(node.comments), report)
    _stage_names(plan, config, report)
    _instruction_casing(plan, config, report)
    _default_args_in_from(dockerfile, plan, config, report)
    global_env = plan.meta_arg_map()
    meta_names = [d.name for node in split_stages(dockerfile)[0] for d in node.args]
    for stage in plan.stages:
        _from_rules(stage.from_, stage.name, global_env, meta_names, dockerfile.escape, report,
                    config.for_comments(stage.from_.comments))  # fmt: skip
    dispatched = range(len(plan.stages)) if ctx.all_stages else sorted(plan.reachable)
    for index in dispatched:
        base = ctx.bases.get(index)
        if base is not None:
            _base_platform(plan.stages[index].from_, base, config, report)
    if stage_warnings is None:
        dispatch_checks(dockerfile, plan, ctx, list(dispatched), report)
    else:
        report.warnings.extend(stage_warnings)
    return report.warnings


def checks_before_error(
    dockerfile: ast.Dockerfile, ctx: CheckContext, line: int
) -> list[DockerfileWarning]:
    """The checks Docker's frontend reports before a build that could not be
    planned fails: the rules on every instruction, and the FROM rules of the
    stages up to the one at ``line`` (every stage when ``line`` is 0)."""
    report = Reporter(ctx.filename)
    config = ctx.config
    _empty_continuations(dockerfile.empty_continuations, config, report)
    for node in dockerfile.instructions:
        _instruction_rules(node, config.for_comments(node.comments), report)
    try:
        meta_nodes, stages = split_stages(dockerfile)
        predefined = predefined_args(
            ctx.build_platform,
            ctx.target_platform,
            target_stage=target_stage_name("", dockerfile),
            os_versions=True,
        )
        meta_args = global_args(meta_nodes, ctx.build_args, predefined, dockerfile.escape)
    except DockerfileError:
        return report.warnings
    global_env = values_of(a.pair for a in meta_args)
    meta_names = [d.name for node in meta_nodes for d in node.args]
    for node, _ in stages:
        if line and node.location.start_line > line:
            break
        name = node.name.lower() if node.name else None
        _from_rules(node, name, global_env, meta_names, dockerfile.escape, report,
                    config.for_comments(node.comments))  # fmt: skip
    return report.warnings


def typing_checks(
    source: bytes, filename: str, override: CheckConfig | None
) -> list[DockerfileWarning]:
    """The checks Docker's frontend reports before an instruction that does not
    parse: blank continuation lines, and the rules it runs while typing the
    instructions up to the one that fails."""
    from frontend.syntax import parse_raw
    from frontend.syntax.instructions import to_instruction

    try:
        raw = parse_raw(source, filename)
    except DockerfileError:
        return []
    config = rules.check_config(raw.directives.items(), override)
    report = Reporter(filename)
    lines = [n.empty_continuation_line for n in raw.nodes if n.empty_continuation_line]
    _empty_continuations(lines, config, report)
    for node in raw.nodes:
        try:
            typed = to_instruction(node)
        except DockerfileError:
            break
        _instruction_rules(typed, config.for_comments(typed.comments), report)
    return report.warnings


LEGACY_CONTINUATION_URL = "https://github.com/moby/moby/pull/33719"


def legacy_continuation_warnings(
    warnings: list[DockerfileWarning], dockerfile: ast.Dockerfile
) -> list[DockerfileWarning]:
    """``warnings`` as Docker's frontend gave them before build checks (BuildKit
    0.14): an empty continuation line is the parser's warning naming the
    instruction, not a rule's."""
    out = []
    for w in warnings:
        if w.rule == rules.NO_EMPTY_CONTINUATION.name:
            node = next(
                (n for n in dockerfile.instructions if n.location.start_line <= w.line
                 and w.line <= n.location.end_line),
                None,
            )  # fmt: skip
            message = "Empty continuation line found in: " + (node.original if node else "")
            w = replace(w, message=message, rule="", url=LEGACY_CONTINUATION_URL)
        out.append(w)
    return out


def _empty_continuations(lines: Iterable[int], config: CheckConfig, report: Reporter) -> None:
    for line in lines:
        where = ast.Location(line, line, 0)
        report(config, rules.NO_EMPTY_CONTINUATION, "Empty continuation line", where)


def _keyword(node: ast.Instruction) -> str:
    """The instruction's keyword as written."""
    return node.original.split(None, 1)[0]


def _instruction_rules(node: ast.Instruction, config: CheckConfig, report: Reporter) -> None:
    """The rules upstream runs while typing each instruction."""
    where = node.location
    if isinstance(node, ast.Maintainer):
        message = "Maintainer instruction is deprecated in favor of using label"
        report(config, rules.MAINTAINER_DEPRECATED, message, where)
    if isinstance(node, ast.Arg):
        _definition_description("ARG", [d.name for d in node.args], node, config, report)
    if not isinstance(node, ast.From) or node.name is None:
        return
    _definition_description("FROM", [node.name.lower()], node, config, report)
    if node.name != node.name.lower():
        message = f"Stage name '{node.name}' should be lowercase"
        report(config, rules.STAGE_NAME_CASING, message, where)
    keyword, as_word = _keyword(node), node.original.split()[-2]
    if keyword not in (keyword.lower(), keyword.upper()):
        return  # ConsistentInstructionCasing speaks for it
    wanted = as_word.lower() if keyword == keyword.lower() else as_word.upper()
    if as_word != wanted:
        message = f"'{as_word}' and '{keyword}' keywords' casing do not match"
        report(config, rules.FROM_AS_CASING, message, where)


def _definition_description(
    keyword: str, names: list[str], node: ast.Instruction, config: CheckConfig, report: Reporter
) -> None:
    """The comment right above a FROM ... AS or an ARG should start with the name it describes."""
    if not node.comments or not names or node.comments[-1].split(" ")[0] in names:
        return
    example = names[0] if len(names) == 1 else "<arg_key>"
    message = f"Comment for {keyword} should follow the format: `# {example} <description>`"
    report(config, rules.INVALID_DEFINITION_DESCRIPTION, message, node.location)


def _stage_names(plan: BuildPlan, config: CheckConfig, report: Reporter) -> None:
    seen: set[str] = set()
    for stage in plan.stages:
        if stage.name is None:
            continue
        where = stage.from_.location
        if stage.name in _RESERVED_STAGE_NAMES:
            message = (
                f"Stage name should not use the same name as reserved stage {go_quote(stage.name)}"
            )
            report(config, rules.RESERVED_STAGE_NAME, message, where)
        if stage.name in seen:
            message = f"Duplicate stage name {go_quote(stage.name)}, stage names should be unique"
            report(config, rules.DUPLICATE_STAGE_NAME, message, where)
        seen.add(stage.name)


def _instruction_casing(plan: BuildPlan, config: CheckConfig, report: Reporter) -> None:
    """Each keyword in one case, and in the case most keywords of the stages use."""
    nodes = [n for stage in plan.stages for n in (stage.from_, *stage.commands)]
    lower = upper = 0
    for node in nodes:
        keyword = _keyword(node)
        if keyword == keyword.lower():
            lower += 1
        elif keyword == keyword.upper():
            upper += 1
    majority_lower = lower > upper
    for node in nodes:
        keyword = _keyword(node)
        wanted = keyword.lower() if majority_lower else keyword.upper()
        if keyword != wanted:
            casing = "lowercase" if majority_lower else "uppercase"
            message = (
                f"Command '{keyword}' should match the case of the command majority ({casing})"
            )
            report(config, rules.CONSISTENT_INSTRUCTION_CASING, message, node.location)


def _default_args_in_from(
    dockerfile: ast.Dockerfile,
    plan: BuildPlan,
    config: CheckConfig,
    report: Reporter,
) -> None:
    """Base names must stay valid with the global ARGs' defaults (no build args)."""
    meta_nodes = split_stages(dockerfile)[0]
    try:
        values = global_args(meta_nodes, {}, plan.predefined, dockerfile.escape)
    except DockerfileError:
        return
    env = values_of(a.pair for a in values)
    for stage in plan.stages:
        try:
            name = expand_word_matches(stage.from_.image, env, dockerfile.escape).value
        except WordError:
            return
        try:
            reference.normalize(name)
        except reference.ReferenceError:
            message = (
                f"Default value for ARG {stage.from_.image} results in empty or invalid "
                "base image name"
            )
            report(config, rules.INVALID_DEFAULT_ARG_IN_FROM, message, stage.from_.location)


def _from_rules(
    node: ast.From,
    stage_name: str | None,
    env: Mapping[str, str],
    meta_names: list[str],
    escape: str,
    report: Reporter,
    config: CheckConfig,
) -> None:
    """ARGs used by FROM must be declared; ``--platform`` should be neither redundant nor fixed."""
    words = [node.image] + ([node.platform] if node.platform else [])
    for word in words:
        try:
            found = expand_word_matches(word, env, escape)
        except WordError:
            return
        missing = found.unmatched.difference(meta_names, env)
        known = sorted({*meta_names, *env}) if missing else []
        for name in sorted(missing):
            match = suggest(name, known)
            message = f"FROM argument '{name}' is not declared" + (
                f" (did you mean {match}?)" if match else ""
            )
            report(config, rules.UNDEFINED_ARG_IN_FROM, message, node.location)
        if word is node.platform:
            _platform_rules(node, found, stage_name or "", env, report, config)


def _platform_rules(
    node: ast.From,
    found: WordMatches,
    stage_name: str,
    env: Mapping[str, str],
    report: Reporter,
    config: CheckConfig,
) -> None:
    where = node.location
    redundant = found.matched == {"TARGETPLATFORM"} and not found.unmatched
    if redundant and found.value == env.get("TARGETPLATFORM"):
        message = (
            f"Setting platform to predefined {node.platform} in FROM is redundant as this "
            "is the default behavior"
        )
        report(config, rules.REDUNDANT_TARGET_PLATFORM, message, where)
    if found.matched or found.unmatched:
        return
    try:
        platform = Platform.parse(found.value)
    except ValueError:
        return
    if platform.os in stage_name or platform.architecture in stage_name:
        return
    message = f"FROM --platform flag should not use constant value {go_quote(found.value)}"
    report(config, rules.FROM_PLATFORM_FLAG_CONST_DISALLOWED, message, where)


def _base_platform(node: ast.From, base: StageBase, config: CheckConfig, report: Reporter) -> None:
    expected, actual = base.expected, base.actual
    if expected is None or actual is None:
        return
    if (expected.os, expected.architecture) == (actual.os, actual.architecture):
        return
    message = (
        f"Base image {base.name} was pulled with platform {go_quote(str(actual))}, "
        f"expected {go_quote(str(expected))} for current build"
    )
    report(config, rules.INVALID_BASE_IMAGE_PLATFORM, message, node.location)
