"""LLB marshalling: canonical bytes, digests, dedupe, terminal op."""

from __future__ import annotations

import hashlib

from frontend.llb import state as llb
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import Chown, Copy, Mkdir, Mount, MountType, OpMeta
from frontend.llb.marshal import SourceFile, canonical_op_bytes, marshal, ops_of
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform
from tests.support.fake_engine import V08_LLB_CAPS

AMD64 = Platform("linux", "amd64")
BUSYBOX = "docker.io/library/busybox:latest"


def defs(d: pb.Definition) -> list[bytes]:
    return list(getattr(d, "def"))


def test_go_canonical_field_order_puts_oneof_last() -> None:
    op = pb.Op(source=pb.SourceOp(identifier="docker-image://x"))
    op.platform.CopyFrom(pb.Platform(OS="linux", Architecture="amd64"))
    op.constraints.SetInParent()
    data = canonical_op_bytes(op)
    # platform (field 10), constraints (11), then the oneof (3)
    assert data[0] == (10 << 3) | 2
    assert data.index(b"\x5a\x00") < data.index(b"\x1a")
    parsed = pb.Op()
    parsed.ParseFromString(data)
    assert parsed == op


def test_pinned_digest_of_canonical_image_op() -> None:
    """Wire drift in the image source op must be caught at once."""
    root = llb.image(BUSYBOX, platform=AMD64)
    first = defs(marshal(root.output))[0]
    # platform (10), empty constraints (11), then source (3) = identifier (1)
    assert first == (
        b"R\x0e\n\x05amd64\x12\x05linuxZ\x00\x1a1\n/docker-image://docker.io/library/busybox:latest"
    )
    assert hashlib.sha256(first).hexdigest() == (
        "e1432b8e2054abb034451c15f0a8ad49d07f5892ca266016226fec77e95d20a0"
    )


def test_gogo_field_order_for_engines_before_0_17() -> None:
    """Docker 20.10's own frontend (BuildKit 0.8, gogo) wrote this op with this digest
    for a context downloaded from the URL below (seen in its build progress)."""
    url = "http://build-context-oc7den4obsv2dgwyhbi09tvrd"
    root = llb.http(url, filename="context")
    (first, terminal) = defs(marshal(root.output, caps=LLBCaps(frozenset(V08_LLB_CAPS))))
    assert first.startswith(b"\x1a")  # the oneof (3) first, then constraints (11)
    assert hashlib.sha256(first).hexdigest() == (
        "54316a528fd6ad7cf2f77e0e284aeea25d0836d842fed878c60da9aaad8f3256"
    )
    assert defs(marshal(root.output))[0] != first


def test_terminal_op_is_last_and_points_at_root() -> None:
    root, _ = llb.image(BUSYBOX, platform=AMD64).run(["true"])
    d = marshal(root.output)
    ops = ops_of(d)
    digests = {dg for dg, _ in ops}
    terminal = ops[-1][1]
    assert terminal.WhichOneof("op") is None
    assert len(terminal.inputs) == 1
    assert terminal.inputs[0].digest in digests
    for _, op in ops:
        for inp in op.inputs:
            assert inp.digest in digests


def test_shared_base_is_emitted_once() -> None:
    base = llb.image(BUSYBOX, platform=AMD64)
    a, _ = base.run(["echo", "a"])
    b, _ = base.run(["echo", "b"])
    final = llb.scratch(AMD64).file(Copy(a.output, "/a", "/a"), Copy(b.output, "/b", "/b"))
    ops = ops_of(marshal(final.output))
    sources = [op for _, op in ops if op.WhichOneof("op") == "source"]
    assert len(sources) == 1
    # two separately built but identical image ops also collapse
    again = llb.image(BUSYBOX, platform=AMD64)
    c, _ = again.run(["echo", "a"])
    final2 = final.file(Copy(c.output, "/c", "/c"))
    ops2 = ops_of(marshal(final2.output))
    assert sum(op.WhichOneof("op") == "source" for _, op in ops2) == 1
    assert sum(op.WhichOneof("op") == "exec" for _, op in ops2) == 2


def test_marshal_is_deterministic() -> None:
    def build() -> pb.Definition:
        st = llb.image(BUSYBOX, platform=AMD64).with_env("A", "1").with_dir("/src")
        st, _ = st.run(["/bin/sh", "-c", "echo hi"], meta=OpMeta(name="RUN", ranges=((3, 4),)))
        ctx = llb.local("context", session_id="s", follow_paths=["a", "b"])
        st = st.file(Copy(ctx.output, "/a", "/dst/", owner=Chown.parse("app:1")))
        return marshal(st.output, source=SourceFile("Dockerfile", b"FROM x\n"))

    assert build().SerializeToString(deterministic=True) == build().SerializeToString(
        deterministic=True
    )


