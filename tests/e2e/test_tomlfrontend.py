"""examples/tomlfrontend: a frontend written with the library, as its own image,
building a TOML spec that ``-f`` names (``# syntax=`` on its first line)."""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from .harness import (
    ENGINES,
    FRONTEND_IMAGE,
    REPO,
    TESTDATA_IMAGE,
    Build,
    build_command,
    raw_config,
    remove_at_session_end,
    run_docker,
    run_image,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.engines(*ENGINES),
    pytest.mark.docker_only("the example is built with `docker build -f spec.toml`"),
]

TOML_IMAGE = os.environ.get(
    "TOMLFRONTEND_IMAGE", FRONTEND_IMAGE.replace("pyfrontend", "tomlfrontend", 1)
)
PYTHON_IMAGE = os.environ.get("PYTHON_STANDIN_IMAGE", "pyfrontend/python-standin:3.11")

SPEC = f"""\
base = "busybox"
env = {{ GREETING = "hello from TOML" }}
workdir = "/app"
run = [
  "echo \\"$GREETING\\" > greeting",
  "cat /opt/testdata/hello.txt motd context.txt > all",
]
entrypoint = ["/bin/cat", "/app/all", "/app/greeting"]

[files]
"/app/motd" = "written by the spec\\n"

[[copy]]
src = "context.txt"
dest = "/app/"

[[copy]]
from = "{TESTDATA_IMAGE}"
src = "/data/hello.txt"
dest = "/opt/testdata/"
"""


@pytest.fixture(scope="module")
def toml_frontend() -> str:
    """The example's image, built on the frontend image of this session."""
    proc = run_docker(
        [
            *build_command()[:1],
            "build",
            "-t",
            TOML_IMAGE,
            "--build-arg",
            f"FRONTEND_IMAGE={FRONTEND_IMAGE}",
            "--build-arg",
            f"PYTHON_IMAGE={PYTHON_IMAGE}",
            str(REPO / "examples" / "tomlfrontend"),
        ]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return TOML_IMAGE


def build_spec(frontend: str, spec: str, files: Mapping[str, str]) -> Build:
    """``docker [buildx] build -f spec.toml .`` in a fresh directory."""
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp)
        (root / "spec.toml").write_text(f"# syntax={frontend}\n{spec}")
        for name, text in files.items():
            (root / name).write_text(text)
        iidfile = root / "iid"
        cmd = [*build_command(), "--progress=plain", "--iidfile", str(iidfile)]
        proc = run_docker([*cmd, "-f", "spec.toml", "."], cwd=root)
        if proc.returncode != 0:
            return Build(proc.returncode, None, proc.stdout + proc.stderr)
        image = iidfile.read_text().strip()
        remove_at_session_end(image)
        return Build(0, image, proc.stdout + proc.stderr)


def test_spec_builds_an_image_that_runs(toml_frontend: str) -> None:
    result = build_spec(toml_frontend, SPEC, {"context.txt": "from the context\n"})
    assert result.ok and result.image, result.log
    out = run_image(result.image)
    assert out == ("hello from testdata\nwritten by the spec\nfrom the context\nhello from TOML\n")
    config = raw_config(result.image)["config"]
    assert "GREETING=hello from TOML" in config["Env"]
    assert any(e.startswith("PATH=") for e in config["Env"])  # from the base image
    assert config["Entrypoint"] == ["/bin/cat", "/app/all", "/app/greeting"]
    assert config["WorkingDir"] == "/app"


def test_failing_command_names_its_spec_line(toml_frontend: str) -> None:
    spec = 'base = "busybox"\nrun = [\n  "true",\n  "exit 3",\n]\n'
    result = build_spec(toml_frontend, spec, {})
    assert not result.ok
    # line 5 of spec.toml: the syntax line comes first
    assert "spec.toml:5" in result.log, result.log


def test_bad_toml_is_a_clear_error(toml_frontend: str) -> None:
    result = build_spec(toml_frontend, 'base = "busybox"\nrun = [\n', {})
    assert not result.ok
    assert "invalid spec" in result.log, result.log


@pytest.mark.engines("current-containerd")
def test_spec_for_several_platforms(toml_frontend: str) -> None:
    """One image per platform, in one OCI index (no command runs: the engine cannot
    run other architectures here)."""
    spec = 'entrypoint = ["/hello"]\n[files]\n"/hello" = "hi"\n'
    with tempfile.TemporaryDirectory(prefix="pyfrontend-e2e-") as tmp:
        root = Path(tmp)
        (root / "spec.toml").write_text(f"# syntax={toml_frontend}\n{spec}")
        out = root / "out.tar"
        cmd = [*build_command(), "--progress=plain", "--provenance=false", "-f", "spec.toml"]
        cmd += ["--platform", "linux/amd64,linux/arm64", "--output", f"type=oci,dest={out}", "."]
        proc = run_docker(cmd, cwd=root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        with tarfile.open(out) as tar:

            def blob(digest: str) -> Any:
                member = tar.extractfile("blobs/sha256/" + digest.removeprefix("sha256:"))
                assert member is not None
                return json.load(member)

            index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
            (top,) = index["manifests"]
            inner = blob(top["digest"])["manifests"] if "index" in top["mediaType"] else [top]
            configs = {
                m["platform"]["architecture"]: blob(blob(m["digest"])["config"]["digest"])
                for m in inner
            }
    assert sorted(configs) == ["amd64", "arm64"]
    assert {c["architecture"] for c in configs.values()} == {"amd64", "arm64"}
    assert all(c["config"]["Entrypoint"] == ["/hello"] for c in configs.values())
