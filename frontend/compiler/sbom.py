"""SBOM attestations (``attest:sbom``): what the scanner reads, and the op that runs it.

As with Docker's frontend, the scanner image runs on each platform's result (the
core) and on the extras the build args ``BUILDKIT_SBOM_SCAN_CONTEXT`` (the build
context) and ``BUILDKIT_SBOM_SCAN_STAGE`` (the other stages the target reads)
ask for. Either arg counts only where the Dockerfile declares it (a global ARG or
one of the stage); its value is a boolean or a comma-separated list of stage
names. The scanner writes in-toto statements to ``/run/out/``, returned as a
bundle for the engine to attach.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import Final

from frontend.compiler.contexts import ImageResolver
from frontend.compiler.image import Config, env_entries, image_from_json
from frontend.compiler.request import OptionError, SbomRequest
from frontend.compiler.stage import StageState
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import go_bool
from frontend.llb import state as llb
from frontend.llb.graph import Mkdir, Mount, MountType, OpMeta, Output
from frontend.platform import Platform
from frontend.semantics import stages as sem
from frontend.semantics.scope import SBOM_SCAN_CONTEXT_ARG, SBOM_SCAN_STAGE_ARG, split_env

CORE_NAME: Final = "sbom"
"""The core scan's name: its mount, and the statement the exporter adds layer data to."""
CONTEXT_EXTRA: Final = "context"
SPDX_PREDICATE: Final = "https://spdx.dev/Document"
ATTESTATION_METADATA: Final = {"reason": b"sbom", "sbom-core": CORE_NAME.encode()}
"""The metadata of the attestation bundle (why it exists; which statement is the core)."""
_SRC_DIR: Final = "/run/src/"
_OUT_DIR: Final = "/run/out/"
_TMP: Final = "/tmp"


@frozen
class ScanTargets:
    """What one platform's scan reads: the result and the named extras."""

    core: llb.State
    extras: Mapping[str, llb.State] = field(default_factory=dict)
    ignore_cache: bool = False
    """A stage scanned is built without the cache (``no-cache``): so is the scan."""


@frozen
class Scanner:
    """The scanner image, its container config, and the parameters it gets."""

    ref: str
    platform: Platform
    config: Config
    params: tuple[tuple[str, str], ...] = ()


def scan_enabled(value: str | None, stage_name: str) -> bool:
    """Whether a scan arg's value turns scanning on for ``stage_name``."""
    if value is None:
        return False
    try:
        return go_bool(value)
    except ValueError:
        return stage_name in value.split(",")


def stage_scans(
    meta_args: Mapping[str, str], declared: Iterable[tuple[str, str | None]], stage_name: str
) -> tuple[bool, bool]:
    """``(scan the context, scan the stage)``: each arg's value from the global ARGs,
    then from each ARG the stage declares (its last value wins)."""
    found = []
    for arg in (SBOM_SCAN_CONTEXT_ARG, SBOM_SCAN_STAGE_ARG):
        value = meta_args.get(arg)
        for name, declared_value in declared:
            if name == arg and declared_value is not None:
                value = declared_value
        found.append(scan_enabled(value, stage_name))
    return found[0], found[1]


def scan_targets(
    plan: sem.BuildPlan,
    done: Mapping[int, StageState],
    context: llb.State,
    *,
    single: bool,
    ignores_cache: Callable[[sem.Stage], bool],
) -> ScanTargets:
    """The target and the extras its scan args ask for, among the stages built
    (``single``: a Dockerfile of one stage, whose name is then empty, as in Docker's
    frontend). A stage a named context replaces runs no ARG and is never an extra."""
    meta_args = plan.meta_arg_map()
    target = plan.stages[plan.target]
    name = "" if single else target.display_name
    scan_context, _ = stage_scans(meta_args, done[plan.target].scope.args, name)
    extras = {CONTEXT_EXTRA: context} if scan_context else {}
    ignore_cache = ignores_cache(target)
    for index in sorted(done):
        stage = plan.stages[index]
        if index == plan.target or stage.from_context:
            continue
        if stage_scans(meta_args, done[index].scope.args, stage.display_name)[1]:
            extras[stage.display_name] = done[index].llb
            ignore_cache |= ignores_cache(stage)
    return ScanTargets(done[plan.target].llb, extras, ignore_cache)


def load_scanner(
    request: SbomRequest, platform: Platform, resolve: ImageResolver, resolve_mode: str
) -> Scanner:
    """The scanner's config, resolved for the build platform (it runs there).

    A scanner that cannot run is the option's error, not the Dockerfile's.
    """
    ref = request.generator
    try:
        _, data = resolve(ref, platform=platform, resolve_mode=resolve_mode, log_name="")
        config = image_from_json(data).config
    except DockerfileError as exc:
        raise OptionError(exc.message) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise OptionError(f"invalid image config for {ref}: {exc}") from None
    if not config.entrypoint and not config.cmd:
        raise OptionError(f"scanner {ref} does not have cmd")
    return Scanner(ref, platform, config, request.params)


def scan(scanner: Scanner, name: str, targets: ScanTargets) -> Output:
    """The scanner's run on ``targets`` (``name``: the platform id); its output holds
    the statements."""
    config = scanner.config
    state = llb.image(scanner.ref, platform=scanner.platform)
    for key, value in map(split_env, env_entries(config)):
        state = state.with_env(key, value)
    core = posixpath.join(_SRC_DIR, "core", CORE_NAME)
    extras = posixpath.join(_SRC_DIR, "extras")
    env = {"BUILDKIT_SCAN_DESTINATION": _OUT_DIR, "BUILDKIT_SCAN_SOURCE": core}
    if targets.extras:
        env["BUILDKIT_SCAN_SOURCE_EXTRAS"] = extras
    env.update((f"BUILDKIT_SCAN_{k}", v) for k, v in scanner.params)
    for key, value in env.items():
        state = state.with_env(key, value)
    mounts = [
        _tmp_mount(state, scanner.platform),
        Mount(core, source=targets.core.output, readonly=True),
        *(
            Mount(f"{extras}/{CORE_NAME}-{k}", source=extra.output, readonly=True)
            for k, extra in targets.extras.items()
        ),
        Mount(_OUT_DIR, has_output=True),
    ]
    meta = OpMeta(
        name=f"[{name}] generating sbom using {scanner.ref}", ignore_cache=targets.ignore_cache
    )
    args = (*(config.entrypoint or ()), *(config.cmd or ()))
    _, op = state.with_dir(config.working_dir).run(args, mounts=mounts, meta=meta)
    return op.output_of(_OUT_DIR)


def _tmp_mount(scanner: llb.State, platform: Platform) -> Mount:
    """A tmpfs; on Windows, the image's own ``/tmp``, created if missing, and not kept."""
    if platform.os != "windows":
        return Mount(_TMP, type=MountType.TMPFS)
    tmp = scanner.file(Mkdir(_TMP, 0o777, make_parents=True))
    return Mount(_TMP, source=tmp.output, selector=_TMP)