def test_file_chain_uses_relative_indexes() -> None:
    base = llb.image(BUSYBOX, platform=AMD64)
    ctx = llb.local("context")
    st = base.file(Mkdir("/x", make_parents=True), Copy(ctx.output, "/f", "/x/f"))
    ops = ops_of(marshal(st.output))
    file_op = next(op for _, op in ops if op.WhichOneof("op") == "file")
    first, second = file_op.file.actions
    assert (first.input, first.secondaryInput, first.output) == (0, -1, -1)
    # inputs are [base, context]; action 1 reads action 0's result: index 2 + 0
    assert (second.input, second.secondaryInput, second.output) == (2, 1, 0)


def test_scratch_result_is_empty_definition() -> None:
    assert defs(marshal(None)) == []


def test_exec_root_mount_and_env() -> None:
    st = llb.image(BUSYBOX, platform=AMD64).with_env("A", "1").with_env("B", "2").with_env("A", "3")
    root, _ = st.with_user("app").run(["id"])
    ops = ops_of(marshal(root.output))
    exec_op = next(op for _, op in ops if op.WhichOneof("op") == "exec").exec
    assert list(exec_op.meta.env) == ["B=2", "A=3"]
    assert exec_op.meta.user == "app"
    assert exec_op.meta.cwd == "/"
    (mount,) = exec_op.mounts
    assert (mount.input, mount.dest, mount.output) == (0, "/", 0)


def test_source_locations_recorded() -> None:
    st, _ = llb.image(BUSYBOX, platform=AMD64).run(["true"], meta=OpMeta(ranges=((2, 3),)))
    d = marshal(st.output, source=SourceFile("Dockerfile", b"FROM busybox\nRUN true\n"))
    assert d.Source.infos[0].filename == "Dockerfile"
    image, run = (d.Source.locations[digest] for digest, _ in ops_of(d)[:2])
    assert not image.locations  # listed, as Go lists every op, with no location
    assert run.locations[0].ranges[0].start.line == 2


V08 = LLBCaps(frozenset(V08_LLB_CAPS))


def test_ops_are_shaped_like_the_engines_go_client() -> None:
    """Newest: remove mount stubs, no platform on file ops, sockets without input, an
    empty TmpfsOpt; BuildKit 0.8 wrote none of these."""
    base = llb.image(BUSYBOX, platform=AMD64)
    run, _ = base.file(Mkdir("/d")).run(
        ["true"],
        mounts=[
            Mount(dest="/t", type=MountType.TMPFS),
            Mount(dest="/run/secrets/s", type=MountType.SECRET, secret_id="s"),
        ],
    )
    for engine, new in ((LLBCaps(), True), (V08, False)):
        ops = dict(ops_of(marshal(run.output, caps=engine)))
        (exec_op,) = [op for op in ops.values() if op.HasField("exec")]
        (file_op,) = [op for op in ops.values() if op.HasField("file")]
        assert exec_op.exec.meta.removeMountStubsRecursive is new
        assert file_op.HasField("platform") is not new
        tmpfs, secret = exec_op.exec.mounts[1], exec_op.exec.mounts[2]
        assert tmpfs.HasField("TmpfsOpt") is new
        assert secret.input == (-1 if new else 0)


def test_metadata_lists_the_caps_the_engine_checks() -> None:
    run, _ = llb.image(BUSYBOX, platform=AMD64).run(["true"], meta=OpMeta(name="x"))
    d = marshal(run.output)
    (image, exec_, terminal) = [d.metadata[digest] for digest, _ in ops_of(d)]
    assert set(image.caps) == {"source.image"}
    assert set(exec_.caps) == {
        "exec.meta.base",
        "exec.meta.setsdefaultpath",
        "exec.mount.bind",
    }
    assert set(terminal.caps) == {"constraints", "platform", "meta.description"}
    # an engine without a cap never sees it required
    old = marshal(run.output, caps=LLBCaps(frozenset({"exec.meta.base"})))
    assert [set(md.caps) for md in old.metadata.values() if "exec.meta.base" in md.caps] == [
        {"exec.meta.base"}
    ]


def test_a_shared_op_keeps_every_location_and_merges_metadata() -> None:
    first = llb.image(BUSYBOX, platform=AMD64, meta=OpMeta(name="a", ranges=((1, 1),)))
    second = llb.image(BUSYBOX, platform=AMD64, meta=OpMeta(name="b", ranges=((5, 5),)))
    merged = llb.merge([first, second.file(Mkdir("/x"))])
    d = marshal(merged.output, source=SourceFile("Dockerfile", b""))
    digest = ops_of(d)[0][0]
    spans = [[r.start.line for r in loc.ranges] for loc in d.Source.locations[digest].locations]
    assert spans == [[1], [5]]
    assert d.metadata[digest].description["llb.customname"] == "b"
