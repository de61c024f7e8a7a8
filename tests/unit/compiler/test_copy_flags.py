"""COPY/ADD flags: --link, --exclude, --parents, --checksum, --unpack, git sources."""

from __future__ import annotations

import json

import pytest

from frontend.compiler import copyadd
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import Compile

V08 = LLBCaps(frozenset(V08_LLB_CAPS))
V09 = LLBCaps(
    frozenset(V08_LLB_CAPS) | {caps.FILE_COPY_INCLUDE_EXCLUDE_PATTERNS, caps.SOURCE_GIT_SUBDIR}
)
SHA = "sha256:" + "ab" * 32


def ops(result_def: pb.Definition) -> list[tuple[str, pb.Op]]:
    return ops_of(result_def)


def copies(result_def: pb.Definition) -> list[pb.FileActionCopy]:
    return [
        a.copy
        for _, op in ops(result_def)
        if op.HasField("file")
        for a in op.file.actions
        if a.HasField("copy")
    ]


def source_op(result_def: pb.Definition, prefix: str) -> pb.SourceOp:
    return next(
        op.source
        for _, op in ops(result_def)
        if op.HasField("source") and op.source.identifier.startswith(prefix)
    )


def history(compiled: object) -> list[str]:
    return [h["created_by"] for h in json.loads(compiled.config_json)["history"]]  # type: ignore[attr-defined]


def fails(compile_text: Compile, text: str, **options: object) -> DockerfileError:
    with pytest.raises(DockerfileError) as info:
        compile_text(text, **options)
    return info.value


# --------------------------------------------------------------------------- --link


