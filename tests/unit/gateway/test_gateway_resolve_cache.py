"""Image look-ups shared by the compiles of several platforms: one engine call each."""

from __future__ import annotations

import threading

import pytest

from frontend.errors import DockerfileError
from frontend.gateway.contexts import ResolveCache
from frontend.platform import Platform

AMD64 = Platform("linux", "amd64")
ARM64 = Platform("linux", "arm64")


class Engine:
    """Answers each look-up once ``release`` is set; counts the calls."""

    def __init__(self, *, fail: bool = False) -> None:
        self.calls: list[tuple[str, Platform]] = []
        self.release = threading.Event()
        self.release.set()
        self.fail = fail

    def __call__(
        self, ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        self.calls.append((ref, platform))
        self.release.wait(10)
        if self.fail:
            raise DockerfileError(f"failed to resolve image {ref}")
        return f"sha256:{ref}-{platform.architecture}", b"{}"


def ask(cache: ResolveCache, ref: str, platform: Platform = AMD64) -> tuple[str, bytes]:
    return cache(ref, platform=platform, resolve_mode="default", log_name=ref)


def test_each_look_up_is_asked_once() -> None:
    engine = Engine()
    cache = ResolveCache(engine)
    assert ask(cache, "alpine") == ("sha256:alpine-amd64", b"{}")
    assert ask(cache, "alpine") == ("sha256:alpine-amd64", b"{}")
    assert ask(cache, "alpine", ARM64) == ("sha256:alpine-arm64", b"{}")
    assert engine.calls == [("alpine", AMD64), ("alpine", ARM64)]


def test_a_failure_is_remembered() -> None:
    engine = Engine(fail=True)
    cache = ResolveCache(engine)
    for _ in range(2):
        with pytest.raises(DockerfileError, match="failed to resolve image alpine"):
            ask(cache, "alpine")
    assert len(engine.calls) == 1


def test_callers_at_once_share_the_first_ones_answer() -> None:
    engine = Engine()
    engine.release.clear()
    cache = ResolveCache(engine)
    answers: list[tuple[str, bytes]] = []
    threads = [threading.Thread(target=lambda: answers.append(ask(cache, "alpine"))) for _ in "abc"]
    for thread in threads:
        thread.start()
    while not engine.calls:
        threading.Event().wait(0.001)
    engine.release.set()
    for thread in threads:
        thread.join(10)
    assert answers == [("sha256:alpine-amd64", b"{}")] * 3
    assert len(engine.calls) == 1
