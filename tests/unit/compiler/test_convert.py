"""Compiling whole Dockerfiles: stages, reachability, dedupe, image config."""

from __future__ import annotations

import json

import pytest

from frontend.compiler.convert import compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.request import BuildRequest
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import SourceFile, ops_of
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform
from frontend.semantics.stages import ImageSource
from frontend.syntax import parse
from tests.unit.compiler.conftest import AMD64, Compile, Resolver, image_config

SEED_SKIP = """\
FROM busybox AS base
RUN echo base
FROM base AS stage1
RUN exit 1
FROM base AS stage2
RUN echo stage2
"""


def exec_args(result_def: pb.Definition) -> list[list[str]]:
    return [list(op.exec.meta.args) for _, op in ops_of(result_def) if op.HasField("exec")]


def exec_envs(result_def: pb.Definition) -> list[list[str]]:
    return [list(op.exec.meta.env) for _, op in ops_of(result_def) if op.HasField("exec")]


def sources(result_def: pb.Definition) -> list[str]:
    return [op.source.identifier for _, op in ops_of(result_def) if op.HasField("source")]


def test_target_builds_only_the_stages_it_needs(compile_text: Compile) -> None:
    result = compile_text(SEED_SKIP, target="stage2")
    runs = [args[-1] for args in exec_args(result.definition)]
    assert runs == ["echo base", "echo stage2"]
    assert sorted(result.plan.reachable) == [0, 2]


def test_default_target_is_the_last_stage(compile_text: Compile) -> None:
    result = compile_text(SEED_SKIP)
    assert result.plan.target == 2


def test_unreachable_base_images_are_not_resolved(
    compile_text: Compile, resolver: Resolver
) -> None:
    compile_text("FROM alpine AS unused\nFROM busybox\nRUN true\n")
    assert resolver.calls == ["docker.io/library/busybox:latest"]


def test_shared_base_appears_once(compile_text: Compile) -> None:
    text = (
        "FROM busybox AS a\nRUN echo a\nFROM busybox AS b\nRUN echo b\n"
        "FROM scratch\nCOPY --from=a /x /a\nCOPY --from=b /x /b\n"
    )
    result = compile_text(text)
    assert len(sources(result.definition)) == 1 + 0  # one image, no context
    digests = [d for d, _ in ops_of(result.definition)]
    assert len(digests) == len(set(digests))


def test_output_is_byte_identical(compile_text: Compile) -> None:
    text = (
        "ARG V=1\nFROM busybox AS b\nENV X=$V\nWORKDIR /src\nCOPY . .\nRUN make\n"
        'FROM scratch\nCOPY --from=b /src/out /out\nCMD ["/out"]\n'
    )
    one = compile_text(text).definition.SerializeToString(deterministic=True)
    two = compile_text(text).definition.SerializeToString(deterministic=True)
    assert one == two


def test_copy_from_index_name_and_image(compile_text: Compile) -> None:
    text = (
        "FROM busybox AS build\nRUN touch /a\nFROM scratch\nCOPY --from=0 /a /a\n"
        "COPY --from=build /a /b\nCOPY --from=pyfrontend/testdata:latest /data /data\n"
    )
    result = compile_text(text)
    assert "docker-image://docker.io/pyfrontend/testdata:latest" in sources(result.definition)
    assert result.plan.sources[1, 0] == 0
    assert result.plan.sources[1, 1] == 0


def test_stage_names_match_case_insensitively(compile_text: Compile) -> None:
    result = compile_text("FROM busybox AS Build\nFROM scratch\nCOPY --from=BUILD /a /a\n")
    assert result.plan.sources[1, 0] == 0


def test_previous_stage_as_base_inherits_state(compile_text: Compile) -> None:
    text = "FROM busybox AS builder\nENV A=1\nWORKDIR /w\nFROM builder AS b1\nRUN pwd\n"
    result = compile_text(text)
    run = next(op.exec for _, op in ops_of(result.definition) if op.HasField("exec"))
    assert run.meta.cwd == "/w"
    assert "A=1" in run.meta.env
    config = json.loads(result.config_json)["config"]
    assert config["WorkingDir"] == "/w"


