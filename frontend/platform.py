"""OCI platforms (``os/arch[/variant]``) as used by LLB and image configs."""

from __future__ import annotations

import re

from frontend.frozen import frozen
from frontend.gotext import go_quote

_ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "i386": "386",
    "i686": "386",
}

_PART = r"^[A-Za-z0-9_.-]+$"
_OS = r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$"
"""containerd's patterns: an OS (with an optional ``(version+feature...)``), any other part."""


@frozen(order=True)
class Platform:
    """An OCI platform; ``variant`` is empty when the architecture has none.

    ``os_version`` (Windows builds name one: ``windows(10.0.20348.1006)/amd64``)
    is kept apart from ``str()``, which is ``os/arch[/variant]``; ``full``
    includes it.
    """

    os: str
    architecture: str
    variant: str = ""
    os_version: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``linux/amd64``, ``linux/arm/v7``, ``linux/arm64/v8`` (normalised) or
        ``windows(VERSION)/amd64``.

        A malformed part fails with containerd's wording (what Docker's
        frontend reports); OS features (``windows(VERSION+feature)``) are not
        supported.
        """
        if "*" in text:
            raise ValueError(f"{go_quote(text)}: wildcards not yet supported: invalid argument")
        parts = [p.strip() for p in text.strip().split("/", 3)]
        os_match = re.match(_OS, parts[0])
        if not os_match:
            raise ValueError(
                f"{go_quote(parts[0])} is an invalid OS component of {go_quote(text)}: "
                f"OSAndVersion specifier component must match {go_quote(_OS)}: "
                "invalid argument"
            )
        for part in parts[1:]:
            if not re.match(_PART, part):
                raise ValueError(
                    f"{go_quote(part)} is an invalid component of {go_quote(text)}: platform "
                    f"specifier component must match {go_quote(_PART)}: invalid argument"
                )
        if not 2 <= len(parts) <= 3:
            raise ValueError(f"invalid platform {text!r}: expected os/arch[/variant]")
        if os_match.group(3):
            raise ValueError(f"invalid platform {text!r}: OS features are not supported")
        os_version = os_match.group(2) or ""
        parts = [os_match.group(1).lower(), *(p.lower() for p in parts[1:])]
        os_, arch = parts[0], _ARCH_ALIASES.get(parts[1], parts[1])
        variant = parts[2] if len(parts) == 3 else ""
        if arch == "arm" and not variant:
            variant = "v7"
        if arch == "arm64" and variant == "v8":
            variant = ""
        return cls(os_, arch, variant, os_version)

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base

    @property
    def full(self) -> str:
        """``os[(os_version)]/arch[/variant]``: how Docker's frontend names a
        target platform (``TARGETPLATFORM``, the ids of a build's results)."""
        if not self.os_version:
            return str(self)
        return f"{self.os}({self.os_version})" + str(self)[len(self.os) :]


DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
WINDOWS_PATH = "c:\\Windows\\System32;c:\\Windows"


def default_path(os_name: str) -> str:
    """The PATH an image gets when its config sets none."""
    return WINDOWS_PATH if os_name == "windows" else DEFAULT_PATH


DEFAULT_PLATFORM = Platform("linux", "amd64")
"""The build platform when the engine names none (and offline, for ``pyfrontend llb``)."""
