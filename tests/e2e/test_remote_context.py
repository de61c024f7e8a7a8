"""Contexts that are not a directory: a tar on stdin, an archive or a Dockerfile at a URL.

The engine passes these to the frontend as a URL to download; both frontends
must build the same image from them. URLs point at an HTTP server on loopback
that the test runs itself (the engine fetches from the host's network).
"""

from __future__ import annotations

import functools
import http.server
import io
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from .harness import (
    BUILD_TIMEOUT,
    CONTEXT_MTIME,
    DOCKER,
    Frontend,
    assert_same_image,
    docker,
    docker_env,
    dockerfile_for,
    remove_at_session_end,
)

pytestmark = pytest.mark.e2e

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


class _Server:
    """Serves files from a directory on 127.0.0.1 for the length of the tests."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.root = root
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, name: str, data: bytes) -> str:
        (self.root / name).write_bytes(data)
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{name}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-http-") as tmp:
        srv = _Server(Path(tmp))
        try:
            yield srv
        finally:
            srv.close()


def build_remote(
    source: str | bytes, images: list[str], *, options: Mapping[str, str] | None = None
) -> str:
    """``docker build`` from a URL (str) or from a tar on stdin (bytes); the image id."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        iidfile = Path(tmp, "iid")
        cmd = [DOCKER, "build", "--progress=plain", "--iidfile", str(iidfile)]
        for flag, value in (options or {}).items():
            cmd += [flag, value]
        stdin = source if isinstance(source, bytes) else None
        proc = subprocess.run(
            [*cmd, "-" if stdin is not None else str(source)],
            input=stdin,
            capture_output=True,
            env=docker_env(),
            timeout=BUILD_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            log = (proc.stdout + proc.stderr).decode(errors="replace")
            raise AssertionError(f"build failed ({proc.returncode}):\n{log[-4000:]}")
        image = iidfile.read_text().strip()
    images.append(image)
    remove_at_session_end(image)
    return image


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


def test_gzipped_archive_at_a_url(server: _Server, images: list[str]) -> None:
    builtin, ours = both(lambda text: context_tar(text, gzip=True))
    assert isinstance(builtin, bytes) and isinstance(ours, bytes)
    expected = build_remote(server.url("builtin.tar.gz", builtin), images)
    actual = build_remote(server.url("ours.tar.gz", ours), images)
    assert_same_image(expected, actual)


def test_dockerfile_at_a_url(server: _Server, images: list[str]) -> None:
    text = "FROM busybox\nCOPY context /downloaded\nRUN wc -c /downloaded > /size\n"
    builtin, ours = (dockerfile_for(text, f).encode() for f in ("builtin", "ours"))
    expected = build_remote(server.url("Dockerfile.builtin", builtin), images)
    actual = build_remote(server.url("Dockerfile.ours", ours), images)
    # The context is the downloaded Dockerfile itself, so the two differ by the syntax line.
    expected_size = docker("run", "--rm", "--network", "none", expected, "cat", "/size")
    actual_size = docker("run", "--rm", "--network", "none", actual, "cat", "/size")
    assert expected_size.split()[0] == str(len(builtin))
    assert actual_size.split()[0] == str(len(ours))
