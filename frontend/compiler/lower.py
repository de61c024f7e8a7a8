"""Lowering table: one function per instruction, each ``(ctx, node, st) -> st``.

A stage is lowered by folding its instructions over a ``StageState`` (the LLB
state plus the image config being built). Functions are pure; the context
``StageContext`` holds what is fixed for the stage.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import Any

from frontend.compiler.copyadd import lower_copy_like
from frontend.compiler.history import health_config, plain_list, port_map, quoted_list, run_command
from frontend.compiler.image import Healthcheck, Image, set_env
from frontend.compiler.mounts import run_mounts
from frontend.compiler.options import BuildOptions
from frontend.compiler.ports import parse_ports
from frontend.compiler.sandbox import run_sandbox
from frontend.compiler.signals import check_signal
from frontend.compiler.stage import StageContext, StageState
from frontend.errors import DockerfileError
from frontend.gotext import clean_path, raw_bytes
from frontend.llb import caps
from frontend.llb import state as llb
from frontend.llb.graph import (
    Chown,
    Mkdir,
    Mkfile,
    Mount,
    NetMode,
    OpMeta,
    SecurityMode,
)
from frontend.persistent import Overlay, evolve
from frontend.semantics import heredoc
from frontend.semantics.scope import NON_ENV_ARGS, ArgRules, Scope
from frontend.semantics.words import WordError, expand_words
from frontend.syntax import ast

DEFAULT_SHELL = ("/bin/sh", "-c")
WINDOWS_SHELL = ("cmd", "/S", "/C")
_PROXY_ARGS = ("http_proxy", "https_proxy", "ftp_proxy", "no_proxy")


MAX_PORTS_LISTED = 1 << 20
"""Most ports a stage's EXPOSE instructions may list: each is written out in the
history, and 16 lines of ``EXPOSE 1-65535`` make a config of about 10 MB (the
engine takes at most 16 MB)."""

PATH_MAX = 4096
"""Linux's limit on a path, its terminating NUL included."""


Lowering = Callable[[StageContext, Any, int, StageState], StageState]


def with_shell(image: Image, args: tuple[str, ...]) -> tuple[str, ...]:
    shell = image.config.shell or (WINDOWS_SHELL if image.os == "windows" else DEFAULT_SHELL)
    return (*shell, " ".join(args))


def _command_args(image: Image, command: ast.Command) -> tuple[str, ...]:
    if isinstance(command, ast.ExecCommand):
        return command.args
    return with_shell(image, (command.text,))


def with_scope(st: StageState, scope: Scope, **changes: Any) -> StageState:
    """``st`` with ``scope`` (its variables in the LLB state too) and ``changes``."""
    return evolve(st, scope=scope, llb=evolve(st.llb, env=scope.env), **changes)


def lower_env(ctx: StageContext, node: ast.Env, index: int, st: StageState) -> StageState:
    try:
        pairs = st.scope.env_pairs(node, ctx.escape)
    except WordError as exc:
        raise DockerfileError(str(exc)) from None
    env, settled = st.image.config.env, st.env_settled
    for key, value in pairs:
        settled = settled and key not in env  # a new key goes last in both
        env = set_env(env, key, value)
    image = st.image.commit("ENV " + " ".join(f"{k}={v}" for k, v in pairs), layer=False, env=env)
    return with_scope(st, st.scope.with_env(pairs), image=image, env_settled=settled)


def lower_arg(ctx: StageContext, node: ast.Arg, index: int, st: StageState) -> StageState:
    scope, shown = st.scope, []
    for decl in node.args:
        scope, arg = scope.declare(decl, ctx.arg_rules, functools.partial(ctx.expand_in, scope))
        shown_value = arg.value if ctx.image_format.arg_shows_value else arg.default
        shown.append(arg.name if shown_value is None else f"{arg.name}={shown_value}")
    image = st.image.commit("ARG " + " ".join(shown), layer=False)
    settled = st.env_settled and scope.env is st.scope.env  # no value went last
    return with_scope(st, scope, image=image, env_settled=settled)


def arg_rules(options: BuildOptions, meta_args: Mapping[str, str]) -> ArgRules:
    """How the engine's frontend declares a stage's ARGs: the SBOM scanner's args are
    kept out of the environment since BuildKit 0.11 (with attestations)."""
    non_env = NON_ENV_ARGS if options.request.llb_caps.release >= (0, 11) else frozenset()
    return ArgRules(options.request.build_args, meta_args, non_env, expand_all=not options.raw_args)


def _proxy_env(options: BuildOptions) -> dict[str, str]:
    out = {}
    for key, value in options.request.build_args.items():
        if key.lower() in _PROXY_ARGS:
            out[key.lower()] = value
    return out


_NETWORKS = {"default": None, "none": NetMode.NONE, "host": NetMode.HOST}
_SECURITY = {"sandbox": SecurityMode.SANDBOX, "insecure": SecurityMode.INSECURE}


