"""Where the build context and the Dockerfile come from: frontend inputs,
``contextsubdir``, and the ops that load them (as Docker's frontend writes them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.llb.marshal import digest_of, ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import (
    V08_GATEWAY_CAPS,
    V08_LLB_CAPS,
    FakeBridge,
    gateway_env,
    serve,
    source_definition,
)

DOCKERFILE = b"FROM scratch\nCOPY app /app\n"


def build(
    opts: Mapping[str, str] | None = None,
    *,
    inputs: Mapping[str, pb.Definition] | None = None,
    gateway_caps: Sequence[str] = V08_GATEWAY_CAPS,
    llb_caps: Sequence[str] = V08_LLB_CAPS,
    files: Mapping[str, bytes] | None = None,
    dockerfile: bytes = DOCKERFILE,
) -> FakeBridge:
    fake = FakeBridge(
        gateway_caps=gateway_caps,
        llb_caps=llb_caps,
        locals={
            "dockerfile": {"Dockerfile": dockerfile},
            "context": {"app": b"local"},
            "input-ctx": {"app": b"input"},
            "input-df": {"Dockerfile": b"FROM scratch\nCOPY app /from-input\n"},
        },
        files=files or {},
        inputs=inputs or {},
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(dict(opts or {})))
        fake.wait_returned()
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    assert fake.violations == []
    return fake


def _final(fake: FakeBridge) -> list[pb.Op]:
    return [op for _, op in ops_of(list(fake.solved.values())[-1])]


def _sources(fake: FakeBridge) -> set[str]:
    return {op.source.identifier for op in _final(fake) if op.HasField("source")}


def _copies(fake: FakeBridge) -> list[pb.FileActionCopy]:
    return [a.copy for op in _final(fake) if op.HasField("file") for a in op.file.actions]


def _solved_sources(fake: FakeBridge) -> list[str]:
    return [
        op.source.identifier
        for d in fake.solved.values()
        for _, op in ops_of(d)
        if op.HasField("source")
    ]


def test_context_from_a_frontend_input() -> None:
    fake = build(inputs={"context": source_definition("local://input-ctx")})
    assert fake.count("Inputs") == 1
    assert _sources(fake) == {"local://input-ctx"}
    # the Dockerfile still comes from the client; no .dockerignore is read for an input
    assert _solved_sources(fake).count("local://dockerfile") == 1
    assert "local://context" not in _solved_sources(fake)


def test_an_input_context_that_is_a_second_output_of_its_op() -> None:
    """A Go client's input: the mount at /out of a RUN (output 1 of the exec op)."""
    image = pb.Op(source=pb.SourceOp(identifier="docker-image://docker.io/library/busybox:latest"))
    image_bytes = image.SerializeToString(deterministic=True)
    mounts = [pb.Mount(input=0, dest="/"), pb.Mount(input=-1, dest="/out", output=1)]
    exec_op = pb.Op(
        inputs=[pb.Input(digest=digest_of(image_bytes))],
        exec=pb.ExecOp(meta=pb.Meta(args=["true"], cwd="/"), mounts=mounts),
    )
    exec_bytes = exec_op.SerializeToString(deterministic=True)
    terminal = pb.Op(inputs=[pb.Input(digest=digest_of(exec_bytes), index=1)])
    context = pb.Definition()
    for raw in (image_bytes, exec_bytes, terminal.SerializeToString()):
        getattr(context, "def").append(raw)
        context.metadata[digest_of(raw)].SetInParent()
    fake = build(inputs={"context": context})
    (copy,) = [op for op in _final(fake) if op.HasField("file")]
    assert [(i.digest, i.index) for i in copy.inputs] == [(digest_of(exec_bytes), 1)]


def test_dockerfile_from_a_frontend_input() -> None:
    fake = build(inputs={"dockerfile": source_definition("local://input-df")})
    assert "local://dockerfile" not in _solved_sources(fake)
    assert [c.dest for c in _copies(fake)] == ["/from-input"]
    assert "local://context" in _sources(fake)


def test_nil_inputs_are_refused() -> None:
    for inputs in (
        {"context": pb.Definition(), "dockerfile": pb.Definition()},
        {"context": pb.Definition()},
    ):
        fake = FakeBridge(locals={"dockerfile": {"Dockerfile": DOCKERFILE}}, inputs=inputs)
        with serve(fake) as server:
            run(Bridge(server.channel()), gateway_env({}))
            fake.wait_returned()
        ret = fake.return_request
        assert ret is not None and ret.HasField("error")
        assert ret.error.message.endswith(": invalid nil input definition to definition op")


def test_a_named_dockerfile_source_is_not_taken_from_the_inputs() -> None:
    fake = build(
        {"dockerfilekey": "dockerfile"},
        inputs={"dockerfile": source_definition("local://input-df")},
    )
    assert [c.dest for c in _copies(fake)] == ["/app"]


def test_no_inputs_without_the_cap() -> None:
    caps = [c for c in V08_GATEWAY_CAPS if c != "frontend.inputs"]
    fake = build(inputs={"context": source_definition("local://input-ctx")}, gateway_caps=caps)
    assert fake.count("Inputs") == 0
    assert "local://context" in _sources(fake)


def test_contextsubdir_scopes_an_input_context() -> None:
    fake = build(
        {"contextsubdir": "./sub/dir/"},
        inputs={"context": source_definition("local://input-ctx")},
    )
    scoped = [c for c in _copies(fake) if c.dirCopyContents and c.dest == "/"]
    assert [c.src for c in scoped] == ["/sub/dir"]


def test_contextsubdir_scopes_a_git_context_not_its_dockerfile() -> None:
    fake = build(
        {"context": "https://example.com/repo.git", "contextsubdir": "sub", "filename": "sub/df"},
        files={"sub/df": DOCKERFILE},
    )
    scoped = [c for c in _copies(fake) if c.dirCopyContents and c.dest == "/"]
    assert [c.src for c in scoped] == ["/sub"]
    assert any(s.startswith("git://") for s in _sources(fake))


def test_contextsubdir_is_ignored_for_the_clients_directory() -> None:
    fake = build({"contextsubdir": "sub"})
    assert [c.src for c in _copies(fake)] == ["/app"]


def _local_attrs(fake: FakeBridge, name: str) -> Mapping[str, str]:
    first = next(
        op
        for d in fake.solved.values()
        for _, op in ops_of(d)
        if op.HasField("source") and op.source.identifier == f"local://{name}"
    )
    return dict(first.source.attrs)


def test_dockerfile_loads_with_the_differ_where_the_engine_has_it() -> None:
    old = build()
    assert "local.differ" not in _local_attrs(old, "dockerfile")
    assert "local.differ" not in _local_attrs(old, "context")
    new = build(llb_caps=(*V08_LLB_CAPS, "source.local.differ"))
    assert _local_attrs(new, "dockerfile")["local.differ"] == "none"
    assert _local_attrs(new, "context")["local.differ"] == "none"


def test_local_session_of_the_dockerfile() -> None:
    fake = build({"local-sessionid:dockerfile": "other-session"})
    assert _local_attrs(fake, "dockerfile")["local.session"] == "other-session"
    assert _local_attrs(fake, "context")["local.session"] == "fake-session"


def test_local_session_of_the_context() -> None:
    fake = build({"local-sessionid:context": "client-session"})
    assert _local_attrs(fake, "context")["local.session"] == "client-session"
    assert _local_attrs(fake, "dockerfile")["local.session"] == "fake-session"


def test_warnings_name_the_dockerfile_source_op() -> None:
    fake = build(
        gateway_caps=(*V08_GATEWAY_CAPS, "gateway.warnings"),
        llb_caps=(*V08_LLB_CAPS, "source.local.differ"),
        dockerfile=b"FROM scratch\ncopy app /app\nCOPY app /b\n",
    )
    (source,) = {
        raw
        for d in fake.solved.values()
        for raw in getattr(d, "def")
        if pb.Op.FromString(raw).source.identifier == "local://dockerfile"
    }
    warns = fake.requests("Warn")
    assert [w.short for w in warns] == [  # type: ignore[attr-defined]
        b"ConsistentInstructionCasing: Command 'copy' should match the case of the command"
        b" majority (uppercase) (line 2)"
    ]
    assert {w.digest for w in warns} == {digest_of(source)}  # type: ignore[attr-defined]