def test_image_config_inherits_and_overrides(compile_text: Compile, resolver: Resolver) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        Env=["PATH=/bin", "LANG=C"],
        Cmd=["sh"],
        Labels={"a": "1"},
        ExposedPorts={"22/tcp": {}},
        User="nobody",
        WorkingDir="/home",
    )
    text = (
        'FROM base\nENV LANG=en_US A="x y"\nLABEL b=2\nEXPOSE 80 53/udp\n'
        'ENTRYPOINT ["/entry"]\nUSER app\n'
    )
    config = json.loads(compile_text(text, labels={"c": "3"}).config_json)["config"]
    assert config["Env"] == ["PATH=/bin", "LANG=en_US", "A=x y"]
    assert config["Labels"] == {"a": "1", "b": "2", "c": "3"}
    assert config["ExposedPorts"] == {"22/tcp": {}, "53/udp": {}, "80/tcp": {}}
    assert config["Entrypoint"] == ["/entry"]
    assert "Cmd" not in config  # ENTRYPOINT clears an inherited CMD
    assert config["User"] == "app"
    assert config["WorkingDir"] == "/home"


def test_scratch_config_and_shell_form(compile_text: Compile) -> None:
    config = json.loads(compile_text("FROM scratch\nCMD echo hi\n").config_json)
    assert config["config"]["Cmd"] == ["/bin/sh", "-c", "echo hi"]
    assert config["config"]["Env"] == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ]
    assert config["os"] == "linux" and config["architecture"] == "amd64"


def test_global_args_expand_in_from(compile_text: Compile, resolver: Resolver) -> None:
    compile_text("ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-1.36}\n")
    assert resolver.calls == ["docker.io/library/busybox:1.36"]


def test_build_args_override_defaults(compile_text: Compile, resolver: Resolver) -> None:
    result = compile_text(
        "ARG BASE=busybox\nFROM $BASE\nARG V=1\nRUN echo $V\n", build_args={"V": "2"}
    )
    run = next(op.exec for _, op in ops_of(result.definition) if op.HasField("exec"))
    assert "V=2" in run.meta.env
    history = json.loads(result.config_json)["history"]
    assert history[-1]["created_by"] == "RUN |1 V=2 /bin/sh -c echo $V # buildkit"


def test_context_follow_paths(compile_text: Compile) -> None:
    result = compile_text("FROM scratch\nCOPY b a /\nADD c /\n")
    local = next(
        op.source
        for _, op in ops_of(result.definition)
        if op.source.identifier == "local://context"
    )
    assert json.loads(local.attrs["local.followpaths"]) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "target", "message", "line"),
    [
        ("FROM a\nFROM b\n", "nope", 'target stage "nope" could not be found', 0),
        (
            "FROM busybox AS a\nCOPY --from=1 /x /x\nFROM busybox\nCOPY --from=0 /x /x\n",
            "",
            "circular dependency detected on stage: a: a reads stage-1 (line 2), "
            "stage-1 reads a (line 4)",
            2,
        ),
        ("FROM busybox\nCOPY --from=5 /x /x\n", "", "invalid stage index 5", 2),
        ("FROM busybox\nENV A=${B:?needs_B}\n", "", "needs_B", 2),
        ("RUN true\n", "", "no build stage in current context", 1),
        ("FROM Busybox\n", "", "failed to parse stage name", 1),
        ("FROM busybox AS 1x\n", "", "invalid name for build stage", 1),
        ("FROM busybox\nEXPOSE 80/xyz\n", "", "invalid proto: xyz", 2),
        # worded as Docker's frontend words them
        ("ARG foo=bar\n", "", "dockerfile contains no stages to build", 0),
        (
            "FROM scratch AS build\nFROM scratch\n",
            "bulid",
            'target stage "bulid" could not be found (did you mean build?)',
            0,
        ),
        (
            "FROM scratch\nCOPY --from=$FOO . .\n",
            "",
            "variable expansion is not supported for --from, define a new stage with FROM "
            "using ARG from global scope as a workaround",
            2,
        ),
        ("FROM scratch\nCOPY --from=a\\$b . .\n", "", "variable expansion is not supported", 2),
        (
            "FROM --platform=$BULIDPLATFORM scratch\n",
            "",
            "empty platform value from expression $BULIDPLATFORM (did you mean BUILDPLATFORM?)",
            1,
        ),
        (
            "ARG MY_ARCH=amd64\nFROM --platform=linux/${MYARCH} scratch\n",
            "",
            'failed to parse platform linux/${MYARCH}: "" is an invalid component of "linux/": '
            'platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument '
            "(did you mean MY_ARCH?)",
            2,
        ),
    ],
)
def test_errors_name_the_line(
    compile_text: Compile, text: str, target: str, message: str, line: int
) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text(text, target=target)
    assert message in info.value.message
    assert info.value.line == line


