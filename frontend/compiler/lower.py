"""Lowering table: one function per instruction, each ``(ctx, node, st) -> st``.

A stage is lowered by folding its instructions over a ``StageState`` (the LLB
state plus the image config being built). Functions are pure; the context
``StageContext`` holds what is fixed for the stage.
"""

from __future__ import annotations

import contextlib
import math
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from frontend.compiler import heredoc
from frontend.compiler.copyadd import lower_copy_like
from frontend.compiler.history import health_config, plain_list, port_map, quoted_list, run_command
from frontend.compiler.image import Healthcheck, Image, set_env
from frontend.compiler.imageformat import ImageFormat, image_format
from frontend.compiler.mounts import run_mounts
from frontend.compiler.options import BuildOptions
from frontend.compiler.ports import parse_ports
from frontend.compiler.sandbox import run_sandbox
from frontend.compiler.sharedmaps import SharedMaps
from frontend.compiler.signals import check_signal
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb import state as llb
from frontend.llb.graph import (
    COMMAND_KEY,
    Chown,
    Mkdir,
    Mkfile,
    Mount,
    NetMode,
    OpMeta,
    SecurityMode,
)
from frontend.llb.platform import Platform
from frontend.llb.state import clean_path
from frontend.request import SBOM_SCAN_ARGS
from frontend.semantics.words import WordError, expand_word, expand_words
from frontend.syntax import ast

DEFAULT_SHELL = ("/bin/sh", "-c")
WINDOWS_SHELL = ("cmd", "/S", "/C")
_PROXY_ARGS = ("http_proxy", "https_proxy", "ftp_proxy", "no_proxy")


@dataclass(frozen=True)
class StageState:
    """What a stage has built so far."""

    llb: llb.State
    image: Image
    build_args: tuple[tuple[str, str | None], ...] = ()
    cmd_set: bool = False
    step: int = 0
    context_paths: frozenset[str] = frozenset()
    source_reads: frozenset[tuple[int, str]] = frozenset()
    """``(command index, absolute path)`` each ``COPY --from`` of the stage reads."""
    maps: SharedMaps = SharedMaps()
    """The label, port and volume maps held, as older frontends share them."""


@dataclass(frozen=True)
class StageContext:
    """What stays fixed while one stage is lowered."""

    display_name: str
    total_steps: int
    platform: Platform
    options: BuildOptions
    escape: str
    context: llb.State
    meta_args: Mapping[str, str]
    sources: Mapping[int, llb.State] = field(default_factory=dict)
    """What each ``COPY --from`` reads, by command index."""
    mount_sources: Mapping[tuple[int, int], llb.State] = field(default_factory=dict)
    """What each ``RUN --mount from=`` reads, by (command, mount) index."""
    ignore_cache: bool = False
    file_op: bool = True
    stage_index: int = 0

    @property
    def image_format(self) -> ImageFormat:
        """How the engine's own frontend writes the config and history."""
        return image_format(self.options.llb_caps)

    def expand(self, word: str, st: StageState) -> str:
        try:
            return expand_word(word, st.llb.env_map(), self.escape)
        except WordError as exc:
            raise DockerfileError(str(exc)) from None

    onbuild: bool = False
    """Lowering an ONBUILD trigger of the base image."""

    def progress_name(self, text: str, st: StageState) -> tuple[str, StageState]:
        """``[name k/N] TEXT``, advancing the step counter."""
        if self.total_steps == 0:
            return text, st
        step = st.step + 1
        if self.onbuild and self.options.llb_caps.release >= (0, 17):
            text = f"ONBUILD {text}"
        return step_name(self.label(st), step, self.total_steps, text), replace(st, step=step)

    def label(self, st: StageState | None = None) -> str:
        """The stage's name in progress, after its platform in a multi-platform build."""
        if not self.options.multi_platform:
            return self.display_name
        env = st.llb.env_map() if st is not None else {}
        shown = f"{self.platform}{cross_platform_suffix(self.platform, env)}"
        return f"{shown} {self.display_name}" if self.display_name else shown

    def command_text(self, node: ast.Instruction, st: StageState, suffix: str = "") -> str:
        """The instruction (without heredoc bodies) and ``suffix`` as progress shows them:
        variables expanded (a RUN keeps its quotes and unset variables), then the keyword
        upper-cased; as written if expansion fails."""
        text = instruction_line(node) + suffix
        run = isinstance(node, ast.Run)
        env = st.llb.env_map()
        if isinstance(node, ast.Run):
            env.update((m.env, "****") for m in node.mounts if m.type == "secret" and m.env)
        with contextlib.suppress(WordError):
            text = expand_word(text, env, self.escape, raw_quotes=run, skip_unset_env=run)
        keyword, sep, rest = text.partition(" ")
        return keyword.upper() + sep + rest

    def step_label(self, text: str, st: StageState) -> str:
        """``[name k/N] TEXT`` for the step ``st`` is at, without advancing."""
        return step_name(self.label(st), st.step, self.total_steps, text)

    def op_meta(
        self, node: ast.Instruction, st: StageState, suffix: str = ""
    ) -> tuple[OpMeta, StageState]:
        """Name (the instruction's, then ``suffix``), description and lines of a step's op."""
        name, st = self.progress_name(self.command_text(node, st, suffix), st)
        # Docker's frontend describes RUN steps only since BuildKit 0.11 (COPY and ADD before).
        described = isinstance(node, ast.Run) or (
            isinstance(node, ast.Copy | ast.Add) and self.options.llb_caps.release < (0, 11)
        )
        command = instruction_line(node)
        meta = OpMeta(
            name=name,
            description=((COMMAND_KEY, command),) if described else (),
            ignore_cache=self.ignore_cache,
            ranges=node.location.ranges,
        )
        return meta, st


