"""COPY/ADD flags newer than Engine 20.10's built-in frontend: --link, --exclude,
--parents, --checksum, --unpack and git sources.

Engine 20.10's built-in frontend (BuildKit v0.8) rejects these flags, so there
each test compares with the image the built-in frontend makes without the flag
(where the flag must not change the image) or checks the image itself; on a
current engine the built-in frontend has them, and the images are compared
directly. URLs and git repositories are served from 127.0.0.1, which the
engine fetches from.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    ENGINE,
    assert_same_build,
    assert_same_image,
    build,
    build_fails,
    diff_snapshots,
    snapshot,
)
from .test_instructions import tar_gz

pytestmark = pytest.mark.e2e

ARCHIVE = tar_gz({"t/one.txt": "1\n", "t/two.txt": "2\n"})
FILES = {
    "a.txt": "a\n",
    "b.log": "b\n",
    "dir/x.txt": "x\n",
    "dir/sub/y.txt": "y\n",
    "archive.tar.gz": ARCHIVE,
    ".dockerignore": "Dockerfile\n",
}
# Fixed dates keep the test repository's commits, and so the engine's cache keys, stable.
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass(frozen=True)
class Server:
    """A directory served over HTTP on a loopback port."""

    root: Path
    url: str

    def digest(self, name: str) -> str:
        return "sha256:" + sha256((self.root / name).read_bytes())

    def commit(self, ref: str) -> str:
        """The commit ``ref`` names in the served repository."""
        return _git(self.root / "repo.git", "rev-parse", f"{ref}^{{commit}}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **_GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    return proc.stdout.strip()


def _make_repo(root: Path) -> None:
    """A bare repository served by plain HTTP: master (tagged v1) and dev."""
    work = root / "work"
    (work / "sub").mkdir(parents=True)
    _git(work, "init", "-q", "-b", "master")
    (work / "hello.txt").write_text("hello\n")
    (work / "sub" / "inner.txt").write_text("inner\n")
    (work / "link").symlink_to("hello.txt")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", "first")
    _git(work, "tag", "v1")
    _git(work, "checkout", "-q", "-b", "dev")
    (work / "hello.txt").write_text("hello from dev\n")
    _git(work, "commit", "-q", "-am", "dev")
    _git(root, "clone", "-q", "--bare", str(work), "repo.git")
    _git(root / "repo.git", "update-server-info")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("served")
    (root / "file.txt").write_text("payload\n")
    (root / "archive.tar.gz").write_bytes(ARCHIVE)
    _make_repo(root)
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(root, f"http://127.0.0.1:{httpd.server_address[1]}")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def assert_same_files(a: str, b: str) -> None:
    """The two images' file trees agree (their histories may not)."""
    lines = [
        d
        for d in diff_snapshots(snapshot(a), snapshot(b), ("builtin", "ours"))
        if d.startswith("file ")
    ]
    assert not lines, "\n".join(lines)


def created_by(image: str) -> list[str]:
    return [h["CreatedBy"] for h in snapshot(image).config["History"]]


# --------------------------------------------------------------------------- --link


LINKED = """
FROM busybox AS base
RUN mkdir -p /from && echo staged > /from/s.txt
FROM busybox
WORKDIR /app
COPY --link a.txt dir ./
COPY --link --chown=1:2 a.txt /owned/
COPY --link --chmod=640 a.txt /modes/a
COPY --link --from=base /from /from-stage/
ADD --link archive.tar.gz /unpacked/
ADD --link --chown=3:4 a.txt /added
"""


@pytest.mark.engines("legacy")
def test_link_is_a_plain_copy_without_mergeop() -> None:
    expected = build(LINKED.replace(" --link", ""), FILES, frontend="builtin")
    actual = build(LINKED, FILES, frontend="ours")
    assert_same_image(expected, actual)


@pytest.mark.engines("current")
def test_link_as_builtin() -> None:
    assert_same_build(LINKED, FILES)


# --------------------------------------------------------------------------- patterns

PATTERN_FLAGS = [
    ("COPY --exclude=*.log . /all/", "COPY --exclude"),
    ("ADD --exclude=*.log --exclude=dir . /all/", "ADD --exclude"),
    ("COPY --parents dir/sub/y.txt /p/", "COPY --parents"),
    ("COPY --parents dir/./sub/*.txt /p/", "COPY --parents"),
]


