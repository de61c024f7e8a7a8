"""pyfrontend: a BuildKit Dockerfile frontend written in Python."""

import time

STARTED = time.monotonic()
"""When the package was first imported: the origin of the ``ms`` field in logs."""


def elapsed_ms() -> float:
    return round((time.monotonic() - STARTED) * 1000, 1)
