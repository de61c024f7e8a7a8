"""Build contexts that are not the client's directory: a URL, or a tar on stdin.

``docker build http://host/ctx.tar.gz`` and ``docker build - < ctx.tar`` both
reach the frontend as the option ``context=<URL>`` (the engine serves a tar
from stdin under a URL of its own). The engine downloads it as an HTTP source
holding one file, ``context``. When that file is an archive (tar, gzip, bzip2
or xz), the context is its unpacked tree; otherwise the file itself is the
Dockerfile, and the context is the download. A URL that names a Git
repository (``frontend.llb.git``) is a Git context instead.
"""

from __future__ import annotations

import re

from frontend.llb import state as llb
from frontend.llb.graph import Copy, OpMeta

DOWNLOADED = "context"
"""The name of the downloaded file inside the HTTP source."""

_HTTP = r"^https?://"
_COMPRESSED = (b"BZh", b"\x1f\x8b\x08", b"\xfd7zXZ\x00")
HEAD_BYTES = 1024
"""How much of the download decides whether it is an archive."""


def is_http_url(value: str) -> bool:
    return bool(re.match(_HTTP, value))


def download(url: str) -> llb.State:
    """The HTTP source that fetches a remote context."""
    meta = OpMeta(name="[internal] load remote build context")
    return llb.http(url, filename=DOWNLOADED, meta=meta)


def is_archive(head: bytes) -> bool:
    """Whether the first bytes of a download are a tar, or a compressed stream."""
    if any(head.startswith(magic) for magic in _COMPRESSED):
        return True
    import tarfile  # only for remote contexts: not on every build's start-up path

    try:
        tarfile.TarInfo.frombuf(head[: tarfile.BLOCKSIZE], "utf-8", "surrogateescape")
    except tarfile.HeaderError:
        return False
    return True


def unpacked(downloaded: llb.State) -> llb.State:
    """The tree of the archive in ``downloaded``, at the root of an empty filesystem."""
    assert downloaded.output is not None
    copy = Copy(downloaded.output, f"/{DOWNLOADED}", "/", attempt_unpack=True)
    return llb.scratch().file(copy)