def test_link_with_mergeop_merges_a_copy_onto_scratch(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nCOPY --link --chown=app a.txt /dst/\n")
    by_digest = dict(ops(result.definition))
    ((merge_digest, merge),) = [(d, op) for d, op in by_digest.items() if op.HasField("merge")]
    assert [i.input for i in merge.merge.inputs] == [0, 1]
    assert not merge.HasField("platform")
    base, layer = (by_digest[i.digest] for i in merge.inputs)
    assert base.source.identifier.startswith("docker-image://docker.io/library/busybox")
    (action,) = layer.file.actions
    assert (action.input, action.secondaryInput, action.output) == (-1, 0, 0)
    assert action.copy.src == "/a.txt" and action.copy.dest == "/dst/"
    # a named owner is looked up in the action's own input: scratch, as Go writes it
    assert action.copy.owner.user.byName == pb.NamedUserOpt(name="app", input=-1)
    assert not layer.HasField("platform")  # file ops carry none since BuildKit 0.12

    meta = result.definition.metadata
    layer_digest = next(d for d, op in by_digest.items() if op.HasField("file"))
    assert (
        meta[layer_digest].description["llb.customname"]
        == "[2/2] COPY --link --chown=app a.txt /dst/"
    )
    assert meta[merge_digest].description["llb.customname"] == (
        "[2/2] LINK COPY --link --chown=app a.txt /dst/"
    )
    group, merge_group = meta[layer_digest].progress_group, meta[merge_digest].progress_group
    assert group.id == merge_group.id and group.name == merge_group.name
    assert (group.weak, merge_group.weak) == (True, False)
    assert history(result)[-1] == "COPY --chown=app a.txt /dst/ # buildkit"
    assert (
        result.definition
        == compile_text("FROM busybox\nCOPY --link --chown=app a.txt /dst/\n").definition
    )


def test_link_falls_back_to_a_plain_copy(compile_text: Compile) -> None:
    for text, engine in [
        ("FROM busybox\nCOPY --link a.txt /dst/\nADD --link b.tar /b/\n", V08),
        ("FROM busybox\nCOPY --link a.txt /dst/\nADD b.tar /b/\n", V09),
    ]:
        plain = compile_text("FROM busybox\nCOPY a.txt /dst/\nADD b.tar /b/\n", llb_caps=engine)
        linked = compile_text(text, llb_caps=engine)
        assert getattr(linked.definition, "def") == getattr(plain.definition, "def")
        assert history(linked) == history(plain)


def test_link_with_chmod_is_a_plain_copy(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nCOPY --link --chmod=640 a.txt /dst/\n")
    assert not any(op.HasField("merge") for _, op in ops(result.definition))
    assert copies(result.definition)[0].mode == 0o640


def test_link_on_scratch_needs_no_merge(compile_text: Compile) -> None:
    result = compile_text("FROM scratch\nCOPY --link a.txt /\n")
    assert not any(op.HasField("merge") for _, op in ops(result.definition))
    assert len(copies(result.definition)) == 1


def test_link_keeps_the_stage_defaults(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nWORKDIR /app\nCOPY --link a.txt .\nRUN ls\n")
    (run,) = [op.exec for _, op in ops(result.definition) if op.HasField("exec")]
    assert run.meta.cwd == "/app"
    assert copies(result.definition)[-1].dest == "/app/"


# --------------------------------------------------------------------------- --exclude / --parents


def test_exclude_patterns_apply_to_every_source(compile_text: Compile) -> None:
    text = "FROM busybox\nCOPY --exclude=*.log --exclude=tmp/ a b <<EOF /dst/\nx\nEOF\n"
    result = compile_text(text)
    found = [list(c.exclude_patterns) for c in copies(result.definition) if c.dest == "/dst/"]
    assert found == [["*.log", "tmp/"]] * 3
    assert history(result)[-1] == "COPY a b <<EOF /dst/ # buildkit"


def test_add_exclude_applies_to_urls(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nADD --exclude=x https://h/f.txt /d/\n")
    assert list(copies(result.definition)[0].exclude_patterns) == ["x"]


@pytest.mark.parametrize(
    ("text", "feature"),
    [
        ("FROM busybox\nCOPY --exclude=*.log . /\n", "COPY --exclude"),
        ("FROM busybox\nADD --exclude=*.log . /\n", "ADD --exclude"),
        ("FROM busybox\nCOPY --parents a/b /\n", "COPY --parents"),
    ],
)
def test_patterns_need_their_cap(compile_text: Compile, text: str, feature: str) -> None:
    error = fails(compile_text, text, llb_caps=V08)
    assert error.message == (
        "unknown API capability file.copy.includeexcludepatterns: "
        f"{feature} needs BuildKit v0.9 or newer"
    )
    assert error.line == 2


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("dir/./sub/y.txt", ("/dir", ["sub/y.txt"], ["/dir/sub/y.txt"])),
        ("dir/sub/y.txt", ("/", ["dir/sub/y.txt"], ["/dir/sub/y.txt"])),
        ("./dir/sub", ("/", ["dir/sub"], ["/dir/sub"])),
        ("dir/./*/y.txt", ("/dir", ["*/y.txt"], [])),
        ("d[ab]/./x", ("/d[ab]", ["x"], [])),
        ("a/./b/./c", ("/a", ["b/c"], ["/a/b/c"])),
    ],
)
def test_parents_pivot(
    compile_text: Compile, src: str, expected: tuple[str, list[str], list[str]]
) -> None:
    result = compile_text(f"FROM busybox\nCOPY --parents {src} /p/\n")
    (copy,) = copies(result.definition)
    assert (copy.src, list(copy.include_patterns), list(copy.required_paths)) == expected
    assert copy.dest == "/p/" and copy.dirCopyContents and copy.allowWildcard
    assert history(result)[-1] == f"COPY --parents {src} /p/ # buildkit"


def test_parents_without_required_paths_cap(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nCOPY --parents a/b /p/\n", llb_caps=V09)
    (copy,) = copies(result.definition)
    assert list(copy.include_patterns) == ["a/b"] and not copy.required_paths


def test_parents_context_paths(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nCOPY --parents dir/./sub/y.txt /p/\n")
    local = source_op(result.definition, "local://context")
    assert json.loads(local.attrs["local.followpaths"]) == ["dir/sub/y.txt"]


# --------------------------------------------------------------------------- ADD URLs


def test_add_checksum_sets_the_http_attr(compile_text: Compile) -> None:
    result = compile_text(
        f"FROM busybox\nARG SUM={SHA}\nADD --checksum=$SUM https://h/x/f.tgz /d/\n"
    )
    http = source_op(result.definition, "https://")
    assert dict(http.attrs) == {"http.checksum": SHA, "http.filename": "f.tgz"}
    (copy,) = copies(result.definition)
    assert (copy.src, copy.attemptUnpackDockerCompatibility) == ("/f.tgz", False)
    assert history(result)[-1] == "ADD https://h/x/f.tgz /d/ # buildkit"


@pytest.mark.parametrize(
    ("flags", "sources", "message"),
    [
        ("--checksum=" + SHA, "a.txt", "checksum requires HTTP(S) or Git sources"),
        (
            "--checksum=" + SHA,
            "https://h/a https://h/b",
            "checksum can't be specified for multiple sources",
        ),
        ("--checksum=sha256:abc", "https://h/a", "invalid checksum digest length"),
        ("--checksum=sha256:" + "AB" * 32, "https://h/a", "invalid checksum digest format"),
        ("--checksum=md5:abc", "https://h/a", "unsupported digest algorithm"),
        ("--checksum=abc", "https://h/a", "invalid checksum digest format"),
        ("--checksum=Sha256:abc", "https://h/a", "invalid checksum digest format"),
    ],
)
def test_bad_checksums(compile_text: Compile, flags: str, sources: str, message: str) -> None:
    error = fails(compile_text, f"FROM busybox\nADD {flags} {sources} /d/\n")
    assert (error.message, error.line) == (message, 2)


def test_checksum_needs_its_cap(compile_text: Compile) -> None:
    engine = LLBCaps(frozenset(V08_LLB_CAPS) - {caps.SOURCE_HTTP_CHECKSUM})
    error = fails(
        compile_text, f"FROM busybox\nADD --checksum={SHA} https://h/a /d\n", llb_caps=engine
    )
    assert error.message.startswith("unknown API capability source.http.checksum")


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("https://h/a/b.txt?x=1#frag", "b.txt"),
        ("https://h/dir/", "dir"),
        ("https://h", "__unnamed__"),
        ("https://h/", "__unnamed__"),
        ("https://h/a%20b.txt", "a b.txt"),
        ("https://h/a/.", "__unnamed__"),
    ],
)
def test_url_filename(url: str, filename: str) -> None:
    assert copyadd.url_filename(url) == filename


def test_unpack_flag(compile_text: Compile) -> None:
    text = (
        "FROM busybox\nADD --unpack=false a.tgz /l/\nADD --unpack a.tgz /u/\nADD a.tgz /d/\n"
        "ADD --unpack=true https://h/r.tgz /r/\nADD https://h/r.tgz /n/\n"
    )
    unpack = {
        c.dest: c.attemptUnpackDockerCompatibility for c in copies(compile_text(text).definition)
    }
    assert unpack == {"/l/": False, "/u/": True, "/d/": True, "/r/": True, "/n/": False}


def test_copy_rejects_urls_and_git(compile_text: Compile) -> None:
    assert fails(compile_text, "FROM busybox\nCOPY https://h/f /d\n").message == (
        "source can't be a URL for COPY"
    )
    assert fails(compile_text, "FROM busybox\nCOPY git@h:r.git /d\n").message == (
        "source can't be a git ref for COPY"
    )


# --------------------------------------------------------------------------- git


def test_add_git_source(compile_text: Compile) -> None:
    result = compile_text(
        "FROM busybox\nADD --chown=1:2 https://example.com/org/repo.git#v1 /src\n"
    )
    git = source_op(result.definition, "git://")
    assert git.identifier == "git://example.com/org/repo.git#v1"
    assert dict(git.attrs) == {
        "git.authheadersecret": "GIT_AUTH_HEADER",
        "git.authtokensecret": "GIT_AUTH_TOKEN",
        "git.fullurl": "https://example.com/org/repo.git",
    }
    (copy,) = copies(result.definition)
    assert (copy.src, copy.dest, copy.mode) == ("/", "/src", -1)
    assert copy.createDestPath and not (copy.followSymlink or copy.dirCopyContents)
    assert not (copy.allowWildcard or copy.attemptUnpackDockerCompatibility)
    assert copy.owner.user.byID == 1 and copy.owner.group.byID == 2
    assert history(result)[-1] == (
        "ADD --chown=1:2 https://example.com/org/repo.git#v1 /src # buildkit"
    )
    assert not any(op.source.identifier == "local://context" for _, op in ops(result.definition))


@pytest.mark.parametrize(
    ("src", "flags", "identifier", "extra"),
    [
        (
            "git@github.com:moby/buildkit.git#v0.8.0",
            "",
            "github.com/moby/buildkit.git#v0.8.0",
            {"git.fullurl": "git@github.com:moby/buildkit.git", "git.mountsshsock": "default"},
        ),
        (
            "ssh://git@h:2222/r.git",
            "--keep-git-dir=true",
            "h:2222/r.git",
            {
                "git.fullurl": "ssh://git@h:2222/r.git",
                "git.mountsshsock": "default",
                "git.keepgitdir": "true",
            },
        ),
        ("git://h/r", "", "h/r", {"git.fullurl": "git://h/r"}),
        (
            "https://u:p@h/r.git?ref=main&subdir=docs&keep-git-dir",
            "",
            "h/r.git#main:docs",
            {"git.fullurl": "https://u:p@h/r.git", "git.keepgitdir": "true"},
        ),
        ("https://h/r.git#:/a//b/", "", "h/r.git#:a/b", {"git.fullurl": "https://h/r.git"}),
        ("https://h/r.git?tag=v1", "", "h/r.git#refs/tags/v1", {"git.fullurl": "https://h/r.git"}),
        (
            "https://h/r.git?branch=dev",
            "",
            "h/r.git#refs/heads/dev",
            {"git.fullurl": "https://h/r.git"},
        ),
        (
            "https://h/r.git?commit=abc&submodules=false&fetch-by-commit=1",
            "",
            "h/r.git",
            {
                "git.fullurl": "https://h/r.git",
                "git.checksum": "abc",
                "git.skipsubmodules": "true",
                "git.fetchbycommit": "true",
            },
        ),
        (
            "https://h/r.git#main",
            "--checksum=abc --keep-git-dir=false",
            "h/r.git#main",
            {"git.fullurl": "https://h/r.git", "git.checksum": "abc"},
        ),
    ],
)
def test_git_identifiers_and_attrs(
    compile_text: Compile, src: str, flags: str, identifier: str, extra: dict[str, str]
) -> None:
    result = compile_text(f"FROM busybox\nADD {flags} {src} /src\n".replace("  ", " "))
    git = source_op(result.definition, "git://")
    assert git.identifier == f"git://{identifier}"
    auth = {"git.authheadersecret": "GIT_AUTH_HEADER", "git.authtokensecret": "GIT_AUTH_TOKEN"}
    assert dict(git.attrs) == {**auth, **extra}


@pytest.mark.parametrize(
    ("src", "flags", "message"),
    [
        (
            "https://h/r.git?keep-git-dir=false",
            "--keep-git-dir=true",
            "inconsistent keep-git-dir configuration",
        ),
        ("https://h/r.git?checksum=abc", "--checksum=def", 'checksum mismatch "def" != "abc"'),
        ("https://h/r.git?color=red", "", 'unexpected query "color"'),
        ("https://h/r.git?ref=", "", 'query "ref" has no value'),
        ("https://h/r.git?ref=a&ref=b", "", 'query "ref" has multiple values'),
        ("https://h/r.git#a?ref=b", "", ""),
        ("https://h/r.git?ref=a&tag=b", "", 'ref conflicts: "a" vs "refs/tags/b"'),
        ("https://h/r.git?tag=a&branch=b", "", "branch conflicts with tag"),
        ("https://h/r.git?keep-git-dir=maybe", "", 'invalid keep-git-dir value: "maybe"'),
        (
            "https://h/r.git?mtime=now",
            "",
            'invalid mtime value: "now" (must be "checkout" or "commit")',
        ),
    ],
)
def test_git_errors(compile_text: Compile, src: str, flags: str, message: str) -> None:
    text = f"FROM busybox\nADD {flags} {src} /src\n"
    if not message:  # a fragment ends the URL: "?ref=b" is part of it
        git = source_op(compile_text(text).definition, "git://")
        assert git.identifier == "git://h/r.git#a?ref=b"
        return
    error = fails(compile_text, text)
    assert (error.message, error.line) == (message, 2)


@pytest.mark.parametrize(
    ("src", "flags", "message"),
    [
        (
            "https://h/r.git#main:docs",
            "",
            "subdir not supported yet: a git subdirectory needs BuildKit v0.9 or newer",
        ),
        (
            "https://h/r.git",
            "--checksum=abc",
            "unknown API capability source.git.checksum: a git checksum needs BuildKit v0.22"
            " or newer",
        ),
        (
            "https://h/r.git?submodules=false",
            "",
            "unknown API capability source.git.skipsubmodules: submodules=false needs BuildKit"
            " v0.24 or newer",
        ),
    ],
)
def test_git_options_need_their_caps(
    compile_text: Compile, src: str, flags: str, message: str
) -> None:
    error = fails(compile_text, f"FROM busybox\nADD {flags} {src} /src\n", llb_caps=V08)
    assert (error.message, error.line) == (message, 2)


@pytest.mark.parametrize(
    "src",
    [
        "https://h/file.txt",
        "github.com/moby/buildkit",
        "./git@h:x",
        "ftp://h/r.git",
        "a/b.git",
        "/abs/r.git",
    ],
)
def test_not_git_sources(compile_text: Compile, src: str) -> None:
    result = compile_text(f"FROM busybox\nADD {src} /d/\n")
    assert not any(op.source.identifier.startswith("git://") for _, op in ops(result.definition))
