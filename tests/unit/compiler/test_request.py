"""Reading the frontend options into one build request."""

from __future__ import annotations

import pytest

from frontend.compiler.request import CacheImport, OptionError, SbomRequest, parse_request
from frontend.errors import DockerfileError
from frontend.llb import caps
from frontend.llb.caps import LLBCaps
from frontend.llb.graph import HostIP, NetMode
from frontend.platform import DEFAULT_PLATFORM, Platform
from frontend.semantics.check_rules import CheckConfig


def test_defaults_assume_every_capability() -> None:
    request = parse_request({})
    assert request.filename == "Dockerfile" and request.subrequest == ""
    assert request.context_key == "context" and request.dockerfile_key == "dockerfile"
    assert not request.dockerfile_key_given
    assert request.platforms == (DEFAULT_PLATFORM,) and request.target_platforms == ()
    assert request.llb_caps.supports(caps.EXEC_META_CDI)
    assert request.supports_gateway("gateway.warnings")
    assert request.no_cache is None and request.check is None


def test_every_option_is_read() -> None:
    request = parse_request(
        {
            "requestid": "frontend.lint",
            "filename": "ci/Dockerfile",
            "contextkey": "ctx",
            "ctx": "https://example.com/c.tar",
            "dockerfilekey": "df",
            "platform": "linux/arm64/v8",
            "target": "t",
            "build-arg:A": "1",
            "build-arg:BUILDKIT_CONTEXT_KEEP_GIT_DIR": "true",
            "build-arg:BUILDKIT_DOCKERFILE_CHECK": "skip=all",
            "build-arg:SOURCE_DATE_EPOCH": "5",
            "label:l": "v",
            "no-cache": "A, b",
            "image-resolve-mode": "pull",
            "force-network-mode": "none",
            "add-hosts": "a=1.2.3.4,b:5.6.7.8",
            "hostname": "h",
            "cache-from": "r/c",
        },
        session_id="s",
        build_platform=Platform("linux", "arm64"),
        llb_caps=LLBCaps(frozenset({caps.FILE_BASE})),
        gateway_caps=frozenset({"proto.refarray"}),
    )
    assert request.subrequest == "frontend.lint" and request.filename == "ci/Dockerfile"
    assert request.context_key == "ctx" and request.context_value == "https://example.com/c.tar"
    assert request.dockerfile_key == "df" and request.dockerfile_key_given
    assert request.keep_git_dir and request.session_id == "s"
    assert request.target_platforms == (Platform("linux", "arm64"),)
    assert request.target == "t" and request.labels == {"l": "v"}
    assert request.build_args["A"] == "1" and request.source_date_epoch == 5
    assert request.check == CheckConfig(skip_all=True)
    assert request.no_cache == frozenset({"a", "b"})
    assert request.image_resolve_mode == "pull" and request.network == NetMode.NONE
    assert request.extra_hosts == (HostIP("a", "1.2.3.4"), HostIP("b", "5.6.7.8"))
    assert request.hostname == "h"
    assert request.cache_imports == (CacheImport("registry", {"ref": "r/c"}),)
    assert not request.llb_caps.supports(caps.EXEC_META_CDI)
    assert request.supports_gateway("proto.refarray")
    assert not request.supports_gateway("gateway.warnings")


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        ({"platform": "linux"}, "invalid platform option"),
        ({"force-network-mode": "bridge"}, "invalid force-network-mode: 'bridge'"),
        ({"build-arg:SOURCE_DATE_EPOCH": "x"}, "invalid SOURCE_DATE_EPOCH: x"),
        (
            {"build-arg:BUILDKIT_DOCKERFILE_CHECK": "x"},
            'failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: invalid check option "x"',
        ),
    ],
)
def test_a_bad_option_is_a_dockerfile_error(opts: dict[str, str], message: str) -> None:
    with pytest.raises(DockerfileError, match=message) as info:
        parse_request({**opts, "filename": "app.Dockerfile"})
    assert str(info.value).startswith("app.Dockerfile: ")


def test_a_bad_cache_import_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="invalid cache-imports"):
        parse_request({"cache-imports": "not json"})


def test_contextsubdir() -> None:
    assert parse_request({}).context_subdir is None
    assert parse_request({"contextsubdir": ""}).context_subdir == ""
    assert parse_request({"contextsubdir": "sub/dir"}).context_subdir == "sub/dir"


def test_attest_sbom_names_the_scanner_and_its_parameters() -> None:
    request = parse_request({"attest:sbom": "generator=stub,mode=fast,flag"})
    assert request.sbom == SbomRequest(
        "docker.io/library/stub:latest", (("flag", ""), ("mode", "fast"))
    )
    assert parse_request({}).sbom is None


def test_attest_sbom_defaults_to_docker_s_scanner() -> None:
    request = parse_request({"build-arg:BUILDKIT_ATTEST_SBOM": ""})
    assert request.sbom == SbomRequest("docker.io/docker/buildkit-syft-scanner:stable-1")


def test_provenance_is_left_to_the_engine() -> None:
    assert parse_request({"attest:provenance": "mode=max"}).sbom is None


@pytest.mark.parametrize(
    ("opts", "message"),
    [
        ({"attest:spdx": ""}, 'unknown attestation type "spdx"'),
        ({"attest:sbom": "generator=No"}, "failed to parse sbom scanner No: invalid reference"),
    ],
)
def test_bad_attestations_are_refused(opts: dict[str, str], message: str) -> None:
    with pytest.raises(OptionError, match=message):
        parse_request(opts)


def test_attest_sbom_needs_an_engine_with_attestations() -> None:
    with pytest.raises(OptionError, match="needs BuildKit v0.11 or newer"):
        parse_request({"attest:sbom": ""}, gateway_caps=frozenset({"proto.refarray"}))
    caps = frozenset({"reference.attestations"})
    assert parse_request({"attest:sbom": ""}, gateway_caps=caps).sbom is not None
    outline = {"attest:sbom": "", "requestid": "frontend.outline"}
    assert parse_request(outline, gateway_caps=frozenset()).subrequest  # not a build
