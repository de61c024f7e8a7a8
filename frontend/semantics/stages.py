"""Stages and their dependency graph: which stages a build target needs.

Phases, each a small pure function: split the file into global ARGs and
stages, evaluate global ARGs, bind each FROM and ``COPY --from``, pick the
target, refuse cycles, and keep only the stages the target reaches.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from frontend import reference
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import go_quote
from frontend.platform import Platform
from frontend.semantics import fromvars
from frontend.semantics.fromvars import located as _error
from frontend.semantics.scope import (
    ArgRules,
    global_args,
    predefined_args,
    target_stage_name,
    values_of,
)
from frontend.semantics.words import WordError, expand_word, expand_word_matches
from frontend.syntax import ast
from frontend.syntax.instructions import STAGE_NAME, suggest
from frontend.syntax.prelex import extensions_of

SCRATCH = "scratch"


@frozen
class ImageSource:
    """``COPY --from`` naming an image rather than a stage."""

    ref: str
    location: ast.Location


@frozen
class Stage:
    """One FROM and the instructions under it."""

    index: int
    name: str | None
    base_name: str
    platform: Platform | None
    from_: ast.From
    commands: tuple[ast.Instruction, ...]
    base: int | None = None
    """Index of the earlier stage this one starts from, if any."""
    from_context: bool = False
    """A named context (``context:NAME``) replaces the whole stage."""

    @property
    def display_name(self) -> str:
        return self.name or f"stage-{self.index}"


Source = int | ImageSource
"""A ``COPY --from`` target: a stage index or an image."""


@frozen
class BuildPlan:
    """The stages, their edges, and the subset the target needs."""

    stages: tuple[Stage, ...]
    meta_args: tuple[tuple[str, str | None], ...]
    """Predefined and global ARGs in order, with their values (None: unset)."""
    sources: Mapping[tuple[int, int], Source]
    """``(stage, command index)`` → what that ``COPY --from`` reads."""
    mount_sources: Mapping[tuple[int, int, int], Source]
    """``(stage, command index, mount index)`` → what that ``RUN --mount from=`` reads."""
    target: int
    reachable: frozenset[int]
    images: tuple[ImageSource, ...]
    """External images read by ``COPY --from`` in reachable stages."""
    predefined_count: int = 0
    """How many of ``meta_args`` are predefined (they come first)."""

    @property
    def predefined(self) -> tuple[tuple[str, str | None], ...]:
        """The predefined ARGs, build args applied."""
        return self.meta_args[: self.predefined_count]

    def meta_arg_map(self) -> dict[str, str]:
        """The global ARGs that have a value (one declared without a default and not
        given as a build arg sets nothing in the stages that name it)."""
        return values_of(self.meta_args)


def split_stages(
    dockerfile: ast.Dockerfile,
) -> tuple[list[ast.Arg], list[tuple[ast.From, list[ast.Instruction]]]]:
    """Global ARGs (before the first FROM) and each FROM with its instructions."""
    meta: list[ast.Arg] = []
    stages: list[tuple[ast.From, list[ast.Instruction]]] = []
    for node in dockerfile.instructions:
        if isinstance(node, ast.From):
            stages.append((node, []))
        elif stages:
            stages[-1][1].append(node)
        elif isinstance(node, ast.Arg):
            meta.append(node)
        else:
            raise _error("no build stage in current context", node)
    if not stages:
        raise DockerfileError("dockerfile contains no stages to build")
    return meta, stages


def plan(
    dockerfile: ast.Dockerfile,
    *,
    target: str,
    build_args: Mapping[str, str],
    build_platform: Platform,
    target_platform: Platform,
    has_context: Callable[[str, Platform | None], bool] | None = None,
    with_target_stage: bool = True,
    os_versions: bool = True,
    unset_is_empty: bool = False,
) -> BuildPlan:
    """Bind stages and ``--from`` references, then find what ``target`` needs.

    ``has_context(name, platform)`` says whether a named context replaces the
    stage called ``name`` (its ``--platform`` given, if any): such a stage is
    neither built nor starts from another. ``with_target_stage`` and
    ``os_versions`` say which ARGs besides the platforms' are predefined (as in
    the newest frontend by default); ``unset_is_empty``: a global ARG without a
    value reads as empty (frontends before BuildKit 0.14).
    """
    meta_nodes, raw_stages = split_stages(dockerfile)
    stage_name = target_stage_name(target, dockerfile) if with_target_stage else None
    predefined = predefined_args(
        build_platform, target_platform, target_stage=stage_name, os_versions=os_versions
    )
    decls = global_args(
        meta_nodes, build_args, predefined, dockerfile.escape, unset_is_empty=unset_is_empty
    )
    meta_args = [a.pair for a in decls]
    arg_env = values_of(meta_args, unset_is_empty=unset_is_empty)

    stages: list[Stage] = []
    by_name: dict[str, int] = {}
    for index, (node, commands) in enumerate(raw_stages):
        try:
            base_name = expand_word(node.image, arg_env, dockerfile.escape)
        except WordError as exc:
            raise _error(str(exc), node) from None
        if not base_name:
            raise _error(f"base name ({node.image}) should not be blank", node)
        platform = _stage_platform(node, arg_env, dockerfile.escape)
        name = None
        if node.name is not None:
            name = node.name.lower()
            if not STAGE_NAME.fullmatch(name):
                raise _error(
                    f"invalid name for build stage: {node.name!r}, "
                    "name can't start with a number or contain symbols",
                    node,
                )
        replaced = name is not None and has_context is not None and has_context(name, platform)
        stages.append(
            Stage(
                index=index,
                name=name,
                base_name=base_name,
                platform=platform,
                from_=node,
                commands=tuple(commands),
                base=None if replaced else by_name.get(base_name),
                from_context=replaced,
            )
        )
        if name is not None:
            by_name[name] = index

    expanded = fromvars.Expanded({}, {})
    if fromvars.NAME in extensions_of(dict(dockerfile.directives)):
        rules = ArgRules(build_args, values_of(meta_args), expand_all=unset_is_empty)
        bodies = (fromvars.StageBody(s.base, s.commands) for s in stages)
        expanded = fromvars.expand_references(bodies, rules, dockerfile.escape)
    sources = _bind_sources(stages, by_name, dockerfile.escape, expanded.copies)
    mount_sources = _bind_mount_sources(stages, by_name, expanded.mounts)
    target_index = _find_target(target, stages, by_name)
    deps = _dependencies(stages, [*sources.items(), *mount_sources.items()])
    _check_cycles(stages, deps)
    reachable = _reachable([target_index], deps)
    _check_order(stages, sources, mount_sources, reachable, expanded)
    images = tuple(
        src
        for (stage, *_), src in [*sorted(sources.items()), *sorted(mount_sources.items())]
        if stage in reachable and isinstance(src, ImageSource) and not stages[stage].from_context
    )
    return BuildPlan(
        stages=tuple(stages),
        meta_args=tuple(meta_args),
        sources=sources,
        mount_sources=mount_sources,
        target=target_index,
        reachable=frozenset(reachable),
        images=images,
        predefined_count=len(predefined),
    )


def _stage_platform(node: ast.From, env: Mapping[str, str], escape: str) -> Platform | None:
    """``FROM --platform``, expanded with the global ARGs; an error suggests the
    declared ARG a misspelt name probably meant."""
    if not node.platform:
        return None
    try:
        found = expand_word_matches(node.platform, env, escape)
    except WordError as exc:
        raise _error(f"failed to parse platform {node.platform}: {exc}", node) from None
    hint = next(
        (f" (did you mean {m}?)" for n in sorted(found.unmatched) if (m := suggest(n, [*env]))),
        "",
    )
    if not found.value:
        raise _error(f"empty platform value from expression {node.platform}{hint}", node)
    try:
        return Platform.parse(found.value)
    except ValueError as exc:
        raise _error(f"failed to parse platform {node.platform}: {exc}{hint}", node) from None


def _bind_sources(
    stages: list[Stage],
    by_name: dict[str, int],
    escape: str,
    expanded: Mapping[tuple[int, int], str],
) -> dict[tuple[int, int], Source]:
    """``COPY --from`` targets; ``expanded``: the values of those holding variables
    (the ``from-vars`` extension)."""
    sources: dict[tuple[int, int], Source] = {}
    for stage in stages:
        for i, node in enumerate(stage.commands):
            if not isinstance(node, ast.Copy) or not node.from_:
                continue
            value = expanded.get((stage.index, i))
            if value is None:
                src = _copy_source(node.from_, len(stages), by_name, node, escape)
            else:
                src = _expanded_source(node.from_, value, len(stages), by_name, node)
            sources[stage.index, i] = src
    return sources


def _expanded_source(
    word: str, value: str, count: int, by_name: Mapping[str, int], node: ast.Instruction
) -> Source:
    """A reference's expanded value: a stage (by index for ``COPY``), else an image;
    a value near a stage's name that names none is taken for a misspelt stage."""
    if isinstance(node, ast.Copy) and value.lstrip("-").isdigit():
        if not 0 <= int(value) < count:
            raise fromvars.expanded_error(word, value, "no such stage index", node)
        return int(value)
    if value.lower() in by_name:
        return by_name[value.lower()]
    if hint := suggest(value.lower(), [*by_name]):
        why = f"no stage of this Dockerfile has that name (did you mean {hint}?)"
        raise fromvars.expanded_error(word, value, why, node)
    try:
        reference.normalize(value)
    except reference.ReferenceError as exc:
        why = f"neither a stage nor an image reference ({exc})"
        raise fromvars.expanded_error(word, value, why, node) from None
    return ImageSource(value, node.location)


