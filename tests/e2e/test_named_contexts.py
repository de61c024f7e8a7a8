"""Named contexts (``--build-context``): both frontends give the same image."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import harness

# The containerd image store's inspect shows the config digest, which differs while
# our configs carry "OnBuild": null (see test_config_parity); the classic store compares.
pytestmark = [pytest.mark.e2e, pytest.mark.engines("current")]

FILES = {"hello.txt": "hello\n", "sub/a.txt": "a\n", "sub/b.tmp": "b\n"}


@pytest.fixture
def extra_dir() -> Iterator[Path]:
    """A directory for ``--build-context name=DIR``, with a ``.dockerignore``."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-ctx-") as tmp:
        root = Path(tmp)
        for name, text in {**FILES, ".dockerignore": "*.tmp\nsub/*.tmp\n"}.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        yield root


def test_docker_image_context_replaces_a_base_image() -> None:
    harness.assert_same_build(
        'FROM alpine\nCOPY hello.txt /hello.txt\nCMD ["cat", "/hello.txt"]\n',
        FILES,
        flags=["--build-context", "alpine=docker-image://busybox:latest"],
    )


def test_docker_image_context_replaces_a_stage() -> None:
    harness.assert_same_build(
        "FROM scratch AS tools\nCOPY hello.txt /never\n"
        "FROM scratch\nCOPY --from=tools /bin/busybox /bin/busybox\n",
        FILES,
        flags=["--build-context", "tools=docker-image://busybox:latest"],
    )


def test_local_context_for_copy_from(extra_dir: Path) -> None:
    harness.assert_same_build(
        "FROM scratch\nCOPY --from=extra /sub /sub\nCOPY --from=extra hello.txt /h\n",
        FILES,
        flags=["--build-context", f"extra={extra_dir}"],
    )


def test_local_context_as_a_base_and_a_stage(extra_dir: Path) -> None:
    harness.assert_same_build(
        "FROM busybox AS data\nRUN exit 1\n"
        "FROM busybox\nCOPY --from=data / /data/\nRUN ls -R /data > /listing\n",
        FILES,
        flags=["--build-context", f"data={extra_dir}"],
    )


def test_mount_from_a_context(extra_dir: Path) -> None:
    harness.assert_same_build(
        "FROM busybox\nRUN --mount=from=extra,target=/x cat /x/hello.txt > /copied\n",
        FILES,
        flags=["--build-context", f"extra={extra_dir}"],
    )


def _bake(frontend: harness.Frontend) -> str:
    """``docker buildx bake app``, where app's ``base`` context is the target base
    (buildx passes it as a frontend input, with its image config as input metadata)."""
    app = "FROM base\nRUN cat /base > /copy && env | grep FROM_BASE > /env\nCOPY hello.txt /\n"
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-bake-") as tmp:
        root = Path(tmp)
        (root / "Dockerfile.base").write_text(
            "FROM busybox\nENV FROM_BASE=1\nWORKDIR /work\nRUN echo base > /base\n"
        )
        (root / "Dockerfile").write_text(harness.dockerfile_for(app, frontend))
        (root / "hello.txt").write_text("hello\n")
        (root / "docker-bake.hcl").write_text(
            'target "base" {\n  dockerfile = "Dockerfile.base"\n}\n'
            'target "app" {\n  contexts = { base = "target:base" }\n}\n'
        )
        meta = root / "meta.json"
        proc = harness.run_docker(
            [harness.DOCKER, "buildx", "bake", "--progress=plain", "--metadata-file", str(meta)]
            + ["app"],
            cwd=root,
        )
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        image = str(json.loads(meta.read_text())["app"]["containerimage.config.digest"])
    harness.remove_at_session_end(image)
    return image


def test_bake_target_context_is_a_frontend_input() -> None:
    harness.assert_same_image(_bake("builtin"), _bake("ours"))


def test_image_context_source_is_the_builtins_op() -> None:
    """The image a docker-image context names is the same op (same digest) as the
    built-in frontend's: unpinned, with the build's platform."""
    text = "FROM alpine\nCOPY hello.txt /hello.txt\n"
    flags = ["--build-context", "alpine=docker-image://busybox:latest", "--progress=rawjson"]
    name = "[context alpine] busybox:latest"
    digests = [
        harness.vertex_digests(harness.run_build(text, FILES, frontend=f, flags=flags).log, name)
        for f in ("builtin", "ours")
    ]
    assert len(digests[0]) == 1 and digests[0] == digests[1]
