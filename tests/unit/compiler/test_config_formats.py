"""The exact image config bytes each generation of Docker's frontend writes.

Each ``config_formats/<case>.Dockerfile`` is compiled for an Engine 20.10
(BuildKit v0.8 caps), a Docker 28.5 (v0.25 caps) and an offline build (every
cap: the newest frontend); ``<case>.<generation>.json`` holds the bytes
expected. To update after a deliberate change: ``UPDATE_GOLDEN=1`` this file,
then read the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from frontend.compiler.convert import compile_dockerfile
from frontend.compiler.imageformat import ImageFormat, image_format
from frontend.compiler.options import BuildOptions
from frontend.compiler.ports import parse_ports
from frontend.compiler.request import BuildRequest
from frontend.errors import DockerfileError
from frontend.llb.caps import LLBCaps
from frontend.platform import WINDOWS_PATH, Platform
from frontend.syntax import parse
from tests.support.fake_engine import V025_LLB_CAPS, V08_LLB_CAPS
from tests.unit.compiler.conftest import AMD64, Compile, Resolver, image_config

CASES = Path(__file__).parent / "config_formats"
ENGINES = {
    "v0.8": LLBCaps(frozenset(V08_LLB_CAPS)),
    "v0.25": LLBCaps(frozenset(V025_LLB_CAPS)),
    "newest": LLBCaps(),
}
DOCKERFILES = sorted(p.name.removesuffix(".Dockerfile") for p in CASES.glob("*.Dockerfile"))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", DOCKERFILES)
def test_config_bytes(compile_text: Compile, case: str, engine: str) -> None:
    text = (CASES / f"{case}.Dockerfile").read_text()
    result = compile_text(text, llb_caps=ENGINES[engine], build_args={"B": "given"})
    expected = CASES / f"{case}.{engine}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not expected.exists():
        expected.write_bytes(result.config_json + b"\n")
    assert result.config_json + b"\n" == expected.read_bytes()


def test_release_lines() -> None:
    assert ENGINES["v0.8"].release == (0, 8)
    assert ENGINES["v0.25"].release == (0, 25)
    assert LLBCaps().release == ImageFormat().line
    assert ImageFormat().line >= (0, 30)
    assert image_format(ENGINES["v0.25"]) == ImageFormat((0, 25))


def test_base_fields_the_newer_config_type_drops_or_keeps(
    compile_text: Compile, resolver: Resolver
) -> None:
    """Since v0.13 the frontend reads a base config into moby's image type: StopTimeout is
    lost, os.version kept, and the base history written back with its known keys only."""
    base = json.loads(image_config(StopTimeout=5))
    base["os.version"] = "10.0"
    base["history"] = [{"extra": 1, "created_by": "x", "created": "2024-01-01T00:00:00Z"}]
    resolver.configs["docker.io/library/base:latest"] = json.dumps(base).encode()
    old, new = (
        json.loads(compile_text("FROM base\n", llb_caps=ENGINES[engine]).config_json)
        for engine in ("v0.8", "v0.25")
    )
    assert old["config"]["StopTimeout"] == 5 and "StopTimeout" not in new["config"]
    assert "os.version" not in old and new["os.version"] == "10.0"
    assert old["history"] == base["history"]
    assert new["history"] == [{"created": "2024-01-01T00:00:00Z", "created_by": "x"}]
    assert list(new["history"][0]) == ["created", "created_by"]


def test_stage_args_in_run_history(compile_text: Compile) -> None:
    text = "FROM busybox AS base\nARG X=1\nFROM base\nARG X\nRUN true\n"
    runs = {
        engine: json.loads(compile_text(text, llb_caps=caps).config_json)["history"][-1]
        for engine, caps in ENGINES.items()
    }
    assert runs["v0.8"]["created_by"] == "RUN |1 X=1 /bin/sh -c true # buildkit"
    assert runs["v0.25"]["created_by"] == "RUN |1 X=1 /bin/sh -c true # buildkit"
    newer = {"file.symlink.create", "exec.meta.cdi", "source.git.checksum",
             "source.git.skipsubmodules", "source.image.checksum"}  # fmt: skip
    v017 = LLBCaps(frozenset(V025_LLB_CAPS) - newer)
    assert v017.release == (0, 17)
    history = json.loads(compile_text(text, llb_caps=v017).config_json)["history"]
    assert history[-1]["created_by"] == "RUN |2 X=1 X=1 /bin/sh -c true # buildkit"


@pytest.mark.parametrize(
    ("spec", "result"),
    [
        ("80/tcp/x", 'invalid port: "80/tcp/x": invalid proto: tcp/x'),
        ("1-2-3", "invalid containerPort: 1-2-3"),
        ("+80", ["80/tcp"]),
        ("80-80/UDP", ["80/udp"]),
        ("::1:80:80", ["80/tcp"]),
        ("fe80::1%eth0:80:80", "invalid IP address: fe80::1%eth0"),
        ("[::1:80:80", "invalid IP address [::1: address [::1:: missing ']' in address"),
        ("/tcp", 'invalid port: "/tcp": no port specified'),
        (":81", ["81/tcp"]),
    ],
)
def test_strict_port_specs(spec: str, result: str | list[str]) -> None:
    if isinstance(result, list):
        assert parse_ports(spec, strict=True) == result
    else:
        with pytest.raises(DockerfileError) as info:
            parse_ports(spec, strict=True)
        assert info.value.message == result


SHARED = """\
FROM base AS parent
LABEL p=1
FROM parent AS sibling
LABEL s=1 p=2
EXPOSE 81
FROM scratch AS own
FROM own AS own-child
VOLUME /c
FROM parent
COPY --from=sibling / /
COPY --from=own-child / /
VOLUME /v
"""


@pytest.mark.parametrize(("engine", "shared"), [("v0.8", True), ("v0.25", True), ("newest", False)])
def test_stages_share_label_and_port_maps_up_to_v029(
    compile_text: Compile, resolver: Resolver, engine: str, shared: bool
) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(ExposedPorts={})
    config = json.loads(compile_text(SHARED, llb_caps=ENGINES[engine]).config_json)["config"]
    if shared:  # the sibling wrote into the maps the target holds; "own-child" made its own
        assert config["Labels"] == {"p": "2", "s": "1"}
        assert config["ExposedPorts"] == {"81/tcp": {}}
    else:
        assert config["Labels"] == {"p": "1"}
        assert "ExposedPorts" not in config
    assert config["Volumes"] == {"/v": {}}


@pytest.mark.parametrize(("engine", "env"), [("v0.8", ["PATH=" + WINDOWS_PATH]), ("v0.25", None)])
def test_windows_images_get_a_path_before_v022(
    resolver: Resolver, engine: str, env: list[str] | None
) -> None:
    windows = Platform("windows", "amd64")
    options = BuildOptions(BuildRequest(build_platform=AMD64, llb_caps=ENGINES[engine]), windows)
    result = compile_dockerfile(parse("FROM scratch\nUSER app\n"), options, resolver)
    assert json.loads(result.config_json)["config"].get("Env") == env
