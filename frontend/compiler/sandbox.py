"""The build options that shape every RUN's sandbox: ``ulimit``, ``shm-size``, ``cgroup-parent``.

``docker build --ulimit``, ``--shm-size`` and ``--cgroup-parent`` arrive as
frontend options (read in :mod:`frontend.compiler.request`). As with Docker's frontend,
each applies only where the engine has its cap (ulimits and the cgroup parent
since BuildKit 0.10, a sized ``/dev/shm`` with tmpfs sizes since 0.10); an older
engine runs the steps without them, silently.
"""

from __future__ import annotations

from frontend.frozen import frozen
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import Mount, MountType, Ulimit

SHM_DEST = "/dev/shm"


@frozen
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