def _copy_source(
    ref: str, count: int, by_name: Mapping[str, int], node: ast.Copy, escape: str
) -> Source:
    """A ``COPY --from`` value: a stage index, a stage name, else an image.

    The value is taken literally: one that variables or quotes would change is
    an error (a global ARG can name a stage's base image instead).
    """
    try:
        literal = expand_word(ref, {}, escape) == ref
    except WordError as exc:
        raise _error(str(exc), node) from None
    if not literal:
        raise _error(
            "variable expansion is not supported for --from, define a new stage with FROM "
            "using ARG from global scope as a workaround",
            node,
        )
    if ref.isdigit() or (ref.startswith("-") and ref[1:].isdigit()):
        index = int(ref)
        if not 0 <= index < count:
            raise _error(f"invalid stage index {index}", node)
        return index
    if ref.lower() in by_name:
        return by_name[ref.lower()]
    return ImageSource(ref, node.location)


def with_trigger_sources(
    plan: BuildPlan, triggers: Mapping[tuple[int, int], ast.Instruction]
) -> BuildPlan:
    """``plan`` with the ``COPY --from`` and ``RUN --mount from=`` of ONBUILD
    triggers bound too.

    ``triggers`` maps ``(stage, -1 - trigger index)`` to the trigger; the stages
    they read become reachable (upstream binds triggers before it picks the
    stages to build).
    """
    if not triggers:  # (the plan is already bound and checked)
        return plan
    by_name = {s.name: s.index for s in plan.stages if s.name is not None}
    sources = dict(plan.sources)
    mount_sources = dict(plan.mount_sources)
    for key, node in triggers.items():
        if isinstance(node, ast.Copy) and node.from_:
            # (a trigger is parsed on its own, with the default escape character)
            sources[key] = _copy_source(node.from_, len(plan.stages), by_name, node, "\\")
        elif isinstance(node, ast.Run):
            for j, src in _run_mount_sources(node, by_name):
                mount_sources[(*key, j)] = src
    stages = list(plan.stages)
    deps = _dependencies(stages, [*sources.items(), *mount_sources.items()])
    _check_cycles(stages, deps)
    reachable = _reachable(plan.reachable, deps)
    return replace(
        plan, sources=sources, mount_sources=mount_sources, reachable=frozenset(reachable)
    )


