"""Held log records: written at release, in order, with the time they were made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import structlog

from frontend import logs


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    yield
    logs.release()
    structlog.reset_defaults()


def lines(err: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in err.splitlines()]


def test_held_records_wait_for_release(capsys: pytest.CaptureFixture[str]) -> None:
    log = logs.get_logger()
    logs.configure("info", hold=True)
    log.info("first", n=1)
    log.debug("hidden")
    made = time.time()
    time.sleep(0.02)
    assert capsys.readouterr().err == ""
    logs.release()
    log.info("second")
    (first, second) = lines(capsys.readouterr().err)
    assert list(first) == ["n", "event", "level", "timestamp"]
    assert (first["event"], first["level"], second["event"]) == ("first", "info", "second")
    stamp = datetime.fromisoformat(str(first["timestamp"]).replace("Z", "+00:00")).timestamp()
    assert stamp <= made


def test_a_warning_releases_the_held_records(capsys: pytest.CaptureFixture[str]) -> None:
    log = logs.get_logger()
    logs.configure("info", hold=True)
    log.info("early")
    log.warning("trouble", code=2)
    events = [(r["event"], r["level"]) for r in lines(capsys.readouterr().err)]
    assert events == [("early", "info"), ("trouble", "warning")]


def test_without_hold_records_go_out_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("info")
    logs.get_logger().info("now")
    assert [r["event"] for r in lines(capsys.readouterr().err)] == ["now"]


QUIET_BUILD = """
import sys
from frontend import logs
logs.configure(hold=True)
log = logs.get_logger()
log.info("started")
log.debug("details")
logs.release()
log.info("returned")
print("structlog" in sys.modules)
"""


def test_by_default_only_warnings_and_errors_are_written_and_structlog_waits_for_one() -> None:
    """The engine writes a frontend's stderr into its own log: a build that goes well
    leaves nothing there (and loads no structlog)."""
    env = {k: v for k, v in os.environ.items() if k != "PYFRONTEND_LOG_LEVEL"}
    run = subprocess.run(
        [sys.executable, "-c", QUIET_BUILD], capture_output=True, text=True, env=env, check=True
    )
    assert (run.stdout, run.stderr) == ("False\n", "")
    env["PYFRONTEND_LOG_LEVEL"] = "info"
    run = subprocess.run(
        [sys.executable, "-c", QUIET_BUILD], capture_output=True, text=True, env=env, check=True
    )
    assert run.stdout == "True\n"
    assert [r["event"] for r in lines(run.stderr)] == ["started", "returned"]


def test_records_below_the_level_are_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("warning")
    log = logs.get_logger()
    log.info("hidden")
    log.warning("shown")
    assert [r["event"] for r in lines(capsys.readouterr().err)] == ["shown"]


def test_an_unknown_level_is_the_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYFRONTEND_LOG_LEVEL", "warnings")
    logs.configure()
    logs.get_logger().info("hidden")
    logs.get_logger().warning("shown")
    assert [r["event"] for r in lines(capsys.readouterr().err)] == ["shown"]
