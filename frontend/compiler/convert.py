"""Dockerfile AST → LLB Definition + image config: the compiler's entry point.

Phases: plan the stages (semantics), resolve base image configs for the
reachable stages (in parallel, through the injected resolver), lower each
reachable stage in dependency order, then bind the build context and marshal.
"""

from __future__ import annotations

import contextlib
import heapq
import json
from collections.abc import Iterable, Mapping
from dataclasses import field, replace
from typing import Any, NamedTuple, TypeVar

from frontend import reference
from frontend.compiler.contexts import (
    ContextLoader,
    ContextReader,
    ImageResolver,
    Loaded,
    LocalUse,
    NamedContext,
)
from frontend.compiler.image import (
    Image,
    at_epoch,
    default_env,
    empty_image,
    env_entries,
    env_key,
    image_from_dict,
)
from frontend.compiler.imageformat import ImageFormat, image_format
from frontend.compiler.lower import arg_rules, counts_as_step, lower
from frontend.compiler.options import BuildOptions
from frontend.compiler.sbom import ScanTargets, scan_targets
from frontend.compiler.sharedmaps import SharedMaps, born_from, shared_config
from frontend.compiler.stage import StageContext, StageState, step_name
from frontend.errors import DockerfileError, DockerfileWarning
from frontend.frozen import frozen
from frontend.gotext import clean_path
from frontend.llb import state as llb
from frontend.llb.graph import COMMAND_KEY, Deferred, OpMeta, Output, Vertex
from frontend.llb.marshal import Definition, SourceFile, marshal
from frontend.persistent import evolve
from frontend.platform import Platform
from frontend.semantics import stages as sem
from frontend.semantics.check_context import CheckContext, Reporter, StageBase
from frontend.semantics.check_dispatch import StageChecks
from frontend.semantics.scope import Scope, split_env
from frontend.syntax import Wording, ast, parse
from frontend.syntax.prelex import extensions_of
from frontend.threads import thread_map

__all__ = ["CompileResult", "ContextReader", "ImageResolver", "compile_dockerfile", "plan_for"]


@frozen
class CompileResult:
    """A compiled target: its definition, image config and build plan."""

    definition: Definition
    image: Image
    plan: sem.BuildPlan
    bases: Mapping[int, StageBase] = field(default_factory=dict)
    """What the build checks need of each lowered stage's base image."""
    image_format: ImageFormat = field(default_factory=ImageFormat)
    """How the engine's own frontend writes the config (``config_json``)."""
    base_config: bytes | None = None
    """The config of the image the target stage starts from (through its parent
    stages), as resolved; None for scratch. The image exporter keeps that image's
    layers as they are when it rewrites timestamps."""
    sbom: ScanTargets | None = None
    """What an SBOM scan of the result reads."""
    stage_warnings: tuple[DockerfileWarning, ...] | None = None
    """What the build checks found while the stages were lowered (None: not asked)."""

    @property
    def config_json(self) -> bytes:
        return self.image.to_json(self.image_format)


@frozen
class _Base:
    """Where a stage starts: filesystem, config and platform."""

    state: llb.State
    image: Image
    platform: Platform
    checked: StageBase = StageBase()
    local: LocalUse | None = None
    """A local named context, to be bound to the paths read from it."""
    named: bool = False
    """A named context: its source is not a step of the stage (no ``FROM`` step)."""
    scope: Scope | None = None
    """The scope of the stage this one is built on (None: an image's)."""
    env_settled: bool = False
    """The state's variables end with the config's, in its order (``StageState``)."""
    maps: SharedMaps = SharedMaps()
    config: bytes | None = None
    """The base image's config, for ``CompileResult.base_config``."""


class _Configs:
    """The base images' configs a build read, each worked out once (many stages start
    from one image): decoded (by their bytes), and what the checks read of them (by
    config, base name and platform)."""

    def __init__(self) -> None:
        self.decoded: dict[bytes, tuple[Any, Image]] = {}
        self.checked: dict[tuple[bytes, str, Platform], StageBase] = {}