@pytest.mark.engines("current")
@pytest.mark.parametrize(
    "instruction", [instruction for instruction, feature in PATTERN_FLAGS if "exclude" in feature]
)
def test_exclude_as_builtin(instruction: str) -> None:
    assert_same_build(f"FROM busybox\n{instruction}\n", FILES)


@pytest.mark.engines("current")
@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("COPY --parents dir/sub/y.txt /p/", {"/p/dir/sub/y.txt"}),
        ("COPY --parents dir/./sub/*.txt /p/", {"/p/sub/y.txt"}),
    ],
)
def test_parents_beyond_builtin(instruction: str, expected: set[str]) -> None:
    """The engine's built-in frontend (BuildKit 0.25) keeps --parents for its labs
    channel; ours accepts it, as Docker's newest frontend does."""
    tree = snapshot(build(f"FROM busybox\n{instruction}\n", FILES, frontend="ours")).tree
    assert {path for path in tree if path.startswith("/p/") and tree[path][0] == "file"} == expected


@pytest.mark.engines("legacy")
@pytest.mark.parametrize(("instruction", "feature"), PATTERN_FLAGS)
def test_pattern_flags_need_a_newer_engine(instruction: str, feature: str) -> None:
    log = build_fails(f"FROM busybox\n{instruction}\n", FILES, frontend="ours")
    assert "Dockerfile:3:1" in log  # line 1 is the `# syntax` line the harness adds
    assert (
        f"unknown API capability file.copy.includeexcludepatterns: {feature} needs BuildKit v0.9"
        in log
    )


# --------------------------------------------------------------------------- URLs


def test_add_url_as_builtin(server: Server) -> None:
    url = f"{server.url}/file.txt"
    dockerfile = f"FROM busybox\nADD {url} /f/\nADD --chown=1:2 {url} /owned\nADD {url}?x=1 /q/\n"
    image = assert_same_build(dockerfile)
    assert snapshot(image).tree["/f/file.txt"][4] == sha256("payload\n")


def test_add_checksum_matching(server: Server) -> None:
    url = f"{server.url}/file.txt"
    expected = build(f"FROM busybox\nADD {url} /f/\n", frontend="builtin")
    actual = build(
        f"FROM busybox\nADD --checksum={server.digest('file.txt')} {url} /f/\n", frontend="ours"
    )
    assert_same_image(expected, actual)


def test_add_checksum_mismatch_fails(server: Server) -> None:
    wrong = "sha256:" + "0" * 64
    log = build_fails(
        f"FROM busybox\nADD --checksum={wrong} {server.url}/file.txt /f/\n", frontend="ours"
    )
    assert f"digest mismatch {server.digest('file.txt')}: {wrong}" in log


@pytest.mark.parametrize(
    ("instruction", "message"),
    [
        ("ADD --checksum=sha256:abc a.txt /f", "checksum requires HTTP(S) or Git sources"),
        ("ADD --checksum=sha256:abc {url}/file.txt /f", "invalid checksum digest length"),
        ("ADD --checksum=md5:abc {url}/file.txt /f", "unsupported digest algorithm"),
        (
            "ADD --checksum=sha256:abc {url}/file.txt a.txt /f/",
            "checksum can't be specified for multiple sources",
        ),
    ],
)
def test_bad_checksums(server: Server, instruction: str, message: str) -> None:
    line = instruction.format(url=server.url)
    log = build_fails(f"FROM busybox\n{line}\n", FILES, frontend="ours")
    assert f"Dockerfile:3:1: {message}" in log


def test_add_unpack_flag(server: Server) -> None:
    ours = build(
        f"FROM busybox\nADD --unpack=true {server.url}/archive.tar.gz /remote/\n"
        "ADD --unpack=false archive.tar.gz /local/\nADD --unpack archive.tar.gz /default/\n",
        FILES,
        frontend="ours",
    )
    builtin = build(
        "FROM busybox\nADD archive.tar.gz /remote/\nCOPY archive.tar.gz /local/\n"
        "ADD archive.tar.gz /default/\n",
        FILES,
        frontend="builtin",
    )
    assert_same_files(builtin, ours)
    assert "/remote/t/one.txt" in snapshot(ours).tree
    assert "/local/archive.tar.gz" in snapshot(ours).tree


