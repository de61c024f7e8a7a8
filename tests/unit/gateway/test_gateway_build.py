"""The whole frontend run against an in-process fake engine."""

from __future__ import annotations

import json

import grpc
import pytest

from frontend.compiler.contexts import ResolvedToNonImage
from frontend.gateway.bridge import Bridge, BridgeError
from frontend.gateway.build import _resolver, run
from frontend.gateway.errors import decode_json_detail
from frontend.llb import caps
from frontend.llb.marshal import ops_of
from frontend.platform import DEFAULT_PLATFORM
from tests.support.fake_engine import (
    V08_GATEWAY_CAPS,
    V08_LLB_CAPS,
    FakeBridge,
    gateway_env,
    serve,
)

HELLO = b"""\
FROM busybox AS build
RUN echo hi > /hello
FROM busybox AS unused
RUN exit 1
FROM scratch
COPY --from=build /hello /hello
CMD ["/hello"]
"""

CURRENT_LLB_CAPS = (*V08_LLB_CAPS, *caps.ADDED_IN)
"""A current engine's (the subrequests came after BuildKit 0.8)."""


def build(
    dockerfile: bytes,
    opts: dict[str, str] | None = None,
    *,
    warnings: bool = False,
    llb_caps: tuple[str, ...] = V08_LLB_CAPS,
    **files: bytes,
) -> FakeBridge:
    """One frontend run; ``warnings``: the engine takes Warn calls."""
    gateway_caps = (*V08_GATEWAY_CAPS, "gateway.warnings") if warnings else V08_GATEWAY_CAPS
    fake = FakeBridge(
        gateway_caps=gateway_caps,
        llb_caps=llb_caps,
        locals={"dockerfile": {"Dockerfile": dockerfile}, "context": dict(files)},
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env(opts or {}))
        fake.wait_returned()
    return fake


def test_build_returns_ref_and_image_config() -> None:
    fake = build(HELLO)
    assert fake.violations == []
    ret = fake.return_request
    assert ret is not None and ret.HasField("result")
    config = json.loads(ret.result.metadata["containerimage.config"])
    assert config["config"]["Cmd"] == ["/hello"]
    final = list(fake.solved.values())[-1]
    runs = [op.exec.meta.args[-1] for _, op in ops_of(final) if op.HasField("exec")]
    assert runs == ["echo hi > /hello"]  # the unused stage never reaches the engine


def test_source_map_carries_the_dockerfile_load() -> None:
    """Errors of failing steps carry the LLB that loaded the Dockerfile, as Docker's do."""
    fake = build(HELLO)
    *loads, final = fake.solved.values()
    (info,) = final.Source.infos
    assert (info.filename, info.data) == ("Dockerfile", HELLO)
    (dockerfile_load,) = [
        d for d in loads if any(op.source.identifier == "local://dockerfile" for _, op in ops_of(d))
    ]
    assert info.definition == dockerfile_load


def test_no_solve_names_a_frontend() -> None:
    fake = build(HELLO)
    assert all(not req.Frontend for req in fake.requests("Solve"))  # type: ignore[attr-defined]


def test_target_and_build_args() -> None:
    fake = build(
        b"FROM busybox AS a\nARG MSG=x\nRUN echo $MSG\nFROM scratch AS b\n",
        {"target": "a", "build-arg:MSG": "hello"},
    )
    final = list(fake.solved.values())[-1]
    run_op = next(op.exec for _, op in ops_of(final) if op.HasField("exec"))
    assert "MSG=hello" in run_op.meta.env