def _bind_mount_sources(
    stages: list[Stage],
    by_name: dict[str, int],
    expanded: Mapping[tuple[int, int, int], str],
) -> dict[tuple[int, int, int], Source]:
    """``RUN --mount`` ``from=`` targets: a stage by name, else an image;
    ``expanded``: the values of those holding variables (``from-vars``).

    Unlike ``COPY --from``, a number is not a stage index here (as upstream).
    A cache mount without ``from`` starts empty; tmpfs, secret and ssh mounts
    read nothing.
    """
    sources: dict[tuple[int, int, int], Source] = {}
    for stage in stages:
        for i, node in enumerate(stage.commands):
            if isinstance(node, ast.Run):
                for j, src in _run_mount_sources(node, by_name):
                    value = expanded.get((stage.index, i, j))
                    if value is not None:
                        word = node.mounts[j].from_
                        src = _expanded_source(word, value, len(stages), by_name, node)
                    sources[stage.index, i, j] = src
    return sources


def _run_mount_sources(node: ast.Run, by_name: Mapping[str, int]) -> list[tuple[int, Source]]:
    """``(mount index, source)`` of the mounts of ``node`` that read a stage or image."""
    out: list[tuple[int, Source]] = []
    for j, mount in enumerate(node.mounts):
        ref = mount.from_
        if ref and mount.type in ("bind", "cache"):
            out.append((j, by_name.get(ref.lower(), ImageSource(ref, node.location))))
    return out


