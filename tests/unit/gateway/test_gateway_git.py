"""Git build contexts: the Dockerfile and the context come from one git source."""

from __future__ import annotations

import json

from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.llb.marshal import digest_of, ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import V08_LLB_CAPS, FakeBridge, gateway_env, serve

DOCKERFILE = b'FROM scratch\nCOPY app /app\nCMD ["app"]\n'
REPO = {"Dockerfile": DOCKERFILE, "app": b"x", ".dockerignore": b"app\n"}


def build(
    opts: dict[str, str],
    files: dict[str, bytes] | None = None,
    *,
    llb_caps: tuple[str, ...] = V08_LLB_CAPS,
    locals_: dict[str, dict[str, bytes]] | None = None,
) -> FakeBridge:
    files = REPO if files is None else files
    fake = FakeBridge(files=files, llb_caps=llb_caps, locals=locals_ or {})
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(opts))
        fake.wait_returned()
    return fake


def _sources(definition: pb.Definition) -> dict[str, pb.SourceOp]:
    ops = [op for _, op in ops_of(definition)]
    return {op.source.identifier: op.source for op in ops if op.HasField("source")}


def _result(fake: FakeBridge) -> pb.Definition:
    ret = fake.return_request
    assert ret is not None and ret.HasField("result"), ret
    assert fake.violations == []
    return list(fake.solved.values())[-1]


def _error(fake: FakeBridge) -> str:
    ret = fake.return_request
    assert ret is not None and ret.HasField("error"), ret
    return ret.error.message


def test_dockerfile_and_context_come_from_the_repository() -> None:
    url = "git://127.0.0.1:9418/repo#main"
    fake = build({"context": url})
    final = _result(fake)
    first = list(fake.solved.values())[0]
    assert list(_sources(first)) == ["git://127.0.0.1:9418/repo#main"]
    (source,) = _sources(final).values()
    assert dict(source.attrs) == {
        "git.fullurl": "git://127.0.0.1:9418/repo",
        "git.authheadersecret": "GIT_AUTH_HEADER",
        "git.authtokensecret": "GIT_AUTH_TOKEN",
    }
    # The build reuses the very op that delivered the Dockerfile (one vertex, one clone).
    loaded = getattr(first, "def")[0]
    assert digest_of(loaded) in {digest for digest, _ in ops_of(final)}
    assert first.metadata[digest_of(loaded)].description["llb.customname"] == (
        f"[internal] load git source {url}"
    )
    ret = fake.return_request
    assert ret is not None
    assert json.loads(ret.result.metadata["containerimage.config"])["config"]["Cmd"] == ["app"]


def test_no_dockerignore_applies_to_a_git_context() -> None:
    fake = build({"context": "https://host/o/r.git"})
    final = _result(fake)
    assert all(not s.identifier.startswith("local://") for s in _sources(final).values())
    read = [req.FilePath for req in fake.requests("ReadFile")]  # type: ignore[attr-defined]
    assert read == ["Dockerfile"]  # .dockerignore is never read, let alone applied


def test_op_bytes_follow_the_engine_field_order() -> None:
    fake = build({"context": "git://h/r#main"})
    first = list(fake.solved.values())[0]
    raw = getattr(first, "def")[0]
    op = pb.Op.FromString(raw)
    assert raw == op.SerializeToString(deterministic=True)  # gogo order on a v0.8 engine


def test_keep_git_dir_build_arg() -> None:
    for value, kept in (("1", True), ("true", True), ("false", False), ("yes", False)):
        fake = build(
            {"context": "git://h/r#main", "build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR": value}
        )
        (source,) = _sources(_result(fake)).values()
        assert (dict(source.attrs).get("git.keepgitdir") == "true") is kept, value


def test_keep_git_dir_in_the_url() -> None:
    fake = build({"context": "https://h/r.git?ref=main&keep-git-dir=true"})
    (source,) = _sources(_result(fake)).values()
    assert source.identifier == "git://h/r.git#main"
    assert dict(source.attrs)["git.keepgitdir"] == "true"


def test_another_dockerfile_name_and_the_lowercase_fallback() -> None:
    fake = build(
        {"context": "git://h/r", "filename": "build/app.Dockerfile"},
        {"build/app.Dockerfile": DOCKERFILE, "app": b"x"},
    )
    _result(fake)
    fake = build({"context": "git://h/r"}, {"dockerfile": DOCKERFILE, "app": b"x"})
    _result(fake)


def test_dockerfilekey_reads_the_dockerfile_from_the_client() -> None:
    fake = build(
        {"context": "git://h/r#main", "dockerfilekey": "dockerfile"},
        {"app": b"x"},
        locals_={"dockerfile": {"Dockerfile": b'FROM scratch\nCOPY app /app\nCMD ["local"]\n'}},
    )
    final = _result(fake)
    first = list(fake.solved.values())[0]
    assert list(_sources(first)) == ["local://dockerfile"]
    assert list(_sources(final)) == ["git://h/r#main"]
    ret = fake.return_request
    assert ret is not None
    assert json.loads(ret.result.metadata["containerimage.config"])["config"]["Cmd"] == ["local"]


def test_subdir_on_an_engine_with_the_cap() -> None:
    fake = build(
        {"context": "git@h:o/r.git#v1:docs"}, llb_caps=(*V08_LLB_CAPS, "source.git.subdir")
    )
    (source,) = _sources(_result(fake)).values()
    assert source.identifier == "git://h/o/r.git#v1:docs"
    assert dict(source.attrs)["git.mountsshsock"] == "default"


def test_subdir_on_an_older_engine_is_a_clear_error() -> None:
    fake = build({"context": "git://h/r#main:docs"})
    message = _error(fake)
    assert "source.git.subdir" in message and "BuildKit 0.9" in message
    assert fake.count("Solve") == 0


def test_newer_options_need_their_caps() -> None:
    fake = build({"context": "https://h/r.git?submodules=false"})
    assert "source.git.skipsubmodules" in _error(fake)
    fake = build(
        {"context": "https://h/r.git?submodules=false"},
        llb_caps=(*V08_LLB_CAPS, "source.git.skipsubmodules"),
    )
    (source,) = _sources(_result(fake)).values()
    assert dict(source.attrs)["git.skipsubmodules"] == "true"


def test_malformed_git_options_are_an_error() -> None:
    fake = build({"context": "https://h/r.git?depth=1"})
    assert 'unexpected query "depth"' in _error(fake)


def test_missing_dockerfile_in_the_repository() -> None:
    fake = build({"context": "git://h/r#main"}, {"app": b"x"})
    assert "failed to read dockerfile: open Dockerfile: no such file" in _error(fake)
