"""The library's ``serve``/``run``, and the example TOML frontend, against a fake engine."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

from frontend import llb
from frontend.gateway import BuildContext, BuildError, BuildFunction, Result
from frontend.gateway.api import run
from frontend.gateway.bridge import Bridge
from frontend.gateway.errors import decode_json_detail
from frontend.llb.marshal import ops_of
from frontend.pb import gateway_pb2
from tests.support.fake_engine import V08_LLB_CAPS, FakeBridge, gateway_env, serve

ROOT = Path(__file__).resolve().parents[3]


def frontend_run(
    build: BuildFunction,
    opts: Mapping[str, str] | None = None,
    *,
    llb_caps: tuple[str, ...] = V08_LLB_CAPS,
    **files: bytes,
) -> tuple[FakeBridge, gateway_pb2.ReturnRequest]:
    fake = FakeBridge(
        llb_caps=llb_caps,
        locals={"dockerfile": {"spec.toml": files.pop("spec", b"")}, "context": dict(files)},
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), build, gateway_env({"filename": "spec.toml", **(opts or {})}))
        returned = fake.wait_returned()
    assert fake.violations == []
    assert fake.count("Return") == 1
    return fake, returned


def test_state_result_is_solved_and_returned() -> None:
    def build(ctx: BuildContext) -> llb.State:
        assert ctx.build_args == {"NAME": "x"}
        assert str(ctx.platform) == "linux/amd64"
        return llb.scratch().file(llb.Mkfile("/name", ctx.build_args["NAME"].encode()))

    fake, returned = frontend_run(build, {"build-arg:NAME": "x"})
    assert returned.HasField("result") and returned.result.ref.id in fake.solved
    kinds = [op.WhichOneof("op") for _, op in ops_of(fake.solved[returned.result.ref.id])]
    assert kinds == ["file", None]


def test_result_config_is_the_image_config() -> None:
    def build(ctx: BuildContext) -> Result:
        return Result(llb.scratch(), config={"config": {"Cmd": ["/x"]}})

    _, returned = frontend_run(build)
    config = json.loads(returned.result.metadata["containerimage.config"])
    assert config == {"config": {"Cmd": ["/x"]}}
    assert not returned.result.ref.id  # scratch: no filesystem to solve


def test_several_platforms_build_once_each() -> None:
    seen: list[str] = []

    def build(ctx: BuildContext) -> Result:
        seen.append(str(ctx.platform))
        ctx.read_build_file()
        state = llb.scratch().file(llb.Mkfile("/arch", ctx.platform.architecture.encode()))
        return Result(state, config={"architecture": ctx.platform.architecture})

    fake, returned = frontend_run(build, {"platform": "linux/amd64,linux/arm64"}, spec=b"x")
    assert seen == ["linux/amd64", "linux/arm64"]
    refs = returned.result.refs.refs
    assert sorted(refs) == ["linux/amd64", "linux/arm64"]
    assert all(ref.id in fake.solved for ref in refs.values())
    metadata = returned.result.metadata
    assert json.loads(metadata["containerimage.config/linux/arm64"]) == {"architecture": "arm64"}
    platforms = json.loads(metadata["refs.platforms"])["Platforms"]
    assert [p["ID"] for p in platforms] == ["linux/amd64", "linux/arm64"]
    reads = [r.FilePath for r in fake.requests("ReadFile")]  # type: ignore[attr-defined]
    assert reads.count("spec.toml") == 1  # the build file is read once


def test_build_error_shows_the_lines_of_the_build_file() -> None:
    def build(ctx: BuildContext) -> llb.State:
        raise BuildError("no good", source=ctx.read_build_file(), lines=[(2, 2)])

    _, returned = frontend_run(build, spec=b"a = 1\nb = ?\n")
    assert returned.error.message == "no good"
    (detail,) = returned.error.details
    _, source = decode_json_detail(detail)
    assert source["info"]["filename"] == "spec.toml"
    assert [(r["start"]["line"], r["end"]["line"]) for r in source["ranges"]] == [(2, 2)]


def test_a_missing_build_file_is_named_as_such() -> None:
    def build(ctx: BuildContext) -> llb.State:
        ctx.read_build_file()
        raise AssertionError("read a file that is not there")

    fake = FakeBridge(llb_caps=V08_LLB_CAPS, locals={"dockerfile": {}, "context": {}})
    with serve(fake) as server:
        run(Bridge(server.channel()), build, gateway_env({"filename": "spec.toml"}))
        returned = fake.wait_returned()
    assert returned.error.message.startswith("failed to read the build file: ")
    assert "spec.toml" in returned.error.message


def test_merge_on_an_engine_without_mergeop_is_a_clear_error() -> None:
    def build(ctx: BuildContext) -> llb.State:
        a = llb.scratch().file(llb.Mkfile("/a", b""))
        b = llb.scratch().file(llb.Mkfile("/b", b""))
        return llb.merge([a, b])

    _, returned = frontend_run(build)
    assert returned.error.message == (
        "the build engine does not support mergeop (BuildKit v0.10 or later)"
    )
    _, ok = frontend_run(build, llb_caps=(*V08_LLB_CAPS, "mergeop"))
    assert ok.HasField("result")


def test_an_unexpected_exception_still_returns_once() -> None:
    def build(ctx: BuildContext) -> llb.State:
        raise KeyError("boom")

    _, returned = frontend_run(build)
    assert "KeyError" in returned.error.message


def test_subrequests_are_unsupported() -> None:
    _, returned = frontend_run(llb.scratch.__call__, {"requestid": "frontend.outline"})  # type: ignore[arg-type]
    assert returned.error.message == "unsupported request frontend.outline"


# -- the example frontend ---------------------------------------------------------


@pytest.fixture(scope="module")
def tomlfrontend() -> ModuleType:
    path = ROOT / "examples" / "tomlfrontend" / "tomlfrontend.py"
    spec = importlib.util.spec_from_file_location("tomlfrontend", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("tomlfrontend", module)
    spec.loader.exec_module(module)
    return module


SPEC = b"""\
# syntax=myorg/tomlfrontend
base = "busybox"
env = { GREETING = "hi" }
workdir = "/app"
run = ["echo $GREETING > greeting"]
entrypoint = ["/bin/cat", "/app/greeting"]

[files]
"/app/motd" = "welcome"

[[copy]]
src = "hello.txt"
dest = "/app/"
"""


def test_example_builds_a_spec(tomlfrontend: ModuleType) -> None:
    fake, returned = frontend_run(tomlfrontend.build, spec=SPEC, **{"hello.txt": b"hello"})
    config = json.loads(returned.result.metadata["containerimage.config"])
    assert config["config"]["Entrypoint"] == ["/bin/cat", "/app/greeting"]
    assert config["config"]["WorkingDir"] == "/app"
    assert "GREETING=hi" in config["config"]["Env"]
    definition = fake.solved[returned.result.ref.id]
    ops = ops_of(definition)
    (run_op,) = [op for _, op in ops if op.HasField("exec")]
    assert run_op.exec.meta.args == ["/bin/sh", "-c", "echo $GREETING > greeting"]
    assert run_op.exec.meta.cwd == "/app"
    sources = sorted(op.source.identifier for _, op in ops if op.HasField("source"))
    assert sources[0].startswith("docker-image://docker.io/library/busybox:latest@sha256:")
    assert sources[1] == "local://context"
    # the command's op points at its line of the spec
    (info,) = definition.Source.infos
    assert info.filename == "spec.toml" and info.language == "TOML"


def test_example_bad_toml_names_the_line(tomlfrontend: ModuleType) -> None:
    _, returned = frontend_run(tomlfrontend.build, spec=b'base = "busybox"\nrun = [\n')
    assert returned.error.message.startswith("invalid spec: ")
    _, source = decode_json_detail(returned.error.details[0])
    assert source["ranges"][0]["start"]["line"] == 2  # the end of the file
