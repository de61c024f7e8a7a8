"""The dataclasses' code cache: recorded, saved, then run instead of compiled."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from frontend.gateway import codecache


@pytest.fixture(autouse=True)
def restore_exec() -> Iterator[None]:
    yield
    vars(dataclasses).pop("exec", None)


def define() -> type:
    @dataclasses.dataclass(frozen=True)
    class Point:
        """A point."""

        x: int
        y: int = 0

    return Point


def test_recorded_texts_save_to_the_same_bytes(tmp_path: Path) -> None:
    runner = codecache.record()
    define()
    assert runner.codes
    codecache.save(runner, str(tmp_path / "a"))
    codecache.save(runner, str(tmp_path / "b"))
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_installed_cache_runs_stored_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = codecache.record()
    define()
    codecache.save(runner, str(tmp_path / "cache"))
    assert codecache.install(str(tmp_path / "cache")) == len(runner.codes)

    def no_compile(*args: object) -> None:
        raise AssertionError("compiled a text the cache holds")

    monkeypatch.setattr(codecache, "compile", no_compile, raising=False)
    cls = define()
    point = cls(1)
    assert point == cls(1, 0)
    assert repr(point).endswith("Point(x=1, y=0)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[attr-defined]


def test_unusable_cache_is_ignored(tmp_path: Path) -> None:
    assert codecache.install(str(tmp_path / "missing")) == 0
    (tmp_path / "junk").write_bytes(b"not marshal")
    assert codecache.install(str(tmp_path / "junk")) == 0
    assert "exec" not in vars(dataclasses)
    assert define()(3).x == 3


def test_texts_not_marked_first_are_read_at_the_first_miss(tmp_path: Path) -> None:
    runner = codecache.record()
    define()
    runner.mark_first()
    first = set(runner.codes)

    @dataclasses.dataclass
    class Later:
        """Recorded after the mark."""

        z: str

    later = set(runner.codes) - first
    assert later
    codecache.save(runner, str(tmp_path / "cache"))
    assert codecache.install(str(tmp_path / "cache")) == len(first) + len(later)
    installed = vars(dataclasses)["exec"]
    assert set(installed.codes) == first
    define()
    assert set(installed.codes) == first  # every text found: the rest still unread

    @dataclasses.dataclass
    class Again:
        """Recorded after the mark."""

        z: str

    assert set(installed.codes) == first | later
    assert Again("a") == Again("a")