@pytest.mark.parametrize(
    "text",
    [
        "FROM busybox\nUSER 99999999999\nWORKDIR /x\n",
        "FROM busybox\nCOPY --chown=4294967296 a /b\n",
    ],
)
def test_user_id_out_of_range_is_an_error_with_its_line(compile_text: Compile, text: str) -> None:
    with pytest.raises(DockerfileError, match="out of range") as info:
        compile_text(text)
    assert info.value.line == text.count("\n")


def test_onbuild_run_mount_from_a_stage_is_refused_before_0_17(
    compile_text: Compile, resolver: Resolver
) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        OnBuild=["RUN --mount=from=tools,target=/t true"]
    )
    old = LLBCaps(frozenset({caps.FILE_BASE, caps.EXEC_MOUNT_BIND}))
    with pytest.raises(DockerfileError, match="ONBUILD RUN --mount from= is not supported yet"):
        compile_text("FROM base\n", llb_caps=old)


def test_onbuild_run_mount_from_a_stage_builds_that_stage(
    compile_text: Compile, resolver: Resolver
) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        OnBuild=["RUN --mount=type=bind,target=/in,from=inputstage cat /in/foo"]
    )
    text = "FROM busybox AS inputstage\nRUN echo foo > /foo\nFROM base\nRUN true\n"
    result = compile_text(text)
    assert result.plan.mount_sources[1, -1, 0] == 0
    assert result.plan.reachable == {0, 1}
    runs = [args[-1] for args in exec_args(result.definition)]
    assert runs == ["echo foo > /foo", "cat /in/foo", "true"]


@pytest.mark.parametrize("config", [b'{"config": "x"}', b'{"rootfs": "x"}', b'{"history": ["x"]}'])
def test_malformed_base_config_is_an_error(
    compile_text: Compile, resolver: Resolver, config: bytes
) -> None:
    resolver.configs["docker.io/library/busybox:latest"] = config
    with pytest.raises(DockerfileError, match="invalid image config"):
        compile_text("FROM busybox\nRUN true\n")


TARGET_STAGE = """\
FROM busybox AS base
RUN echo "$TARGETSTAGE" > /out/first
ARG TARGETSTAGE
RUN echo "$TARGETSTAGE" > /out/second
FROM scratch AS foo
COPY --from=base /out/ /
FROM scratch
COPY --from=base /out/ /
"""


@pytest.mark.parametrize(
    ("text", "options", "second"),
    [
        (TARGET_STAGE, {"target": "foo"}, "foo"),
        (TARGET_STAGE, {}, "default"),
        (TARGET_STAGE + "FROM scratch AS final\nCOPY --from=base /out/ /\n", {}, "final"),
        (TARGET_STAGE, {"build_args": {"TARGETSTAGE": "x"}}, "x"),
    ],
)
def test_target_stage_is_a_predefined_arg(
    compile_text: Compile, text: str, options: dict[str, object], second: str
) -> None:
    first, after = exec_envs(compile_text(text, **options).definition)
    assert not any(e.startswith("TARGETSTAGE=") for e in first)
    assert f"TARGETSTAGE={second}" in after


def test_target_stage_is_not_predefined_on_engines_before_0_17(compile_text: Compile) -> None:
    old = LLBCaps(frozenset({caps.FILE_BASE, caps.EXEC_MOUNT_BIND}))
    result = compile_text(TARGET_STAGE, target="foo", llb_caps=old)
    assert not any(e.startswith("TARGETSTAGE=") for e in exec_envs(result.definition)[1])


ONBUILD_FROM_STAGE = """\
FROM busybox AS otherstage
RUN echo hello > /testfile
FROM base AS inputstage
FROM scratch
COPY --from=inputstage /out/foo /bar
"""


def test_onbuild_copy_from_a_stage_builds_that_stage(
    compile_text: Compile, resolver: Resolver
) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        OnBuild=["COPY --from=otherstage /testfile /out/foo"]
    )
    result = compile_text(ONBUILD_FROM_STAGE)
    assert result.plan.reachable == {0, 1, 2}
    assert result.plan.sources[1, -1] == 0
    assert [args[-1] for args in exec_args(result.definition)] == ["echo hello > /testfile"]
    copies = [op.file for _, op in ops_of(result.definition) if op.HasField("file")]
    paths = [(a.copy.src, a.copy.dest) for f in copies for a in f.actions if a.HasField("copy")]
    assert ("/testfile", "/out/foo") in paths


