"""The public names of ``frontend.llb`` and ``frontend.gateway``, and the ops only they reach."""

from __future__ import annotations

import pytest

import frontend.gateway
from frontend import llb
from frontend.llb.marshal import ops_of

PUBLIC_LLB = {
    "CacheSharing", "Chown", "Copy", "Definition", "ExecOp", "FileAction", "HostIP", "LLBCaps",
    "MissingCapError", "Mkdir", "Mkfile", "Mount", "MountType", "NetMode", "OpMeta", "Output",
    "Platform", "ProgressGroup", "Rm", "SecretEnv", "SecurityMode", "SourceFile", "State",
    "Symlink", "Ulimit", "UserRef", "diff", "digest_of", "dump", "git", "http", "image", "local",
    "marshal", "merge", "scratch",
}  # fmt: skip
"""Removing or renaming one of these is a major version change (docs/library.md)."""

PUBLIC_GATEWAY = {"BuildContext", "BuildError", "BuildFunction", "Result", "serve"}


def test_public_names_are_exactly_the_exported_ones() -> None:
    assert set(llb.__all__) == PUBLIC_LLB
    assert set(frontend.gateway.__all__) == PUBLIC_GATEWAY
    for module in (llb, frontend.gateway):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_the_gateway_package_loads_its_names_lazily() -> None:
    with pytest.raises(AttributeError):
        _ = frontend.gateway.no_such_name  # type: ignore[attr-defined]


def test_image_references_are_normalised() -> None:
    (_, op), _ = ops_of(llb.marshal(llb.image("alpine:3.20").output))
    assert op.source.identifier == "docker-image://docker.io/library/alpine:3.20"
    with pytest.raises(ValueError, match="invalid reference format"):
        llb.image("Alpine")


def test_rm_and_symlink_actions() -> None:
    state = llb.scratch().file(
        llb.Mkfile("/a", b"x"), llb.Symlink("a", "/b"), llb.Rm("/c", allow_not_found=True)
    )
    definition = llb.marshal(state.output)
    (digest, op), _ = ops_of(definition)
    kinds = [a.WhichOneof("action") for a in op.file.actions]
    assert kinds == ["mkfile", "symlink", "rm"]
    assert (op.file.actions[1].symlink.oldpath, op.file.actions[1].symlink.newpath) == ("a", "/b")
    assert op.file.actions[2].rm.allowNotFound
    assert "file.symlink.create" in definition.metadata[digest].caps
    old_engine = llb.LLBCaps(frozenset({"file.base"}))
    with pytest.raises(llb.MissingCapError, match=r"file.symlink.create \(BuildKit v0.19"):
        llb.marshal(state.output, caps=old_engine)


def test_diff_inputs_follow_go() -> None:
    base = llb.image("busybox")
    upper = base.file(llb.Mkfile("/new", b""))
    diff = llb.diff(base, upper)
    ops = dict(ops_of(llb.marshal(diff.output)))
    (op,) = [op for op in ops.values() if op.HasField("diff")]
    assert (op.diff.lower.input, op.diff.upper.input) == (0, 1)
    assert not op.HasField("platform")
    assert llb.diff(llb.scratch(), upper) is upper
    with pytest.raises(llb.MissingCapError, match="diffop"):
        llb.marshal(diff.output, caps=llb.LLBCaps(frozenset()))


def test_git_by_url_with_overrides() -> None:
    state = llb.git("https://example.com/r.git#main:docs", ref="v1", keep_git_dir=True)
    (_, op), _ = ops_of(llb.marshal(state.output))
    assert op.source.identifier == "git://example.com/r.git#v1:docs"
    assert op.source.attrs["git.keepgitdir"] == "true"
    with pytest.raises(ValueError, match="not a Git repository"):
        llb.git("./here")


def test_state_setters_are_immutable() -> None:
    base = llb.scratch()
    changed = (
        base.with_network(llb.NetMode.NONE).with_hostname("h").with_extra_host("db", "1.2.3.4")
    )
    assert (base.network, base.hostname, base.extra_hosts) == (llb.NetMode.SANDBOX, "", ())
    assert changed.extra_hosts == (llb.HostIP("db", "1.2.3.4"),)
    assert changed.with_platform(llb.Platform.parse("linux/arm64")).platform == llb.Platform(
        "linux", "arm64"
    )
