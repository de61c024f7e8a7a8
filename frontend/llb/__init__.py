"""LLB: an immutable op graph and its state, marshalled into deterministic bytes.

The names in ``__all__`` are the public API of the library (see
``docs/library.md``): they follow semantic versioning. The submodules are
internal: import the names from ``frontend.llb`` itself.

Knows nothing of Dockerfiles. Imports ``frontend.pb`` (the generated protobuf
code) and the foundation only.
"""

from frontend.llb.caps import LLBCaps, MissingCapError
from frontend.llb.dump import dump
from frontend.llb.git import git
from frontend.llb.graph import (
    CacheSharing,
    Chown,
    Copy,
    ExecOp,
    FileAction,
    HostIP,
    Mkdir,
    Mkfile,
    Mount,
    MountType,
    NetMode,
    OpMeta,
    Output,
    ProgressGroup,
    Rm,
    SecretEnv,
    SecurityMode,
    Symlink,
    Ulimit,
    UserRef,
)
from frontend.llb.marshal import Definition, SourceFile, digest_of, marshal
from frontend.llb.state import State, diff, http, image, local, merge, scratch
from frontend.platform import Platform

__all__ = [
    "CacheSharing",
    "Chown",
    "Copy",
    "Definition",
    "ExecOp",
    "FileAction",
    "HostIP",
    "LLBCaps",
    "MissingCapError",
    "Mkdir",
    "Mkfile",
    "Mount",
    "MountType",
    "NetMode",
    "OpMeta",
    "Output",
    "Platform",
    "ProgressGroup",
    "Rm",
    "SecretEnv",
    "SecurityMode",
    "SourceFile",
    "State",
    "Symlink",
    "Ulimit",
    "UserRef",
    "diff",
    "digest_of",
    "dump",
    "git",
    "http",
    "image",
    "local",
    "marshal",
    "merge",
    "scratch",
]
