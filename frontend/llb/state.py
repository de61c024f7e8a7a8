"""``State``: an immutable filesystem snapshot plus the process defaults of a stage.

``run`` and ``file`` return new states; nothing is mutated, so a state shared
by several stages is safe by construction.
"""

from __future__ import annotations

import posixpath
from _json import encode_basestring_ascii
from collections.abc import Iterable, Mapping
from dataclasses import field

from frontend.frozen import frozen
from frontend.gotext import clean_path
from frontend.llb.graph import (
    DiffOp,
    ExecMeta,
    ExecOp,
    FileAction,
    FileOp,
    HostIP,
    MergeOp,
    Mount,
    NetMode,
    OpMeta,
    Output,
    SecretEnv,
    SecurityMode,
    SourceOp,
    Ulimit,
)
from frontend.persistent import Vars, evolve
from frontend.platform import Platform
from frontend.reference import normalize

NO_META = OpMeta()


@frozen
class State:
    """A filesystem (``output``; None is scratch) and the defaults execs inherit."""

    output: Output | None = None
    env: Vars[str, str] = field(default_factory=Vars)
    cwd: str = "/"
    user: str = ""
    platform: Platform | None = None
    network: NetMode = NetMode.SANDBOX
    hostname: str = ""
    extra_hosts: tuple[HostIP, ...] = field(default=())

    def with_env(self, key: str, value: str) -> State:
        """Set ``key``; an existing entry is dropped and the new one appended."""
        return evolve(self, env=self.env.set(key, value))

    def get_env(self, key: str) -> str | None:
        """The value of ``key``, or None when it is not set."""
        return self.env.get(key)

    def with_dir(self, path: str) -> State:
        """Change directory; a relative path joins the current one."""
        if not posixpath.isabs(path):
            path = clean_path(f"{self.cwd or '/'}/{path}")
        return evolve(self, cwd=path)

    def with_user(self, user: str) -> State:
        """The user (``name``, ``uid[:gid]``) later execs run as."""
        return evolve(self, user=user)

    def with_output(self, output: Output | None) -> State:
        """This state's defaults over another filesystem."""
        return evolve(self, output=output)

    def with_platform(self, platform: Platform | None) -> State:
        """The platform later ops of this state run for."""
        return evolve(self, platform=platform)

    def with_network(self, network: NetMode) -> State:
        """The network mode of later execs."""
        return evolve(self, network=network)

    def with_hostname(self, hostname: str) -> State:
        """The hostname of later execs."""
        return evolve(self, hostname=hostname)

    def with_extra_host(self, host: str, ip: str) -> State:
        """Add an ``/etc/hosts`` entry for later execs."""
        return evolve(self, extra_hosts=(*self.extra_hosts, HostIP(host, ip)))

    def run(
        self,
        args: Iterable[str],
        *,
        mounts: Iterable[Mount] = (),
        network: NetMode | None = None,
        security: SecurityMode = SecurityMode.SANDBOX,
        proxy_env: Mapping[str, str] | None = None,
        secret_env: Iterable[SecretEnv] = (),
        ulimits: Iterable[Ulimit] = (),
        cgroup_parent: str = "",
        meta: OpMeta = NO_META,
    ) -> tuple[State, ExecOp]:
        """Run ``args`` with this state as the root filesystem; returns the new root."""
        exec_meta = ExecMeta(
            args=tuple(args),
            env=tuple(f"{k}={v}" for k, v in self.env.items_tuple()),
            cwd=self.cwd or "/",
            user=self.user,
            hostname=self.hostname,
            extra_hosts=self.extra_hosts,
            proxy_env=tuple(sorted((proxy_env or {}).items())),
            ulimits=tuple(ulimits),
            cgroup_parent=cgroup_parent,
        )
        root = Mount(dest="/", source=self.output, has_output=True)
        op = ExecOp(
            exec_meta=exec_meta,
            mounts=(root, *mounts),
            network=self.network if network is None else network,
            security=security,
            platform=self.platform,
            meta=meta,
            secret_env=tuple(secret_env),
        )
        return self.with_output(op.output_of("/")), op

    def file(self, *actions: FileAction, meta: OpMeta = NO_META) -> State:
        """Apply a chain of file actions to this filesystem."""
        op = FileOp(base=self.output, actions=actions, platform=self.platform, meta=meta)
        return self.with_output(Output(op, 0))


