"""Immutable LLB vertices: sources, execs and file-op chains.

A vertex knows its inputs (``Output`` edges) and how to build its protobuf
body once the marshaller has numbered those inputs. Vertices compare by
identity; the marshaller dedupes identical ops by the digest of their bytes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import ClassVar, Protocol, cast

from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform

InputRef = Callable[["Output | None"], int]
"""Maps an edge to its index in the op's input list (-1 for scratch)."""

OpBody = pb.ExecOp | pb.SourceOp | pb.FileOp | pb.MergeOp | pb.DiffOp
"""The message in an op's oneof."""


COMMAND_KEY = "com.docker.dockerfile.v1.command"
"""The description key naming the Dockerfile instruction an op comes from."""


@frozen
class ProgressGroup:
    """Ops shown as one step in the progress output; a weak member yields the group's name."""

    id: str
    name: str
    weak: bool = False


@frozen
class OpMeta:
    """Progress name, description, cache policy, source lines and worker constraints of one op."""

    name: str = ""
    description: tuple[tuple[str, str], ...] = ()
    ignore_cache: bool = False
    ranges: tuple[tuple[int, int], ...] | None = None
    """Source lines (each ``(start, end)``); None: no location, (): a location without lines."""
    progress_group: ProgressGroup | None = None
    worker_constraints: tuple[str, ...] = ()
    """Filters a worker must match to run the op (the op's ``constraints``); (): any worker."""

    def merge_into(self, md: pb.OpMetadata) -> None:
        """Add this metadata to ``md`` (empty, or another vertex's of the same op), as
        Go merges it: a cache ignored by either, descriptions and group overwritten."""
        if self.ignore_cache:
            md.ignore_cache = True
        for key, value in self.description:  # (a map's update is slower, in Python)
            md.description[key] = value
        if self.name:
            md.description["llb.customname"] = self.name
        if self.progress_group is not None:
            g = self.progress_group
            md.progress_group.CopyFrom(pb.ProgressGroup(id=g.id, name=g.name, weak=g.weak))


@frozen(eq=False)
class Output:
    """Output number ``index`` of ``vertex``: the edge type of the graph."""

    vertex: Vertex
    index: int = 0


class Vertex(Protocol):
    """What the marshaller needs of an op; the ops below are frozen dataclasses."""

    @property
    def meta(self) -> OpMeta: ...

    @property
    def platform(self) -> Platform | None: ...

    def inputs(self) -> Sequence[Output | None]:
        """Edges this op reads, in the order the wire lists them."""
        ...

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, OpBody]:
        """The oneof field name and message; ``ref`` numbers edges, of ``n_inputs`` in all."""
        ...


@frozen(eq=False)
class SourceOp:
    """A leaf: an image, a local directory, an HTTP file or a git repository."""

    identifier: str
    attrs: tuple[tuple[str, str], ...] = ()
    platform: Platform | None = None
    meta: OpMeta = field(default_factory=OpMeta)

    def inputs(self) -> Sequence[Output | None]:
        return ()

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, pb.SourceOp]:
        op = pb.SourceOp(identifier=self.identifier)
        op.attrs.update(self.attrs)
        return "source", op


class MountType(enum.IntEnum):
    BIND = pb.BIND
    SECRET = pb.SECRET
    SSH = pb.SSH
    CACHE = pb.CACHE
    TMPFS = pb.TMPFS


class NetMode(enum.IntEnum):
    SANDBOX = pb.UNSET
    HOST = pb.HOST
    NONE = pb.NONE


class SecurityMode(enum.IntEnum):
    SANDBOX = pb.SANDBOX
    INSECURE = pb.INSECURE


class CacheSharing(enum.IntEnum):
    SHARED = pb.SHARED
    PRIVATE = pb.PRIVATE
    LOCKED = pb.LOCKED


@frozen
class Mount:
    """One mount of an exec; ``source`` None means scratch."""

    dest: str
    source: Output | None = None
    selector: str = ""
    readonly: bool = False
    has_output: bool = False
    type: MountType = MountType.BIND
    cache_id: str = ""
    cache_sharing: CacheSharing = CacheSharing.SHARED
    secret_id: str = ""
    uid: int = 0
    gid: int = 0
    mode: int = 0
    optional: bool = False
    tmpfs_size: int = 0


@frozen
class SecretEnv:
    """A secret the process reads from an environment variable ``name``."""

    secret_id: str
    name: str
    optional: bool = False