def _find_target(target: str, stages: list[Stage], by_name: dict[str, int]) -> int:
    if not target:
        return len(stages) - 1
    if target.lower() not in by_name:
        hint = suggest(target, [*by_name])
        raise DockerfileError(
            f"target stage {go_quote(target)} could not be found"
            + (f" (did you mean {hint}?)" if hint else "")
        )
    return by_name[target.lower()]


def _dependencies(
    stages: list[Stage], sources: Iterable[tuple[tuple[int, ...], Source]]
) -> dict[int, dict[int, ast.Instruction]]:
    """For each stage, the stages it reads, with the first instruction that reads each."""
    deps: dict[int, dict[int, ast.Instruction]] = {s.index: {} for s in stages}
    for s in stages:
        if s.base is not None:
            deps[s.index][s.base] = s.from_
    for (stage, i, *_), src in sorted(sources, key=lambda item: item[0]):
        if isinstance(src, int) and not stages[stage].from_context:
            node = stages[stage].commands[i] if i >= 0 else stages[stage].from_  # < 0: ONBUILD
            deps[stage].setdefault(src, node)
    return deps


def _check_cycles(stages: list[Stage], deps: Mapping[int, Mapping[int, ast.Instruction]]) -> None:
    """Refuse a stage that (transitively) reads itself, naming each stage and line on the way."""
    done: set[int] = set()
    for start in range(len(stages)):
        if start in done:
            continue
        path = [start]
        on_path = {start}
        stack: list[list[int]] = [sorted(deps[start], reverse=True)]
        while stack:
            todo = stack[-1]
            if not todo:
                stack.pop()
                left = path.pop()
                on_path.discard(left)
                done.add(left)
                continue
            nxt = todo.pop()
            if nxt in on_path:
                _cycle_error(stages, deps, [*path[path.index(nxt) :], nxt], start)
            if nxt not in done:
                stack.append(sorted(deps[nxt], reverse=True))
                path.append(nxt)
                on_path.add(nxt)


def _cycle_error(
    stages: list[Stage],
    deps: Mapping[int, Mapping[int, ast.Instruction]],
    cycle: list[int],
    start: int,
) -> None:
    """``cycle`` lists stage indices, its first and last the same."""
    steps = []
    spans = []
    for reader, read in itertools.pairwise(cycle):
        node = deps[reader][read]
        steps.append(
            f"{stages[reader].display_name} reads {stages[read].display_name}"
            f" (line {node.location.start_line})"
        )
        spans.append((node.location.start_line, node.location.end_line))
    first = deps[cycle[0]][cycle[1]].location
    raise DockerfileError(
        f"circular dependency detected on stage: {stages[start].display_name}: " + ", ".join(steps),
        line=first.start_line,
        end_line=first.end_line,
        also=tuple(spans[1:]),
    )


def _check_order(
    stages: list[Stage],
    sources: Mapping[tuple[int, int], Source],
    mount_sources: Mapping[tuple[int, int, int], Source],
    reachable: set[int],
    expanded: fromvars.Expanded,
) -> None:
    """Refuse a stage the build needs that reads a stage defined after it, as Docker does
    (a stage a named context replaces reads nothing); a reference is shown expanded."""
    needed = {i for i in reachable if not stages[i].from_context}
    for (stage, i), src in sorted(sources.items()):
        if stage in needed and isinstance(src, int) and src > stage:
            node = stages[stage].commands[i]
            assert isinstance(node, ast.Copy)
            ref = expanded.copies.get((stage, i), node.from_ or "")
            raise _error(
                f"cannot copy from stage {go_quote(ref)}, it needs to be defined "
                f"before current stage {go_quote(stages[stage].display_name)}",
                node,
            )
    for (stage, i, j), src in sorted(mount_sources.items()):
        if stage in needed and isinstance(src, int) and src > stage:
            run = stages[stage].commands[i]
            assert isinstance(run, ast.Run)
            mount = run.mounts[j]
            ref = expanded.mounts.get((stage, i, j), mount.from_)
            raise _error(
                f"cannot mount from stage {go_quote(ref)} to "
                f"{go_quote(mount.target or '')}, stage needs to be defined before current command",
                run,
            )


def _reachable(targets: Iterable[int], deps: Mapping[int, Iterable[int]]) -> set[int]:
    """``targets`` and every stage they read, directly or not."""
    seen = set(targets)
    todo = list(seen)
    while todo:
        for dep in deps[todo.pop()]:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen
