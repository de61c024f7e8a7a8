"""The stdio relay: in-process over pipes, and end-to-end in a child process."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import frontend
from frontend.gateway.bridge import Bridge
from frontend.gateway.relay import CHANNEL_OPTIONS, MAX_MESSAGE_BYTES, Pumps, StdioRelay
from tests.support.fake_engine import FakeBridge, FakeBridgeServer, FrontendProcess, serve

REPO_ROOT = Path(frontend.__file__).resolve().parent.parent
CHILD = Path(__file__).with_name("relay_child.py")
DOCKERFILE = b"FROM busybox\nRUN echo hi\n"


@pytest.fixture
def piped_relay(server: FakeBridgeServer) -> Iterator[tuple[StdioRelay, Pumps]]:
    """A relay on two pipes whose far ends are pumped to the fake engine."""
    to_relay_r, to_relay_w = os.pipe()
    from_relay_r, from_relay_w = os.pipe()
    engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    engine.connect(server.path)
    pumps = Pumps(engine, from_relay_r, to_relay_w, name="test-engine")
    relay = StdioRelay(to_relay_r, from_relay_w)
    try:
        yield relay, pumps
    finally:
        relay.close()
        pumps.shutdown()
        pumps.join(5)


def test_channel_options() -> None:
    opts = dict(CHANNEL_OPTIONS)
    assert opts["grpc.max_receive_message_length"] == MAX_MESSAGE_BYTES == 64 << 20
    assert opts["grpc.max_send_message_length"] == MAX_MESSAGE_BYTES
    assert opts["grpc.enable_retries"] == 0


def test_relay_in_process(piped_relay: tuple[StdioRelay, Pumps], fake: FakeBridge) -> None:
    relay, engine_pumps = piped_relay
    sock_dir = os.path.dirname(relay.path)
    assert os.path.exists(relay.path)
    assert os.stat(sock_dir).st_mode & 0o077 == 0
    with relay.channel() as channel:
        bridge = Bridge(channel)
        for _ in range(20):
            bridge.ping()
        assert relay.connected.wait(5)
        # Exactly one connection: the listener and its directory are gone.
        assert not os.path.exists(sock_dir)
    # Closing the channel ends the stream both ways, down to the engine side.
    assert relay.wait(10)
    assert engine_pumps.join(10)
    assert fake.count("Ping") == 20


def test_relay_closed_before_connect_cleans_up() -> None:
    r1, w1 = os.pipe()
    r2, w2 = os.pipe()
    relay = StdioRelay(r1, w2)
    sock_dir = os.path.dirname(relay.path)
    relay.close()
    assert not os.path.exists(sock_dir)
    assert not relay.connected.is_set()
    for fd in (r1, w2):  # the relay owned these and closed them
        with pytest.raises(OSError):
            os.fstat(fd)
    os.close(w1)
    os.close(r2)


def test_relay_socket_path_too_long(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    with pytest.raises(ValueError, match="too long"):
        StdioRelay(0, 1, tmp_dir=str(deep))
    assert list(deep.iterdir()) == []


def test_relay_end_to_end_child_process() -> None:
    big = 6 * 1024 * 1024  # over grpcio's 4 MiB default receive limit
    fake = FakeBridge(
        locals={"dockerfile": {"Dockerfile": DOCKERFILE, "big.bin": b"x" * big}},
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    argv = [sys.executable, str(CHILD), "50", str(big)]
    with serve(fake) as srv, FrontendProcess(argv, srv.path, env=env) as proc:
        code = proc.wait(60)
        stderr = proc.stderr_text()
    assert code == 0, stderr
    assert "stray print from the child" in stderr
    assert "stray fd-1 write from the child" in stderr
    assert "child done" in stderr
    assert fake.violations == []
    assert fake.count("Ping") + fake.count("ReadFile") + fake.count("Solve") == 50
    assert fake.count("Return") == 1
    ret = fake.wait_returned(1)
    assert dict(ret.result.metadata) == {"calls": b"50"}
