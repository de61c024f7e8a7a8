"""Calls in threads: one in the background, or a map over items."""

from __future__ import annotations

import threading

import pytest

from frontend.threads import Background, thread_map


def test_background_gives_the_result_or_raises_the_error() -> None:
    with Background(lambda a, b: a + b, 2, 3, name="add") as call:
        assert call.result() == 5
    with Background(lambda: 1 // 0, name="fail") as failing, pytest.raises(ZeroDivisionError):
        failing.result()


def test_leaving_the_block_waits_for_the_call() -> None:
    release = threading.Event()
    done: list[bool] = []

    def work() -> None:
        release.wait(10)
        done.append(True)

    with Background(work, name="wait"):
        release.set()
    assert done == [True]


def test_thread_map_keeps_order_and_runs_one_item_in_this_thread() -> None:
    assert thread_map(lambda x: x * 2, [3, 1, 2], max_workers=2) == [6, 2, 4]
    assert thread_map(lambda _: threading.current_thread(), [0], max_workers=4) == [
        threading.current_thread()
    ]
    assert thread_map(lambda x: x, [], max_workers=4) == []


def test_thread_map_raises_the_first_error() -> None:
    def fail_on_odd(x: int) -> int:
        if x % 2:
            raise ValueError(x)
        return x

    with pytest.raises(ValueError, match="1"):
        thread_map(fail_on_odd, [0, 1, 2, 3], max_workers=4)
