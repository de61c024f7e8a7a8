"""Session set-up for the end-to-end tests.

Once per session: an engine (hack/engine.sh up), the offline stand-in base
images (hack/base-images.sh) and the frontend image (hack/image.sh). Outside CI,
PYFRONTEND_E2E_REUSE_IMAGE=1 keeps an existing frontend image instead of
rebuilding it, and the tests skip when no engine can be started. In CI (CI=true)
nothing skips: a missing engine is an error, and so is any skipped test.

The suite runs once per test engine (hack/e2e.sh sets PYFRONTEND_ENGINE). A
test marked ``@pytest.mark.engines("current", ...)`` runs only on those
engines; unmarked tests run on ``legacy``, ``current`` and ``buildkitd``. On
``buildkitd`` (buildctl), a test marked ``@pytest.mark.docker_only("reason")``
does not apply: it builds the way only ``docker build`` does. Tests not meant
for this engine are deselected, not skipped; the session's summary says why.
On ``buildkitd`` the images the tests build FROM and the frontend image are
pushed into that engine's registry once the session has made them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from .harness import (
    ENGINE,
    ENGINES,
    FRONTEND_IMAGE,
    REPO,
    TESTDATA_IMAGE,
    docker,
    remove_built_images,
    run_in_checkout,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEFAULT_ENGINES = ("legacy", "current", "buildkitd")
BUILDKITD_IMAGES = ("busybox:latest", TESTDATA_IMAGE)
"""What the tests build FROM, besides the frontend image (pushed for ``buildkitd``)."""
_skipped: list[str] = []
_not_applicable: dict[str, int] = {}


def pytest_configure(config: pytest.Config) -> None:
    if ENGINE not in ENGINES:
        raise pytest.UsageError(f"PYFRONTEND_ENGINE={ENGINE}: not one of {', '.join(ENGINES)}")


def engines_of(item: pytest.Item) -> tuple[str, ...]:
    """The engines ``item`` runs on."""
    marker = item.get_closest_marker("engines")
    if marker is None:
        return DEFAULT_ENGINES
    unknown = set(marker.args) - set(ENGINES)
    if unknown:
        raise pytest.UsageError(f"{item.nodeid}: unknown engines {sorted(unknown)}")
    return tuple(marker.args)


def _applies(item: pytest.Item) -> bool:
    if ENGINE not in engines_of(item):
        return False
    docker_only = item.get_closest_marker("docker_only")
    if ENGINE == "buildkitd" and docker_only is not None:
        reason = docker_only.args[0] if docker_only.args else "needs docker build"
        _not_applicable[reason] = _not_applicable.get(reason, 0) + 1
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    applies = {item.nodeid: _applies(item) for item in items}
    keep = [item for item in items if applies[item.nodeid]]
    dropped = [item for item in items if not applies[item.nodeid]]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _hack(script: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return run_in_checkout([str(REPO / "hack" / script), *args], timeout=timeout)


def _require(proc: subprocess.CompletedProcess[str], what: str) -> None:
    if proc.returncode != 0:
        pytest.fail(f"{what} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def _image_exists(image: str) -> bool:
    try:
        docker("image", "inspect", image)
    except RuntimeError:
        return False
    return True


@pytest.fixture(scope="session", autouse=True)
def e2e_environment() -> Iterator[None]:
    engine = _hack("engine.sh", "up", timeout=600)
    if engine.returncode != 0:
        message = f"no engine: hack/engine.sh up failed:\n{engine.stderr}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    _require(_hack("base-images.sh", timeout=900), "hack/base-images.sh")
    reuse = os.environ.get("PYFRONTEND_E2E_REUSE_IMAGE") == "1" and not IN_CI
    if not (reuse and _image_exists(FRONTEND_IMAGE)):
        _require(_hack("image.sh", timeout=900), "hack/image.sh")
    if ENGINE == "buildkitd":
        pushed = _hack(
            "engine-buildkitd.sh", "push", FRONTEND_IMAGE, *BUILDKITD_IMAGES, timeout=600
        )
        _require(pushed, "hack/engine-buildkitd.sh push")
    yield
    remove_built_images()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reason, count in sorted(_not_applicable.items()):
        terminalreporter.write_line(f"not applicable on {ENGINE}: {count} test(s): {reason}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if IN_CI and _skipped:
        sys.stderr.write(
            "\nerror: end-to-end tests must not skip in CI; skipped:\n  "
            + "\n  ".join(_skipped)
            + "\n"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
