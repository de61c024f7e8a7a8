"""The frontend image built as a user builds it online: on the official Python
image's layout, the dependencies from a package index.

Neither Docker Hub nor PyPI is reachable here, so both are stood in for: the
base is ``hack/base-images.sh python-slim`` (CPython with a shared libpython
under ``/usr/local``, pip, no Debian Python), and the index a PEP 503 one on
loopback serving the wheels of ``hack/wheels.sh``. The context is a plain
checkout's: no ``.work`` directory at all. The result must have the layout of
the offline image, stay within the size limit and build what it builds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import harness
from .test_image import MAX_BYTES

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.engines("legacy", "current"),
    pytest.mark.docker_only("builds the frontend image with docker build"),
]

SLIM_BASE = "pyfrontend/python-slim-standin:3.11"
NOT_IN_A_CHECKOUT = (".work", ".git", ".*_cache", "__pycache__")
"""What a plain checkout lacks (its ``.dockerignore`` decides what the build reads)."""
DYNLOAD = "opt/pyfrontend/lib/lib-dynload/"


def _index(root: Path, wheels: Path) -> None:
    """A PEP 503 simple index of ``wheels`` under ``root/simple``."""
    projects: dict[str, list[str]] = {}
    for wheel in sorted(wheels.glob("*.whl")):
        shutil.copy(wheel, root / wheel.name)
        name = re.sub(r"[-_.]+", "-", wheel.name.split("-", 1)[0]).lower()
        projects.setdefault(name, []).append(wheel.name)
    for name, files in projects.items():
        page = root / "simple" / name
        page.mkdir(parents=True)
        links = "".join(f'<a href="../../{f}">{f}</a>\n' for f in files)
        (page / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")


@pytest.fixture(scope="module")
def online_image() -> Iterator[str]:
    image = f"{harness.FRONTEND_IMAGE}-online"
    for script, *args in (("base-images.sh", "python-slim"), ("wheels.sh",)):
        proc = harness.run_in_checkout([f"{harness.REPO}/hack/{script}", *args], timeout=900)
        assert proc.returncode == 0, f"hack/{script}: {proc.stderr}"
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-online-") as tmp:
        context, index = Path(tmp, "context"), Path(tmp, "index")
        shutil.copytree(harness.REPO, context, ignore=shutil.ignore_patterns(*NOT_IN_A_CHECKOUT))
        index.mkdir()
        _index(index, harness.REPO / ".work" / "wheels")
        server = harness.StaticServer(index)
        try:
            proc = subprocess.run(
                [str(harness.REPO / "hack" / "image.sh")],
                env={
                    **harness.docker_env(),
                    "FRONTEND_IMAGE": image,
                    "CONTEXT": str(context),
                    "PYTHON_IMAGE": SLIM_BASE,
                    "PIP_INDEX_URL": f"{server.base_url}/simple/",
                    "BUILD_NETWORK": "host",
                },  # fmt: skip
                cwd=harness.REPO,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
        finally:
            server.close()
    assert proc.returncode == 0, f"hack/image.sh on {SLIM_BASE}:\n{proc.stdout}{proc.stderr}"
    try:
        yield image
    finally:
        harness.docker("image", "rm", image)


def test_online_image_has_the_offline_layout(online_image: str) -> None:
    online, _ = harness.snapshot(online_image)
    offline, _ = harness.snapshot(harness.FRONTEND_IMAGE)
    mine = {p for p in online if p.startswith("opt/") and not p.startswith(DYNLOAD)}
    theirs = {p for p in offline if p.startswith("opt/") and not p.startswith(DYNLOAD)}
    assert mine == theirs
    # Debian builds some extension modules into its interpreter; CPython's own
    # build keeps them in lib-dynload. Every one the offline image has is there.
    dynload = {p for p in online if p.startswith(DYNLOAD)}
    assert {p for p in offline if p.startswith(DYNLOAD)} <= dynload
    size = int(harness.docker("image", "inspect", "-f", "{{.Size}}", online_image))
    assert size <= MAX_BYTES, f"{online_image} is {size} bytes (limit {MAX_BYTES})"


def test_online_image_builds_as_the_offline_one(online_image: str) -> None:
    dockerfile = (
        "FROM busybox AS base\nRUN echo built > /built\n"
        'FROM base\nCOPY hello.txt /\nRUN cat /hello.txt /built > /both\nCMD ["cat", "/both"]\n'
    )
    images = [  # the built-in frontend hands the build to the image BUILDKIT_SYNTAX names
        harness.build(
            dockerfile,
            {"hello.txt": "hello\n"},
            frontend="builtin",
            build_args={"BUILDKIT_SYNTAX": image},
        )  # fmt: skip
        for image in (harness.FRONTEND_IMAGE, online_image)
    ]
    assert images[0] == images[1]
    assert harness.run_image(images[1]) == "hello\nbuilt\n"
