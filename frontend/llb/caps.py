"""LLB capability IDs (``Pong.LLBCaps``) that decide how an instruction is lowered.

Engines older than a feature lack its cap; lowering then degrades the way
Docker's own frontend does, or fails with a clear error naming the line.
"""

from __future__ import annotations

import functools
from typing import Final

# Present since BuildKit v0.8 (Docker Engine 20.10).
FILE_BASE: Final = "file.base"
EXEC_META_NETWORK: Final = "exec.meta.network"
EXEC_META_SECURITY: Final = "exec.meta.security"
EXEC_META_SECURITY_DEVICES: Final = "exec.meta.security.devices.v1"
EXEC_MOUNT_BIND: Final = "exec.mount.bind"
EXEC_MOUNT_BIND_READWRITE_NOOUTPUT: Final = "exec.mount.bind.readwrite-nooutput"
EXEC_MOUNT_CACHE: Final = "exec.mount.cache"
EXEC_MOUNT_CACHE_SHARING: Final = "exec.mount.cache.sharing"
EXEC_MOUNT_SELECTOR: Final = "exec.mount.selector"
EXEC_MOUNT_TMPFS: Final = "exec.mount.tmpfs"
EXEC_MOUNT_SECRET: Final = "exec.mount.secret"
EXEC_MOUNT_SSH: Final = "exec.mount.ssh"
SOURCE_GIT: Final = "source.git"
SOURCE_GIT_KEEP_GIT_DIR: Final = "source.git.keepgitdir"
SOURCE_GIT_FULL_URL: Final = "source.git.fullurl"
SOURCE_GIT_KNOWN_SSH_HOSTS: Final = "source.git.knownsshhosts"
SOURCE_GIT_MOUNT_SSH_SOCK: Final = "source.git.mountsshsock"
SOURCE_HTTP_CHECKSUM: Final = "source.http.checksum"

# Newer engines.
SOURCE_GIT_SUBDIR: Final = "source.git.subdir"
SOURCE_LOCAL_DIFFER: Final = "source.local.differ"
FILE_COPY_INCLUDE_EXCLUDE_PATTERNS: Final = "file.copy.includeexcludepatterns"
MERGE_OP: Final = "mergeop"
DIFF_OP: Final = "diffop"
SOURCE_OCI_LAYOUT: Final = "source.ocilayout"
FILE_COPY_ALWAYS_REPLACE_EXISTING_DEST_PATHS: Final = "file.copy.alwaysreplaceexistingdestpaths"
FILE_SYMLINK_CREATE: Final = "file.symlink.create"
SOURCE_IMAGE_CHECKSUM: Final = "source.image.checksum"
EXEC_MOUNT_TMPFS_SIZE: Final = "exec.mount.tmpfs.size"
EXEC_SECRET_ENV: Final = "exec.secretenv"
EXEC_META_ULIMIT: Final = "exec.meta.ulimit"
EXEC_META_CGROUP_PARENT: Final = "exec.meta.cgroup.parent"
EXEC_MOUNT_CACHE_CONTENT: Final = "exec.mount.cache.content"
EXEC_VALID_EXIT_CODE: Final = "exec.validexitcode"
EXEC_META_CDI: Final = "exec.meta.cdi"
SOURCE_GIT_CHECKSUM: Final = "source.git.checksum"
SOURCE_GIT_SKIP_SUBMODULES: Final = "source.git.skipsubmodules"
FILE_COPY_REQUIRED_PATHS: Final = "file.copy.requiredpaths"
SOURCE_GIT_MTIME: Final = "source.git.mtime"
SOURCE_GIT_FETCH_BY_COMMIT: Final = "source.git.fetchbycommit"

ADDED_IN: Final = {
    SOURCE_GIT_SUBDIR: "v0.9",
    SOURCE_LOCAL_DIFFER: "v0.9",
    FILE_COPY_INCLUDE_EXCLUDE_PATTERNS: "v0.9",
    MERGE_OP: "v0.10",
    DIFF_OP: "v0.10",
    SOURCE_OCI_LAYOUT: "v0.11",
    EXEC_MOUNT_TMPFS_SIZE: "v0.10",
    EXEC_SECRET_ENV: "v0.10",
    EXEC_META_ULIMIT: "v0.10",
    EXEC_META_CGROUP_PARENT: "v0.10",
    EXEC_MOUNT_CACHE_CONTENT: "v0.13",
    FILE_COPY_ALWAYS_REPLACE_EXISTING_DEST_PATHS: "v0.14",
    EXEC_VALID_EXIT_CODE: "v0.17",
    FILE_SYMLINK_CREATE: "v0.19",
    EXEC_META_CDI: "v0.20",
    SOURCE_GIT_CHECKSUM: "v0.22",
    SOURCE_GIT_SKIP_SUBMODULES: "v0.24",
    SOURCE_IMAGE_CHECKSUM: "v0.25",
    FILE_COPY_REQUIRED_PATHS: "v0.26",
    SOURCE_GIT_MTIME: "v0.29",
    SOURCE_GIT_FETCH_BY_COMMIT: "v0.30",
}
"""The BuildKit release that introduced each cap newer than v0.8."""


class MissingCapError(Exception):
    """The engine lacks a cap an op cannot do without (a merge, a diff, a symlink)."""

    def __init__(self, cap: str) -> None:
        since = ADDED_IN.get(cap)
        needs = f" (BuildKit {since} or later)" if since else ""
        super().__init__(f"the build engine does not support {cap}{needs}")
        self.cap = cap


class LLBCaps:
    """The LLB caps an engine offers; ``None`` stands for a current engine (all of them)."""

    def __init__(self, enabled: frozenset[str] | None = None) -> None:
        self._enabled = enabled

    def supports(self, cap: str) -> bool:
        """Whether ``cap`` is present and enabled."""
        return self._enabled is None or cap in self._enabled

    @property
    def copy_mode_string(self) -> bool:
        """Whether a copy may carry a symbolic mode (``modeStr``, BuildKit 0.17).

        Its cap, ``file.copy.modestring``, is never announced (nor checked): the
        release the other caps tell stands for it.
        """
        return self.release >= (0, 17)

    @property
    def oneof_last(self) -> bool:
        """Whether the engine's own Go frontend writes an op's oneof after its other
        fields (protobuf-go, BuildKit 0.17 and later) rather than in field order (gogo).

        Writing the same bytes lets the engine share vertices that both frontends
        load (the Dockerfile, a downloaded context); engines from 0.18 re-marshal
        every op the protobuf-go way, and map error lines through those digests.
        """
        return self.supports(EXEC_VALID_EXIT_CODE)

    @functools.cached_property
    def release(self) -> tuple[int, int]:
        """The oldest BuildKit release (major, minor) with every cap this engine has
        from ``ADDED_IN``: a lower bound of the engine's release, exact where a release
        added a cap (not 0.12, 0.14-0.16, 0.18-0.19...). A current engine: the newest.
        Worked out once per instance (lowering asks for it at every instruction)."""
        newest = (0, 8)
        for cap, since in ADDED_IN.items():
            if self.supports(cap):
                major, minor = since.lstrip("v").split(".")
                newest = max(newest, (int(major), int(minor)))
        return newest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LLBCaps) and self._enabled == other._enabled

    def __hash__(self) -> int:
        return hash(self._enabled)

    def __repr__(self) -> str:
        return f"LLBCaps({sorted(self._enabled) if self._enabled is not None else 'all'})"
