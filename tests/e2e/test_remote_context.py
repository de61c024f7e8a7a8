"""Contexts that are not a directory: a tar on stdin, an archive or a Dockerfile at a URL.

The engine passes these to the frontend as a URL to download; both frontends
must build the same image from them. URLs point at an HTTP server on loopback
that the test runs itself (the engine fetches from the host's network).
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import (
    CONTEXT_MTIME,
    Frontend,
    StaticServer,
    assert_same_image,
    build_remote,
    docker,
    dockerfile_for,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.docker_only("a URL or a tar on stdin as the build context is docker build's"),
]

DOCKERFILE = """\
FROM busybox
WORKDIR /app
COPY src/ ./src/
COPY run.sh ./
RUN sh run.sh > /app/out.txt
CMD ["cat", "/app/out.txt"]
"""

FILES: dict[str, tuple[bytes, int]] = {
    "src/a.txt": (b"a\n", 0o644),
    "src/deep/b.txt": (b"b\n", 0o600),
    "run.sh": (b"ls -R /app/src; cat /app/src/a.txt\n", 0o755),
}


def context_tar(dockerfile: str, name: str = "Dockerfile", *, gzip: bool = False) -> bytes:
    """A context archive: the Dockerfile under ``name`` plus FILES, fixed metadata."""
    buf = io.BytesIO()
    entries = {name: (dockerfile.encode(), 0o644), **FILES}
    with tarfile.open(fileobj=buf, mode="w:gz" if gzip else "w") as tar:
        for path, (data, mode) in entries.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), mode, CONTEXT_MTIME
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[StaticServer]:
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-http-") as tmp:
        srv = StaticServer(Path(tmp))
        try:
            yield srv
        finally:
            srv.close()


@pytest.fixture
def images() -> list[str]:
    """The images a test built, in order."""
    return []


def both(make_source: object) -> tuple[str | bytes, str | bytes]:
    """The source for the built-in frontend and for ours."""
    assert callable(make_source)
    frontends: tuple[Frontend, Frontend] = ("builtin", "ours")
    built, ours = (make_source(dockerfile_for(DOCKERFILE, f)) for f in frontends)
    return built, ours


def test_tar_on_stdin(images: list[str]) -> None:
    builtin, ours = both(context_tar)
    assert_same_image(build_remote(builtin, images), build_remote(ours, images))
    out = docker("run", "--rm", "--network", "none", images[-1])
    assert out.endswith("a\n")


def test_tar_on_stdin_with_another_dockerfile_name(images: list[str]) -> None:
    builtin, ours = both(lambda text: context_tar(text, "build/app.Dockerfile"))
    opts = {"-f": "build/app.Dockerfile"}
    assert_same_image(
        build_remote(builtin, images, options=opts), build_remote(ours, images, options=opts)
    )


def test_gzipped_archive_at_a_url(server: StaticServer, images: list[str]) -> None:
    builtin, ours = both(lambda text: context_tar(text, gzip=True))
    assert isinstance(builtin, bytes) and isinstance(ours, bytes)
    expected = build_remote(server.url("builtin.tar.gz", builtin), images)
    actual = build_remote(server.url("ours.tar.gz", ours), images)
    assert_same_image(expected, actual)


def test_dockerfile_at_a_url(server: StaticServer, images: list[str]) -> None:
    text = "FROM busybox\nCOPY context /downloaded\nRUN wc -c /downloaded > /size\n"
    builtin, ours = (dockerfile_for(text, f).encode() for f in ("builtin", "ours"))
    expected = build_remote(server.url("Dockerfile.builtin", builtin), images)
    actual = build_remote(server.url("Dockerfile.ours", ours), images)
    # The context is the downloaded Dockerfile itself, so the two differ by the syntax line.
    expected_size = docker("run", "--rm", "--network", "none", expected, "cat", "/size")
    actual_size = docker("run", "--rm", "--network", "none", actual, "cat", "/size")
    assert expected_size.split()[0] == str(len(builtin))
    assert actual_size.split()[0] == str(len(ours))
