"""Build checks, rule by rule: what warns, on which line, and what does not."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from frontend.errors import DockerfileError
from frontend.platform import Platform
from frontend.semantics.check_context import CheckContext, StageBase
from frontend.semantics.check_rules import (
    RULES,
    CheckConfig,
    check_config,
    check_override,
    lint_error,
    parse_check_options,
)
from frontend.semantics.checks import run_checks
from frontend.semantics.ignore import IgnoreMatcher
from frontend.semantics.stages import plan
from frontend.syntax import parse

AMD64 = Platform("linux", "amd64")


def check(
    text: str,
    *,
    opts: Mapping[str, str] | None = None,
    bases: Mapping[int, StageBase] | None = None,
    ignore: tuple[str, ...] = (),
    all_stages: bool = True,
    target: str = "",
) -> list[tuple[str, int, str]]:
    """``(rule, line, message)`` of each warning."""
    dockerfile = parse(text)
    opts = opts or {}
    build_args = {k[10:]: v for k, v in opts.items() if k.startswith("build-arg:")}
    built = plan(
        dockerfile, target=target, build_args=build_args, build_platform=AMD64,
        target_platform=AMD64,
    )  # fmt: skip
    ctx = CheckContext(
        check_config(dockerfile.directives, check_override(build_args)), AMD64, AMD64, build_args,
        bases=bases or {}, ignore=IgnoreMatcher(ignore) if ignore else None,
        all_stages=all_stages,
    )  # fmt: skip
    return [(w.rule, w.line, w.message) for w in run_checks(dockerfile, built, ctx)]


def rules_of(text: str, **kwargs: object) -> list[tuple[str, int]]:
    return [(rule, line) for rule, line, _ in check(text, **kwargs)]  # type: ignore[arg-type]


# ---- the rule table ------------------------------------------------------------


def test_rule_table_matches_upstream() -> None:
    assert len(RULES) == 22
    assert [r.name for r in RULES.values() if r.experimental] == ["InvalidDefinitionDescription"]
    assert RULES["UndefinedVar"].url == "https://docs.docker.com/go/dockerfile/rule/undefined-var/"
    assert RULES["InvalidBaseImagePlatform"].url == ""


def test_clean_dockerfile_has_no_warnings() -> None:
    text = 'FROM busybox AS build\nARG V=1\nENV A=$V\nWORKDIR /src\nCMD ["sh"]\nFROM build\n'
    assert check(text) == []


# ---- rules on every instruction --------------------------------------------------


def test_stage_name_casing() -> None:
    assert check("FROM busybox AS Build\n") == [
        ("StageNameCasing", 1, "Stage name 'Build' should be lowercase")
    ]
    assert check("FROM busybox AS build\n") == []


def test_from_as_casing() -> None:
    assert check("FROM busybox as build\n") == [
        ("FromAsCasing", 1, "'as' and 'FROM' keywords' casing do not match")
    ]
    assert check("from busybox AS build\n") == [
        ("FromAsCasing", 1, "'AS' and 'from' keywords' casing do not match")
    ]
    assert check("from busybox as build\n") == []
    assert rules_of("From busybox as build\n") == [("ConsistentInstructionCasing", 1)]


def test_maintainer_deprecated() -> None:
    assert check("FROM busybox\n\nMAINTAINER me\n") == [
        ("MaintainerDeprecated", 3, "Maintainer instruction is deprecated in favor of using label")
    ]


DESCRIBED = """# check=experimental=InvalidDefinitionDescription
# foo this is the foo
ARG foo=bar