def scratch(platform: Platform | None = None) -> State:
    """The empty filesystem."""
    return State(platform=platform)


def image(
    ref: str,
    *,
    platform: Platform | None = None,
    resolve_mode: str = "",
    meta: OpMeta = NO_META,
) -> State:
    """A ``docker-image://`` source; ``ref`` is normalised (``alpine`` is
    ``docker.io/library/alpine:latest``); ``ValueError`` if it is malformed.
    ``resolve_mode``: ``pull`` or ``local`` (the engine's default otherwise)."""
    attrs = (("image.resolvemode", resolve_mode),) if resolve_mode not in ("", "default") else ()
    op = SourceOp(f"docker-image://{normalize(ref)}", attrs=attrs, platform=platform, meta=meta)
    return State(output=Output(op), platform=platform)


def local(
    name: str,
    *,
    session_id: str = "",
    shared_key_hint: str = "",
    follow_paths: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    include_patterns: Iterable[str] | None = None,
    differ_none: bool = False,
    meta: OpMeta = NO_META,
) -> State:
    """A ``local://`` source synced from the client session (``differ_none``: files
    are compared by nothing but their presence, for a quick read of a few files)."""
    attrs: dict[str, str] = {}
    if differ_none:
        attrs["local.differ"] = "none"
    if session_id:
        attrs["local.session"] = session_id
    if shared_key_hint:
        attrs["local.sharedkeyhint"] = shared_key_hint
    for key, values in (
        ("local.followpaths", follow_paths),
        ("local.excludepatterns", exclude_patterns),
        ("local.includepattern", include_patterns),
    ):
        if values:
            attrs[key] = _json_list(values)
    op = SourceOp(f"local://{name}", attrs=tuple(sorted(attrs.items())), meta=meta)
    return State(output=Output(op))


def http(url: str, *, filename: str = "", checksum: str = "", meta: OpMeta = NO_META) -> State:
    """An HTTP(S) file source; ``checksum`` (``sha256:...``) must match the download."""
    attrs = {"http.filename": filename, "http.checksum": checksum}
    op = SourceOp(url, attrs=tuple(sorted((k, v) for k, v in attrs.items() if v)), meta=meta)
    return State(output=Output(op))


def merge(layers: Iterable[State], *, meta: OpMeta = NO_META) -> State:
    """Stack the filesystems of ``layers``; scratch layers drop out, as in Go's ``llb.Merge``.

    The result keeps the process defaults of the first layer. Needs the engine's
    ``mergeop`` cap (BuildKit 0.10) when two or more layers remain: marshalling checks it.
    """
    states = list(layers)
    kept = [s for s in states if s.output is not None]
    if len(kept) < 2:
        output = kept[0].output if kept else None
        return states[0].with_output(output) if states else State(output=output)
    op = MergeOp(tuple(s.output for s in kept if s.output is not None), meta=meta)
    return states[0].with_output(Output(op))


def diff(lower: State, upper: State, *, meta: OpMeta = NO_META) -> State:
    """The changes from ``lower`` to ``upper`` as a filesystem of their own, as in
    Go's ``llb.Diff``: scratch stays scratch, from scratch it is ``upper`` itself.

    Needs the engine's ``diffop`` cap (BuildKit 0.10): marshalling checks it.
    """
    if lower.output is None:
        return upper if upper.output is not None else lower
    return lower.with_output(Output(DiffOp(lower.output, upper.output, meta=meta)))


def _json_list(values: Iterable[str]) -> str:
    """``json.dumps(list(values), separators=(",", ":"))``, with the string encoder
    ``json.dumps`` itself runs, but without loading ``json``: a millisecond on the
    way to the first Solve, whose source op this writes."""
    return "[" + ",".join(map(encode_basestring_ascii, values)) + "]"
