"""Several platforms in one build (``--platform a,b``), exported as an OCI layout:
both frontends give an index with the same platforms, and per platform the same
config and the same files.

Only the containerd image store takes several results. No RUN step runs on a
target platform (the engine cannot run other architectures here): stages that
run commands are pinned to ``$BUILDPLATFORM``.
"""

from __future__ import annotations

import io
import json
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness

pytestmark = [pytest.mark.e2e, pytest.mark.engines("current-containerd")]

CROSS = """\
FROM --platform=$BUILDPLATFORM busybox AS build
ARG TARGETPLATFORM TARGETARCH
RUN echo "$TARGETPLATFORM $TARGETARCH" > /info
FROM --platform=$BUILDPLATFORM busybox AS shared
RUN echo same for all > /shared
FROM scratch
COPY --from=build /info /info
COPY --from=shared /shared /shared
COPY hello.txt /hello.txt
ENV A=1
CMD ["/hello.txt"]
"""

FILES = {"hello.txt": "hello\n"}

Image = tuple[dict[str, Any], harness.Tree, int]
"""Per platform: the config (less its times), the file tree, the number of layers."""


def _blob(tar: Mapping[str, bytes], digest: str) -> bytes:
    algo, _, hexa = digest.partition(":")
    return tar[f"blobs/{algo}/{hexa}"]


def oci_images(data: bytes) -> dict[str, Image]:
    """The images of an OCI layout tar, by ``os/arch[/variant]``."""
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        files = {
            m.name: f.read()
            for m in tar.getmembers()
            if m.isfile() and (f := tar.extractfile(m)) is not None
        }
    index = json.loads(files["index.json"])
    manifests = index["manifests"]
    if len(manifests) == 1 and "index" in manifests[0]["mediaType"]:
        manifests = json.loads(_blob(files, manifests[0]["digest"]))["manifests"]
    images: dict[str, Image] = {}
    for desc in manifests:
        platform = desc.get("platform") or {}
        if platform.get("architecture") in (None, "unknown"):
            continue  # attestation manifests
        key = "/".join(
            p for p in (platform["os"], platform["architecture"], platform.get("variant")) if p
        )
        manifest = json.loads(_blob(files, desc["digest"]))
        config = json.loads(_blob(files, manifest["config"]["digest"]))
        config.pop("created", None)
        for entry in config.get("history", []):
            entry.pop("created", None)
        config.get("rootfs", {}).pop("diff_ids", None)
        if config.get("config", {}).get("OnBuild", 0) is None:
            # a null OnBuild is a known config difference, checked in test_config_parity
            del config["config"]["OnBuild"]
        tree: harness.Tree = {}
        for layer in manifest["layers"]:
            blob = _blob(files, layer["digest"])
            with tarfile.open(fileobj=io.BytesIO(blob), mode="r:*") as layer_tar:
                buf = io.BytesIO()
                with tarfile.open(fileobj=buf, mode="w") as plain:
                    for member in layer_tar.getmembers():
                        extracted = layer_tar.extractfile(member) if member.isfile() else None
                        plain.addfile(member, extracted)
                buf.seek(0)
                tree.update(harness._read_tree(buf))
        images[key] = (config, tree, len(manifest["layers"]))
    return images


def build_oci(
    dockerfile: str, frontend: harness.Frontend, platforms: str, *, progress: str = "plain"
) -> tuple[bytes, str]:
    """The OCI layout tar of a build for ``platforms``, and the build's log."""
    return harness.build_oci(
        dockerfile, FILES, frontend=frontend, flags=["--platform", platforms], progress=progress
    )


def _step_names(log: str) -> set[str]:
    """Names of the COPY steps and image look-ups in a rawjson progress log (RUN names
    are left out, ours show the command unexpanded; so are FROM names, which name one
    of the stages sharing the image until shared ops merge their metadata)."""
    names = set()
    for line in log.splitlines():
        if line.startswith("{"):
            for vertex in json.loads(line).get("vertexes") or ():
                name = vertex.get("name", "")
                if name.startswith("[linux/") and "] COPY " in name or "load metadata for" in name:
                    names.add(name)
    return names


@pytest.mark.parametrize("platforms", ["linux/amd64,linux/arm64", "linux/arm64,linux/arm/v7"])
def test_several_platforms_match_the_builtin(platforms: str) -> None:
    builtin_tar, builtin_log = build_oci(CROSS, "builtin", platforms, progress="rawjson")
    ours_tar, ours_log = build_oci(CROSS, "ours", platforms, progress="rawjson")
    builtin, ours = oci_images(builtin_tar), oci_images(ours_tar)
    assert sorted(ours) == sorted(builtin) == sorted(platforms.split(","))
    # progress names carry the platform, as the built-in writes them
    assert _step_names(ours_log) == _step_names(builtin_log)
    for key in builtin:
        b_config, b_tree, b_layers = builtin[key]
        o_config, o_tree, o_layers = ours[key]
        b_lines = [f"{k} = {v}" for k, v in harness._flatten(b_config)]
        o_lines = [f"{k} = {v}" for k, v in harness._flatten(o_config)]
        assert o_lines == b_lines, key
        assert o_tree == b_tree, key
        assert o_layers == b_layers, key
        assert o_config["architecture"] == key.split("/")[1]
        assert o_tree["/info"] == b_tree["/info"]


def test_one_platform_in_a_list_of_one_is_a_plain_image() -> None:
    builtin = oci_images(build_oci(CROSS, "builtin", "linux/arm64")[0])
    ours = oci_images(build_oci(CROSS, "ours", "linux/arm64")[0])
    assert ours.keys() == builtin.keys() == {"linux/arm64"}
    assert ours["linux/arm64"][0] == builtin["linux/arm64"][0]


@pytest.mark.engines("current")
def test_classic_image_store_takes_a_refs_map_of_one() -> None:
    """BUILDKIT_MULTI_PLATFORM returns a refs map even for one platform; the classic
    image store takes it when it holds one image (buildx refuses several itself)."""
    harness.assert_same_build(
        CROSS,
        FILES,
        build_args={"BUILDKIT_MULTI_PLATFORM": "1"},
        flags=["--platform", "linux/arm64"],
    )


def test_oci_layout_context_matches_the_builtin() -> None:
    """``--build-context NAME=oci-layout://DIR@DIGEST``: the same files and config.

    The stored config's digest is left out: ours still writes ``"OnBuild": null``
    (see test_config_parity)."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-oci-") as tmp:
        layout = Path(tmp, "layout")
        data, _ = build_oci(
            "FROM busybox\nRUN echo layer > /from-layout\n", "builtin", "linux/amd64"
        )
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(layout, filter="data")
        (manifest,) = json.loads((layout / "index.json").read_text())["manifests"]
        flags = ["--build-context", f"base=oci-layout://{layout}@{manifest['digest']}"]
        text = "FROM base\nRUN cat /from-layout > /copy\nCOPY hello.txt /\n"
        images = [harness.build(text, FILES, frontend=f, flags=flags) for f in ("builtin", "ours")]
    snapshots = [harness.snapshot(image) for image in images]
    for snap in snapshots:
        snap.config.pop("Descriptor", None)
        snap.config.pop("Size", None)
    assert harness.diff_snapshots(*snapshots, names=("builtin", "ours")) == []