@frozen
class Ulimit:
    """A resource limit (``nofile``, ``nproc``...) for the process; -1 is unlimited."""

    name: str
    soft: int
    hard: int


@frozen
class HostIP:
    """An ``/etc/hosts`` entry of an exec."""

    host: str
    ip: str


@frozen
class ExecMeta:
    """What a process runs with: argv, env, cwd, user and friends."""

    args: tuple[str, ...]
    env: tuple[str, ...] = ()
    cwd: str = "/"
    user: str = ""
    hostname: str = ""
    extra_hosts: tuple[HostIP, ...] = ()
    proxy_env: tuple[tuple[str, str], ...] = ()
    ulimits: tuple[Ulimit, ...] = ()
    cgroup_parent: str = ""


@frozen(eq=False)
class ExecOp:
    """Run a process over mounts; mounts with an output become op outputs."""

    exec_meta: ExecMeta
    mounts: tuple[Mount, ...]
    network: NetMode = NetMode.SANDBOX
    security: SecurityMode = SecurityMode.SANDBOX
    platform: Platform | None = None
    meta: OpMeta = field(default_factory=OpMeta)
    secret_env: tuple[SecretEnv, ...] = ()

    def __post_init__(self) -> None:
        # As Go's client: filesystem mounts sorted by dest, then secrets, then ssh sockets.
        files = sorted(
            (m for m in self.mounts if m.type not in (MountType.SECRET, MountType.SSH)),
            key=lambda m: m.dest,
        )
        secrets = [m for m in self.mounts if m.type == MountType.SECRET]
        sockets = [m for m in self.mounts if m.type == MountType.SSH]
        object.__setattr__(self, "mounts", (*files, *secrets, *sockets))

    def inputs(self) -> Sequence[Output | None]:
        return [m.source for m in self.mounts if m.source is not None]

    def output_of(self, dest: str) -> Output:
        """The output a mount at ``dest`` produces."""
        index = 0
        for m in self.mounts:
            if m.has_output:
                if m.dest == dest:
                    return Output(self, index)
                index += 1
        raise KeyError(f"mount {dest} has no output")

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, pb.ExecOp]:
        em = self.exec_meta
        meta = pb.Meta(
            args=em.args,
            env=em.env,
            cwd=em.cwd,
            user=em.user,
            hostname=em.hostname,
            cgroupParent=em.cgroup_parent,
        )
        for h in em.extra_hosts:
            meta.extraHosts.add(Host=h.host, IP=h.ip)
        for u in em.ulimits:
            meta.ulimit.add(Name=u.name, Soft=u.soft, Hard=u.hard)
        if em.proxy_env:
            meta.proxy_env.CopyFrom(pb.ProxyEnv(**dict(em.proxy_env)))
        op = pb.ExecOp(
            meta=meta,
            network=cast(pb.NetMode.ValueType, int(self.network)),
            security=cast(pb.SecurityMode.ValueType, int(self.security)),
        )
        for secret in self.secret_env:
            op.secretenv.add(ID=secret.secret_id, name=secret.name, optional=secret.optional)
        output = 0
        for m in self.mounts:
            if m.type in (MountType.SECRET, MountType.SSH):
                # Go's client leaves input and output unset (0) on these
                pm = op.mounts.add(dest=m.dest, mountType=cast(pb.MountType.ValueType, int(m.type)))
            else:
                pm = op.mounts.add(
                    input=ref(m.source),
                    selector=m.selector,
                    dest=m.dest,
                    output=output if m.has_output else -1,
                    readonly=m.readonly,
                    mountType=cast(pb.MountType.ValueType, int(m.type)),
                )
            output += m.has_output
            if m.type == MountType.CACHE:
                pm.cacheOpt.CopyFrom(
                    pb.CacheOpt(
                        ID=m.cache_id,
                        sharing=cast(pb.CacheSharingOpt.ValueType, int(m.cache_sharing)),
                    )
                )
            elif m.type == MountType.SECRET:
                pm.secretOpt.CopyFrom(
                    pb.SecretOpt(
                        ID=m.secret_id, uid=m.uid, gid=m.gid, mode=m.mode, optional=m.optional
                    )
                )
            elif m.type == MountType.SSH:
                pm.SSHOpt.CopyFrom(
                    pb.SSHOpt(
                        ID=m.secret_id, uid=m.uid, gid=m.gid, mode=m.mode, optional=m.optional
                    )
                )
            elif m.type == MountType.TMPFS and m.tmpfs_size:
                pm.TmpfsOpt.CopyFrom(pb.TmpfsOpt(size=m.tmpfs_size))
        return "exec", op


