"""Several target platforms in one build: the result metadata Docker's frontend returns.

Each platform is compiled on its own (with that platform as the target, so the
platform ARGs take its values); stages that do not depend on the target platform
give the same ops, which the engine solves once. With several platforms (or
``multi-platform``), the result is a refs map keyed by platform id, with
``containerimage.config/<id>`` (and ``containerimage.base.config/<id>``) per
platform and the ``refs.platforms`` list the image exporter needs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from frontend.compiler.result import PlatformResult
from frontend.platform import Platform

IMAGE_CONFIG_KEY = "containerimage.config"
BASE_CONFIG_KEY = "containerimage.base.config"
PLATFORMS_KEY = "refs.platforms"


def platform_id(platform: Platform) -> str:
    """The key of a platform's result: ``os[(os_version)]/arch[/variant]``."""
    return platform.full


def result_metadata(results: Sequence[PlatformResult], multi: bool) -> dict[str, bytes]:
    """The Return metadata: the image config and the base image's config (per
    platform when ``multi``) and, when ``multi`` or with SBOMs, the platform list
    (the exporter finds attestations by those ids)."""
    meta: dict[str, bytes] = {}
    for result in results if multi else results[:1]:
        suffix = f"/{platform_id(result.platform)}" if multi else ""
        meta[IMAGE_CONFIG_KEY + suffix] = result.config_json
        if result.compiled.base_config:
            meta[BASE_CONFIG_KEY + suffix] = result.compiled.base_config
    if multi or any(r.sbom is not None for r in results):
        meta[PLATFORMS_KEY] = platforms_json([r.platform for r in results])
    return meta


def platforms_json(platforms: Sequence[Platform]) -> bytes:
    """``{"Platforms":[{"ID":..., "Platform":{...}}]}`` as Go's encoder writes it."""
    entries = [{"ID": platform_id(p), "Platform": _platform_json(p)} for p in platforms]
    return json.dumps({"Platforms": entries}, separators=(",", ":")).encode()


def _platform_json(platform: Platform) -> Mapping[str, str]:
    out = {"architecture": platform.architecture, "os": platform.os}
    if platform.variant:
        out["variant"] = platform.variant
    if platform.os_version:
        out["os.version"] = platform.os_version
    return out
