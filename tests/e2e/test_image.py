"""The frontend image every end-to-end test runs: small, complete, nothing extra."""

from __future__ import annotations

import json

import pytest

from hack.image_root import read_module_list

from . import harness

pytestmark = pytest.mark.e2e

MAX_BYTES = 40_000_000
"""Uncompressed, as the engine counts an image's size."""

PYTHON = "/opt/pyfrontend/bin/python3"
STDLIB_LIST = harness.REPO / "hack" / "image-stdlib.txt"


def test_image_size_within_limit() -> None:
    size = int(harness.docker("image", "inspect", "-f", "{{.Size}}", harness.FRONTEND_IMAGE))
    assert size <= MAX_BYTES, f"{harness.FRONTEND_IMAGE} is {size} bytes (limit {MAX_BYTES})"


def test_image_config_labels_and_entrypoint() -> None:
    config = json.loads(
        harness.docker("image", "inspect", "-f", "{{json .Config}}", harness.FRONTEND_IMAGE)
    )
    labels = config["Labels"]
    assert labels["moby.buildkit.frontend.network.none"] == "true"
    caps = labels["moby.buildkit.frontend.caps"].split(",")
    assert "moby.buildkit.frontend.subrequests" in caps
    assert config["Entrypoint"] == [PYTHON, "-m", "frontend"]


def test_image_has_no_shell_or_package_manager() -> None:
    tree, _ = harness.snapshot(harness.FRONTEND_IMAGE)
    unwanted = ("sh", "bash", "dash", "busybox", "pip", "pip3", "apt", "apt-get", "dpkg")
    found = [
        path
        for path in tree
        if path.rsplit("/", 1)[-1] in unwanted or "/pip/" in path or path.endswith(".py")
    ]
    assert not found, f"unexpected in the image: {found}"


def test_image_loads_every_listed_module() -> None:
    kept, _ = read_module_list(STDLIB_LIST)
    code = "import " + ", ".join(kept) + "; print('ok')"
    entry = f"--entrypoint={PYTHON}"
    out = harness.docker(
        "run", "--rm", "--network", "none", entry, harness.FRONTEND_IMAGE, "-c", code
    )
    assert out.strip() == "ok"
