"""What the engine tells a gateway frontend through its environment.

Pure functions over a ``Mapping`` (pass ``os.environ`` in the entry point, a
dict in tests).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from frontend.frozen import frozen
from frontend.gotext import json_field
from frontend.platform import Platform

OPT_PREFIX: Final = "BUILDKIT_FRONTEND_OPT_"
SESSION_ID_VAR: Final = "BUILDKIT_SESSION_ID"
WORKERS_VAR: Final = "BUILDKIT_WORKERS"
EXPORTED_PRODUCT_VAR: Final = "BUILDKIT_EXPORTEDPRODUCT"


class GatewayEnvError(ValueError):
    """The engine's environment is malformed (for example, bad ``BUILDKIT_WORKERS`` JSON)."""


@frozen
class GatewayEnv:
    """The frontend options, session and worker platforms the engine passed in."""

    opts: Mapping[str, str]
    session_id: str
    worker_platforms: tuple[Platform, ...]
    """Platforms of the first worker: the build platforms, best first."""
    exported_product: str

    @property
    def build_platform(self) -> Platform | None:
        """``workers[0].platforms[0]``, or None when the engine named no worker."""
        return self.worker_platforms[0] if self.worker_platforms else None


def read_gateway_env(env: Mapping[str, str] | None = None) -> GatewayEnv:
    """Read the gateway environment (``os.environ`` when ``env`` is None)."""
    if env is None:
        env = os.environ
    return GatewayEnv(
        opts=MappingProxyType(parse_frontend_opts(env)),
        session_id=env.get(SESSION_ID_VAR, ""),
        worker_platforms=parse_worker_platforms(env.get(WORKERS_VAR, "")),
        exported_product=env.get(EXPORTED_PRODUCT_VAR, ""),
    )


def parse_frontend_opts(env: Mapping[str, str]) -> dict[str, str]:
    """Collect ``BUILDKIT_FRONTEND_OPT_<i>`` = ``key=value`` options.

    The index order is random and carries no meaning; values are split on the
    first ``=`` only (they may hold ``=`` and JSON); a value with no ``=`` is a
    key with an empty value. Should a key repeat, the highest index wins.
    """
    entries = [
        (name[len(OPT_PREFIX) :], raw) for name, raw in env.items() if name.startswith(OPT_PREFIX)
    ]
    entries.sort(key=lambda e: (not e[0].isdigit(), int(e[0]) if e[0].isdigit() else 0, e[0]))
    opts: dict[str, str] = {}
    for _, raw in entries:
        key, _, value = raw.partition("=")
        opts[key] = value
    return opts


def parse_worker_platforms(text: str) -> tuple[Platform, ...]:
    """The platforms of the first worker in ``BUILDKIT_WORKERS`` JSON (keys in any case)."""
    if not text.strip():
        return ()
    try:
        workers = json.loads(text)
    except ValueError as exc:
        raise GatewayEnvError(f"invalid {WORKERS_VAR}: {exc}") from None
    if workers is None:
        return ()
    if not isinstance(workers, list) or not all(isinstance(w, dict) for w in workers):
        raise GatewayEnvError(f"invalid {WORKERS_VAR}: expected a JSON array of objects")
    if not workers:
        return ()
    platforms = json_field(workers[0], "platforms") or []
    if not isinstance(platforms, list):
        raise GatewayEnvError(f"invalid {WORKERS_VAR}: platforms must be an array")
    return tuple(_platform(p) for p in platforms)


def _platform(raw: object) -> Platform:
    if not isinstance(raw, dict):
        raise GatewayEnvError(f"invalid {WORKERS_VAR}: a platform must be an object")
    return Platform(
        os=str(json_field(raw, "os") or ""),
        architecture=str(json_field(raw, "architecture") or ""),
        variant=str(json_field(raw, "variant") or ""),
    )