def instruction_line(node: ast.Instruction) -> str:
    """The instruction as written, continuation lines joined, without heredoc bodies."""
    return node.original.partition("\n")[0].strip()


def step_name(display_name: str, step: int, total: int, text: str) -> str:
    """The progress label of step ``step`` of ``total`` in a stage."""
    if total == 0:
        return text
    width = 1 + int(math.log10(total))
    prefix = f"{display_name} " if display_name else ""
    return f"[{prefix}{step:>{width}}/{total}] {text}"


def cross_platform_suffix(platform: Platform, env: Mapping[str, str]) -> str:
    """``->arm64`` when the stage's ``TARGET*`` variables name another platform than its own."""
    target: Platform | None = None
    parts = {"TARGETOS": "", "TARGETARCH": "", "TARGETVARIANT": ""}
    named = False
    for key, value in env.items():
        if key == "TARGETPLATFORM":
            try:
                target = Platform.parse(value)
                break
            except ValueError:
                continue
        if key in parts:
            parts[key], named = value, True
    if target is None:
        if not named:
            return ""
        os_ = parts["TARGETOS"] or platform.os
        arch = parts["TARGETARCH"] or platform.architecture
        variant = parts["TARGETVARIANT"]
        try:
            target = Platform.parse(f"{os_}/{arch}/{variant}" if variant else f"{os_}/{arch}")
        except ValueError:
            return ""
    if target.os == platform.os and target.architecture != platform.architecture:
        return (
            f"->{target.architecture}/{target.variant}"
            if target.variant
            else (f"->{target.architecture}")
        )
    if target.os != platform.os:
        return f"->{target}"
    return ""


Lowering = Callable[[StageContext, Any, int, StageState], StageState]


def with_shell(image: Image, args: tuple[str, ...]) -> tuple[str, ...]:
    shell = image.config.shell or (WINDOWS_SHELL if image.os == "windows" else DEFAULT_SHELL)
    return (*shell, " ".join(args))


def _command_args(image: Image, command: ast.Command) -> tuple[str, ...]:
    if isinstance(command, ast.ExecCommand):
        return command.args
    return with_shell(image, (command.text,))


def lower_env(ctx: StageContext, node: ast.Env, index: int, st: StageState) -> StageState:
    pairs = [(ctx.expand(p.key, st), ctx.expand(p.value, st)) for p in node.pairs]
    state, env = st.llb, st.image.config.env
    for key, value in pairs:
        state = state.with_env(key, value)
        env = set_env(env, key, value)
    image = st.image.with_config(env=env).commit(
        "ENV " + " ".join(f"{k}={v}" for k, v in pairs), layer=False
    )
    return replace(st, llb=state, image=image)


