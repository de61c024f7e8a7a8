"""OCI platforms (``os/arch[/variant]``) as used by LLB and image configs."""

from __future__ import annotations

from dataclasses import dataclass

_ARCH_ALIASES = {
    "x86_64": "amd64",
    "x86-64": "amd64",
    "aarch64": "arm64",
    "armhf": "arm",
    "armel": "arm",
    "i386": "386",
    "i686": "386",
}


@dataclass(frozen=True, order=True)
class Platform:
    """An OCI platform; ``variant`` is empty when the architecture has none."""

    os: str
    architecture: str
    variant: str = ""

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``linux/amd64``, ``linux/arm/v7`` or ``linux/arm64/v8`` (normalised)."""
        parts = [p.strip().lower() for p in text.strip().split("/")]
        if not 2 <= len(parts) <= 3 or not all(parts):
            raise ValueError(f"invalid platform {text!r}: expected os/arch[/variant]")
        os_, arch = parts[0], _ARCH_ALIASES.get(parts[1], parts[1])
        variant = parts[2] if len(parts) == 3 else ""
        if arch == "arm" and not variant:
            variant = "v7"
        if arch == "arm64" and variant == "v8":
            variant = ""
        return cls(os_, arch, variant)

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base


DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
WINDOWS_PATH = "c:\\Windows\\System32;c:\\Windows"


def default_path(os_name: str) -> str:
    """The PATH an image gets when its config sets none."""
    return WINDOWS_PATH if os_name == "windows" else DEFAULT_PATH


DEFAULT_PLATFORM = Platform("linux", "amd64")
"""The build platform when the engine names none (and offline, for ``pyfrontend llb``)."""