# base this is the base image
FROM scratch AS base
# baz this is the baz
ARG foo=baz bar=qux baz=quux
#
ARG bit=bat
# comment for something other than ARG or FROM
COPY Dockerfile .
"""

BADLY_DESCRIBED = """# check=experimental=InvalidDefinitionDescription
# bar this is the bar
ARG foo=bar
# BasE this is the BasE image
FROM scratch AS base
# definitely a bad comment
ARG version=latest
# definitely a bad comment
ARG foo=baz bar=qux baz=quux
"""


def test_invalid_definition_description_is_experimental() -> None:
    assert check(DESCRIBED) == []
    fmt = "Comment for {} should follow the format: `# {} <description>`"
    assert check(BADLY_DESCRIBED) == [
        ("InvalidDefinitionDescription", 3, fmt.format("ARG", "foo")),
        ("InvalidDefinitionDescription", 5, fmt.format("FROM", "base")),
        ("InvalidDefinitionDescription", 7, fmt.format("ARG", "version")),
        ("InvalidDefinitionDescription", 9, fmt.format("ARG", "<arg_key>")),
    ]
    assert check(BADLY_DESCRIBED.split("\n", 1)[1]) == []


def test_no_empty_continuation_names_the_instructions_last_line() -> None:
    assert check("FROM busybox\nRUN a \\\n\n  b \\\n  c\n") == [
        ("NoEmptyContinuation", 5, "Empty continuation line")
    ]
    assert check("FROM busybox\nRUN a \\\n# comment\n  b\n") == []


def test_consistent_instruction_casing_follows_the_majority() -> None:
    text = "from busybox\nrun a\nENV a=b\nrun b\n"
    assert check(text) == [
        (
            "ConsistentInstructionCasing",
            3,
            "Command 'ENV' should match the case of the command majority (lowercase)",
        )
    ]
    assert rules_of("FROM busybox\nRun a\n") == [("ConsistentInstructionCasing", 2)]


# ---- stage and FROM rules -----------------------------------------------------------


def test_duplicate_and_reserved_stage_names() -> None:
    text = "FROM busybox AS a\nFROM busybox AS A\nFROM busybox AS scratch\n"
    assert check(text) == [
        ("StageNameCasing", 2, "Stage name 'A' should be lowercase"),
        ("DuplicateStageName", 2, 'Duplicate stage name "a", stage names should be unique'),
        (
            "ReservedStageName",
            3,
            'Stage name should not use the same name as reserved stage "scratch"',
        ),
    ]


def test_undefined_arg_in_from_with_a_suggestion() -> None:
    text = "ARG VERSION=1\nFROM busybox$VERSON\nARG TAG\nFROM busybox${TAG}\n"
    assert check(text) == [
        ("UndefinedArgInFrom", 2, "FROM argument 'VERSON' is not declared (did you mean VERSION?)"),
        ("UndefinedArgInFrom", 4, "FROM argument 'TAG' is not declared"),
    ]
    assert check("ARG TAG\nFROM busybox:${TAG:-latest}\n") == []  # declared, no value
    assert check("FROM --platform=$BUILDPLATFORM busybox\n") == []  # predefined


def test_invalid_default_arg_in_from_ignores_build_args() -> None:
    text = "ARG IMAGE\nFROM $IMAGE\n"
    warned = check(text, opts={"build-arg:IMAGE": "busybox"})
    assert warned == [
        (
            "InvalidDefaultArgInFrom",
            2,
            "Default value for ARG $IMAGE results in empty or invalid base image name",
        )
    ]
    assert check("ARG IMAGE=busybox\nFROM $IMAGE\n") == []


def test_platform_flag_rules() -> None:
    assert check("FROM --platform=$TARGETPLATFORM busybox\n") == [
        (
            "RedundantTargetPlatform",
            1,
            "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is "
            "the default behavior",
        )
    ]
    assert check("FROM --platform=linux/amd64 busybox\n") == [
        (
            "FromPlatformFlagConstDisallowed",
            1,
            'FROM --platform flag should not use constant value "linux/amd64"',
        )
    ]
    assert check("FROM --platform=linux/amd64 busybox AS build-amd64\n") == []
    assert check("FROM --platform=$BUILDPLATFORM busybox\n") == []


def test_invalid_base_image_platform_needs_the_image_config() -> None:
    arm = StageBase(
        name="busybox", expected=AMD64, actual=Platform("linux", "arm64"), env=("PATH=/bin",)
    )
    assert check("FROM busybox\n", bases={0: arm}) == [
        (
            "InvalidBaseImagePlatform",
            1,
            'Base image busybox was pulled with platform "linux/arm64", expected '
            '"linux/amd64" for current build',
        )
    ]
    same = StageBase(name="busybox", expected=AMD64, actual=AMD64)
    assert check("FROM busybox\n", bases={0: same}) == []
    assert check("FROM busybox\n") == []


# ---- rules while dispatching a stage ----------------------------------------------------


def test_undefined_var_in_expanded_words_only() -> None:
    text = "FROM busybox\nENV PATH2=$PATH\nCOPY $SRC /dst/\nRUN echo $NOT_CHECKED\nUSER $UID\n"
    assert check(text) == [
        ("UndefinedVar", 3, "Usage of undefined variable '$SRC'"),
        ("UndefinedVar", 5, "Usage of undefined variable '$UID'"),
    ]


def test_undefined_var_scope_args_env_and_base_image() -> None:
    text = (
        "FROM busybox AS base\nARG NOVALUE\nENV A=1\nENV B=$A C=$B\nLABEL x=$NOVALUE\n"
        "FROM base\nENV D=$A$FROM_IMAGE$PYTHON_VERSON\n"
    )
    base = StageBase(env=("PATH=/bin", "PYTHON_VERSION=3.11"))
    assert check(text, bases={0: base}) == [
        ("UndefinedVar", 4, "Usage of undefined variable '$B' (did you mean $A?)"),  # not yet
        ("UndefinedVar", 7, "Usage of undefined variable '$FROM_IMAGE'"),
        (
            "UndefinedVar",
            7,
            "Usage of undefined variable '$PYTHON_VERSON' (did you mean $PYTHON_VERSION?)",
        ),
    ]


def test_undefined_var_in_arg_defaults_and_heredocs() -> None:
    text = "FROM busybox\nARG A=$MISSING\nCOPY <<EOF /f\n$ALSO\nEOF\nCOPY <<'EOF' /g\n$NOT\nEOF\n"
    assert rules_of(text) == [("UndefinedVar", 2), ("UndefinedVar", 3)]
    assert check("FROM busybox\nARG A=$MISSING\n", opts={"build-arg:A": "x"}) == []


def test_legacy_key_value_format() -> None:
    assert check("FROM busybox\nENV A 1\nLABEL b=2\nLABEL c 3\n") == [
        (
            "LegacyKeyValueFormat",
            2,
            '"ENV key=value" should be used instead of legacy "ENV key value" format',
        ),
        (
            "LegacyKeyValueFormat",
            4,
            '"LABEL key=value" should be used instead of legacy "LABEL key value" format',
        ),
    ]


def test_secrets_used_in_arg_or_env() -> None:
    text = "FROM busybox\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x\nENV PUBLIC_KEY=x monkey=y\n"
    assert check(text) == [
        (
            "SecretsUsedInArgOrEnv",
            2,
            'Do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN")',
        ),
        (
            "SecretsUsedInArgOrEnv",
            3,
            'Do not use ARG or ENV instructions for sensitive data (ENV "DB_PASSWORD")',
        ),
    ]


def test_workdir_relative_path_until_an_absolute_one() -> None:
    text = "FROM busybox AS a\nWORKDIR app\nWORKDIR more\nFROM busybox\nWORKDIR /abs\nWORKDIR rel\n"
    assert check(text) == [
        (
            "WorkdirRelativePath",
            2,
            'Relative workdir "app" can have unexpected results if the base image changes',
        )
    ]
    assert check("FROM busybox AS a\nWORKDIR /a\nFROM a\nWORKDIR b\n") == []  # inherited


def test_json_args_recommended_unless_a_shell_is_set() -> None:
    text = (
        'FROM busybox\nCMD echo hi\nENTRYPOINT ["x"]\nFROM'
        ' busybox\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT x\n'
    )
    assert check(text) == [
        (
            "JSONArgsRecommended",
            2,
            "JSON arguments recommended for CMD to prevent"
            " unintended behavior related to OS signals",
        ),
    ]
    bash = StageBase(shell=("/bin/bash", "-c"))
    assert check("FROM busybox\nCMD echo hi\n", bases={0: bash}) == []


def test_multiple_instructions_disallowed_points_at_the_earlier_one() -> None:
    text = (
        'FROM busybox\nCMD ["a"]\nHEALTHCHECK NONE\nCMD'
        ' ["b"]\nHEALTHCHECK NONE\nFROM busybox\nCMD ["c"]\n'
    )
    assert check(text) == [
        (
            "MultipleInstructionsDisallowed",
            2,
            "Multiple CMD instructions should not be used in the same"
            " stage because only the last one will be used",
        ),
        (
            "MultipleInstructionsDisallowed",
            3,
            "Multiple HEALTHCHECK instructions should not be used in the"
            " same stage because only the last one will be used",
        ),
    ]


def test_expose_rules() -> None:
    text = "FROM busybox\nARG P=80/UDP\nEXPOSE 8080/tcp $P 127.0.0.1:80:80/tcp 90:90\n"
    assert check(text) == [
        (
            "ExposeProtoCasing",
            3,
            "Defined protocol '80/UDP' in EXPOSE instruction should be lowercase",
        ),
        (
            "ExposeInvalidFormat",
            3,
            "EXPOSE instruction should not define an IP address or"
            " host-port mapping, found '127.0.0.1:80:80/tcp'",
        ),
        (
            "ExposeInvalidFormat",
            3,
            "EXPOSE instruction should not define an IP address"
            " or host-port mapping, found '90:90'",
        ),
    ]


def test_copy_ignored_file() -> None:
    text = (
        "FROM busybox\nCOPY secret.txt ./\nADD build/out /o\nCOPY"
        " --from=busybox /bin/sh secret.txt /x\nCOPY . /all\n"
    )
    assert check(text, ignore=("secret*", "build")) == [
        (
            "CopyIgnoredFile",
            2,
            'Attempting to Copy file "secret.txt" that is excluded by .dockerignore',
        ),
        (
            "CopyIgnoredFile",
            3,
            'Attempting to Add file "build/out" that is excluded by .dockerignore',
        ),
    ]
    assert rules_of("FROM busybox\nCOPY . /all\n", ignore=("*",)) == [("CopyIgnoredFile", 2)]
    assert check(text, ignore=("secret*", "!secret.md")) == []  # exceptions: upstream gives up


def test_dispatch_rules_only_for_stages_the_target_needs() -> None:
    text = "FROM busybox AS unused\nCMD echo\nFROM busybox\nCMD echo\n"
    assert rules_of(text, all_stages=False) == [("JSONArgsRecommended", 4)]
    assert rules_of(text) == [("JSONArgsRecommended", 2), ("JSONArgsRecommended", 4)]


# ---- the check config -------------------------------------------------------------


def test_skip_and_skip_all() -> None:
    text = "# check=skip=JSONArgsRecommended,StageNameCasing\nFROM busybox AS A\nCMD x\nENV a b\n"
    assert rules_of(text) == [("LegacyKeyValueFormat", 4)]
    assert check("# check=skip=all\nFROM busybox AS A\nCMD x\n") == []


def test_check_comment_above_an_instruction_skips_there_only() -> None:
    text = (
        "FROM busybox\n# check=skip=JSONArgsRecommended // reason\nCMD a\n"
        "# check=skip=all\nENV x y\nENV z w\n  # check=skip=all\nENTRYPOINT b\n"
    )
    assert rules_of(text) == [("LegacyKeyValueFormat", 6), ("JSONArgsRecommended", 8)]


def test_build_arg_replaces_the_directive() -> None:
    text = "# check=skip=all\nFROM busybox\nCMD x\n"
    key = "build-arg:BUILDKIT_DOCKERFILE_CHECK"
    assert rules_of(text, opts={key: ""}) == [("JSONArgsRecommended", 3)]
    assert rules_of(text, opts={key: "skip=all"}) == []


def test_parse_check_options() -> None:
    assert parse_check_options(" skip = A, B ; error = true") == CheckConfig(
        skip=frozenset({"A", "B"}), error=True
    )
    assert parse_check_options("experimental=all;skip=all") == CheckConfig(
        skip_all=True, experimental_all=True
    )
    assert parse_check_options("") == CheckConfig()
    with pytest.raises(ValueError, match='invalid check option "nope"'):
        parse_check_options("nope")
    with pytest.raises(ValueError, match='invalid check option "skp"'):
        parse_check_options("skp=all")
    with pytest.raises(ValueError, match=r'parsing "yes": invalid syntax'):
        parse_check_options("error=yes")


@pytest.mark.parametrize(
    ("directives", "opts", "message"),
    [
        ((("check", "error=2"),), {}, "failed to parse check options: failed"
            " to parse check option"),
        ((), {"build-arg:BUILDKIT_DOCKERFILE_CHECK": "x"},
         'failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: invalid check option "x"'),
    ],
)  # fmt: skip
def test_invalid_config_is_a_dockerfile_error(
    directives: tuple[tuple[str, str], ...], opts: dict[str, str], message: str
) -> None:
    with pytest.raises(DockerfileError, match=message):
        build_args = {k[10:]: v for k, v in opts.items() if k.startswith("build-arg:")}
        check_config(directives, check_override(build_args))


def test_experimental_rules_run_when_asked_for() -> None:
    text = "FROM busybox\n# a stage\nFROM busybox AS b\n"
    assert check(text) == []
    assert rules_of("# check=experimental=all\n" + text) == [("InvalidDefinitionDescription", 4)]


def test_lint_error_lists_rules_once_sorted() -> None:
    text = "# check=error=true\nFROM busybox\nCMD a\nENV x y\nCMD b\n"
    dockerfile = parse(text)
    built = plan(dockerfile, target="", build_args={}, build_platform=AMD64, target_platform=AMD64)
    config = check_config(dockerfile.directives)
    warnings = run_checks(dockerfile, built, CheckContext(config, AMD64, AMD64))
    assert lint_error(warnings, config) == (
        "lint violation found for rules: JSONArgsRecommended, LegacyKeyValueFormat, "
        "MultipleInstructionsDisallowed"
    )
    assert lint_error(warnings, CheckConfig()) is None
    assert lint_error([], config) is None


def test_warning_short_form_and_location() -> None:
    dockerfile = parse("FROM busybox\nRUN a \\\n  b\nCMD x \\\n  y\n")
    built = plan(dockerfile, target="", build_args={}, build_platform=AMD64, target_platform=AMD64)
    (warning,) = run_checks(dockerfile, built, CheckContext(CheckConfig(), AMD64, AMD64))
    assert (warning.line, warning.last_line) == (4, 5)
    assert warning.short.startswith("JSONArgsRecommended: JSON arguments recommended")
    assert warning.short.endswith(" (line 4)")
    assert str(warning).startswith("Dockerfile:4:1: warning: JSONArgsRecommended: ")