def lower_arg(ctx: StageContext, node: ast.Arg, index: int, st: StageState) -> StageState:
    state, declared, shown = st.llb, list(st.build_args), []
    for decl in node.args:
        name = ctx.expand(decl.name, st)
        default = ctx.expand(decl.default, st) if decl.default is not None else None
        shown.append(name if default is None else f"{name}={default}")
        value = ctx.options.build_args.get(name, default)
        if value is None and name in ctx.meta_args:
            value = ctx.meta_args[name]
        if value is not None and not _scanner_only(name, ctx.options):
            state = state.with_env(name, value)
        if ctx.image_format.arg_shows_value:
            shown[-1] = name if value is None else f"{name}={value}"
        declared.append((name, value))
    image = st.image.commit("ARG " + " ".join(shown), layer=False)
    return replace(st, llb=state, image=image, build_args=tuple(declared))


def _scanner_only(arg: str, options: BuildOptions) -> bool:
    """Whether ``arg`` is for the SBOM scanner only: on engines with attestations
    (BuildKit 0.11, whose frontend keeps these args out of the environment)."""
    return arg in SBOM_SCAN_ARGS and options.llb_caps.release >= (0, 11)


def _proxy_env(options: BuildOptions) -> dict[str, str]:
    out = {}
    for key, value in options.build_args.items():
        if key.lower() in _PROXY_ARGS:
            out[key.lower()] = value
    return out


_NETWORKS = {"default": None, "none": NetMode.NONE, "host": NetMode.HOST}
_SECURITY = {"sandbox": SecurityMode.SANDBOX, "insecure": SecurityMode.INSECURE}


def lower_run(ctx: StageContext, node: ast.Run, index: int, st: StageState) -> StageState:
    # Docker's frontend leaves devices out on engines without CDI, and runs the step.
    if node.devices and ctx.options.llb_caps.supports(caps.EXEC_META_CDI):
        raise DockerfileError("RUN --device is not supported yet")
    mounts: list[Mount] = []
    suffix = ""
    if isinstance(node.command, ast.ShellCommand) and node.command.heredocs:
        args, mounts = _heredoc_program(ctx, node.command, st)
        first = node.command.heredocs[0]
        if heredoc.marker_name(node.command.text.strip()) == first.name:
            suffix = f" ({heredoc.summary(first)})"  # a lone heredoc: its first line shows
    else:
        args = _command_args(st.image, node.command)
    extra = run_mounts(ctx, node, index, st)
    opts = ctx.options
    sandbox = run_sandbox(opts.llb_caps, opts.ulimits, opts.shm_size, opts.cgroup_parent)
    mounts += [*extra.mounts, *sandbox.mounts]
    network = None
    if node.network is not None:
        if node.network not in _NETWORKS:
            raise DockerfileError(f"unsupported network mode {node.network!r}")
        network = _NETWORKS[node.network]
    security = SecurityMode.SANDBOX
    if node.security is not None:
        if node.security not in _SECURITY:
            raise DockerfileError(f"unsupported security mode {node.security!r}")
        security = _SECURITY[node.security]
    meta, st = ctx.op_meta(node, st, suffix)
    process = st.llb
    for key, value in extra.env:
        process = process.with_env(key, value)
    state, _ = process.run(
        args,
        mounts=mounts,
        network=network,
        security=security,
        proxy_env=_proxy_env(ctx.options),
        secret_env=extra.secret_env,
        ulimits=sandbox.ulimits,
        cgroup_parent=sandbox.cgroup_parent,
        meta=meta,
    )
    unique = ctx.image_format.unique_run_args
    created_by = "RUN " + run_command(args, st.build_args, st.llb.env_map(), unique=unique)
    image = st.image.commit(created_by + " # buildkit", layer=True)
    state = st.llb.with_output(state.output)  # a mount's env (SSH_AUTH_SOCK) was this step's
    paths = st.context_paths | extra.context_paths
    return replace(st, llb=state, image=image, context_paths=paths)


def _heredoc_program(
    ctx: StageContext, command: ast.ShellCommand, st: StageState
) -> tuple[tuple[str, ...], list[Mount]]:
    """RUN with heredocs: a lone ``<<EOF`` runs its body (a ``#!`` script from a file)."""
    first = command.heredocs[0]
    if heredoc.marker_name(command.text.strip()) != first.name:
        # Anything else goes to the shell as written, heredoc bodies included.
        text = command.text + "".join(f"\n{h.content}{h.name}" for h in command.heredocs)
        return with_shell(st.image, (text,)), []
    data = heredoc.body(first)
    if st.image.os == "windows" or not data.startswith("#!"):
        return with_shell(st.image, (data,)), []
    script = llb.scratch(ctx.platform).file(
        Mkfile(f"/{first.name}", data.encode(), mode=0o755),
        meta=OpMeta(name="[internal] preparing inline document"),
    )
    pipe = Mount(dest="/dev/pipes/", source=script.output, selector="/", readonly=True)
    return with_shell(st.image, (f"/dev/pipes/{first.name}",)), [pipe]


