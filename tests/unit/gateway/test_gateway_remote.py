"""Remote build contexts: a URL to a Dockerfile, or to an archive (as a tar on stdin arrives)."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile

import pytest

from frontend.gateway import remote
from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.llb.marshal import ops_of
from tests.support.fake_engine import FakeBridge, gateway_env, serve


def tar_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


TAR = tar_of({"Dockerfile": b"FROM scratch\n"})


@pytest.mark.parametrize(
    "data",
    [TAR, gzip.compress(TAR), bz2.compress(TAR), lzma.compress(TAR)],
    ids=["tar", "gzip", "bzip2", "xz"],
)
def test_archives_are_recognised_from_their_first_kilobyte(data: bytes) -> None:
    assert remote.is_archive(data[: remote.HEAD_BYTES])


@pytest.mark.parametrize("data", [b"FROM scratch\n", b"", b"\0" * 1024, b"x" * 600])
def test_other_downloads_are_dockerfiles(data: bytes) -> None:
    assert not remote.is_archive(data)


def build(opts: dict[str, str], files: dict[str, bytes]) -> FakeBridge:
    fake = FakeBridge(files=files)
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(opts))
        fake.wait_returned()
    return fake


def _sources(fake: FakeBridge) -> set[str]:
    final = list(fake.solved.values())[-1]
    return {op.source.identifier for _, op in ops_of(final) if op.HasField("source")}


def test_archive_context_is_unpacked_and_used_for_copy() -> None:
    dockerfile = b"FROM scratch\nCOPY app /app\n"
    fake = build(
        {"context": "http://build-context-x"},
        {"context": tar_of({"Dockerfile": dockerfile}), "Dockerfile": dockerfile},
    )
    assert fake.violations == []
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    assert _sources(fake) == {"http://build-context-x"}  # no local:// context
    final = list(fake.solved.values())[-1]
    copies = [a.copy for _, op in ops_of(final) if op.HasField("file") for a in op.file.actions]
    assert [(c.src, c.attemptUnpackDockerCompatibility) for c in copies][0] == ("/context", True)


def test_a_downloaded_dockerfile_is_the_dockerfile_and_the_context() -> None:
    dockerfile = b'FROM scratch\nCOPY context /df\nCMD ["x"]\n'
    fake = build({"context": "https://example.com/Dockerfile"}, {"context": dockerfile})
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    assert json.loads(ret.result.metadata["containerimage.config"])["config"]["Cmd"] == ["x"]
    assert _sources(fake) == {"https://example.com/Dockerfile"}


def test_dockerfilekey_reads_the_dockerfile_from_the_client_beside_a_remote_archive() -> None:
    """A Go client's tar context with the Dockerfile sent apart (``dockerfilekey``)."""
    local = b"FROM scratch\nCOPY foo /bar\n"
    fake = FakeBridge(
        files={"context": tar_of({"sub/dir/foo": b"contents"})},
        locals={"dockerfile": {"Dockerfile": local}},
    )
    opts = {"context": "http://buildkit-session/x", "dockerfilekey": "dockerfile"}
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env({**opts, "contextsubdir": "sub/dir"}))
        fake.wait_returned()
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    assert fake.violations == []
    assert _sources(fake) == {"http://buildkit-session/x"}
    final = list(fake.solved.values())[-1]
    copies = [a.copy for _, op in ops_of(final) if op.HasField("file") for a in op.file.actions]
    assert [c.src for c in copies] == ["/context", "/sub/dir", "/foo"]
