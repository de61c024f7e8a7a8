"""Git build contexts: ``docker build <git-url>`` with either frontend.

The engine clones the repository itself, from the host's network, so the test
serves two repositories on loopback: over the git protocol (``git daemon``)
and over dumb HTTP. They hold the same commits except for the syntax line of
each Dockerfile: ``builtin.git`` for the built-in frontend, ``ours.git`` for
ours. No Dockerfile is copied into an image, so the images must be equal.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .harness import (
    Frontend,
    StaticServer,
    assert_same_image,
    build_remote,
    dockerfile_for,
    free_port,
    run_image,
    run_remote_build,
    vertex_digests,
    vertex_progress,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.docker_only("a git URL as the build context is docker build's"),
]

DOCKERFILE = """\
FROM busybox
WORKDIR /app
COPY app/ ./
COPY sub/s.txt ./from-sub/
RUN find . | sort > /files && cat run.sh > /script
CMD ["sh", "/app/run.sh"]
"""

# The .git directory's contents differ between the two repositories, so only
# what the probe stage learns about it reaches the image.
PROBE = """\
FROM busybox AS probe
COPY . /ctx/
RUN cd /ctx && { test -d .git && echo kept || echo dropped; } > /out \\
 && { test -f .git/HEAD && echo head || true; } >> /out \\
 && find . -path ./.git -prune -o -print | sort >> /out
FROM busybox
COPY --from=probe /out /out
"""

SUBDIR_DOCKERFILE = """\
FROM busybox
COPY s.txt /s.txt
"""

FILES = {
    "app/a.txt": "a\n",
    "app/run.sh": "echo from git\n",
    "app/deep/b.txt": "b\n",
    "sub/s.txt": "s\n",
    ".dockerignore": "app/a.txt\n",  # not applied to a git context
}
DEV_FILES = {"app/a.txt": "a on dev\n", "app/dev.txt": "dev\n"}


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.com",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.com",
        "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "app/run.sh").chmod(0o755)


def make_repository(work: Path, served: Path, frontend: Frontend) -> None:
    """``served/<frontend>.git``: master (tagged v1) and dev, bare and ready for dumb HTTP."""
    work.mkdir(parents=True)
    _git(work, "init", "-q", "-b", "master")
    _write(
        work,
        {
            **FILES,
            "Dockerfile": dockerfile_for(DOCKERFILE, frontend),
            "probe.Dockerfile": dockerfile_for(PROBE, frontend),
            "sub/Dockerfile": dockerfile_for(SUBDIR_DOCKERFILE, frontend),
        },
    )
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "first")
    _git(work, "tag", "-a", "v1", "-m", "v1")
    _git(work, "checkout", "-q", "-b", "dev")
    _write(work, DEV_FILES)
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "dev")
    _git(work, "checkout", "-q", "master")
    bare = served / f"{frontend}.git"
    _git(work, "clone", "-q", "--bare", str(work), str(bare))
    _git(bare, "update-server-info")


@dataclass(frozen=True)
class GitServers:
    git: str
    """``git://127.0.0.1:<port>``"""
    http: str
    """``http://127.0.0.1:<port>``"""

    def urls(self, base: str, fragment: str = "") -> tuple[str, str]:
        """The URL of each repository (built-in, ours) under ``base``."""
        tail = f"#{fragment}" if fragment else ""
        return f"{base}/builtin.git{tail}", f"{base}/ours.git{tail}"


@pytest.fixture(scope="module")
def servers() -> Iterator[GitServers]:
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-git-") as tmp:
        served = Path(tmp, "served")
        served.mkdir()
        for frontend in ("builtin", "ours"):
            make_repository(Path(tmp, "work", frontend), served, frontend)  # type: ignore[arg-type]
        port = free_port()
        daemon = subprocess.Popen(
            [
                "git",
                "daemon",
                "--export-all",
                "--reuseaddr",
                f"--base-path={served}",
                "--listen=127.0.0.1",
                f"--port={port}",
                str(served),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        http = StaticServer(served)
        try:
            git_url = f"git://127.0.0.1:{port}"
            _wait_for(f"{git_url}/builtin.git")
            yield GitServers(git_url, http.base_url)
        finally:
            http.close()
            daemon.terminate()
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            _git(Path.cwd(), "ls-remote", url)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def images() -> list[str]:
    return []


def test_default_branch_over_the_git_protocol(servers: GitServers, images: list[str]) -> None:
    builtin, ours = servers.urls(servers.git)
    expected = build_remote(builtin, images)
    result = run_remote_build(ours, progress=vertex_progress())
    assert result.ok and result.image, result.log[-4000:]
    assert_same_image(expected, result.image)
    files = run_image(result.image, "cat", "/files").split()
    assert "./a.txt" in files  # .dockerignore does not filter a git context
    assert "./dev.txt" not in files
    assert run_image(result.image) == "from git\n"
    # The op our frontend solves is the one the engine loaded the Dockerfile with.
    assert len(vertex_digests(result.log, f"[internal] load git source {ours}")) == 1


@pytest.mark.parametrize("fragment", ["dev", "refs/heads/dev", "v1"])
def test_branch_and_tag_over_http(fragment: str, servers: GitServers, images: list[str]) -> None:
    builtin, ours = servers.urls(servers.http, fragment)
    assert_same_image(build_remote(builtin, images), build_remote(ours, images))
    files = run_image(images[-1], "cat", "/files").split()
    assert ("./dev.txt" in files) is (fragment != "v1")


@pytest.mark.parametrize("keep", ["1", "false"])
def test_keep_git_dir(keep: str, servers: GitServers, images: list[str]) -> None:
    opts = {"-f": "probe.Dockerfile"}
    args = {"BUILDKIT_CONTEXT_KEEP_GIT_DIR": keep}
    builtin, ours = servers.urls(servers.git, "dev")
    expected = build_remote(builtin, images, options=opts, build_args=args)
    actual = build_remote(ours, images, options=opts, build_args=args)
    assert_same_image(expected, actual)
    out = run_image(actual, "cat", "/out").splitlines()
    if keep == "1":
        assert out[:2] == ["kept", "head"]
    else:
        assert out[0] == "dropped" and "head" not in out
    assert "./app/dev.txt" in out


def test_subdir_fragment(servers: GitServers, images: list[str]) -> None:
    """``#ref:subdir`` needs source.git.subdir (BuildKit 0.9); Docker 20.10 refuses it."""
    builtin, ours = servers.urls(servers.git, "master:sub")
    expected = run_remote_build(builtin)
    actual = run_remote_build(ours)
    if expected.ok:
        assert actual.ok and expected.image and actual.image, actual.log[-4000:]
        assert_same_image(expected.image, actual.image)
        return
    assert "subdir not supported yet" in expected.log
    assert not actual.ok
    assert "subdir not supported yet" in actual.log
