"""The label, port and volume maps that Docker's frontend shares between stages.

Up to BuildKit v0.29 a stage built on another copies that stage's config with
its Go maps by reference: a LABEL, EXPOSE or VOLUME in one of them writes into
the map they all hold, and the target's config shows every such write made
during the build, by whichever stage. A map is born with the base image's
config (when it has one) or at a stage's first write; stages record which map
they hold and what they wrote, and ``shared_config`` replays the writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any, Literal

from frontend.compiler.image import Config
from frontend.frozen import frozen
from frontend.persistent import Chain, evolve

Kind = Literal["Labels", "ExposedPorts", "Volumes"]
KINDS: tuple[Kind, ...] = ("Labels", "ExposedPorts", "Volumes")


@frozen
class SharedMaps:
    """Which map a stage holds for each kind, and what it wrote into them."""

    held: Mapping[Kind, str] = field(default_factory=dict)
    """Map ids by kind; a kind not held is a nil map."""
    writes: Chain[tuple[str, dict[str, str]]] = field(default_factory=Chain)
    """``(map id, what one instruction wrote)`` in the order written."""

    def write(
        self, kind: Kind, owner: str, items: Mapping[str, str] | Iterable[tuple[str, str]]
    ) -> SharedMaps:
        """Record writes; a nil map is made first, named after ``owner`` (the stage)."""
        held = self.held if kind in self.held else {**self.held, kind: f"{owner}/{kind}"}
        writes = self.writes.append((held[kind], dict(items)))
        return evolve(self, held=held, writes=writes)

    def child(self) -> SharedMaps:
        """What a stage built on this one starts with: the same maps, no writes."""
        return SharedMaps(held=self.held)


def born_from(raw: Any, owner: str) -> SharedMaps:
    """The maps a stage holds from its base image's config, as JSON decodes it (a
    JSON ``{}`` is a map too)."""
    config = raw.get("config") if isinstance(raw, dict) else None
    if not isinstance(config, dict):
        return SharedMaps()
    held = {kind: f"{owner}/{kind}" for kind in KINDS if isinstance(config.get(kind), dict)}
    return SharedMaps(held=held)


def shared_config(
    target: SharedMaps, stages: Iterable[SharedMaps], births: Mapping[str, Config]
) -> dict[Kind, dict[str, str]]:
    """The target's maps once every stage (in the order dispatched) has written into them.

    ``births`` holds the config each image-born map started from, by map id.
    """
    out: dict[Kind, dict[str, str]] = {}
    for kind, map_id in target.held.items():
        born = births.get(map_id)
        content = dict(_items(born, kind)) if born is not None else {}
        for stage in stages:
            for owner, items in stage.writes:
                if owner == map_id:
                    content.update(items)
        out[kind] = content
    return out


def _items(config: Config, kind: Kind) -> Iterable[tuple[str, str]]:
    if kind == "Labels":
        return (config.labels or {}).items()
    keys = config.exposed_ports if kind == "ExposedPorts" else config.volumes
    return ((key, "") for key in keys)
