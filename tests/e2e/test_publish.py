"""`make publish`: the frontend image for two platforms under one digest, then pinned.

A local registry (Debian's docker-registry, hack/test-registry.sh) runs on
127.0.0.1 in the engine's network namespace, where this test runs too (hack/e2e.sh).
`make publish` pushes there; the registry must then hold one list of both
platforms under the printed digest, and a Dockerfile pinned to that digest with
``# syntax=<registry>/pyfrontend:<version>@sha256:<digest>`` must build the same
image as the built-in frontend, with the frontend fetched from the registry.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import harness

pytestmark = [pytest.mark.e2e, pytest.mark.engines("legacy", "current", "current-containerd")]

PLATFORMS = {"linux/amd64", "linux/arm64"}
LIST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
PUBLISH_TIMEOUT = 1800

DOCKERFILE = """\
FROM busybox AS base
ARG GREETING=hello
RUN echo "$GREETING from a pinned frontend" > /greeting
FROM scratch
COPY --from=base /greeting /
COPY note.txt /
ENV PINNED=1
"""


@dataclass(frozen=True)
class Registry:
    address: str
    """``127.0.0.1:<port>``"""
    log: Path

    def get(self, path: str, accept: tuple[str, ...]) -> tuple[bytes, str, str]:
        """GET ``/v2/<path>``: the body, its Content-Type and Docker-Content-Digest."""
        request = urllib.request.Request(
            f"http://{self.address}/v2/{path}", headers={"Accept": ", ".join(accept)}
        )
        with _OPENER.open(request, timeout=30) as response:
            body: bytes = response.read()
            return body, response.headers["Content-Type"], response.headers["Docker-Content-Digest"]


# Straight to the local registry, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _wait_until_up(address: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(120):
        if proc.poll() is not None:
            pytest.fail(f"the registry exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with _OPENER.open(f"http://{address}/v2/", timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"the registry at {address} did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-registry-") as tmp:
        address = f"127.0.0.1:{harness.free_port()}"
        log = Path(tmp, "registry.log")
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(harness.REPO / "hack" / "test-registry.sh"), tmp, address.split(":")[1]],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(address, proc, log)
            yield Registry(address, log)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@dataclass(frozen=True)
class Published:
    repository: str
    version: str
    digest: str

    @property
    def pinned(self) -> str:
        return f"{self.repository}:{self.version}@{self.digest}"


@pytest.fixture(scope="module")
def published(registry: Registry) -> Published:
    repository = f"{registry.address}/pyfrontend"
    proc = harness.run_in_checkout(
        ["make", "--no-print-directory", "publish", f"REGISTRY={repository}"],
        timeout=PUBLISH_TIMEOUT,
    )
    assert proc.returncode == 0, f"make publish failed:\n{proc.stdout}{proc.stderr[-6000:]}"
    digest = proc.stdout.splitlines()[-1]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), proc.stdout
    with (harness.REPO / "pyproject.toml").open("rb") as f:
        version = tomllib.load(f)["project"]["version"]
    return Published(repository, version, digest)


def _platform(entry: dict[str, Any]) -> str:
    return f"{entry['platform']['os']}/{entry['platform']['architecture']}"


def test_publish_pushes_one_list_of_both_platforms(
    registry: Registry, published: Published
) -> None:
    body, media_type, digest = registry.get(f"pyfrontend/manifests/{published.version}", LIST_TYPES)
    assert media_type in LIST_TYPES
    assert digest == published.digest
    assert "sha256:" + hashlib.sha256(body).hexdigest() == published.digest
    entries = json.loads(body)["manifests"]
    assert sorted(_platform(entry) for entry in entries) == sorted(PLATFORMS)
    for entry in entries:
        manifest, _, manifest_digest = registry.get(
            f"pyfrontend/manifests/{entry['digest']}", MANIFEST_TYPES
        )
        assert manifest_digest == entry["digest"]
        config_digest = json.loads(manifest)["config"]["digest"]
        config, _, _ = registry.get(f"pyfrontend/blobs/{config_digest}", ("*/*",))
        config_platform = json.loads(config)
        assert f"{config_platform['os']}/{config_platform['architecture']}" == _platform(entry)


def test_pinned_syntax_builds_like_the_builtin(
    registry: Registry, published: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every build with frontend="ours" is headed by `# syntax=<FRONTEND_IMAGE>`.
    monkeypatch.setattr(harness, "FRONTEND_IMAGE", published.pinned)
    files = {"note.txt": "pinned by digest\n"}
    assert harness.dockerfile_for(DOCKERFILE, "ours").startswith(f"# syntax={published.pinned}\n")
    harness.assert_same_build(DOCKERFILE, files)
    # HEAD alone when the engine already holds the list's content.
    resolved = rf'"(HEAD|GET) /v2/pyfrontend/manifests/{published.digest} HTTP'
    assert re.search(resolved, registry.log.read_text()), "the engine did not ask for the list"