class _Use(NamedTuple):
    """Where a local named context is read: ``stage`` (a stage starts from it or is
    replaced by it), ``copy`` (a ``COPY --from`` command) or ``mount`` (one
    ``RUN --mount from=``). (A tuple: every ``COPY --from`` makes one.)"""

    kind: str
    stage: int
    command: int = -1
    mount: int = -1


def plan_for(
    dockerfile: ast.Dockerfile, options: BuildOptions, loader: ContextLoader | None = None
) -> sem.BuildPlan:
    """The stage plan of ``dockerfile`` for the target and platforms ``options`` name
    (with ``loader``, stages that named contexts replace are marked)."""

    def has_context(name: str, platform: Platform | None) -> bool:
        assert loader is not None
        return loader.find(name, platform or options.target_platform) is not None

    return sem.plan(
        dockerfile,
        target=options.request.target,
        build_args=options.request.build_args,
        build_platform=options.request.build_platform,
        target_platform=options.target_platform,
        has_context=has_context if loader is not None and options.request.named_contexts else None,
        with_target_stage=options.target_stage_arg,
        os_versions=options.os_version_args,
        unset_is_empty=not options.raw_args,
    )


def compile_dockerfile(
    dockerfile: ast.Dockerfile,
    options: BuildOptions,
    resolve: ImageResolver,
    *,
    source: SourceFile | None = None,
    contexts: ContextReader | None = None,
    checks: CheckContext | None = None,
) -> CompileResult:
    """Lower the stages ``options.request.target`` needs (or all) into one Definition.

    ``contexts`` reads what named contexts need from the engine (local
    directories, inputs, OCI layouts); image contexts need only ``resolve``.
    With ``checks``, the build checks that follow each stage run on the way,
    on the scope each instruction is lowered in.
    """
    loader = ContextLoader(options, resolve, contexts)
    plan = plan_for(dockerfile, options, loader)
    if options.all_stages:
        plan = replace(plan, reachable=frozenset(range(len(plan.stages))))
    bases = _resolve_bases(plan, options, resolve, loader)
    if options.onbuild_sources:
        plan = _bind_triggers(plan, bases, options, resolve, loader)
    uses: list[tuple[LocalUse, _Use]] = [
        (b.local, _Use("stage", i)) for i, b in bases.items() if b.local is not None
    ]
    context: Deferred | None = None  # the client's directory: bound once COPY/ADD are lowered
    if options.remote_context is not None:
        context_state = options.remote_context
    else:
        context = Deferred()
        context_state = llb.State(output=Output(context))
    rules = arg_rules(options, plan.meta_arg_map())
    report = Reporter(checks.filename) if checks is not None else None
    stage_checks = None
    if checks is not None and report is not None:
        stage_checks = StageChecks(checks, report, dockerfile.escape, rules)
    single = _single_stage(plan)
    fmt = image_format(options.request.llb_caps)
    extensions = extensions_of(dict(dockerfile.directives))

    done: dict[int, StageState] = {}
    base_configs: dict[int, bytes | None] = {}
    copies, mounts = _by_stage(plan.sources), _by_stage(plan.mount_sources)
    for index in _dependency_order(plan):
        stage = plan.stages[index]
        if stage.base is not None:
            parent = done[stage.base]
            platform = parent.llb.platform or options.target_platform
            maps = parent.maps.child()
            base = _Base(
                parent.llb,
                parent.image,
                platform,
                scope=parent.scope.child(),
                maps=maps,
                env_settled=parent.env_settled,
            )
            base_configs[index] = base_configs[stage.base]
        else:
            base = bases[index]
            base_configs[index] = base.config
        if stage.from_context:
            done[index] = StageState(llb=base.state, image=base.image)
            if stage_checks is not None:
                stage_checks.walk(stage, base.checked)
            continue
        ctx = StageContext(
            display_name="" if single else stage.display_name,
            total_steps=_total_steps(stage, base.image, options),
            platform=base.platform,
            options=options,
            escape=dockerfile.escape,
            context=context_state,
            arg_rules=rules,
            sources=_copy_sources(copies.get(index, []), stage, done, options, loader, uses),
            mount_sources=_mount_sources(mounts.get(index, []), stage, done, options, loader, uses),
            ignore_cache=_ignores_cache(stage, options),
            stage_index=index,
            extensions=extensions,
        )
        st = _start(ctx, base, stage, single)
        if stage_checks is not None:
            stage_checks.begin(stage, st.scope, base.checked)
        for i, node in enumerate(stage.commands):
            if stage_checks is not None:
                stage_checks.visit(node, st.scope)
            st = lower(ctx, node, i, st)
        if stage_checks is not None:
            stage_checks.end()
        done[index] = st

    target = done[plan.target]
    if context is not None:
        context.bind(_context_source(options, done.values()))
    for use, site in uses:
        use.bind(_paths_read(plan, done, site))
    image = target.image
    if fmt.shares_maps:
        image = _with_shared_maps(target, done, bases)
    image = _finalize_image(image, options)
    definition = marshal(target.llb.output, source=source, caps=options.request.llb_caps)
    checked = {i: base.checked for i, base in bases.items()}
    sbom = scan_targets(
        plan,
        done,
        context_state,
        single=single,
        ignores_cache=lambda stage: _ignores_cache(stage, options),
    )
    return CompileResult(
        definition=definition,
        image=image,
        plan=plan,
        bases=checked,
        image_format=fmt,
        base_config=base_configs[plan.target],
        sbom=sbom,
        stage_warnings=tuple(report.warnings) if report is not None else None,
    )


