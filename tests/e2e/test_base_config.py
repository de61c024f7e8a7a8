"""The base image's config returned with the result (``containerimage.base.config``):
with ``SOURCE_DATE_EPOCH`` and the exporter's ``rewrite-timestamp``, the layers of
the base image are kept as they are, as with Docker's frontend.

Exported as an OCI layout (the containerd image store), as one image and as a
refs map (``BUILDKIT_MULTI_PLATFORM``: the keys then carry the platform id).
"""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.e2e, pytest.mark.engines("current-containerd")]

EPOCH = "1700000000"

DOCKERFILE = """\
FROM busybox AS base
RUN echo layer > /layer.txt
FROM base
COPY hello.txt /hello.txt
"""

FILES = {"hello.txt": "hello\n"}


def _diff_ids(data: bytes) -> dict[str, list[str]]:
    """The layers (diff ids) of each image in an OCI layout tar, by architecture."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        files = {
            m.name: f.read()
            for m in tar.getmembers()
            if m.isfile() and (f := tar.extractfile(m)) is not None
        }

    def blob(digest: str) -> dict[str, object]:
        algo, _, hexa = digest.partition(":")
        loaded: dict[str, object] = json.loads(files[f"blobs/{algo}/{hexa}"])
        return loaded

    manifests = json.loads(files["index.json"])["manifests"]
    if len(manifests) == 1 and "index" in manifests[0]["mediaType"]:
        manifests = blob(manifests[0]["digest"])["manifests"]
    out = {}
    for desc in manifests:
        manifest = blob(desc["digest"])
        config = blob(manifest["config"]["digest"])  # type: ignore[index]
        out[str(config["architecture"])] = list(config["rootfs"]["diff_ids"])  # type: ignore[index]
    return out


def _build(frontend: harness.Frontend, multi: str) -> dict[str, list[str]]:
    args = [f"SOURCE_DATE_EPOCH={EPOCH}", f"BUILDKIT_MULTI_PLATFORM={multi}"]
    data, _ = harness.build_oci(
        DOCKERFILE,
        FILES,
        frontend=frontend,
        flags=[flag for arg in args for flag in ("--build-arg", arg)],
        output=",rewrite-timestamp=true",
    )
    return _diff_ids(data)


def _base_layers(arch: str) -> list[str]:
    """The busybox image's own layers for ``arch``."""
    config = harness.docker(
        "image", "inspect", "--platform", f"linux/{arch}", "-f", "{{json .RootFS.Layers}}",
        "busybox",
    )  # fmt: skip
    layers: list[str] = json.loads(config)
    return layers


@pytest.mark.parametrize("multi", ["0", "1"])
def test_rewrite_timestamp_keeps_the_base_layers(multi: str) -> None:
    builtin = _build("builtin", multi)
    ours = _build("ours", multi)
    assert ours == builtin
    for arch, layers in ours.items():
        base = _base_layers(arch)
        assert layers[: len(base)] == base, arch
        assert len(layers) == len(base) + 2
