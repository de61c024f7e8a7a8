"""``RUN --mount``: the exec's mounts, as Docker's frontend writes them.

The end-to-end tests compare the resulting images with the engine's own
frontend; these pin the LLB fields (whose bytes matched that frontend's on
BuildKit 0.8 for cache, tmpfs, secret, ssh and stage mounts).
"""

from __future__ import annotations

import pytest

from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import Compile

V08 = LLBCaps(frozenset(V08_LLB_CAPS))
OLDEST = LLBCaps(frozenset(V08_LLB_CAPS) - {caps.EXEC_MOUNT_BIND_READWRITE_NOOUTPUT})


def execs(definition: pb.Definition) -> list[pb.ExecOp]:
    return [op.exec for _, op in ops_of(definition) if op.HasField("exec")]


def last_exec(compile_text: Compile, text: str, **options: object) -> pb.ExecOp:
    return execs(compile_text(text, **options).definition)[-1]


def test_filesystem_mounts_are_sorted_then_secrets_then_ssh(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nRUN --mount=type=ssh --mount=type=secret,id=b,target=/b "
        "--mount=type=cache,target=/z --mount=type=tmpfs,target=/a "
        "--mount=type=secret,id=a,target=/a2 true\n",
    )
    agent = "/run/buildkit/ssh_agent.0"
    assert [m.dest for m in run.mounts] == ["/", "/a", "/z", "/b", "/a2", agent]
    assert "SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0" in run.meta.env


def test_cache_mount(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nWORKDIR /w\nRUN --mount=type=cache,target=rel,sharing=locked true\n",
    )
    cache = run.mounts[1]
    assert (cache.dest, cache.input, cache.output, cache.readonly) == ("/w/rel", -1, -1, False)
    assert cache.mountType == pb.CACHE
    assert (cache.cacheOpt.ID, cache.cacheOpt.sharing) == ("/rel", pb.LOCKED)


def test_cache_namespace_and_id(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nRUN --mount=type=cache,target=/c,id=go true\n",
        build_args={"BUILDKIT_CACHE_MOUNT_NS": "proj"},
    )
    assert run.mounts[1].cacheOpt.ID == "proj/go"


def test_cache_owner_makes_a_directory_first(compile_text: Compile) -> None:
    result = compile_text(
        "FROM busybox\nRUN --mount=type=cache,target=/c,uid=1000,gid=2,mode=0700 true\n"
    )
    files = [op.file for _, op in ops_of(result.definition) if op.HasField("file")]
    mkdirs = [a.mkdir for f in files for a in f.actions]
    assert [(m.path, m.mode, m.owner.user.byID, m.owner.group.byID) for m in mkdirs] == [
        ("/cache", 0o700, 1000, 2)
    ]
    cache = execs(result.definition)[-1].mounts[1]
    assert (cache.selector, cache.input) == ("/cache", 1)


def test_bind_mounts(compile_text: Compile) -> None:
    result = compile_text(
        "FROM busybox AS s\nFROM busybox\n"
        "RUN --mount=source=dir,target=/ctx --mount=from=s,source=/x,target=/st,rw true\n"
    )
    run = execs(result.definition)[-1]
    ctx, stage = run.mounts[1], run.mounts[2]
    assert (ctx.dest, ctx.selector, ctx.readonly, ctx.output) == ("/ctx", "/dir", True, -1)
    assert (stage.dest, stage.selector, stage.readonly, stage.output) == ("/st", "/x", False, -1)
    local = next(op.source for _, op in ops_of(result.definition) if op.HasField("source")
                 and op.source.identifier == "local://context")  # fmt: skip
    assert local.attrs["local.followpaths"] == '["dir"]'


def test_rw_bind_gets_an_output_without_the_nooutput_cap(compile_text: Compile) -> None:
    run = last_exec(compile_text, "FROM busybox\nRUN --mount=target=/m,rw true\n", llb_caps=OLDEST)
    assert run.mounts[1].output == 1


def test_secret_and_ssh_options(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nRUN --mount=type=secret,target=/etc/tok,required,mode=0440,uid=1,gid=2 "
        "--mount=type=ssh,id=key,target=/agent,mode=0666 true\n",
    )
    secret, ssh = run.mounts[1], run.mounts[2]
    # no input (-1), as the Go client writes it since BuildKit 0.16; output unset
    assert (secret.input, secret.output, secret.dest) == (-1, 0, "/etc/tok")
    assert (ssh.input, ssh.output) == (-1, 0)
    opt = secret.secretOpt
    assert (opt.ID, opt.uid, opt.gid, opt.mode, opt.optional) == ("tok", 1, 2, 0o440, False)
    assert (ssh.SSHOpt.ID, ssh.SSHOpt.mode, ssh.SSHOpt.optional) == ("key", 0o666, True)
    assert "SSH_AUTH_SOCK=/agent" in run.meta.env


def test_secret_and_ssh_mounts_leave_input_unset_on_old_engines(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nRUN --mount=type=secret,id=s --mount=type=ssh true\n",
        llb_caps=V08,
    )
    assert [(m.input, m.output) for m in run.mounts[1:]] == [(0, 0), (0, 0)]
    assert not run.meta.removeMountStubsRecursive


def test_ssh_socket_env_is_for_that_step_only(compile_text: Compile) -> None:
    first, second = execs(
        compile_text("FROM busybox\nRUN --mount=type=ssh true\nRUN true\n").definition
    )
    assert any(e.startswith("SSH_AUTH_SOCK=") for e in first.meta.env)
    assert not any(e.startswith("SSH_AUTH_SOCK=") for e in second.meta.env)


def test_tmpfs_size_needs_an_engine_that_takes_it(compile_text: Compile) -> None:
    text = "FROM busybox\nRUN --mount=type=tmpfs,target=/t,size=1m true\n"
    assert last_exec(compile_text, text).mounts[1].TmpfsOpt.size == 1 << 20
    with pytest.raises(DockerfileError, match="exec.mount.tmpfs.size: a tmpfs size needs BuildKit"):
        compile_text(text, llb_caps=V08)


def test_secret_as_env_only(compile_text: Compile) -> None:
    run = last_exec(compile_text, "FROM busybox\nRUN --mount=type=secret,id=t,env=TOKEN true\n")
    assert [m.dest for m in run.mounts] == ["/"]
    assert [(e.ID, e.name, e.optional) for e in run.secretenv] == [("t", "TOKEN", True)]
    assert not any(e.startswith("TOKEN=") for e in run.meta.env)


def test_secret_as_env_and_file(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nRUN --mount=type=secret,id=t,env=TOKEN,target=/tok,required true\n",
    )
    assert [(e.ID, e.name, e.optional) for e in run.secretenv] == [("t", "TOKEN", False)]
    secret = run.mounts[1]
    assert (secret.dest, secret.mountType, secret.secretOpt.ID) == ("/tok", pb.SECRET, "t")
    assert (secret.secretOpt.mode, secret.secretOpt.optional) == (0o400, False)


def test_secret_env_id_from_the_target_and_variables(compile_text: Compile) -> None:
    run = last_exec(
        compile_text,
        "FROM busybox\nARG V=TOKEN\nRUN --mount=type=secret,source=s,env=$V true\n",
    )
    assert [(e.ID, e.name) for e in run.secretenv] == [("s", "TOKEN")]


def test_secret_env_needs_an_engine_that_takes_it(compile_text: Compile) -> None:
    text = "FROM busybox\nRUN --mount=type=secret,id=t,env=TOKEN true\n"
    with pytest.raises(DockerfileError) as info:
        compile_text(text, llb_caps=V08)
    assert info.value.line == 2
    assert "exec.secretenv" in info.value.message
    assert "BuildKit v0.10 or newer" in info.value.message


def test_variables_in_mount_options(compile_text: Compile) -> None:
    run = last_exec(
        compile_text, "FROM busybox\nARG DIR=/cache\nRUN --mount=type=cache,target=$DIR true\n"
    )
    assert run.mounts[1].dest == "/cache"


def test_a_stage_read_only_through_a_mount_is_built(compile_text: Compile) -> None:
    result = compile_text(
        "FROM busybox AS tools\nRUN echo tools\nFROM busybox AS unused\nRUN echo unused\n"
        "FROM busybox\nRUN --mount=from=tools,target=/t true\n"
    )
    commands = [run.meta.args[-1] for run in execs(result.definition)]
    assert commands == ["echo tools", "true"]
    assert result.plan.reachable == frozenset({0, 2})


@pytest.mark.parametrize(
    ("mount", "message"),
    [
        ("type=cache,target=/", 'invalid mount target "/"'),
        ("type=ssh,source=x", "ssh does not support source"),
    ],
)
def test_errors(compile_text: Compile, mount: str, message: str) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text(f"FROM busybox\nRUN --mount={mount} true\n")
    assert message in str(info.value)
    assert info.value.line == 2


def test_devices_are_left_out_on_engines_without_cdi(compile_text: Compile) -> None:
    """As Docker's frontend: the step runs without them."""
    run = last_exec(
        compile_text, "FROM busybox\nRUN --device=vendor.com/gpu=0 true\n", llb_caps=V08
    )
    assert run.meta.args[-1] == "true"
    with pytest.raises(DockerfileError, match="RUN --device is not supported yet"):
        compile_text("FROM busybox\nRUN --device=vendor.com/gpu=0 true\n")