def lower_run(ctx: StageContext, node: ast.Run, index: int, st: StageState) -> StageState:
    # Docker's frontend leaves devices out on engines without CDI, and runs the step.
    if node.devices and ctx.options.request.llb_caps.supports(caps.EXEC_META_CDI):
        raise DockerfileError("RUN --device is not supported yet")
    mounts: list[Mount] = []
    suffix = ""
    if isinstance(node.command, ast.ShellCommand) and node.command.heredocs:
        first = node.command.heredocs[0]
        lone = heredoc.is_lone(node.command)
        args, mounts = _heredoc_program(ctx, node.command, st, lone)
        if lone:
            suffix = f" ({heredoc.summary(first)})"  # its first line shows
    else:
        args = _command_args(st.image, node.command)
    extra = run_mounts(ctx, node, index, st)
    req = ctx.options.request
    sandbox = run_sandbox(req.llb_caps, req.ulimits, req.shm_size, req.cgroup_parent)
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
    meta, step = ctx.op_meta(node, st, suffix)
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
    fmt = ctx.image_format
    declared = st.scope.args if fmt.inherits_stage_args else st.scope.args[st.scope.own_args :]
    created_by = "RUN " + run_command(args, declared, st.llb.env, unique=fmt.unique_run_args)
    image = st.image.commit(created_by + " # buildkit", layer=True)
    state = st.llb.with_output(state.output)  # a mount's env (SSH_AUTH_SOCK) was this step's
    paths = st.context_paths.extend(extra.context_paths)
    return evolve(st, llb=state, image=image, context_paths=paths, step=step)


def _heredoc_program(
    ctx: StageContext, command: ast.ShellCommand, st: StageState, lone: bool
) -> tuple[tuple[str, ...], list[Mount]]:
    """RUN with heredocs: a ``lone`` ``<<EOF`` (the whole command) runs its body (a
    ``#!`` script from a file)."""
    first = command.heredocs[0]
    if not lone:
        # Anything else goes to the shell as written, heredoc bodies included.
        text = command.text + "".join(f"\n{h.content}{h.name}" for h in command.heredocs)
        return with_shell(st.image, (text,)), []
    data = heredoc.body(first)
    if st.image.os == "windows" or not data.startswith("#!"):
        return with_shell(st.image, (data,)), []
    script = llb.scratch(ctx.platform).file(
        Mkfile(f"/{first.name}", raw_bytes(data), mode=0o755),
        meta=OpMeta(name="[internal] preparing inline document"),
    )
    pipe = Mount(dest="/dev/pipes/", source=script.output, selector="/", readonly=True)
    return with_shell(st.image, (f"/dev/pipes/{first.name}",)), [pipe]


def lower_workdir(ctx: StageContext, node: ast.Workdir, index: int, st: StageState) -> StageState:
    path = ctx.expand(node.path, st)
    state = st.llb.with_dir(path)
    wd = path if posixpath.isabs(path) else clean_path(f"/{st.image.config.working_dir}/{path}")
    if len(wd) >= PATH_MAX:  # (characters: a byte count is never smaller)
        raise DockerfileError(
            f"WORKDIR {wd[:40]}...: the working directory is longer than {PATH_MAX - 1} bytes,"
            " which no Linux system call accepts"
        )
    image = st.image.with_config(working_dir=wd)
    layer, step = False, st.step
    if wd != "/" and ctx.file_op:
        meta, step = ctx.op_meta(node, st)
        user = st.image.config.user
        owner = Chown.parse(user) if user else None
        # the Go client cleans a mkdir path (the trailing slash stays in the cwd)
        epoch = ctx.options.request.source_date_epoch
        created = -1 if epoch is None else epoch * 1_000_000_000  # (nanoseconds)
        mkdir = Mkdir(clean_path(wd), 0o755, make_parents=True, owner=owner, timestamp=created)
        state = state.file(mkdir, meta=meta)
        layer = True
    return evolve(st, llb=state, image=image.commit(f"WORKDIR {wd}", layer=layer), step=step)


def lower_user(ctx: StageContext, node: ast.User, index: int, st: StageState) -> StageState:
    user = ctx.expand(node.user, st)
    image = st.image.with_config(user=user).commit(f"USER {user}", layer=False)
    return evolve(st, llb=st.llb.with_user(user), image=image)


def lower_copy(ctx: StageContext, node: ast.Copy, index: int, st: StageState) -> StageState:
    if index in ctx.sources:
        return lower_copy_like(ctx, node, st, ctx.sources[index], from_context=False, index=index)
    return lower_copy_like(ctx, node, st, ctx.context, from_context=True)


def lower_add(ctx: StageContext, node: ast.Add, index: int, st: StageState) -> StageState:
    return lower_copy_like(ctx, node, st, ctx.context, from_context=True)


