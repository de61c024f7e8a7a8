"""``RUN --mount``: the extra filesystems a RUN step sees, lowered as Docker's frontend does.

- ``bind`` (the default): a path of the build context, a stage or an image;
  read-only unless ``rw``, and even then its changes are dropped.
- ``cache``: a directory kept by the engine between builds, under an id
  (default: the target); empty at first, or seeded ``from`` a stage or image.
- ``tmpfs``: an empty in-memory filesystem.
- ``secret`` and ``ssh``: a secret file, or an SSH agent socket, from the client.

A tmpfs ``size`` and a secret ``env`` need BuildKit 0.10 (the Go client makes
the op require the cap, so older engines refuse the build). A secret with
``env`` and no ``target`` is only an environment variable; with both, it is
also the file.

Mounts never change the image: only the root filesystem is the step's result.
"""

from __future__ import annotations

import posixpath
from dataclasses import field, replace

from frontend.compiler.stage import StageContext, StageState
from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import clean_path, go_quote
from frontend.llb import caps
from frontend.llb import state as llb
from frontend.llb.graph import (
    CacheSharing,
    Chown,
    Mkdir,
    Mount,
    MountType,
    OpMeta,
    SecretEnv,
    UserRef,
)
from frontend.syntax import ast
from frontend.syntax.instructions import parse_mount

CACHE_NAMESPACE_ARG = "BUILDKIT_CACHE_MOUNT_NS"
"""Build argument whose value prefixes every cache mount id."""

_SHARING = {
    None: CacheSharing.SHARED,
    "shared": CacheSharing.SHARED,
    "private": CacheSharing.PRIVATE,
    "locked": CacheSharing.LOCKED,
}


