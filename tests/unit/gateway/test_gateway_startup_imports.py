"""The gateway reads the request in a worker thread while the main thread loads
the compiler. Two threads importing one package's modules at once can deadlock
(Python raises ``_DeadlockError``), so the worker must import nothing of ours."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    import threading

    import frontend.gateway.build as build
    from frontend.gateway.bridge import Caps
    from frontend.gateway.options import GatewayEnv
    from frontend.compiler.subrequests import DESCRIBE

    class Engine:
        # what the worker asks of the engine: caps, then the Dockerfile
        caps = Caps(gateway=frozenset(), llb=frozenset())

        def ping(self):
            return self.caps

        def solve(self, definition, **kwargs):
            return "ref"

        def read_file(self, ref, path, **kwargs):
            return b"FROM scratch\\n" if path == "Dockerfile" else None

    before = {name for name in sys.modules if name.startswith("frontend")}
    opts = {"build-arg:BUILDKIT_DOCKERFILE_CHECK": "skip=all", "platform": "linux/amd64"}
    for extra in ({}, {"requestid": DESCRIBE}):
        env = GatewayEnv({**opts, **extra}, "session", (), "")
        build._request_and_load(Engine(), env, threading.Event())
    after = {name for name in sys.modules if name.startswith("frontend")}
    print(" ".join(sorted(after - before)))
    """
)


def test_reading_the_request_imports_nothing_of_ours() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == []
