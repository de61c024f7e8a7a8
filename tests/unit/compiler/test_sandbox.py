"""Sandbox options (``ulimit``, ``shm-size``, ``cgroup-parent``, ``hostname``) and
build args RUN steps never see."""

from __future__ import annotations

import pytest

from frontend.compiler.options import BuildOptions
from frontend.compiler.request import parse_request, parse_shm_size, parse_ulimits
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import Ulimit
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import AMD64, Compile

V08 = LLBCaps(frozenset(V08_LLB_CAPS))
V010 = LLBCaps(
    frozenset(V08_LLB_CAPS)
    | {caps.EXEC_META_ULIMIT, caps.EXEC_META_CGROUP_PARENT, caps.EXEC_MOUNT_TMPFS_SIZE}
)


def options(opts: dict[str, str], engine: LLBCaps | None = None) -> BuildOptions:
    return BuildOptions(parse_request(opts, build_platform=AMD64, llb_caps=engine), AMD64)


def run_of(compile_text: Compile, opts: dict[str, str], engine: LLBCaps | None = None) -> pb.ExecOp:
    o = options(opts, engine)
    result = compile_text(
        "FROM busybox\nRUN true\n",
        ulimits=o.request.ulimits,
        shm_size=o.request.shm_size,
        cgroup_parent=o.request.cgroup_parent,
        hostname=o.request.hostname,
        llb_caps=o.request.llb_caps,
    )
    return [op.exec for _, op in ops_of(result.definition) if op.HasField("exec")][-1]


def test_ulimits_parse_as_docker_does() -> None:
    assert parse_ulimits("nofile=1024:2048,nproc=-1,core=0") == (
        Ulimit("nofile", 1024, 2048),
        Ulimit("nproc", -1, -1),
        Ulimit("core", 0, 0),
    )
    assert parse_ulimits("") == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nofile", "invalid ulimit argument: nofile"),
        ("files=1", "invalid ulimit type: files"),
        ("nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two"),
        ("nofile=3:2", "soft limit must be less than or equal to hard limit: 3 > 2"),
        ("nofile=-1:2", "soft: -1 (unlimited), hard: 2"),
        ("nofile=x", 'strconv.ParseInt: parsing "x": invalid syntax'),
    ],
)
def test_bad_ulimits(text: str, message: str) -> None:
    with pytest.raises(DockerfileError) as info:
        parse_ulimits(text)
    assert info.value.message.startswith("failed to parse ulimit: ")
    assert message in info.value.message


def test_shm_size() -> None:
    assert parse_shm_size("") == 0
    assert parse_shm_size("67108864") == 64 << 20
    with pytest.raises(DockerfileError, match='failed to parse shm size: .*"64m": invalid syntax'):
        parse_shm_size("64m")


def test_sandbox_options_on_a_current_engine(compile_text: Compile) -> None:
    run = run_of(
        compile_text,
        {"ulimit": "nofile=10:20", "shm-size": "1048576", "cgroup-parent": "cg", "hostname": "h"},
    )
    assert [(u.Name, u.Soft, u.Hard) for u in run.meta.ulimit] == [("nofile", 10, 20)]
    assert run.meta.cgroupParent == "cg"
    assert run.meta.hostname == "h"
    shm = next(m for m in run.mounts if m.dest == "/dev/shm")
    assert (shm.mountType, shm.TmpfsOpt.size, shm.input, shm.output) == (pb.TMPFS, 1 << 20, -1, -1)


def test_sandbox_options_dropped_where_the_engine_lacks_them(compile_text: Compile) -> None:
    """As Docker's frontend: silently, so Engine 20.10's own shm-size/ulimit options still build."""
    opts = {"ulimit": "nofile=10:20", "shm-size": "1048576", "cgroup-parent": "cg"}
    plain = run_of(compile_text, {}, V08)
    assert run_of(compile_text, opts, V08) == plain
    assert run_of(compile_text, {"shm-size": "0"}, V010) == run_of(compile_text, {}, V010)


def test_sandbox_hostname_build_arg_wins() -> None:
    opts = {"hostname": "a", "build-arg:BUILDKIT_SANDBOX_HOSTNAME": "b"}
    assert options(opts).request.hostname == "b"
    opts = {"hostname": "a", "build-arg:BUILDKIT_SANDBOX_HOSTNAME": ""}
    assert options(opts).request.hostname == "a"


def test_sbom_scan_args_stay_out_of_the_run_env(compile_text: Compile) -> None:
    result = compile_text(
        "FROM busybox\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nARG BUILDKIT_SBOM_SCAN_CONTEXT\n"
        "ARG OTHER=1\nRUN true\n",
        build_args={"BUILDKIT_SBOM_SCAN_CONTEXT": "true"},
    )
    (run,) = [op.exec for _, op in ops_of(result.definition) if op.HasField("exec")]
    assert not any(e.startswith("BUILDKIT_SBOM") for e in run.meta.env)
    assert "OTHER=1" in run.meta.env
    # the history still lists them, as Docker's frontend writes it
    assert result.image.history[-1].created_by.startswith(
        "RUN |3 BUILDKIT_SBOM_SCAN_STAGE=true BUILDKIT_SBOM_SCAN_CONTEXT=true OTHER=1 "
    )


def test_sbom_scan_args_stay_in_the_env_on_engine_20_10(compile_text: Compile) -> None:
    """Its frontend (BuildKit 0.8) predates attestations and passes them on like any ARG."""
    result = compile_text(
        "FROM busybox\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nRUN true\n", llb_caps=V08
    )
    (run,) = [op.exec for _, op in ops_of(result.definition) if op.HasField("exec")]
    assert "BUILDKIT_SBOM_SCAN_STAGE=true" in run.meta.env
