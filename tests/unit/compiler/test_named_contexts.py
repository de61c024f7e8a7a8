"""Named contexts (``context:NAME``): images, stages and ``--from`` sources replaced."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from frontend.compiler.contexts import ResolvedToNonImage, context_name
from frontend.compiler.convert import CompileResult, compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.request import BuildRequest
from frontend.errors import DockerfileError
from frontend.llb.marshal import marshal, ops_of
from frontend.llb.state import local
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform
from frontend.syntax import parse
from tests.unit.compiler.conftest import AMD64, Resolver, image_config

ARM64 = Platform("linux", "arm64")


@dataclass
class Reader:
    """A fake engine for local directories, inputs and OCI layouts."""

    files: dict[str, bytes] = field(default_factory=dict)
    input_defs: dict[str, pb.Definition] = field(default_factory=dict)
    read: list[pb.Definition] = field(default_factory=list)
    oci: list[tuple[str, str, str]] = field(default_factory=list)

    def read_file(self, definition: pb.Definition, path: str) -> bytes | None:
        self.read.append(definition)
        return self.files.get(path)

    def inputs(self) -> Mapping[str, pb.Definition]:
        return self.input_defs

    def oci_layout_config(
        self, ref: str, *, store_id: str, platform: Platform, log_name: str
    ) -> tuple[str, bytes]:
        self.oci.append((ref, store_id, log_name))
        return "sha256:" + "e" * 64, image_config(Env=["FROM_OCI=1"], WorkingDir="/oci")


def build(
    text: str,
    contexts: dict[str, str],
    resolver: Resolver | None = None,
    reader: Reader | None = None,
    **options: object,
) -> CompileResult:
    request = BuildRequest(
        build_platform=AMD64,
        named_contexts=contexts,
        session_id="sess",
        **options,  # type: ignore[arg-type]
    )
    opts = BuildOptions(request, AMD64)
    return compile_dockerfile(parse(text), opts, resolver or Resolver(), contexts=reader)


def source_ops(result: CompileResult) -> dict[str, pb.Op]:
    return {
        op.source.identifier: op for _, op in ops_of(result.definition) if op.HasField("source")
    }


def names(result: CompileResult) -> list[str]:
    return [m.description.get("llb.customname", "") for m in result.definition.metadata.values()]


def exec_ops(result: CompileResult) -> list[pb.ExecOp]:
    return [op.exec for _, op in ops_of(result.definition) if op.HasField("exec")]


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("alpine", "alpine"),
        ("alpine:latest", "alpine"),
        ("docker.io/library/alpine:latest", "alpine"),
        ("alpine:3.18", "alpine:3.18"),
        ("user/app", "user/app"),
        ("docker.io/library/foo/bar", "library/foo/bar"),
        ("ghcr.io/a/b:latest", "ghcr.io/a/b"),
        ("alpine@sha256:" + "a" * 64, "alpine@sha256:" + "a" * 64),
        ("build", "build"),
    ],
)
def test_context_names_are_familiar_references(ref: str, name: str) -> None:
    assert context_name(ref) == name


def test_docker_image_context_replaces_a_base_image() -> None:
    resolver = Resolver(configs={"docker.io/library/busybox:1": image_config(Env=["A=1"])})
    result = build(
        "FROM alpine\nRUN true\n", {"alpine": "docker-image://busybox:1"}, resolver=resolver
    )
    assert resolver.calls == ["docker.io/library/busybox:1"]
    op = source_ops(result)["docker-image://docker.io/library/busybox:1"]
    assert dict(op.source.attrs) == {}  # not pinned, no resolve mode: as Docker's frontend
    assert op.platform.Architecture == "amd64"
    assert "[context alpine] busybox:1" in names(result)
    assert "A=1" in exec_ops(result)[0].meta.env


def test_context_for_the_platform_wins() -> None:
    resolver = Resolver()
    build(
        "FROM alpine\n",
        {"alpine": "docker-image://one", "alpine::linux/amd64": "docker-image://two"},
        resolver=resolver,
    )
    assert resolver.calls == ["docker.io/library/two:latest"]


def test_context_replaces_a_stage_and_its_dependencies() -> None:
    text = (
        "FROM busybox AS base\nRUN echo base\nCOPY --from=tools /t /t\n"
        "FROM debian AS tools\n"
        "FROM base\nRUN echo final\n"
    )
    resolver = Resolver(configs={"docker.io/library/alpine:latest": image_config(Env=["X=y"])})
    result = build(text, {"base": "docker-image://alpine"}, resolver=resolver)
    assert resolver.calls == ["docker.io/library/alpine:latest"]
    runs = [op.meta.args[-1] for op in exec_ops(result)]
    assert runs == ["echo final"]
    assert "X=y" in exec_ops(result)[0].meta.env
    assert sorted(result.plan.reachable) == [0, 2]


def test_scratch_and_context_are_never_replaced() -> None:
    result = build("FROM scratch\nCOPY a /a\n", {"scratch": "docker-image://busybox"})
    assert "local://context" in source_ops(result)
    assert not any(s.startswith("docker-image://") for s in source_ops(result))


def test_docker_image_scratch_value_is_empty() -> None:
    result = build(
        "FROM busybox AS b\nFROM scratch\nCOPY --from=b / /\n", {"b": "docker-image://scratch"}
    )
    assert not any(s.startswith("docker-image://") for s in source_ops(result))


def test_copy_from_a_local_context_syncs_only_what_it_copies() -> None:
    reader = Reader(files={".dockerignore": b"*.tmp\n"})
    text = "FROM scratch\nCOPY --from=assets /img/logo.png /a/\nCOPY --from=assets x.txt /b/\n"
    result = build(text, {"assets": "local:assets"}, reader=reader)
    sources = [op for i, op in source_ops(result).items() if i == "local://assets"]
    attrs = [dict(op.source.attrs) for op in sources]
    # one source per COPY, as Docker's frontend writes them; identical ones collapse
    follows = sorted(a.get("local.followpaths", "") for a in attrs)
    assert len(attrs) == 1 or follows == ['["img/logo.png"]', '["x.txt"]']
    all_attrs = [
        dict(op.source.attrs)
        for _, op in ops_of(result.definition)
        if op.source.identifier == "local://assets"
    ]
    assert sorted(a["local.followpaths"] for a in all_attrs) == ['["img/logo.png"]', '["x.txt"]']
    for a in all_attrs:
        assert a["local.sharedkeyhint"] == "context:assets"
        assert a["local.excludepatterns"] == '["*.tmp"]'
        assert a["local.session"] == "sess"
    assert "[context assets] load from client" in names(result)
    probe = ops_of(reader.read[0])[0][1].source
    assert probe.identifier == "local://assets"
    assert dict(probe.attrs) == {
        "local.differ": "none",
        "local.followpaths": '[".dockerignore"]',
        "local.session": "sess",
        "local.sharedkeyhint": "context:assets-.dockerignore",
    }
    assert len(reader.read) == 1  # the .dockerignore is read once


def test_from_a_local_context_with_run_syncs_everything() -> None:
    reader = Reader()
    result = build("FROM src\nRUN ls\n", {"src": "local:srcdir"}, reader=reader)
    op = source_ops(result)["local://srcdir"]
    assert "local.followpaths" not in dict(op.source.attrs)
    run = exec_ops(result)[0]
    assert any("PATH=" in e for e in run.meta.env)  # an empty config, as FROM scratch
    assert op.platform.Architecture == ""  # the platform is the stage's, not the source's


def test_stage_replaced_by_local_context_syncs_what_other_stages_copy() -> None:
    reader = Reader()
    text = "FROM busybox AS src\nRUN build\nFROM scratch\nCOPY --from=src /out /out\n"
    result = build(text, {"src": "local:dir"}, reader=reader)
    attrs = dict(source_ops(result)["local://dir"].source.attrs)
    assert attrs["local.followpaths"] == '["out"]'
    assert exec_ops(result) == []


def test_local_session_can_be_named_per_directory() -> None:
    reader = Reader()
    result = build("FROM x\n", {"x": "local:d"}, reader=reader, local_sessions={"d": "other"})
    assert dict(source_ops(result)["local://d"].source.attrs)["local.session"] == "other"


def test_mount_from_a_context() -> None:
    resolver = Resolver()
    result = build(
        "FROM busybox\nRUN --mount=from=tools,target=/t ls /t\n",
        {"tools": "docker-image://golang:1.22"},
        resolver=resolver,
    )
    assert "docker-image://docker.io/library/golang:1.22" in source_ops(result)
    assert resolver.calls == ["docker.io/library/busybox:latest", "docker.io/library/golang:1.22"]


def test_git_and_http_contexts() -> None:
    result = build(
        "FROM scratch\nCOPY --from=repo / /r\nCOPY --from=file / /f\n",
        {
            "repo": "https://github.com/moby/buildkit.git#v0.25.1",
            "file": "https://example.com/a.txt",
        },
    )
    ids = source_ops(result)
    assert "git://github.com/moby/buildkit.git#v0.25.1" in ids
    assert "https://example.com/a.txt" in ids
    assert "[context file] https://example.com/a.txt" in names(result)


def test_input_context_keeps_the_input_ops_and_reads_its_config() -> None:
    state = local("elsewhere")
    definition = marshal(state.output)
    metadata = {"containerimage.config": base64.b64encode(image_config(Env=["IN=1"])).decode()}
    reader = Reader(input_defs={"base": definition})
    result = build(
        "FROM base\nRUN true\n",
        {"base": "input:base"},
        reader=reader,
        input_metadata={"base": json.dumps(metadata)},
    )
    ours = list(getattr(result.definition, "def"))
    assert getattr(definition, "def")[0] in ours  # byte for byte
    assert "IN=1" in exec_ops(result)[0].meta.env


def test_oci_layout_context() -> None:
    reader = Reader()
    digest = "sha256:" + "f" * 64
    result = build("FROM app\nRUN pwd\n", {"app": f"oci-layout://mystore@{digest}"}, reader=reader)
    ref = f"docker.io/library/app@{digest}"
    assert reader.oci == [(ref, "mystore", f"[context app] load metadata for {ref}")]
    op = source_ops(result)[f"oci-layout://{ref}"]
    assert dict(op.source.attrs) == {"oci.session": "sess", "oci.store": "mystore"}
    run = exec_ops(result)[0]
    assert "FROM_OCI=1" in run.meta.env and run.meta.cwd == "/oci"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://x", "unsupported context source ftp for base"),
        ("nocolon", "invalid context specifier nocolon for base"),
        ("input:missing", "invalid input missing for base"),
        ("oci-layout://store", "has no digest"),
    ],
)
def test_bad_contexts_name_the_line(value: str, message: str) -> None:
    with pytest.raises(DockerfileError) as info:
        build("FROM busybox\nFROM base\n", {"base": value}, reader=Reader())
    assert message in info.value.message
    assert info.value.line == 2


def test_contexts_that_need_the_engine_fail_clearly_offline() -> None:
    with pytest.raises(DockerfileError, match="needs the engine"):
        build("FROM base\n", {"base": "local:dir"})


def test_no_contexts_no_change(compile_text: object) -> None:
    plain = compile_dockerfile(
        parse("FROM busybox AS b\nFROM b\n"),
        BuildOptions(BuildRequest(build_platform=AMD64), AMD64),
        Resolver(),
    )
    other = build("FROM busybox AS b\nFROM b\n", {"unrelated": "docker-image://x"})
    assert list(getattr(plain.definition, "def")) == list(getattr(other.definition, "def"))


def test_a_context_base_is_not_a_step() -> None:
    result = build("FROM alpine\nRUN true\n", {"alpine": "docker-image://busybox"})
    assert "[1/2] RUN true" in names(result)  # as Docker's frontend counts


def test_offline_llb_takes_build_contexts(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    from frontend.compiler.preview import llb_main

    path = Path(str(tmp_path)) / "Dockerfile"
    path.write_text("FROM alpine\nRUN true\n")
    assert llb_main(["--build-context", "alpine=docker-image://busybox:1", str(path)]) == 0
    assert 'identifier: "docker-image://docker.io/library/busybox:1"' in capsys.readouterr().out
    assert llb_main(["--platform", "linux/amd64,linux/arm64", str(path)]) == 1
    assert "one platform at a time" in capsys.readouterr().err


def test_a_context_platform_is_not_checked() -> None:
    resolver = Resolver(configs={"docker.io/library/arm:latest": image_config()})
    arm = json.dumps({"architecture": "arm64", "os": "linux", "rootfs": {"diff_ids": ["x"]}})
    resolver.configs["docker.io/library/arm:latest"] = arm.encode()
    result = build("FROM base\n", {"base": "docker-image://arm"}, resolver=resolver)
    assert result.bases[0].expected is None


def test_request_reads_context_options() -> None:
    from frontend.compiler.request import parse_request

    request = parse_request(
        {
            "context": "https://example.com/ctx.tar",
            "contextkey": "context",
            "context:base::linux/arm64": "docker-image://alpine",
            "input-metadata:base": "{}",
            "local-sessionid:dir": "s2",
        }
    )
    assert dict(request.named_contexts) == {"base::linux/arm64": "docker-image://alpine"}
    assert dict(request.input_metadata) == {"base": "{}"}
    assert dict(request.local_sessions) == {"dir": "s2"}


@pytest.mark.parametrize(
    ("text", "follow"),
    [
        ("FROM busybox\nRUN --mount=from=foo,src=/foo,target=/in/foo cp /in/foo /foo\n", '["foo"]'),
        ("FROM busybox\nRUN --mount=from=foo,target=/in ls /in\n", None),
        (
            "FROM scratch AS foo\nFROM busybox\nRUN --mount=from=foo,src=dir/x,target=/in ls\n",
            '["dir/x"]',
        ),
    ],
)
def test_mount_from_a_local_context_syncs_only_its_source(text: str, follow: str | None) -> None:
    result = build(text, {"foo": "local:foo"}, reader=Reader())
    attrs = dict(source_ops(result)["local://foo"].source.attrs)
    assert attrs.get("local.followpaths") == follow


class PolicyResolver(Resolver):
    """A source policy that turns ``alpine`` into ``local://test``, or into itself."""

    def __init__(self, updated: str) -> None:
        super().__init__()
        self.updated = updated

    def __call__(
        self, ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        self.calls.append(ref)
        if ref == "docker.io/library/alpine:latest":
            raise ResolvedToNonImage(f"failed to resolve image {ref}", self.updated)
        return super().__call__(
            ref, platform=platform, resolve_mode=resolve_mode, log_name=log_name
        )


POLICY_TEXT = "FROM scratch AS replace\nFROM scratch\nCOPY --from=replace /foo /\n"


def test_image_context_that_a_policy_turns_into_a_local_directory() -> None:
    resolver = PolicyResolver("local://test")
    result = build(
        POLICY_TEXT,
        {"replace": "docker-image:docker.io/library/alpine:latest"},
        resolver=resolver,
        reader=Reader(),
    )
    attrs = dict(source_ops(result)["local://test"].source.attrs)
    assert attrs["local.followpaths"] == '["foo"]'
    assert not any(s.startswith("docker-image://") for s in source_ops(result))


def test_policy_cycle_stops() -> None:
    resolver = PolicyResolver("docker-image://docker.io/library/alpine:latest")
    with pytest.raises(DockerfileError, match="context recursion limit exceeded"):
        build(POLICY_TEXT, {"replace": "docker-image://alpine"}, resolver=resolver, reader=Reader())
    assert len(resolver.calls) == 11