@frozen
class RunMounts:
    """What a RUN's mounts add to its exec: mounts, env, secrets as env, context paths read."""

    mounts: tuple[Mount, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    context_paths: frozenset[str] = field(default_factory=frozenset)
    secret_env: tuple[SecretEnv, ...] = ()


def run_mounts(ctx: StageContext, node: ast.Run, index: int, st: StageState) -> RunMounts:
    """Lower each ``--mount`` of ``node`` (command ``index`` of its stage)."""
    regular: list[Mount] = []
    secrets: list[Mount] = []
    secret_env: list[SecretEnv] = []
    ssh: list[Mount] = []
    paths: set[str] = set()
    for j, written in enumerate(node.mounts):
        mount = _expanded(ctx, written, st)
        if mount.type == "secret":
            file, variable = _secret(mount)
            if variable is not None:
                ctx.options.require_cap(
                    caps.EXEC_SECRET_ENV, "RUN --mount=type=secret,env= (a secret as a variable)"
                )
                secret_env.append(variable)
            if file is not None:
                secrets.append(file)
            continue
        if mount.type == "ssh":
            ssh.append(_ssh(mount, len(ssh)))
            continue
        source = ctx.mount_sources.get((index, j))
        if mount.type == "bind" and not mount.from_:
            source = ctx.context
        if mount.type in ("bind", "tmpfs") and not mount.from_:
            # upstream records even a tmpfs mount's (empty) source: the whole context
            paths.add(clean_path("/" + mount.source))
        regular.append(_filesystem(ctx, mount, source, st))
    env: tuple[tuple[str, str], ...] = ()
    if ssh and st.llb.get_env("SSH_AUTH_SOCK") is None:
        env = (("SSH_AUTH_SOCK", ssh[0].dest),)
    return RunMounts((*regular, *secrets, *ssh), env, frozenset(paths), tuple(secret_env))


def _expanded(ctx: StageContext, mount: ast.Mount, st: StageState) -> ast.Mount:
    """The mount with its variables expanded in the stage's environment."""
    if not mount.unexpanded:
        return mount
    return parse_mount(mount.spec, lambda word: ctx.expand(word, st))


def _target(mount: ast.Mount, cwd: str) -> str:
    target = mount.target  # an absolute target stays as written, as Docker's frontend keeps it
    if not posixpath.isabs(posixpath.normpath(target or ".")):
        target = clean_path(posixpath.join("/", cwd, target))
    if target == "/":
        raise DockerfileError(f"invalid mount target {go_quote(target)}")
    return target


def _filesystem(
    ctx: StageContext, mount: ast.Mount, source: llb.State | None, st: StageState
) -> Mount:
    """A bind, cache or tmpfs mount."""
    target = _target(mount, st.llb.cwd or "/")
    output = source.output if source is not None else None
    selector = ""
    if (src := clean_path("/" + mount.source)) != "/":
        selector = src
    elif mount.uid is not None or mount.gid is not None or mount.mode is not None:
        output = _cache_root(ctx, mount, source).output
        selector = "/cache"
    if mount.type == "tmpfs":
        if mount.size:  # the Go client marks the op as needing the cap: older engines refuse it
            ctx.options.require_cap(caps.EXEC_MOUNT_TMPFS_SIZE, "a tmpfs size")
        return Mount(dest=target, type=MountType.TMPFS, tmpfs_size=mount.size)
    if mount.type == "cache":
        namespace = ctx.options.request.build_args.get(CACHE_NAMESPACE_ARG, "")
        return Mount(
            dest=target,
            source=output,
            selector=selector,
            readonly=mount.readonly,
            type=MountType.CACHE,
            cache_id=f"{namespace}/{mount.id or posixpath.normpath(mount.target)}",
            cache_sharing=_SHARING[mount.sharing],
        )
    no_output = ctx.options.request.llb_caps.supports(caps.EXEC_MOUNT_BIND_READWRITE_NOOUTPUT)
    return Mount(
        dest=target,
        source=output,
        selector=selector,
        readonly=mount.readonly,
        has_output=not mount.readonly and not no_output,
    )


def _cache_root(ctx: StageContext, mount: ast.Mount, source: llb.State | None) -> llb.State:
    """``/cache`` with the mount's owner and mode, made in its source (or scratch)."""
    base = source if source is not None else llb.scratch(ctx.platform)
    base = replace(base, platform=ctx.platform)
    owner = Chown(UserRef(id=mount.uid or 0), UserRef(id=mount.gid or 0))
    mode = mount.mode if mount.mode is not None else 0o755
    # (the name's typo was fixed in BuildKit 0.16)
    verb = "setting" if ctx.options.request.llb_caps.release >= (0, 16) else "settings"
    meta = OpMeta(name=f"[internal] {verb} cache mount permissions")
    return base.file(Mkdir("/cache", mode=mode, owner=owner), meta=meta)


def _secret(mount: ast.Mount) -> tuple[Mount | None, SecretEnv | None]:
    """A secret from the client, ``id`` (or ``source``, or the target's base name):
    a file (the target, by default under ``/run/secrets``) unless only ``env`` is
    given, and an environment variable when ``env`` is."""
    secret_id = mount.source or mount.id
    if not secret_id:
        if not mount.target:
            raise DockerfileError("one of source, target required")
        secret_id = posixpath.basename(mount.target)
    variable = None
    if mount.env is not None:
        variable = SecretEnv(secret_id, mount.env, optional=not mount.required)
        if not mount.target:
            return None, variable
    target = mount.target or "/run/secrets/" + posixpath.basename(secret_id)
    return Mount(
        dest=target,
        type=MountType.SECRET,
        secret_id=secret_id,
        uid=mount.uid or 0,
        gid=mount.gid or 0,
        mode=mount.mode if mount.mode is not None else 0o400,
        optional=not mount.required,
    ), variable


def _ssh(mount: ast.Mount, number: int) -> Mount:
    """An SSH agent socket forwarded from the client."""
    if mount.source:
        raise DockerfileError("ssh does not support source")
    return Mount(
        dest=mount.target or f"/run/buildkit/ssh_agent.{number}",
        type=MountType.SSH,
        secret_id=mount.id,
        uid=mount.uid or 0,
        gid=mount.gid or 0,
        mode=mount.mode if mount.mode is not None else 0o600,
        optional=not mount.required,
    )
