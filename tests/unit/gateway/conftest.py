"""Fixtures: a fake LLBBridge on a temporary unix socket and a Bridge talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from frontend.gateway.bridge import Bridge
from tests.support.fake_engine import FakeBridge, FakeBridgeServer, serve


@pytest.fixture
def fake() -> FakeBridge:
    return FakeBridge(
        locals={"dockerfile": {"Dockerfile": b"FROM busybox\nRUN echo hi\n"}},
        files={"etc/hostname": b"fake\n", "etc/os-release": b"ID=fake\n"},
    )


@pytest.fixture
def server(fake: FakeBridge) -> Iterator[FakeBridgeServer]:
    with serve(fake) as running:
        yield running


@pytest.fixture
def bridge(server: FakeBridgeServer) -> Iterator[Bridge]:
    with server.channel() as channel:
        yield Bridge(channel)