@frozen
class UserRef:
    """A chown target: a numeric id, or a name looked up in the dest's passwd/group."""

    id: int | None = None
    name: str = ""

    @classmethod
    def parse(cls, text: str) -> UserRef:
        """``root``, a decimal id (32 bits), or a name; an id out of range is the user's error."""
        if text == "root":
            return cls(id=0)
        if text.isascii() and text.isdigit():
            if int(text) >= 1 << 32:
                raise DockerfileError(f"user id {text} is out of range")
            return cls(id=int(text))
        return cls(name=text)


@frozen
class Chown:
    """The owner a file action gives: a user, and a group (None: the user's)."""

    user: UserRef | None = None
    group: UserRef | None = None

    @classmethod
    def parse(cls, text: str) -> Chown:
        """``user[:group]`` with numeric ids or names, as COPY --chown takes it."""
        user, sep, group = text.partition(":")
        return cls(UserRef.parse(user), UserRef.parse(group) if sep else None)

    def to_pb(self, base: int) -> pb.ChownOpt:
        def one(u: UserRef | None) -> pb.UserOpt | None:
            if u is None:
                return None
            if u.id is not None:
                return pb.UserOpt(byID=u.id)
            return pb.UserOpt(byName=pb.NamedUserOpt(name=u.name, input=base))

        return pb.ChownOpt(user=one(self.user), group=one(self.group))


@frozen
class Copy:
    """Copy ``src`` out of ``source`` (None = scratch) to ``dest``."""

    source: Output | None
    src: str
    dest: str
    mode: int = -1
    owner: Chown | None = None
    follow_symlink: bool = False
    dir_copy_contents: bool = False
    attempt_unpack: bool = False
    create_dest_path: bool = False
    allow_wildcard: bool = False
    allow_empty_wildcard: bool = False
    timestamp: int = -1
    include_patterns: tuple[str, ...] = ()
    exclude_patterns: tuple[str, ...] = ()
    required_paths: tuple[str, ...] = ()
    mode_str: str = ""
    """A symbolic mode (``u+x``) the engine applies to each file; then ``mode`` is 0."""

    FIELD: ClassVar[str] = "copy"

    def write(self, action: pb.FileActionCopy, base: int) -> None:
        """Set the fields of ``action`` (in its file op: a copy is the action made most,
        and a message built apart would be copied in)."""
        action.SetInParent()  # (set even were every field its default)
        action.src = self.src
        action.dest = self.dest
        action.mode = self.mode
        action.followSymlink = self.follow_symlink
        action.dirCopyContents = self.dir_copy_contents
        action.attemptUnpackDockerCompatibility = self.attempt_unpack
        action.createDestPath = self.create_dest_path
        action.allowWildcard = self.allow_wildcard
        action.allowEmptyWildcard = self.allow_empty_wildcard
        action.timestamp = self.timestamp
        action.modeStr = self.mode_str
        # (set only when there is something to set: a copy has none of them, mostly)
        if self.owner:
            action.owner.CopyFrom(self.owner.to_pb(base))
        if self.include_patterns:
            action.include_patterns.extend(self.include_patterns)
        if self.exclude_patterns:
            action.exclude_patterns.extend(self.exclude_patterns)
        if self.required_paths:
            action.required_paths.extend(self.required_paths)


@frozen
class Mkdir:
    """Create the directory ``path`` (and its parents with ``make_parents``)."""

    path: str
    mode: int = 0o755
    make_parents: bool = False
    owner: Chown | None = None
    timestamp: int = -1

    FIELD: ClassVar[str] = "mkdir"

    def to_pb(self, base: int) -> pb.FileActionMkDir:
        return pb.FileActionMkDir(
            path=self.path,
            mode=self.mode,
            makeParents=self.make_parents,
            owner=_owner(self.owner, base),
            timestamp=self.timestamp,
        )


@frozen
class Mkfile:
    """Create the file ``path`` holding ``data``."""

    path: str
    data: bytes
    mode: int = 0o644
    owner: Chown | None = None
    timestamp: int = -1

    FIELD: ClassVar[str] = "mkfile"

    def to_pb(self, base: int) -> pb.FileActionMkFile:
        return pb.FileActionMkFile(
            path=self.path,
            mode=self.mode,
            data=self.data,
            owner=_owner(self.owner, base),
            timestamp=self.timestamp,
        )


