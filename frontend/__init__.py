"""pyfrontend: a BuildKit Dockerfile frontend written in Python.

A Dockerfile flows through ``syntax`` (text to typed instructions), ``semantics``
(stages, scope, checks), ``compiler`` (the build request and the lowering onto
LLB) and ``llb`` (the op graph, marshalled), with ``gateway`` talking to the
engine on top. Under them all is the foundation: this module, ``errors``,
``gotext``, ``persistent``, ``platform`` and ``logs``, which import nothing of
the layers. ``tests/unit/test_layers.py`` holds every import to that order.
"""

import time

STARTED = time.monotonic()
"""When the package was first imported: the origin of the ``ms`` field in logs."""


def elapsed_ms() -> float:
    return round((time.monotonic() - STARTED) * 1000, 1)