def test_onbuild_copy_from_an_image_and_from_a_parent_stage(
    compile_text: Compile, resolver: Resolver
) -> None:
    text = (
        "FROM busybox AS tools\nRUN make\n"
        "FROM busybox AS parent\nONBUILD COPY --from=tools /bin/tool /tool\n"
        "ONBUILD COPY --from=alpine /etc/os-release /os\n"
        "FROM parent\nRUN true\n"
    )
    result = compile_text(text)
    assert result.plan.sources[2, -1] == 0
    image = result.plan.sources[2, -2]
    assert isinstance(image, ImageSource)
    assert image.ref == "alpine"
    assert "docker-image://docker.io/library/alpine:latest" in sources(result.definition)
    assert 0 in result.plan.reachable


def test_onbuild_copy_from_is_refused_before_0_17(
    compile_text: Compile, resolver: Resolver
) -> None:
    resolver.configs["docker.io/library/base:latest"] = image_config(
        OnBuild=["COPY --from=otherstage /testfile /out/foo"]
    )
    old = LLBCaps(frozenset({caps.FILE_BASE, caps.EXEC_MOUNT_BIND}))
    with pytest.raises(DockerfileError, match="ONBUILD COPY --from is not supported yet"):
        compile_text(ONBUILD_FROM_STAGE, llb_caps=old)


def test_a_missing_base_image_names_the_image_and_its_from_line() -> None:
    def missing(
        ref: str, *, platform: Platform, resolve_mode: str, log_name: str
    ) -> tuple[str, bytes]:
        raise DockerfileError(f"failed to resolve image {ref}: not found")

    text = "FROM busybox AS ok\nFROM nope\nCOPY --from=ok / /\n"
    options = BuildOptions(BuildRequest(build_platform=AMD64), AMD64)
    with pytest.raises(DockerfileError) as info:
        compile_dockerfile(parse(text), options, missing)
    assert info.value.line == 1  # the first FROM resolved fails first
    assert "docker.io/library/busybox:latest" in info.value.message


def test_stage_cycle_names_each_stage_and_line(compile_text: Compile) -> None:
    text = (
        "FROM busybox AS stage0\nCOPY --from=stage2 f1 /sub/\n"
        "FROM busybox AS stage1\nCOPY --from=stage0 f2 /sub/\n"
        "FROM busybox AS stage2\nCOPY --from=stage1 f2 /sub/\n"
    )
    with pytest.raises(DockerfileError) as info:
        compile_text(text)
    assert info.value.message == (
        "circular dependency detected on stage: stage0: stage0 reads stage2 (line 2), "
        "stage2 reads stage1 (line 6), stage1 reads stage0 (line 4)"
    )
    assert (info.value.line, info.value.also) == (2, ((6, 6), (4, 4)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "FROM busybox\nCOPY --from=1 /a /b\nFROM busybox\nFROM scratch\nCOPY --from=0 / /\n",
            'cannot copy from stage "1", it needs to be defined before current stage "stage-0"',
        ),
        (
            "FROM busybox AS a\nRUN --mount=from=b,target=/x true\nFROM busybox AS b\nFROM a\n",
            'cannot mount from stage "b" to "/x", stage needs to be defined before current command',
        ),
    ],
)
def test_reading_a_later_stage_is_refused(compile_text: Compile, text: str, message: str) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text(text)
    assert (info.value.message, info.value.line) == (message, 2)


def test_an_image_named_by_copy_from_carries_the_copy_line(resolver: Resolver) -> None:
    text = b"FROM busybox\n\nCOPY --from=alpine:3 \\\n  /a /b\n"
    options = BuildOptions(BuildRequest(build_platform=AMD64), AMD64)
    result = compile_dockerfile(
        parse(text), options, resolver, source=SourceFile("Dockerfile", text)
    )
    (digest,) = [d for d, op in ops_of(result.definition) if "alpine" in op.source.identifier]
    (location,) = result.definition.Source.locations[digest].locations
    assert [(r.start.line, r.end.line) for r in location.ranges] == [(3, 3), (4, 4)]
