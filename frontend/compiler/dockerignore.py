"""``.dockerignore``: the exclude patterns sent with the build context."""

from __future__ import annotations

import posixpath


def parse_dockerignore(data: bytes) -> tuple[str, ...]:
    """Patterns in order; ``#`` lines and blanks dropped, paths cleaned, ``!`` kept."""
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    patterns = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = posixpath.normpath(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern.lstrip("/") or "/"
        patterns.append("!" + pattern if invert else pattern)
    return tuple(patterns)
