"""The build options that shape every RUN's sandbox: ``ulimit``, ``shm-size``, ``cgroup-parent``.

``docker build --ulimit``, ``--shm-size`` and ``--cgroup-parent`` arrive as
frontend options. As with Docker's frontend, each applies only where the engine
has its cap (ulimits and the cgroup parent since BuildKit 0.10, a sized
``/dev/shm`` with tmpfs sizes since 0.10); an older engine runs the steps
without them, silently.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from frontend.errors import DockerfileError
from frontend.gotext import GoNumError, go_parse_int
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import Mount, MountType, Ulimit

ULIMIT_NAMES = frozenset(
    ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
     "nproc", "rss", "rtprio", "rttime", "sigpending", "stack")
)  # fmt: skip
"""The limits Docker knows (go-units)."""

SHM_DEST = "/dev/shm"


@dataclass(frozen=True)
class Sandbox:
    """What a RUN gets from the sandbox options on a given engine."""

    ulimits: tuple[Ulimit, ...] = ()
    cgroup_parent: str = ""
    mounts: tuple[Mount, ...] = ()


def run_sandbox(
    engine: LLBCaps, ulimits: tuple[Ulimit, ...], shm_size: int, cgroup_parent: str
) -> Sandbox:
    """The options the engine can apply; the others are dropped, as Docker's frontend does."""
    mounts: tuple[Mount, ...] = ()
    if shm_size > 0 and engine.supports(caps.EXEC_MOUNT_TMPFS_SIZE):
        mounts = (Mount(dest=SHM_DEST, type=MountType.TMPFS, tmpfs_size=shm_size),)
    return Sandbox(
        ulimits=ulimits if engine.supports(caps.EXEC_META_ULIMIT) else (),
        cgroup_parent=cgroup_parent if engine.supports(caps.EXEC_META_CGROUP_PARENT) else "",
        mounts=mounts,
    )


def parse_shm_size(text: str) -> int:
    """``shm-size``: bytes, a decimal integer (empty: none)."""
    if not text:
        return 0
    try:
        return go_parse_int(text)
    except GoNumError as exc:
        raise DockerfileError(f"failed to parse shm size: {exc}") from None


def parse_ulimits(text: str) -> tuple[Ulimit, ...]:
    """``ulimit``: CSV of ``name=soft[:hard]`` (``nofile=1024:2048``)."""
    if not text:
        return ()
    try:
        fields = next(csv.reader([text], strict=True))
        return tuple(_ulimit(field) for field in fields)
    except (csv.Error, ValueError) as exc:
        raise DockerfileError(f"failed to parse ulimit: {exc}") from None


def _ulimit(text: str) -> Ulimit:
    """One limit, checked as go-units checks it (its messages)."""
    name, sep, values = text.partition("=")
    if not sep:
        raise ValueError(f"invalid ulimit argument: {text}")
    if name not in ULIMIT_NAMES:
        raise ValueError(f"invalid ulimit type: {name}")
    parts = values.split(":")
    if len(parts) > 2:
        raise ValueError(
            f"too many limit value arguments - {values}, can only have up to two, `soft[:hard]`"
        )
    hard = go_parse_int(parts[1]) if len(parts) == 2 else None
    soft = go_parse_int(parts[0])
    if hard is None:
        hard = soft
    elif hard != -1:
        if soft == -1:
            raise ValueError(
                "ulimit soft limit must be less than or equal to hard limit: "
                f"soft: -1 (unlimited), hard: {hard}"
            )
        if soft > hard:
            raise ValueError(
                f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            )
    return Ulimit(name, soft, hard)