def lower_workdir(ctx: StageContext, node: ast.Workdir, index: int, st: StageState) -> StageState:
    path = ctx.expand(node.path, st)
    state = st.llb.with_dir(path)
    wd = path if posixpath.isabs(path) else clean_path(f"/{st.image.config.working_dir}/{path}")
    image = st.image.with_config(working_dir=wd)
    layer = False
    if wd != "/" and ctx.file_op:
        meta, st = ctx.op_meta(node, st)
        user = st.image.config.user
        owner = Chown.parse(user) if user else None
        # the Go client cleans a mkdir path (the trailing slash stays in the cwd)
        epoch = ctx.options.source_date_epoch
        created = -1 if epoch is None else epoch * 1_000_000_000  # (nanoseconds)
        mkdir = Mkdir(clean_path(wd), 0o755, make_parents=True, owner=owner, timestamp=created)
        state = state.file(mkdir, meta=meta)
        layer = True
    return replace(st, llb=state, image=image.commit(f"WORKDIR {wd}", layer=layer))


def lower_user(ctx: StageContext, node: ast.User, index: int, st: StageState) -> StageState:
    user = ctx.expand(node.user, st)
    image = st.image.with_config(user=user).commit(f"USER {user}", layer=False)
    return replace(st, llb=st.llb.with_user(user), image=image)


def lower_copy(ctx: StageContext, node: ast.Copy, index: int, st: StageState) -> StageState:
    if index in ctx.sources:
        return lower_copy_like(ctx, node, st, ctx.sources[index], from_context=False, index=index)
    return lower_copy_like(ctx, node, st, ctx.context, from_context=True)


def lower_add(ctx: StageContext, node: ast.Add, index: int, st: StageState) -> StageState:
    return lower_copy_like(ctx, node, st, ctx.context, from_context=True)


def lower_label(ctx: StageContext, node: ast.Label, index: int, st: StageState) -> StageState:
    pairs = [(ctx.expand(p.key, st), ctx.expand(p.value, st)) for p in node.pairs]
    labels = {**(st.image.config.labels or {}), **dict(pairs)}
    shown = " ".join(f"{key}={value}" for key, value in pairs)
    image = st.image.with_config(labels=labels).commit(f"LABEL {shown}", layer=False)
    maps = st.maps.write("Labels", str(ctx.stage_index), pairs)
    return replace(st, image=image, maps=maps)


def lower_maintainer(
    ctx: StageContext, node: ast.Maintainer, index: int, st: StageState
) -> StageState:
    image = replace(st.image, author=node.name).commit(f"MAINTAINER {node.name}", layer=False)
    return replace(st, image=image)


def lower_cmd(ctx: StageContext, node: ast.Cmd, index: int, st: StageState) -> StageState:
    args = _command_args(st.image, node.command)
    image = st.image.with_config(cmd=args, args_escaped=True)
    return replace(st, image=image.commit(f"CMD {quoted_list(args)}", layer=False), cmd_set=True)


def lower_entrypoint(
    ctx: StageContext, node: ast.Entrypoint, index: int, st: StageState
) -> StageState:
    args = _command_args(st.image, node.command)
    image = st.image.with_config(entrypoint=args)
    if not st.cmd_set:
        image = image.with_config(cmd=None)
    return replace(st, image=image.commit(f"ENTRYPOINT {quoted_list(args)}", layer=False))


def lower_expose(ctx: StageContext, node: ast.Expose, index: int, st: StageState) -> StageState:
    listed = ctx.image_format.expose_list
    ports: list[str] = []
    for word in sorted(node.ports):  # Docker's parser sorts the words as written
        try:
            specs = expand_words(word, st.llb.env_map(), ctx.escape)
        except WordError as exc:
            raise DockerfileError(str(exc)) from None
        for spec in specs:
            ports += parse_ports(spec, strict=listed)
    exposed = tuple(sorted(set(st.image.config.exposed_ports) | set(ports)))
    shown = plain_list(ports) if listed else port_map(ports)
    image = st.image.with_config(exposed_ports=exposed).commit(f"EXPOSE {shown}", layer=False)
    maps = st.maps.write("ExposedPorts", str(ctx.stage_index), ((p, "") for p in ports))
    return replace(st, image=image, maps=maps)


