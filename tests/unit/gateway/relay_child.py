"""A tiny frontend for the relay test: relay its stdio, make N calls, Return.

Usage: relay_child.py CALLS BIGFILE_BYTES
"""

from __future__ import annotations

import os
import sys

from frontend.gateway.relay import StdioRelay, exit_now


def main() -> int:
    calls, big = int(sys.argv[1]), int(sys.argv[2])
    relay = StdioRelay.from_stdio()
    print("stray print from the child")  # must land on stderr
    os.write(1, b"stray fd-1 write from the child\n")

    from frontend.gateway.bridge import Bridge
    from tests.support.fake_engine import source_definition

    with relay.channel() as channel:
        bridge = Bridge(channel)
        bridge.ping()
        ref = bridge.solve(source_definition("local://dockerfile"))
        for i in range(calls - 3):  # + Ping, Solve and the big ReadFile
            if i % 2:
                bridge.ping()
            else:
                assert bridge.read_file(ref, "Dockerfile").startswith(b"FROM ")
        data = bridge.read_file(ref, "big.bin")
        assert len(data) == big, len(data)
        bridge.return_result(ref, {"calls": str(calls).encode()})
    print("child done", file=sys.stderr)  # exit_now must flush this
    return 0


if __name__ == "__main__":
    exit_now(main())