# --------------------------------------------------------------------------- git


# The served repository's HEAD names dev (it is a bare clone of a checkout of dev).
# With no ref, BuildKit 0.8 fetches master; later releases ask the remote for its
# default branch (``ls-remote --symref HEAD``), so a bare URL gives dev there.
GIT_ADDS = (
    "FROM busybox\nADD {repo} /g\nADD --keep-git-dir=true {repo}#v1 /k/\n"
    "ADD --chown=1:2 {repo}?branch=dev /dev\n"
)


def _repo(server: Server) -> str:
    return f"{server.url}/repo.git"


@pytest.mark.engines("legacy")
def test_add_git_repository(server: Server) -> None:
    repo = _repo(server)
    image = build(GIT_ADDS.format(repo=repo), frontend="ours")
    tree = snapshot(image).tree
    assert tree["/g/hello.txt"] == ("file", 0o644, 0, 0, sha256("hello\n"))
    assert tree["/g/sub/inner.txt"][4] == sha256("inner\n")
    assert tree["/g/link"] == ("symlink", 0o777, 0, 0, "hello.txt")
    assert not any(path.startswith("/g/.git") for path in tree)
    assert "/k/.git/HEAD" in tree and tree["/k/hello.txt"][4] == sha256("hello\n")
    assert tree["/dev/hello.txt"] == ("file", 0o644, 1, 2, sha256("hello from dev\n"))
    assert f"ADD {repo} /g # buildkit" in created_by(image)


@pytest.mark.engines("current")
def test_add_git_repository_as_builtin(server: Server) -> None:
    image = assert_same_build(GIT_ADDS.format(repo=_repo(server)))
    tree = snapshot(image).tree
    assert tree["/g/hello.txt"][4] == sha256("hello from dev\n")  # the remote's HEAD
    assert not any(path.startswith("/g/.git") for path in tree)
    assert "/k/.git/HEAD" in tree and tree["/k/hello.txt"][4] == sha256("hello\n")
    assert tree["/dev/hello.txt"] == ("file", 0o644, 1, 2, sha256("hello from dev\n"))


@pytest.mark.engines("current")
@pytest.mark.parametrize(
    "source",
    [
        "{repo}#master:sub",
        "{repo}?tag=v1&subdir=sub",
        "--checksum={v1} {repo}#v1",
        "{repo}?ref=master&commit={v1}",
        "{repo}?keep-git-dir",
    ],
)
def test_git_source_as_builtin(server: Server, source: str) -> None:
    line = "ADD " + source.format(repo=_repo(server), v1=server.commit("v1")) + " /g"
    assert_same_build(f"FROM busybox\n{line}\n")


@pytest.mark.engines("current")
def test_git_checksum_mismatch_as_builtin(server: Server) -> None:
    wrong = "0123456789abcdef0123456789abcdef01234567"
    dockerfile = f"FROM busybox\nADD --checksum={wrong} {_repo(server)}#v1 /g\n"
    expected = build_fails(dockerfile, frontend="builtin")
    actual = build_fails(dockerfile, frontend="ours")
    message = f"expected checksum to match {wrong}, got {server.commit('v1')}"
    assert message in expected
    assert message in actual


OLD_ENGINE_GIT_ERRORS = [
    ("{repo}#master:sub", "subdir not supported yet: a git subdirectory needs BuildKit v0.9"),
    (
        "--checksum=0123456789abcdef0123456789abcdef01234567 {repo}",
        "unknown API capability source.git.checksum",
    ),
]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        *(OLD_ENGINE_GIT_ERRORS if ENGINE == "legacy" else []),
        ("--keep-git-dir=false {repo}?keep-git-dir", "inconsistent keep-git-dir configuration"),
        ("{repo}?color=red", 'unexpected query "color"'),
    ],
)
def test_git_source_errors(server: Server, source: str, message: str) -> None:
    line = "ADD " + source.format(repo=_repo(server)) + " /g"
    log = build_fails(f"FROM busybox\n{line}\n", frontend="ours")
    assert f"Dockerfile:3:1: {message}" in log


def test_copy_rejects_git_sources(server: Server) -> None:
    log = build_fails(f"FROM busybox\nCOPY {server.url}/repo.git /g\n", frontend="ours")
    assert "source can't be a git ref for COPY" in log
