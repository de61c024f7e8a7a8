"""Docker image references: normalise ``busybox`` to ``docker.io/library/busybox:latest``."""

from __future__ import annotations

import functools
import re

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*"
_NAME = rf"^{_COMPONENT}(?:/{_COMPONENT})*$"
_DOMAIN = r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?$"
_TAG = r"^[\w][\w.-]{0,127}$"
_DIGEST = r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$"


class ReferenceError(ValueError):
    """An image name that is not a valid reference."""


@functools.lru_cache(maxsize=4096)
def normalize(ref: str) -> str:
    """The fully qualified form; adds ``:latest`` when there is neither tag nor digest
    (remembered: a Dockerfile names the same images over and over)."""
    name, digest = ref, ""
    if "@" in ref:
        name, digest = ref.split("@", 1)
        if not re.match(_DIGEST, digest):
            raise ReferenceError(f"invalid reference format: {ref!r}")
    tag = ""
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not re.match(_TAG, tag):
            raise ReferenceError(f"invalid reference format: {ref!r}")
    domain, sep, rest = name.partition("/")
    if not sep or ("." not in domain and ":" not in domain and domain != "localhost"):
        if domain != domain.lower() or (sep and rest != rest.lower()):
            raise ReferenceError(
                f"invalid reference format: repository name must be lowercase: {ref!r}"
            )
        domain, rest = "docker.io", name
    if domain == "docker.io" and "/" not in rest:
        rest = "library/" + rest
    if not re.match(_DOMAIN, domain) or not re.match(_NAME, rest):
        raise ReferenceError(f"invalid reference format: {ref!r}")
    out = f"{domain}/{rest}"
    if tag:
        out += ":" + tag
    elif not digest:
        out += ":latest"
    return out + (f"@{digest}" if digest else "")


def with_digest(normalized: str, digest: str) -> str:
    """Pin a normalised reference (which may carry a tag) to ``digest``."""
    if not digest:
        return normalized
    base = normalized.split("@", 1)[0]
    return f"{base}@{digest}"