@pytest.mark.parametrize(
    ("newer", "message"),
    [
        ((), "dockerfile parse error line 2: Unknown flag: frmo"),
        (
            (caps.SOURCE_OCI_LAYOUT,),  # BuildKit 0.11
            "dockerfile parse error on line 2: unknown flag: frmo (did you mean from?)",
        ),
        (
            (caps.SOURCE_OCI_LAYOUT, caps.EXEC_VALID_EXIT_CODE),  # 0.17
            "dockerfile parse error on line 2: unknown flag: --frmo (did you mean from?)",
        ),
    ],
)
def test_parse_error_returns_status_with_line(newer: tuple[str, ...], message: str) -> None:
    """Worded as the built-in frontend of the engine's release words it."""
    fake = build(b"FROM busybox\nCOPY --frmo=x a b\n", llb_caps=(*V08_LLB_CAPS, *newer))
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert ret.error.message == message
    type_url, detail = decode_json_detail(ret.error.details[0])
    assert type_url.endswith("errdefs.Source+json")
    assert detail["ranges"][0]["start"]["line"] == 2


def test_missing_dockerfile_is_an_error_not_a_crash() -> None:
    fake = FakeBridge(locals={"dockerfile": {}})
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env({}))
    ret = fake.wait_returned()
    assert ret.HasField("error")
    assert "failed to read dockerfile" in ret.error.message


def test_dockerignore_becomes_exclude_patterns() -> None:
    fake = build(b"FROM scratch\nCOPY . /\n", **{".dockerignore": b"# c\n*.log\n!keep.log\n"})
    final = list(fake.solved.values())[-1]
    context = next(
        op.source for _, op in ops_of(final) if op.source.identifier == "local://context"
    )
    assert json.loads(context.attrs["local.excludepatterns"]) == ["*.log", "!keep.log"]
    assert "local.followpaths" not in context.attrs  # COPY . needs the whole context


def test_describe_subrequest() -> None:
    fake = build(b"", {"requestid": "frontend.subrequests.describe"})
    ret = fake.return_request
    assert ret is not None
    names = [d["name"] for d in json.loads(ret.result.metadata["result.json"])]
    assert names == [
        "frontend.outline",
        "frontend.targets",
        "frontend.lint",
        "frontend.subrequests.describe",
    ]
    assert fake.count("Solve") == 0  # no Dockerfile needed


def test_unknown_subrequest_is_unimplemented() -> None:
    fake = build(b"", {"requestid": "frontend.convertllb"})
    ret = fake.return_request
    assert ret is not None and ret.error.code == 12
    assert ret.error.message == "unsupported request frontend.convertllb"


def test_outline_and_targets_subrequests() -> None:
    dockerfile = b"ARG V=1\n# app the app\nFROM busybox:latest AS app\nARG V\n"
    fake = build(dockerfile, {"requestid": "frontend.outline"})
    ret = fake.return_request
    assert ret is not None and ret.HasField("result") and not ret.result.HasField("ref")
    outline = json.loads(ret.result.metadata["result.json"])
    assert (outline["name"], outline["description"]) == ("app", "the app")
    assert [(a["name"], a["value"]) for a in outline["args"]] == [("V", "1")]
    assert ret.result.metadata["version"] == b"1.0.0"
    fake = build(dockerfile, {"requestid": "frontend.targets"})
    ret = fake.return_request
    assert ret is not None
    listed = json.loads(ret.result.metadata["result.json"])["targets"]
    assert listed[0]["name"] == "app" and listed[0]["default"] is True


def test_outline_error_is_the_build_error() -> None:
    dockerfile = b"FROM busybox\nRUN --mount=type=secret true\n"
    fake = build(dockerfile, {"requestid": "frontend.outline"}, llb_caps=CURRENT_LLB_CAPS)
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert "on line 2: " in ret.error.message


LATE_DIRECTIVE = b"FROM busybox\n# escape=`\nRUN echo hi\n"