def lower_label(ctx: StageContext, node: ast.Label, index: int, st: StageState) -> StageState:
    pairs = [(ctx.expand(p.key, st), ctx.expand(p.value, st)) for p in node.pairs]
    labels = Overlay(st.image.config.labels or {}).updated(pairs)
    shown = " ".join(f"{key}={value}" for key, value in pairs)
    image = st.image.with_config(labels=labels).commit(f"LABEL {shown}", layer=False)
    maps = st.maps.write("Labels", str(ctx.stage_index), pairs)
    return evolve(st, image=image, maps=maps)


def lower_maintainer(
    ctx: StageContext, node: ast.Maintainer, index: int, st: StageState
) -> StageState:
    image = replace(st.image, author=node.name).commit(f"MAINTAINER {node.name}", layer=False)
    return evolve(st, image=image)


def lower_cmd(ctx: StageContext, node: ast.Cmd, index: int, st: StageState) -> StageState:
    args = _command_args(st.image, node.command)
    image = st.image.with_config(cmd=args, args_escaped=True)
    return evolve(st, image=image.commit(f"CMD {quoted_list(args)}", layer=False), cmd_set=True)


def lower_entrypoint(
    ctx: StageContext, node: ast.Entrypoint, index: int, st: StageState
) -> StageState:
    args = _command_args(st.image, node.command)
    image = st.image.with_config(entrypoint=args)
    if not st.cmd_set:
        image = image.with_config(cmd=None)
    return evolve(st, image=image.commit(f"ENTRYPOINT {quoted_list(args)}", layer=False))


def lower_expose(ctx: StageContext, node: ast.Expose, index: int, st: StageState) -> StageState:
    listed = ctx.image_format.expose_list
    ports: list[str] = []
    for word in sorted(node.ports):  # Docker's parser sorts the words as written
        try:
            specs = expand_words(word, st.llb.env, ctx.escape)
        except WordError as exc:
            raise DockerfileError(str(exc)) from None
        for spec in specs:
            ports += parse_ports(spec, strict=listed)
    ports_listed = st.ports_listed + len(ports)
    if ports_listed > MAX_PORTS_LISTED:
        raise DockerfileError(
            f"EXPOSE: the stage lists more than {MAX_PORTS_LISTED} ports; its history would"
            " make an image config too large for the engine"
        )
    written = dict.fromkeys(ports, "")  # as the config's map holds them
    exposed = _keys(st.image.config.exposed_ports).updated(written)
    shown = plain_list(ports) if listed else port_map(ports)
    image = st.image.with_config(exposed_ports=exposed).commit(f"EXPOSE {shown}", layer=False)
    maps = st.maps.write("ExposedPorts", str(ctx.stage_index), written)
    return evolve(st, image=image, maps=maps, ports_listed=ports_listed)


def _keys(keys: Collection[str]) -> Overlay[str, str]:
    """A config's port or volume keys as an ``Overlay``, to add more in constant time."""
    return keys if isinstance(keys, Overlay) else Overlay((key, "") for key in keys)


def lower_volume(ctx: StageContext, node: ast.Volume, index: int, st: StageState) -> StageState:
    paths = [ctx.expand(p, st) for p in node.paths]
    if any(p == "" for p in paths):
        raise DockerfileError("VOLUME specified can not be an empty string")
    volumes = _keys(st.image.config.volumes).updated((p, "") for p in paths)
    image = st.image.with_config(volumes=volumes).commit(f"VOLUME {plain_list(paths)}", layer=False)
    maps = st.maps.write("Volumes", str(ctx.stage_index), ((p, "") for p in paths))
    return evolve(st, image=image, maps=maps)


def lower_stopsignal(
    ctx: StageContext, node: ast.StopSignal, index: int, st: StageState
) -> StageState:
    signal = ctx.expand(node.signal, st)
    check_signal(signal)
    image = st.image.with_config(stop_signal=signal).commit(f"STOPSIGNAL {signal}", layer=False)
    return evolve(st, image=image)


def lower_shell(ctx: StageContext, node: ast.Shell, index: int, st: StageState) -> StageState:
    image = st.image.with_config(shell=node.args).commit(
        f"SHELL {plain_list(node.args)}", layer=False
    )
    return evolve(st, image=image)


def lower_onbuild(ctx: StageContext, node: ast.Onbuild, index: int, st: StageState) -> StageState:
    triggers = (*(st.image.config.on_build or ()), node.expression)
    return evolve(st, image=st.image.with_config(on_build=triggers))


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
    return evolve(st, image=image.commit(f"HEALTHCHECK {shown}", layer=False))


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


_STEPS = (ast.Run, ast.Copy, ast.Add)
"""What always gets a progress step (WORKDIR too where it makes a file op)."""


def counts_as_step(node: ast.Instruction, file_op: bool) -> bool:
    """Whether an instruction gets a ``[k/N]`` progress step."""
    return isinstance(node, _STEPS) or (file_op and isinstance(node, ast.Workdir))


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