def lower_volume(ctx: StageContext, node: ast.Volume, index: int, st: StageState) -> StageState:
    paths = [ctx.expand(p, st) for p in node.paths]
    if any(p == "" for p in paths):
        raise DockerfileError("VOLUME specified can not be an empty string")
    volumes = tuple(sorted(set(st.image.config.volumes) | set(paths)))
    image = st.image.with_config(volumes=volumes).commit(f"VOLUME {plain_list(paths)}", layer=False)
    maps = st.maps.write("Volumes", str(ctx.stage_index), ((p, "") for p in paths))
    return replace(st, image=image, maps=maps)


def lower_stopsignal(
    ctx: StageContext, node: ast.StopSignal, index: int, st: StageState
) -> StageState:
    signal = ctx.expand(node.signal, st)
    check_signal(signal)
    image = st.image.with_config(stop_signal=signal).commit(f"STOPSIGNAL {signal}", layer=False)
    return replace(st, image=image)


def lower_shell(ctx: StageContext, node: ast.Shell, index: int, st: StageState) -> StageState:
    image = st.image.with_config(shell=node.args).commit(
        f"SHELL {plain_list(node.args)}", layer=False
    )
    return replace(st, image=image)


def lower_onbuild(ctx: StageContext, node: ast.Onbuild, index: int, st: StageState) -> StageState:
    triggers = (*(st.image.config.on_build or ()), node.expression)
    return replace(st, image=st.image.with_config(on_build=triggers))


def lower_healthcheck(
    ctx: StageContext, node: ast.Healthcheck, index: int, st: StageState
) -> StageState:
    """The container health check; ``NONE`` disables an inherited one. Words stay as written."""
    if node.command is None:
        hc = Healthcheck(test=("NONE",))
    else:
        if isinstance(node.command, ast.ExecCommand):
            test = ("CMD", *node.command.args)
        else:
            test = ("CMD-SHELL", node.command.text)
        hc = Healthcheck(
            test=test,
            interval=node.interval,
            timeout=node.timeout,
            start_period=node.start_period,
            start_interval=node.start_interval,
            retries=node.retries,
        )
    image = st.image.with_config(healthcheck=hc)
    shown = health_config(hc, ctx.image_format)
    return replace(st, image=image.commit(f"HEALTHCHECK {shown}", layer=False))


def lower_unsupported(
    ctx: StageContext, node: ast.Instruction, index: int, st: StageState
) -> StageState:
    raise DockerfileError(f"{node.keyword} is not supported yet")


LOWERINGS: dict[type[ast.Instruction], Lowering] = {
    ast.Env: lower_env,
    ast.Arg: lower_arg,
    ast.Run: lower_run,
    ast.Workdir: lower_workdir,
    ast.User: lower_user,
    ast.Copy: lower_copy,
    ast.Add: lower_add,
    ast.Label: lower_label,
    ast.Maintainer: lower_maintainer,
    ast.Cmd: lower_cmd,
    ast.Entrypoint: lower_entrypoint,
    ast.Expose: lower_expose,
    ast.Volume: lower_volume,
    ast.StopSignal: lower_stopsignal,
    ast.Shell: lower_shell,
    ast.Onbuild: lower_onbuild,
    ast.Healthcheck: lower_healthcheck,
}


def counts_as_step(node: ast.Instruction, file_op: bool) -> bool:
    """Whether an instruction gets a ``[k/N]`` progress step."""
    return isinstance(node, ast.Run | ast.Copy | ast.Add) or (
        file_op and isinstance(node, ast.Workdir)
    )


def lower(ctx: StageContext, node: ast.Instruction, index: int, st: StageState) -> StageState:
    """Lower one instruction; errors are pinned to its lines."""
    try:
        return LOWERINGS.get(type(node), lower_unsupported)(ctx, node, index, st)
    except DockerfileError as exc:
        if exc.line:
            raise
        raise DockerfileError(
            exc.message,
            line=node.location.start_line,
            end_line=node.location.end_line,
            column=node.location.column,
        ) from None