def test_warnings_go_to_an_engine_that_takes_them() -> None:
    fake = FakeBridge(
        gateway_caps=(*V08_GATEWAY_CAPS, "gateway.warnings"),
        locals={"dockerfile": {"Dockerfile": LATE_DIRECTIVE}},
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env({}))
        fake.wait_returned()
    assert fake.violations == []
    (warn,) = fake.requests("Warn")
    assert warn.short.startswith(b"'# escape=' here is a comment")  # type: ignore[attr-defined]
    assert warn.info.filename == "Dockerfile"  # type: ignore[attr-defined]
    assert warn.info.data == LATE_DIRECTIVE  # type: ignore[attr-defined]
    assert [r.start.line for r in warn.ranges] == [2]  # type: ignore[attr-defined]
    loaders = {  # the op that loaded the Dockerfile
        digest
        for definition in fake.solved.values()
        for digest, op in ops_of(definition)
        if op.source.identifier == "local://dockerfile"
    }
    assert warn.digest in loaders  # type: ignore[attr-defined]
    assert fake.return_request is not None and fake.return_request.HasField("result")


def test_no_warn_call_without_the_cap() -> None:
    fake = build(LATE_DIRECTIVE)
    assert fake.violations == []
    assert fake.count("Warn") == 0
    assert fake.return_request is not None and fake.return_request.HasField("result")


WARNS = b"FROM busybox\nENV a b\nCMD echo hi\n"


def test_check_warnings_carry_rule_url_and_description() -> None:
    fake = build(WARNS, warnings=True)
    assert fake.violations == []
    legacy, json_args = fake.requests("Warn")
    assert legacy.short == (  # type: ignore[attr-defined]
        b'LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy '
        b'"ENV key value" format (line 2)'
    )
    assert legacy.url == (  # type: ignore[attr-defined]
        "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"
    )
    assert list(legacy.detail) == [  # type: ignore[attr-defined]
        b"Legacy key/value format with whitespace separator should not be used"
    ]
    assert json_args.short.startswith(b"JSONArgsRecommended: ")  # type: ignore[attr-defined]
    (where,) = json_args.ranges  # type: ignore[attr-defined]
    assert (where.start.line, where.end.line) == (3, 3)
    assert fake.return_request is not None and fake.return_request.HasField("result")


def test_check_error_true_fails_before_the_build_is_solved() -> None:
    fake = build(b"# check=error=true\n" + WARNS)
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert ret.error.message.endswith(
        "lint violation found for rules: JSONArgsRecommended, LegacyKeyValueFormat"
    )
    solved = [op.source.identifier for d in fake.solved.values() for _, op in ops_of(d)]
    assert not any(ident.startswith("docker-image://") for ident in solved)


def test_check_skip_from_build_arg_lets_the_build_through() -> None:
    opts = {"build-arg:BUILDKIT_DOCKERFILE_CHECK": "error=true;skip=all"}
    fake = build(b"# check=error=true\n" + WARNS, opts, warnings=True)
    assert fake.count("Warn") == 0
    assert fake.return_request is not None and fake.return_request.HasField("result")


def test_invalid_check_directive_is_an_error() -> None:
    fake = build(b"# check=skip\nFROM busybox\n")
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert 'failed to parse check options: invalid check option "skip"' in ret.error.message


def test_lint_subrequest_checks_every_stage() -> None:
    dockerfile = b"FROM busybox AS unused\nCMD a\nFROM busybox\nMAINTAINER me\n"
    fake = build(dockerfile, {"requestid": "frontend.lint"})
    ret = fake.return_request
    assert ret is not None and ret.HasField("result")
    meta = ret.result.metadata
    assert meta["result.statuscode"] == b"1" and meta["version"] == b"1.0.0"
    results = json.loads(meta["result.json"])
    assert [
        (w["ruleName"], w["location"]["ranges"][0]["start"]["line"]) for w in results["warnings"]
    ] == [
        ("MaintainerDeprecated", 4),
        ("JSONArgsRecommended", 2),
    ]
    assert results["sources"][0]["filename"] == "Dockerfile"
    assert "buildError" not in results
    text = meta["result.txt"].decode()
    assert text.startswith(
        "Check complete, 2 warnings have been found!\n\nWARNING: JSONArgsRecommended"
    )
    assert all(not req.Frontend for req in fake.requests("Solve"))  # type: ignore[attr-defined]


