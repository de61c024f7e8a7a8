"""Several target platforms in one build: options, per-platform compiles, result metadata."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from frontend.compiler.entry import evaluate
from frontend.compiler.platforms import result_metadata
from frontend.compiler.request import BuildRequest, LoadedDockerfile, parse_request
from frontend.compiler.result import PlatformResult
from frontend.compiler.stage import cross_platform_suffix
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import ops_of
from frontend.platform import Platform
from tests.unit.compiler.conftest import AMD64, Resolver, image_config

ARM64 = Platform("linux", "arm64")
ARMV7 = Platform("linux", "arm", "v7")

CROSS = """\
FROM --platform=$BUILDPLATFORM busybox AS tools
RUN echo tools > /tools
FROM --platform=$BUILDPLATFORM busybox AS build
ARG TARGETARCH
RUN echo $TARGETARCH > /arch
FROM scratch
COPY --from=tools /tools /tools
COPY --from=build /arch /arch
ARG TARGETPLATFORM
LABEL built.for=$TARGETPLATFORM
"""


def options(opts: dict[str, str]) -> BuildRequest:
    return parse_request(opts, build_platform=AMD64)


def compile_platforms(
    text: str, request: BuildRequest, resolver: Resolver
) -> tuple[PlatformResult, ...]:
    result = evaluate(request, LoadedDockerfile("Dockerfile", text.encode()), resolver)
    assert result.error is None, result.error
    return result.platforms


def test_platform_list_and_multi_platform_flag() -> None:
    o = options({"platform": "linux/amd64,linux/arm64,linux/arm"})
    assert o.target_platforms == (AMD64, ARM64, ARMV7)
    assert o.multi_platform
    assert o.platforms == (AMD64, ARM64, ARMV7)
    assert not options({"platform": "linux/arm64"}).multi_platform
    assert options({"platform": "linux/arm64", "multi-platform": "true"}).multi_platform
    assert options({"build-arg:BUILDKIT_MULTI_PLATFORM": "1"}).multi_platform
    assert options({}).platforms == (AMD64,)


def test_multi_platform_conflicts_are_refused() -> None:
    with pytest.raises(DockerfileError, match="conflicting config"):
        options({"platform": "linux/amd64,linux/arm64", "multi-platform": "false"})
    with pytest.raises(DockerfileError, match="invalid boolean value for multi-platform: x"):
        options({"multi-platform": "x"})


def test_each_platform_gets_its_own_compile_and_shares_what_does_not_depend_on_it() -> None:
    resolver = Resolver()
    results = compile_platforms(CROSS, options({"platform": "linux/amd64,linux/arm64"}), resolver)
    assert [str(r.platform) for r in results] == ["linux/amd64", "linux/arm64"]
    amd, arm = ({d: op for d, op in ops_of(r.definition)} for r in results)
    shared = set(amd) & set(arm)
    tools = [
        op for d, op in amd.items() if op.HasField("exec") and "tools" in op.exec.meta.args[-1]
    ]
    assert tools and all(d in shared for d, op in amd.items() if op in tools)
    arch_runs = {
        str(r.platform): next(
            op.exec.meta.env
            for _, op in ops_of(r.definition)
            if op.HasField("exec") and "TARGETARCH" in op.exec.meta.args[-1]
        )
        for r in results
    }
    assert "TARGETARCH=amd64" in arch_runs["linux/amd64"]
    assert "TARGETARCH=arm64" in arch_runs["linux/arm64"]
    configs = [json.loads(r.config_json) for r in results]
    assert [c["architecture"] for c in configs] == ["amd64", "arm64"]
    assert [c["config"]["Labels"]["built.for"] for c in configs] == ["linux/amd64", "linux/arm64"]
    # the image config of the build stage is resolved for the build platform only once per compile
    assert resolver.calls.count("docker.io/library/busybox:latest") == 4


def test_progress_names_carry_the_platform() -> None:
    results = compile_platforms(CROSS, options({"platform": "linux/amd64,linux/arm64"}), Resolver())
    arm = results[1].definition
    shown = {m.description.get("llb.customname", "") for m in arm.metadata.values()}
    assert any(n.startswith("[linux/amd64->arm64 build 2/2] RUN echo ") for n in shown)
    assert any(n.startswith("[linux/amd64 tools 2/2] RUN echo tools") for n in shown)
    assert any(n.startswith("[linux/arm64 stage-2 1/2] COPY --from=tools") for n in shown)


def test_single_platform_names_are_unchanged() -> None:
    (only,) = compile_platforms(CROSS, options({"platform": "linux/arm64"}), Resolver())
    shown = {m.description.get("llb.customname", "") for m in only.definition.metadata.values()}
    assert any(n.startswith("[build 2/2] RUN echo ") for n in shown)


def test_result_metadata() -> None:
    results = compile_platforms(
        "FROM scratch\nENV A=1\n",
        options({"platform": "linux/amd64,linux/arm/v7"}),
        Resolver(),
    )
    meta = result_metadata(results, multi=True)
    assert sorted(meta) == [
        "containerimage.config/linux/amd64",
        "containerimage.config/linux/arm/v7",
        "refs.platforms",
    ]
    assert meta["refs.platforms"] == (
        b'{"Platforms":[{"ID":"linux/amd64","Platform":{"architecture":"amd64","os":"linux"}},'
        b'{"ID":"linux/arm/v7","Platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}'
    )
    assert json.loads(meta["containerimage.config/linux/arm/v7"])["variant"] == "v7"
    single = result_metadata(results[:1], multi=False)
    assert list(single) == ["containerimage.config"]


@pytest.mark.parametrize(
    ("env", "suffix"),
    [
        ({}, ""),
        ({"TARGETPLATFORM": "linux/arm64"}, "->arm64"),
        ({"TARGETPLATFORM": "linux/amd64"}, ""),
        ({"TARGETARCH": "arm", "TARGETVARIANT": "v7"}, "->arm/v7"),
        ({"TARGETOS": "windows"}, "->windows/amd64"),
        ({"TARGETPLATFORM": "bad!", "TARGETARCH": "arm64"}, "->arm64"),
    ],
)
def test_cross_platform_suffix(env: dict[str, str], suffix: str) -> None:
    assert cross_platform_suffix(AMD64, env) == suffix


def test_warnings_are_shown_once_for_all_platforms() -> None:
    text = "FROM busybox as b\nFROM scratch\nCOPY --from=b /x /x\n"
    one = evaluate(options({}), LoadedDockerfile("Dockerfile", text.encode()), Resolver())
    two = evaluate(
        options({"platform": "linux/amd64,linux/arm64"}),
        LoadedDockerfile("Dockerfile", text.encode()),
        Resolver(),
    )
    assert one.warnings and [w.short for w in two.warnings] == [w.short for w in one.warnings]


@pytest.mark.parametrize(
    ("engine", "windows_env"),
    [
        (LLBCaps(), None),  # the OS sets PATH (Docker's frontend from BuildKit 0.22)
        (LLBCaps(frozenset({caps.FILE_BASE})), ["PATH=c:\\Windows\\System32;c:\\Windows"]),
    ],
)
def test_default_path_is_left_to_windows(engine: LLBCaps, windows_env: list[str] | None) -> None:
    text = "FROM scratch\nENTRYPOINT foo bar\nCOPY Dockerfile .\n"
    request = replace(options({"platform": "windows/amd64,linux/amd64"}), llb_caps=engine)
    configs = [
        json.loads(r.config_json)["config"] for r in compile_platforms(text, request, Resolver())
    ]
    assert [c["Entrypoint"] for c in configs] == [
        ["cmd", "/S", "/C", "foo bar"],
        ["/bin/sh", "-c", "foo bar"],
    ]
    assert [c.get("Env") for c in configs] == [
        windows_env,
        ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    ]


BASED = """\
FROM busybox AS base
RUN echo base > /base
FROM scratch AS empty
COPY --from=base /base /base
FROM base AS child
ENV A=1
"""


@pytest.mark.parametrize("target", ["child", "base"])
def test_base_config_follows_the_parent_stages(target: str) -> None:
    config = image_config().replace(b"{", b'{"comment":"as resolved",', 1)
    resolver = Resolver(configs={"docker.io/library/busybox:latest": config})
    (only,) = compile_platforms(BASED, options({"target": target}), resolver)
    assert only.compiled.base_config == config
    assert result_metadata([only], multi=False)["containerimage.base.config"] == config


def test_scratch_has_no_base_config() -> None:
    (only,) = compile_platforms(BASED, options({"target": "empty"}), Resolver())
    assert only.compiled.base_config is None
    assert list(result_metadata([only], multi=False)) == ["containerimage.config"]


def test_base_config_per_platform() -> None:
    results = compile_platforms(
        "FROM busybox\n", options({"platform": "linux/amd64,linux/arm64"}), Resolver()
    )
    meta = result_metadata(results, multi=True)
    assert sorted(k for k in meta if k.startswith("containerimage.base.config")) == [
        "containerimage.base.config/linux/amd64",
        "containerimage.base.config/linux/arm64",
    ]
    assert meta["containerimage.base.config/linux/arm64"] == results[1].compiled.base_config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "linux/",
            '"" is an invalid component of "linux/": platform specifier component must match '
            '"^[A-Za-z0-9_.-]+$": invalid argument',
        ),
        ("linux/*", '"linux/*": wildcards not yet supported: invalid argument'),
        ("x y/amd64", '"x y" is an invalid OS component of "x y/amd64"'),
        ("linux", "invalid platform 'linux': expected os/arch[/variant]"),
        ("a/b/c/d", "invalid platform 'a/b/c/d': expected os/arch[/variant]"),
    ],
)
def test_bad_platforms_are_worded_as_containerd_words_them(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Platform.parse(text)
    assert str(caught.value).startswith(message)


def test_an_os_version_reaches_the_args_the_image_and_the_result_ids() -> None:
    text = "FROM scratch\nARG TARGETOSVERSION TARGETPLATFORM\n"
    text += "ENV V=$TARGETOSVERSION P=$TARGETPLATFORM\n"
    request = options({"platform": "windows(1.2.3)/bar,windows(1.1.0)/bar"})
    assert request.platforms[0] == Platform("windows", "bar", os_version="1.2.3")
    results = compile_platforms(text, request, Resolver())
    meta = result_metadata(results, multi=True)
    config = json.loads(meta["containerimage.config/windows(1.2.3)/bar"])
    assert config["os.version"] == "1.2.3"
    assert config["config"]["Env"][-2:] == ["V=1.2.3", "P=windows(1.2.3)/bar"]
    assert json.loads(meta["refs.platforms"])["Platforms"][1] == {
        "ID": "windows(1.1.0)/bar",
        "Platform": {"architecture": "bar", "os": "windows", "os.version": "1.1.0"},
    }


def test_the_base_os_version_stays_when_the_platform_names_none() -> None:
    base = {"architecture": "amd64", "os": "windows", "os.version": "10.0.20348.1006"}
    base |= {"config": {}, "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]}}
    resolver = Resolver({"docker.io/library/win:latest": json.dumps(base).encode()})
    (result,) = compile_platforms("FROM win\n", options({"platform": "windows/amd64"}), resolver)
    assert json.loads(result.config_json)["os.version"] == "10.0.20348.1006"


def test_an_engine_before_build_checks_gets_the_parsers_continuation_warning() -> None:
    text = b"FROM scratch\nCOPY Dockerfile \\\n\n.\n"
    old = replace(options({}), llb_caps=LLBCaps(frozenset()))
    for request, short in [
        (options({}), "NoEmptyContinuation: Empty continuation line (line 4)"),
        (old, "Empty continuation line found in: COPY Dockerfile ."),
    ]:
        result = evaluate(request, LoadedDockerfile("Dockerfile", text), Resolver())
        (warning,) = result.warnings
        assert warning.short == short
        assert warning.description.startswith("Empty continuation lines will become errors")