def _single_stage(plan: sem.BuildPlan) -> bool:
    """Whether progress names leave the stage out: as in Docker's frontend, one stage
    that reads no image (``COPY --from``) and has no ``RUN --mount`` (each counts as a
    source of its own there, even from the context)."""
    if len(plan.stages) != 1:
        return False
    if any(not isinstance(src, int) for src in plan.sources.values()):
        return False
    return not any(isinstance(n, ast.Run) and n.mounts for n in plan.stages[0].commands)


def _dependency_order(plan: sem.BuildPlan) -> list[int]:
    """Reachable stages, each after the stages it reads (ties by index)."""
    deps: dict[int, set[int]] = {i: set() for i in plan.reachable}
    for i in plan.reachable:
        if plan.stages[i].base is not None:
            deps[i].add(plan.stages[i].base)  # type: ignore[arg-type]
    for (stage, *_), src in [*plan.sources.items(), *plan.mount_sources.items()]:
        if stage in plan.reachable and isinstance(src, int) and not plan.stages[stage].from_context:
            deps[stage].add(src)
    readers: dict[int, list[int]] = {i: [] for i in deps}
    for i, needs in deps.items():
        for dep in needs:
            readers[dep].append(i)
    waiting = {i: len(needs) for i, needs in deps.items()}
    ready = [i for i, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        done = heapq.heappop(ready)
        order.append(done)
        for reader in readers[done]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, reader)
    return order


def _total_steps(stage: sem.Stage, base: Image, options: BuildOptions) -> int:
    """The steps a stage shows: its FROM, its RUN/COPY/ADD/WORKDIR and (since
    BuildKit 0.17) every ONBUILD trigger of its base."""
    total = 1 if stage.base_name != sem.SCRATCH and stage.base is None else 0
    if options.request.llb_caps.release >= (0, 17):
        total += len(base.config.on_build or ())
    return total + sum(counts_as_step(n, True) for n in stage.commands)


def _ignores_cache(stage: sem.Stage, options: BuildOptions) -> bool:
    if options.request.no_cache is None:
        return False
    return not options.request.no_cache or (
        stage.name is not None and stage.name in options.request.no_cache
    )


def _normalize(ref: str, node: ast.Instruction) -> str:
    try:
        return reference.normalize(ref)
    except reference.ReferenceError as exc:
        raise DockerfileError(
            f"failed to parse stage name {ref!r}: {exc}",
            line=node.location.start_line,
            end_line=node.location.end_line,
        ) from None


