"""The caps an op's metadata lists: what the engine must support to run it.

BuildKit's Go client records, for each op it marshals, the capability IDs of
the features the op uses (``OpMetadata.caps``); the engine checks them before
solving. They are derived here from the op as written, the way that client
derives them from what it was asked to build. A cap the engine does not offer
is left out (lowering has already refused or degraded the feature).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Final

from google.protobuf.message import Message

from frontend.llb.caps import LLBCaps
from frontend.pb import ops_pb2 as pb

_SOURCE_ATTR_CAPS = {
    "local.session": "source.local.sessionid",
    "local.includepattern": "source.local.includepatterns",
    "local.followpaths": "source.local.followpaths",
    "local.excludepatterns": "source.local.excludepatterns",
    "local.sharedkeyhint": "source.local.sharedkeyhint",
    "local.metadatatransfer": "source.local.metadatatransfer",
    "git.keepgitdir": "source.git.keepgitdir",
    "git.fullurl": "source.git.fullurl",
    "git.knownsshhosts": "source.git.knownsshhosts",
    "git.mountsshsock": "source.git.mountsshsock",
    "git.checksum": "source.git.checksum",
    "git.skipsubmodules": "source.git.skipsubmodules",
    "git.mtime": "source.git.mtime",
    "git.fetchbycommit": "source.git.fetchbycommit",
    "http.checksum": "source.http.checksum",
    "http.perm": "source.http.perm",
    "http.uid": "source.http.uidgid",
    "http.gid": "source.http.uidgid",
    "image.layerlimit": "source.image.layerlimit",
    "image.checksum": "source.image.checksum",
}

_SOURCE_SCHEMES = {
    "docker-image": "source.image",
    "local": "source.local",
    "git": "source.git",
    "http": "source.http",
    "https": "source.http",
}


def op_caps(kind: str, body: Message, engine: LLBCaps) -> tuple[frozenset[str], frozenset[str]]:
    """The caps the Go client records for an op whose oneof ``kind`` is ``body``,
    among those ``engine`` offers; and those in ``REQUIRED`` it needs that
    ``engine`` lacks."""
    if isinstance(body, pb.FileOp):
        symlinks = any(a.WhichOneof("action") == "symlink" for a in body.actions)
        return _offered(_FILE_SYMLINK if symlinks else _FILE, engine)
    if isinstance(body, pb.ExecOp):
        return _offered(frozenset(_exec_caps(body, engine)), engine)
    if isinstance(body, pb.SourceOp):
        return _offered(frozenset(_source_caps(body)), engine)
    return _offered(_OTHER.get(kind, frozenset()), engine)


_FILE: Final = frozenset({"file.base"})
_FILE_SYMLINK: Final = frozenset({"file.base", "file.symlink.create"})
_OTHER: Final = {"merge": frozenset({"mergeop"}), "diff": frozenset({"diffop"})}
"""The caps of the other ops (sets made once: a build has many file ops)."""


@functools.lru_cache(maxsize=1024)
def _offered(found: frozenset[str], engine: LLBCaps) -> tuple[frozenset[str], frozenset[str]]:
    """``found``: those ``engine`` offers, and those in ``REQUIRED`` it lacks (the
    ops of one build need a few sets, over and over)."""
    offered = frozenset(filter(engine.supports, found))
    return offered, REQUIRED.intersection(found) - offered


REQUIRED: Final = frozenset({"mergeop", "diffop", "file.symlink.create"})
"""Caps without which an op cannot run at all: marshalling for an engine that
lacks one fails (:class:`~frontend.llb.caps.MissingCapError`)."""


def terminal_caps(metadata: Iterable[pb.OpMetadata]) -> frozenset[str]:
    """The caps of the definition's last op: its form, and the metadata kinds the ops use."""
    found = {"constraints", "platform"}
    for md in metadata:
        if md.ignore_cache:
            found.add("meta.ignorecache")
        if md.description:
            found.add("meta.description")
    return frozenset(found)


def _exec_caps(op: pb.ExecOp, engine: LLBCaps) -> set[str]:
    found = {"exec.meta.base", "exec.meta.setsdefaultpath"}
    if op.network != pb.UNSET:
        found.add("exec.meta.network")
    if op.security == pb.INSECURE:
        found.add("exec.meta.security")
    if op.meta.HasField("proxy_env"):
        found.add("exec.meta.proxy")
    if op.meta.ulimit:
        found.add("exec.meta.ulimit")
    if op.meta.validExitCodes:
        found.add("exec.validexitcode")
    if op.secretenv:
        found |= {"exec.mount.secret", "exec.secretenv"}
    for m in op.mounts:
        if m.mountType == pb.SECRET:
            found.add("exec.mount.secret")
            continue
        if m.mountType == pb.SSH:
            found.add("exec.mount.ssh")
            continue
        if m.selector:
            found.add("exec.mount.selector")
        if m.mountType == pb.CACHE:
            found |= {"exec.mount.cache", "exec.mount.cache.sharing"}
        elif m.mountType == pb.TMPFS:
            found.add("exec.mount.tmpfs")
            if m.TmpfsOpt.size:
                found.add("exec.mount.tmpfs.size")
        elif m.input != -1:
            found.add("exec.mount.bind")
        if m.contentCache != pb.DEFAULT:
            found.add("exec.mount.cache.content")
    return found


def _source_caps(op: pb.SourceOp) -> set[str]:
    scheme = op.identifier.partition("://")[0]
    found = {_SOURCE_SCHEMES[scheme]} if scheme in _SOURCE_SCHEMES else set()
    found |= {_SOURCE_ATTR_CAPS[key] for key in op.attrs if key in _SOURCE_ATTR_CAPS}
    if "git.mountsshsock" in op.attrs:  # an SSH remote: known hosts are asked for too
        found.add("source.git.knownsshhosts")
    if op.attrs.get("image.resolvemode") == "pull":
        found.add("source.image.resolvemode")
    return found