@frozen
class Rm:
    """Remove ``path`` (a wildcard pattern with ``allow_wildcard``)."""

    path: str
    allow_not_found: bool = False
    allow_wildcard: bool = False

    FIELD: ClassVar[str] = "rm"

    def to_pb(self, base: int) -> pb.FileActionRm:
        return pb.FileActionRm(
            path=self.path, allowNotFound=self.allow_not_found, allowWildcard=self.allow_wildcard
        )


@frozen
class Symlink:
    """Create a symbolic link at ``path`` pointing to ``target`` (the engine's
    ``file.symlink.create`` cap, BuildKit 0.19)."""

    target: str
    path: str
    owner: Chown | None = None
    timestamp: int = -1

    FIELD: ClassVar[str] = "symlink"

    def to_pb(self, base: int) -> pb.FileActionSymlink:
        return pb.FileActionSymlink(
            oldpath=self.target,
            newpath=self.path,
            owner=_owner(self.owner, base),
            timestamp=self.timestamp,
        )


def _owner(chown: Chown | None, base: int) -> pb.ChownOpt | None:
    return chown.to_pb(base) if chown else None


FileAction = Copy | Mkdir | Mkfile | Rm | Symlink


@frozen(eq=False)
class FileOp:
    """A chain of file actions: the first applies to ``base``, each next to the last result."""

    base: Output | None
    actions: tuple[FileAction, ...]
    platform: Platform | None = None
    meta: OpMeta = field(default_factory=OpMeta)

    def inputs(self) -> Sequence[Output | None]:
        edges = [a.source for a in self.actions if isinstance(a, Copy) and a.source is not None]
        return edges if self.base is None else [self.base, *edges]

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, pb.FileOp]:
        op = pb.FileOp()
        last = len(self.actions) - 1
        for i, action in enumerate(self.actions):
            # Action k > 0 reads the result of action k-1, numbered after the inputs.
            base = ref(self.base) if i == 0 else n_inputs + i - 1
            output = 0 if i == last else -1
            if isinstance(action, Copy):
                fa = op.actions.add(input=base, secondaryInput=ref(action.source), output=output)
                action.write(fa.copy, base)
            else:
                fa = op.actions.add(input=base, secondaryInput=-1, output=output)
                getattr(fa, action.FIELD).CopyFrom(action.to_pb(base))
        return "file", op


@frozen(eq=False)
class MergeOp:
    """Layer ``inputs`` on top of each other, the first at the bottom.

    As Go writes it, a merge carries no platform and keeps one input per
    layer, in order.
    """

    layers: tuple[Output, ...]
    meta: OpMeta = field(default_factory=OpMeta)
    platform: Platform | None = None

    def inputs(self) -> Sequence[Output | None]:
        return self.layers

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, pb.MergeOp]:
        return "merge", pb.MergeOp(inputs=[pb.MergeInput(input=ref(o)) for o in self.layers])


@frozen(eq=False)
class DiffOp:
    """The changes that turn ``lower`` into ``upper`` (None: scratch), as a layer."""

    lower: Output | None
    upper: Output | None
    meta: OpMeta = field(default_factory=OpMeta)
    platform: Platform | None = None

    def inputs(self) -> Sequence[Output | None]:
        return [e for e in (self.lower, self.upper) if e is not None]

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, pb.DiffOp]:
        return "diff", pb.DiffOp(
            lower=pb.LowerDiffInput(input=ref(self.lower)),
            upper=pb.UpperDiffInput(input=ref(self.upper)),
        )


class Deferred:
    """A vertex chosen after the ops that read it exist.

    The build context is one: which paths it must sync is known only once
    every COPY has been lowered. ``bind`` it before marshalling.
    """

    def __init__(self) -> None:
        self._target: Vertex | None = None

    def bind(self, vertex: Vertex) -> None:
        self._target = vertex

    @property
    def target(self) -> Vertex:
        if self._target is None:
            raise RuntimeError("deferred vertex marshalled before it was bound")
        return self._target

    @property
    def meta(self) -> OpMeta:
        return self.target.meta

    @property
    def platform(self) -> Platform | None:
        return self.target.platform

    def inputs(self) -> Sequence[Output | None]:
        return self.target.inputs()

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, OpBody]:
        return self.target.body(ref, n_inputs)