def _resolve_bases(
    plan: sem.BuildPlan, options: BuildOptions, resolve: ImageResolver, loader: ContextLoader
) -> dict[int, _Base]:
    """Start points of reachable stages that begin from scratch, an image or a
    named context (loaded in parallel)."""
    bases: dict[int, _Base] = {}
    wanted = []
    for i in sorted(plan.reachable):
        stage = plan.stages[i]
        if stage.base is not None:
            continue
        platform = stage.platform or options.target_platform
        if stage.base_name == sem.SCRATCH and not stage.from_context:
            empty = empty_image(options.target_platform, image_format(options.request.llb_caps))
            checked = StageBase(os=platform.os, name=stage.base_name)
            bases[i] = _Base(llb.scratch(platform), empty, platform, checked)
        else:
            wanted.append(i)

    configs = _Configs()

    def fetch(batch: list[int]) -> list[_Base]:
        return [_load_base(plan, i, options, resolve, loader, configs) for i in batch]

    # Up to 8 look-ups at a time; many stages go in runs (64 tasks in all): a task
    # of the pool costs more than the look-up of an image the engine has at hand.
    size = max(1, len(wanted) // 64)
    batches = [wanted[k : k + size] for k in range(0, len(wanted), size)]
    for batch, loaded in zip(batches, thread_map(fetch, batches, max_workers=8), strict=True):
        bases.update(zip(batch, loaded, strict=True))
    return bases


def _bind_triggers(
    plan: sem.BuildPlan,
    bases: dict[int, _Base],
    options: BuildOptions,
    resolve: ImageResolver,
    loader: ContextLoader,
) -> sem.BuildPlan:
    """Bind the ``COPY --from`` and ``RUN --mount from=`` of the ONBUILD triggers
    each stage runs; the stages they read join the build (their bases are added
    to ``bases``)."""
    while True:
        copies: dict[tuple[int, int], ast.Instruction] = {}
        for index in sorted(plan.reachable):
            for k, text in enumerate(_triggers_of(plan, bases, index)):
                with contextlib.suppress(DockerfileError):  # reported when the trigger runs
                    nodes = parse(text).instructions
                    if len(nodes) == 1 and isinstance(nodes[0], ast.Copy | ast.Run):
                        copies[index, -1 - k] = nodes[0]
        grown = sem.with_trigger_sources(plan, copies)
        new = grown.reachable - plan.reachable
        plan = grown
        if not new:
            return plan
        bases.update(_resolve_bases(replace(plan, reachable=new), options, resolve, loader))


def _triggers_of(plan: sem.BuildPlan, bases: Mapping[int, _Base], index: int) -> tuple[str, ...]:
    """The ONBUILD triggers stage ``index`` runs first: its base image's, or the
    ONBUILD instructions of the stage it starts from."""
    stage = plan.stages[index]
    if stage.from_context:
        return ()
    if stage.base is None:
        return bases[index].image.config.on_build or ()
    parent = plan.stages[stage.base]
    if parent.from_context:
        return bases[parent.index].image.config.on_build or ()
    return tuple(n.expression for n in parent.commands if isinstance(n, ast.Onbuild))


def _load_base(
    plan: sem.BuildPlan,
    index: int,
    options: BuildOptions,
    resolve: ImageResolver,
    loader: ContextLoader,
    configs: _Configs,
) -> _Base:
    """A stage's start: the named context replacing it or its FROM, else the image
    (``configs``: what the stages loaded so far read of theirs)."""
    stage = plan.stages[index]
    platform = stage.platform or options.target_platform
    if stage.from_context:
        assert stage.name is not None
        found = loader.find(stage.name, platform)
        assert found is not None
        loaded = _load_context(loader, found, platform, stage.from_)
        image = loaded.image or Image(os="", architecture="")
        state = loaded.state
        return _Base(state, image, state.platform or platform, local=loaded.local)
    ref = _normalize(stage.base_name, stage.from_)
    found = loader.find(ref, platform)
    if found is not None:
        loaded = _load_context(loader, found, platform, stage.from_)
        image = loaded.image or empty_image(platform, image_format(options.request.llb_caps))
        state = replace(loaded.state, platform=platform)
        # a named context's platform is not checked against the build's
        checked = replace(_checked(stage, image, platform), expected=None, actual=None)
        config = image.to_json()
        return _Base(state, image, platform, checked, loaded.local, named=True, config=config)
    prefix = f"{platform} internal" if options.request.multi_platform else "internal"
    try:
        digest, config = resolve(
            ref,
            platform=platform,
            resolve_mode=options.request.image_resolve_mode,
            log_name=f"[{prefix}] load metadata for {ref}",
        )
    except DockerfileError as exc:  # a missing image: point at its FROM
        if exc.line:
            raise
        where = stage.from_.location
        raise DockerfileError(exc.message, line=where.start_line, end_line=where.end_line) from None
    try:
        if (known := configs.decoded.get(config)) is None:
            known = configs.decoded[config] = _decode(config)
        raw, image = known
    except (ValueError, TypeError, AttributeError) as exc:  # not the JSON shape expected
        raise DockerfileError(
            f"invalid image config for {ref}: {exc}", line=stage.from_.location.start_line
        ) from None
    if stage.platform is None and options.implicit_target:
        platform = _detect_platform(image, platform, options.request.build_platform)
    pinned = reference.with_digest(ref, digest)
    if image.is_scratch:
        state = llb.scratch(platform)
    else:
        display = "" if _single_stage(plan) else stage.display_name
        if options.request.multi_platform:
            display = f"{platform} {display}".rstrip()
        meta = OpMeta(
            name=step_name(display, 1, _total_steps(stage, image, options), f"FROM {pinned}"),
            description=((COMMAND_KEY, stage.from_.original.strip()),),
            ranges=stage.from_.location.ranges,
        )
        mode = options.request.image_resolve_mode
        state = llb.image(pinned, platform=platform, resolve_mode=mode, meta=meta)
    key = (config, stage.base_name, platform)
    if (seen := configs.checked.get(key)) is None:
        seen = configs.checked[key] = _checked(stage, image, platform)
    maps = born_from(raw, str(index))
    return _Base(state, image, platform, seen, maps=maps, config=config)


def _decode(config: bytes) -> tuple[Any, Image]:
    """An image config as JSON decodes it, and as the compiler reads it."""
    raw = json.loads(config or b"{}")
    return raw, image_from_dict(raw)


def _load_context(
    loader: ContextLoader, found: NamedContext, platform: Platform, node: ast.Instruction
) -> Loaded:
    """The named context ``found`` for ``platform``; errors pinned to ``node``'s lines."""
    try:
        return loader.load(found, platform)
    except DockerfileError as exc:
        if not exc.line:
            exc.line, exc.end_line = node.location.start_line, node.location.end_line
        raise


def _checked(stage: sem.Stage, image: Image, platform: Platform) -> StageBase:
    actual = None if image.is_scratch else Platform(image.os, image.architecture, image.variant)
    return StageBase(
        env=env_entries(image.config),
        shell=image.config.shell,
        os=image.os or platform.os,
        name=stage.base_name,
        expected=platform,
        actual=actual,
    )


def _detect_platform(image: Image, target: Platform, build: Platform) -> Platform:
    for candidate in (target, build):
        if (image.os, image.architecture) == (candidate.os, candidate.architecture):
            return candidate
    return target


_Key = TypeVar("_Key", bound=tuple[int, ...])


def _by_stage(sources: Mapping[_Key, sem.Source]) -> dict[int, list[tuple[_Key, sem.Source]]]:
    """``COPY --from`` or ``RUN --mount from=`` sources grouped by the stage that reads."""
    out: dict[int, list[tuple[_Key, sem.Source]]] = {}
    for key, src in sources.items():
        out.setdefault(key[0], []).append((key, src))
    return out


def _copy_sources(
    sources: Iterable[tuple[tuple[int, int], sem.Source]],
    stage: sem.Stage,
    done: Mapping[int, StageState],
    options: BuildOptions,
    loader: ContextLoader,
    uses: list[tuple[LocalUse, _Use]],
) -> dict[int, llb.State]:
    """What each ``COPY --from`` of ``stage`` reads, by command index."""
    out: dict[int, llb.State] = {}
    for (index, i), src in sources:
        site = _Use("copy", index, i)
        node = stage.commands[i] if i >= 0 else stage.from_  # < 0: an ONBUILD trigger
        out[i] = _source_state(src, node, done, options, loader, uses, site)
    return out


def _mount_sources(
    sources: Iterable[tuple[tuple[int, int, int], sem.Source]],
    stage: sem.Stage,
    done: Mapping[int, StageState],
    options: BuildOptions,
    loader: ContextLoader,
    uses: list[tuple[LocalUse, _Use]],
) -> dict[tuple[int, int], llb.State]:
    """What each ``RUN --mount from=`` of ``stage`` reads, by (command, mount) index."""
    out: dict[tuple[int, int], llb.State] = {}
    for (index, i, j), src in sources:
        site = _Use("mount", index, i, j)
        node = stage.commands[i] if i >= 0 else stage.from_  # < 0: an ONBUILD trigger
        out[i, j] = _source_state(src, node, done, options, loader, uses, site)
    return out


def _source_state(
    src: sem.Source,
    node: ast.Instruction,
    done: Mapping[int, StageState],
    options: BuildOptions,
    loader: ContextLoader,
    uses: list[tuple[LocalUse, _Use]],
    site: _Use,
) -> llb.State:
    """A stage's result, a named context, or an image (unresolved, as upstream)."""
    if isinstance(src, int):
        return done[src].llb
    ref = _normalize(src.ref, node)
    platform = options.target_platform
    found = loader.find(ref, platform)
    if found is not None:
        loaded = _load_context(loader, found, platform, node)
        if loaded.local is not None:
            uses.append((loaded.local, site))
        return replace(loaded.state, platform=platform)
    # As Docker's frontend: an image stage of its own, with no command, located at the
    # COPY (a RUN --mount's image gets a location without lines).
    ranges = node.location.ranges if isinstance(node, ast.Copy) else ()
    return llb.image(
        ref,
        platform=platform,
        resolve_mode=options.request.image_resolve_mode,
        meta=OpMeta(name=f"FROM {ref}", description=((COMMAND_KEY, ""),), ranges=ranges),
    )


def _paths_read(plan: sem.BuildPlan, done: Mapping[int, StageState], site: _Use) -> set[str]:
    """What a build reads of a local named context at ``site`` (``/``: everything)."""
    if site.kind == "copy":
        return {p for i, p in done[site.stage].source_reads if i == site.command}
    if site.kind == "mount":
        return {_mount_read(plan, (site.stage, site.command, site.mount))}
    family = {site.stage}
    for index in sorted(done):  # stages starting from the family share what it reads
        if plan.stages[index].base in family:
            family.add(index)
    paths: set[str] = set()
    for index in family:
        stage = plan.stages[index]
        built = not stage.from_context
        if index == plan.target or (built and any(isinstance(n, ast.Run) for n in stage.commands)):
            paths.add("/")
    for (index, command), src in plan.sources.items():
        if src in family and index in done:
            paths |= {p for i, p in done[index].source_reads if i == command}
    for key, src in plan.mount_sources.items():
        if src in family and key[0] in done:
            paths.add(_mount_read(plan, key))
    return paths


def _mount_read(plan: sem.BuildPlan, key: tuple[int, int, int]) -> str:
    """The path a ``RUN --mount from=`` reads of its source (``/``: all of it)."""
    stage, command, mount = key
    if command < 0:  # an ONBUILD trigger's mount
        return "/"
    node = plan.stages[stage].commands[command]
    assert isinstance(node, ast.Run)
    return clean_path("/" + node.mounts[mount].source)


def _start(ctx: StageContext, base: _Base, stage: sem.Stage, single: bool) -> StageState:
    """Apply the base config to the state: env (PATH ensured), dir, user, network."""
    image = base.image
    added: tuple[str, ...] = ()
    if "PATH" not in image.config.env:
        added = default_env(base.platform.os, ctx.image_format)
        env = image.config.env
        for entry in added:
            env = env.set(env_key(entry), entry)
        image = image.with_config(env=env)
    # The config's variables go last, in its order: already so in a settled parent.
    variables = base.state.env
    for key, value in map(split_env, added if base.env_settled else env_entries(image.config)):
        variables = variables.set(key, value)
    scope = Scope(variables) if base.scope is None else evolve(base.scope, env=variables)
    hostname = ctx.options.request.hostname or base.state.hostname
    state = evolve(
        base.state,
        platform=base.platform,
        network=ctx.options.request.network,
        env=variables,
        hostname=hostname,
        extra_hosts=ctx.options.request.extra_hosts,
    )
    if image.config.working_dir:
        state = state.with_dir(image.config.working_dir)
    if image.config.user:
        state = state.with_user(image.config.user)
    image_step = stage.base is None and stage.base_name != sem.SCRATCH and not base.named
    first_step = 1 if image_step else 0
    st = StageState(
        llb=state, image=image, scope=scope, step=first_step, maps=base.maps, env_settled=True
    )
    if image.config.on_build is None:
        return st
    for k, trigger in enumerate(image.config.on_build):
        st = _run_trigger(ctx, stage, trigger, -1 - k, st)
    return evolve(st, image=st.image.with_config(on_build=None))


def _run_trigger(
    ctx: StageContext, stage: sem.Stage, trigger: str, index: int, st: StageState
) -> StageState:
    """Run one ONBUILD trigger; ``index`` (< 0) keys what its ``COPY --from`` reads."""
    where = stage.from_.location
    try:
        parsed = parse(trigger, wording=Wording(ctx.options.request.llb_caps.release))
    except DockerfileError as exc:
        raise DockerfileError(f"ONBUILD trigger: {exc.message}", line=where.start_line) from None
    if len(parsed.instructions) != 1:
        raise DockerfileError(
            "onbuild trigger should be a single expression", line=where.start_line
        )
    node = parsed.instructions[0]
    onbuild_sources = ctx.options.onbuild_sources
    if isinstance(node, ast.Copy) and node.from_ and not onbuild_sources:
        raise DockerfileError("ONBUILD COPY --from is not supported yet", line=where.start_line)
    if isinstance(node, ast.Run) and any(m.from_ for m in node.mounts) and not onbuild_sources:
        raise DockerfileError(
            "ONBUILD RUN --mount from= is not supported yet", line=where.start_line
        )
    node = replace(node, location=where)
    return lower(replace(ctx, onbuild=True), node, index, st)


def _context_source(options: BuildOptions, stages: Iterable[StageState]) -> Vertex:
    """The ``local://context`` source, syncing only the paths COPY/ADD read."""
    paths: set[str] = set()
    for st in stages:
        paths.update(st.context_paths)
    follow = None if "/" in paths else sorted(p.lstrip("/") for p in paths)
    state = llb.local(
        options.request.context_key,
        session_id=options.request.local_session(options.request.context_key),
        shared_key_hint=options.request.context_key,
        follow_paths=follow,
        exclude_patterns=options.excludes,
        meta=OpMeta(name="[internal] load build context"),
    )
    assert state.output is not None
    return state.output.vertex


def _with_shared_maps(
    target: StageState, done: Mapping[int, StageState], bases: Mapping[int, _Base]
) -> Image:
    """The target's labels, ports and volumes with what the stages sharing its maps
    wrote into them (stages dispatched in Dockerfile order)."""
    births = {
        f"{i}/{kind}": base.image.config for i, base in bases.items() for kind in base.maps.held
    }
    stages = [done[i].maps for i in sorted(done)]
    shared = shared_config(target.maps, stages, births)
    config = target.image.config
    if "Labels" in shared:
        config = replace(config, labels=shared["Labels"] or None)
    if "ExposedPorts" in shared:
        config = replace(config, exposed_ports=tuple(sorted(shared["ExposedPorts"])))
    if "Volumes" in shared:
        config = replace(config, volumes=tuple(sorted(shared["Volumes"])))
    return replace(target.image, config=config)


def _finalize_image(image: Image, options: BuildOptions) -> Image:
    if options.request.labels:
        image = image.with_config(labels={**(image.config.labels or {}), **options.request.labels})
    if not options.implicit_target:
        p = options.target_platform
        same = (image.os, image.architecture) == (p.os, p.architecture)
        version = p.os_version if p.os_version or not same else image.os_version
        image = replace(
            image, os=p.os, architecture=p.architecture, variant=p.variant, os_version=version
        )
    if options.request.source_date_epoch is not None:
        image = at_epoch(image, options.request.source_date_epoch)
    return image
