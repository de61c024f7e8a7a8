"""Git references: which strings name a repository, and the source op that fetches one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.git import GitRefError, git_source, is_git_ref, parse_git_ref
from frontend.llb.graph import OpMeta, SourceOp
from frontend.llb.marshal import digest_of, marshal, ops_of
from tests.support.fake_engine import V08_LLB_CAPS


@pytest.mark.parametrize(
    ("text", "identifier", "remote"),
    [
        ("git://host/repo", "git://host/repo", "git://host/repo"),
        ("git://127.0.0.1:9418/repo#main", "git://127.0.0.1:9418/repo#main", "git://127.0.0.1:9418/repo"),
        ("GIT://host/repo", "git://host/repo", "git://host/repo"),
        ("git://host/a/../b/", "git://host/b", "git://host/a/../b/"),
        ("git://host", "git://host/", "git://host"),
        ("git://[::1]:9418/r", "git://[::1]:9418/r", "git://[::1]:9418/r"),
        ("https://host/o/r.git", "git://host/o/r.git", "https://host/o/r.git"),
        ("http://127.0.0.1:8000/repo.git#v1", "git://127.0.0.1:8000/repo.git#v1", "http://127.0.0.1:8000/repo.git"),
        ("https://user:tok@host/r.git#dev", "git://host/r.git#dev", "https://user:tok@host/r.git"),
        ("https://host/r%20x.git", "git://host/r x.git", "https://host/r%20x.git"),
        ("ssh://git@host:2222/o/r.git#main", "git://host:2222/o/r.git#main", "ssh://git@host:2222/o/r.git"),
        ("git@github.com:o/r.git", "git://github.com/o/r.git", "git@github.com:o/r.git"),
        ("ci-1@git.example:o/r#v2:docs", "git://git.example/o/r#v2:docs", "ci-1@git.example:o/r"),
        ("github.com/o/r", "git://github.com/o/r", "https://github.com/o/r"),
        ("github.com/o/r#main:sub/dir", "git://github.com/o/r#main:sub/dir", "https://github.com/o/r"),
    ],
)  # fmt: skip
def test_identifier_drops_scheme_and_user_and_keeps_the_fragment(
    text: str, identifier: str, remote: str
) -> None:
    ref = parse_git_ref(text)
    assert ref is not None
    assert (ref.identifier, ref.remote) == (identifier, remote)


@pytest.mark.parametrize(
    ("text", "ref", "subdir"),
    [
        ("git://h/r", "", ""),
        ("git://h/r#", "", ""),
        ("git://h/r#main", "main", ""),
        ("git://h/r#refs/tags/v1", "refs/tags/v1", ""),
        ("git://h/r#main:", "main", ""),
        ("git://h/r#:sub", "", "sub"),
        ("git://h/r#main:/a/./b/", "main", "a/b"),
        ("git://h/r#main:../../x", "main", "x"),
        ("git://h/r#main:a:b", "main", "a:b"),
        ("git://h/r#feature%2Fx", "feature/x", ""),
        ("git@h:r.git#main:sub", "main", "sub"),
        ("https://h/r.git?ref=main&subdir=docs", "main", "docs"),
        ("https://h/r.git?tag=v1", "refs/tags/v1", ""),
        ("https://h/r.git?branch=dev", "refs/heads/dev", ""),
        ("https://h/r.git?branch=refs/heads/dev", "refs/heads/dev", ""),
        ("https://h/r.git#main?ref=main", "main?ref=main", ""),
        ("https://h/r.git?ref=main#main:sub", "main", "sub"),
        ("git@h:r.git?tag=v1#:sub", "refs/tags/v1", "sub"),
    ],
)
def test_ref_and_subdir(text: str, ref: str, subdir: str) -> None:
    parsed = parse_git_ref(text)
    assert parsed is not None
    assert (parsed.ref, parsed.subdir) == (ref, subdir)
    suffix = f"#{ref}:{subdir}" if subdir else f"#{ref}" if ref else ""
    assert parsed.identifier.endswith(suffix)


@pytest.mark.parametrize(
    "text",
    [
        "",
        ".",
        "./repo.git",
        "../repo.git",
        "repo",
        "/abs/repo.git",
        "https://host/ctx.tar.gz",
        "https://host/r.git/file",
        "http://build-context-abc",
        "https://host/path?x=.git",
        "ftp://host/r.git",
        "file:///r.git",
        "host:path",
        "git@host",
        "https://host:port/r.git",
        "https://host/r%zz.git",
        "git@h:r.git?a=1;b=2",
        "gitlab.com/o/r",
    ],
)
def test_not_git(text: str) -> None:
    assert parse_git_ref(text) is None
    assert not is_git_ref(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("https://h/r.git?ref=a&ref=b", 'query "ref" has multiple values'),
        ("https://h/r.git?ref=", 'query "ref" has no value'),
        ("https://h/r.git?depth=1", 'unexpected query "depth"'),
        ("https://h/r.git?ref=a#b", 'ref conflicts: "b" vs "a"'),
        ("https://h/r.git?tag=v1&branch=v1", "branch conflicts with tag"),
        ("https://h/r.git?subdir=x#:y", 'subdir conflicts: "y" vs "x"'),
        ("https://h/r.git?keep-git-dir=maybe", 'invalid keep-git-dir value: "maybe"'),
        ("https://h/r.git?mtime=now", 'invalid mtime value: "now"'),
    ],
)
def test_malformed_options(text: str, message: str) -> None:
    with pytest.raises(GitRefError, match=message):
        parse_git_ref(text)
    assert is_git_ref(text)


def test_query_options() -> None:
    ref = parse_git_ref(
        "https://h/r.git?keep-git-dir&submodules=false&commit=abc&mtime=commit&fetch-by-commit=1"
    )
    assert ref is not None
    assert ref.keep_git_dir is True
    assert ref.submodules is False
    assert (ref.checksum, ref.mtime, ref.fetch_by_commit) == ("abc", "commit", True)
    assert ref.identifier == "git://h/r.git"  # the query is not part of the key


def test_bare_github_form_is_marked() -> None:
    bare, full = parse_git_ref("github.com/o/r"), parse_git_ref("https://github.com/o/r.git")
    assert bare is not None and full is not None
    assert bare.bare and not full.bare


def _source(state_output: object) -> SourceOp:
    assert isinstance(state_output, SourceOp)
    return state_output


def test_source_attrs_for_https() -> None:
    ref = parse_git_ref("https://host/o/r.git#main")
    assert ref is not None
    state = git_source(ref, meta=OpMeta(name="[internal] load git source x"))
    assert state.output is not None
    op = _source(state.output.vertex)
    assert op.identifier == "git://host/o/r.git#main"
    assert dict(op.attrs) == {
        "git.fullurl": "https://host/o/r.git",
        "git.authheadersecret": "GIT_AUTH_HEADER",
        "git.authtokensecret": "GIT_AUTH_TOKEN",
    }
    assert [k for k, _ in op.attrs] == sorted(k for k, _ in op.attrs)
    assert op.platform is None and op.meta.name == "[internal] load git source x"


def test_source_attrs_for_ssh_and_options() -> None:
    ref = parse_git_ref("git@host:o/r.git?submodules=0&checksum=abc&mtime=commit&fetch-by-commit")
    assert ref is not None
    state = git_source(replace(ref, keep_git_dir=True))
    assert state.output is not None
    attrs = dict(_source(state.output.vertex).attrs)
    assert attrs["git.fullurl"] == "git@host:o/r.git"
    assert attrs["git.mountsshsock"] == "default"
    assert attrs["git.keepgitdir"] == "true"
    assert attrs["git.skipsubmodules"] == "true"
    assert (attrs["git.checksum"], attrs["git.mtime"], attrs["git.fetchbycommit"]) == (
        "abc",
        "commit",
        "true",
    )


def test_keep_git_dir_false_adds_nothing() -> None:
    ref = parse_git_ref("https://h/r.git?keep-git-dir=false")
    assert ref is not None and ref.keep_git_dir is False
    state = git_source(ref)
    assert state.output is not None
    assert "git.keepgitdir" not in dict(_source(state.output.vertex).attrs)
    assert caps.SOURCE_GIT_KEEP_GIT_DIR not in ref.required_caps()


def test_required_caps() -> None:
    plain = parse_git_ref("git://h/r#main")
    assert plain is not None
    assert plain.required_caps() == (caps.SOURCE_GIT, caps.SOURCE_GIT_FULL_URL)
    sub = parse_git_ref("git@h:r#main:docs")
    assert sub is not None
    assert set(sub.required_caps()) == {
        caps.SOURCE_GIT,
        caps.SOURCE_GIT_FULL_URL,
        caps.SOURCE_GIT_KNOWN_SSH_HOSTS,
        caps.SOURCE_GIT_MOUNT_SSH_SOCK,
        caps.SOURCE_GIT_SUBDIR,
    }


@pytest.mark.parametrize("engine", [LLBCaps(frozenset(V08_LLB_CAPS)), LLBCaps()])
def test_marshalled_like_go(engine: LLBCaps) -> None:
    """A git source is written as Go writes it: no platform, empty constraints."""
    ref = parse_git_ref("git://h/r#main")
    assert ref is not None
    definition = marshal(git_source(ref).output, caps=engine)
    (_, op), _terminal = ops_of(definition)
    assert op.source.identifier == "git://h/r#main"
    assert not op.HasField("platform") and op.HasField("constraints")


def test_same_vertex_as_the_engine_frontend() -> None:
    """The digest Docker 20.10's built-in frontend gave this source (seen in its progress)."""
    ref = parse_git_ref("git://127.0.0.1:42859/ours.git#dev")
    assert ref is not None
    definition = marshal(git_source(ref).output, caps=LLBCaps(frozenset(V08_LLB_CAPS)))
    assert digest_of(getattr(definition, "def")[0]) == (
        "sha256:46a3245213ad428c546e999f95af8a60d3043f227db9d0b439784cec6a1bc62f"
    )