def test_lint_subrequest_reports_a_build_error() -> None:
    fake = build(
        b"FROM busybox\nCMD a\nCOPY --from=nope:bad:ref x y\n", {"requestid": "frontend.lint"}
    )
    ret = fake.return_request
    assert ret is not None and ret.HasField("result")
    results = json.loads(ret.result.metadata["result.json"])
    assert results["buildError"]["message"]
    assert [w["ruleName"] for w in results["warnings"]] == ["JSONArgsRecommended"]


def test_an_instruction_that_does_not_parse_is_worded_as_docker_words_it() -> None:
    dockerfile = b"FROM scratch AS BadStageName\nMAINTAINER me@example.org\nBADCMD\n"
    fake = build(dockerfile, {"requestid": "frontend.lint"}, llb_caps=CURRENT_LLB_CAPS)
    ret = fake.return_request
    assert ret is not None and ret.HasField("result")
    results = json.loads(ret.result.metadata["result.json"])
    error = results["buildError"]
    assert error["message"] == "dockerfile parse error on line 3: unknown instruction: BADCMD"
    assert error["location"]["ranges"][0]["start"]["line"] == 3
    assert [w["ruleName"] for w in results["warnings"]] == [
        "StageNameCasing",
        "MaintainerDeprecated",
    ]
    ret = build(dockerfile, llb_caps=CURRENT_LLB_CAPS).return_request
    assert ret is not None and ret.HasField("error")
    assert ret.error.message == "dockerfile parse error on line 3: unknown instruction: BADCMD"


def test_from_checks_before_a_stage_that_cannot_be_planned() -> None:
    dockerfile = b"FROM --platform=$BULIDPLATFORM scratch\nCOPY Dockerfile .\n"
    message = "empty platform value from expression $BULIDPLATFORM (did you mean BUILDPLATFORM?)"
    fake = build(dockerfile, {"requestid": "frontend.lint"})
    ret = fake.return_request
    assert ret is not None and ret.HasField("result")
    results = json.loads(ret.result.metadata["result.json"])
    assert results["buildError"]["message"] == message
    assert [w["ruleName"] for w in results["warnings"]] == ["UndefinedArgInFrom"]
    fake = build(dockerfile, warnings=True)
    ret = fake.return_request
    assert ret is not None and ret.HasField("error") and message in ret.error.message
    (warn,) = fake.requests("Warn")
    assert warn.short.startswith(b"UndefinedArgInFrom: ")  # type: ignore[attr-defined]


def test_errors_past_parsing_name_the_dockerfile_given() -> None:
    fake = FakeBridge(
        locals={
            "dockerfile": {
                "ci/app.Dockerfile": b"FROM busybox\nRUN x\nCOPY --chown=4294967296 a /b\n"
            }
        }
    )
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env({"filename": "ci/app.Dockerfile"}))
    ret = fake.wait_returned()
    assert ret.error.message.startswith("ci/app.Dockerfile:3:")


def test_a_malformed_option_is_an_error_not_a_crash() -> None:
    fake = build(b"FROM busybox\n", {"cache-imports": "not json"})
    ret = fake.return_request
    assert ret is not None and ret.HasField("error")
    assert "internal error" not in ret.error.message


def test_resolver_reports_an_image_a_source_policy_turned_into_another_source() -> None:
    class PolicyBridge:
        def resolve_image_config(self, ref: str, *args: object, **kwargs: object) -> object:
            raise BridgeError(
                "ResolveImageConfig",
                grpc.StatusCode.UNKNOWN,
                f"ref mutated by policy to non-image: docker-image://{ref} -> local://test",
            )

    resolve = _resolver(PolicyBridge())  # type: ignore[arg-type]
    with pytest.raises(ResolvedToNonImage) as info:
        resolve(
            "docker.io/library/alpine:latest",
            platform=DEFAULT_PLATFORM,
            resolve_mode="",
            log_name="",
        )
    assert info.value.updated == "local://test"
