"""The build checks Docker's Dockerfile frontend runs, and how ``# check=`` tunes them.

Rule names, descriptions, messages and documentation links are upstream's
(BuildKit's Dockerfile linter), so that warnings read the same with either
frontend. ``CheckConfig`` is the parsed ``check`` directive (or the
``BUILDKIT_DOCKERFILE_CHECK`` build argument, which replaces it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from frontend.errors import DockerfileError, DockerfileWarning
from frontend.frozen import frozen
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_bool, go_quote

CHECK_BUILD_ARG = "BUILDKIT_DOCKERFILE_CHECK"


@frozen
class Rule:
    """A build check: its name, description and documentation slug."""

    name: str
    description: str
    slug: str = ""
    experimental: bool = False

    @property
    def url(self) -> str:
        return f"https://docs.docker.com/go/dockerfile/rule/{self.slug}/" if self.slug else ""


STAGE_NAME_CASING = Rule("StageNameCasing", "Stage names should be lowercase", "stage-name-casing")
FROM_AS_CASING = Rule(
    "FromAsCasing",
    "The 'as' keyword should match the case of the 'from' keyword",
    "from-as-casing",
)
NO_EMPTY_CONTINUATION = Rule(
    "NoEmptyContinuation",
    "Empty continuation lines will become errors in a future release",
    "no-empty-continuation",
)
CONSISTENT_INSTRUCTION_CASING = Rule(
    "ConsistentInstructionCasing",
    "All commands within the Dockerfile should use the same casing (either upper or lower)",
    "consistent-instruction-casing",
)
DUPLICATE_STAGE_NAME = Rule(
    "DuplicateStageName", "Stage names should be unique", "duplicate-stage-name"
)
RESERVED_STAGE_NAME = Rule(
    "ReservedStageName",
    "Reserved words should not be used as stage names",
    "reserved-stage-name",
)
JSON_ARGS_RECOMMENDED = Rule(
    "JSONArgsRecommended",
    "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related "
    "to OS signals",
    "json-args-recommended",
)
MAINTAINER_DEPRECATED = Rule(
    "MaintainerDeprecated",
    "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    "maintainer-deprecated",
)
UNDEFINED_ARG_IN_FROM = Rule(
    "UndefinedArgInFrom", "FROM command must use declared ARGs", "undefined-arg-in-from"
)
WORKDIR_RELATIVE_PATH = Rule(
    "WorkdirRelativePath",
    "Relative workdir without an absolute workdir declared within the build can have "
    "unexpected results if the base image changes",
    "workdir-relative-path",
)
UNDEFINED_VAR = Rule(
    "UndefinedVar", "Variables should be defined before their use", "undefined-var"
)
MULTIPLE_INSTRUCTIONS_DISALLOWED = Rule(
    "MultipleInstructionsDisallowed",
    "Multiple instructions of the same type should not be used in the same stage",
    "multiple-instructions-disallowed",
)
LEGACY_KEY_VALUE_FORMAT = Rule(
    "LegacyKeyValueFormat",
    "Legacy key/value format with whitespace separator should not be used",
    "legacy-key-value-format",
)
INVALID_BASE_IMAGE_PLATFORM = Rule(
    "InvalidBaseImagePlatform", "Base image platform does not match expected target platform"
)
REDUNDANT_TARGET_PLATFORM = Rule(
    "RedundantTargetPlatform",
    "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the "
    "default behavior",
    "redundant-target-platform",
)
SECRETS_USED_IN_ARG_OR_ENV = Rule(
    "SecretsUsedInArgOrEnv",
    "Sensitive data should not be used in the ARG or ENV commands",
    "secrets-used-in-arg-or-env",
)
INVALID_DEFAULT_ARG_IN_FROM = Rule(
    "InvalidDefaultArgInFrom",
    "Default value for global ARG results in an empty or invalid base image name",
    "invalid-default-arg-in-from",
)
FROM_PLATFORM_FLAG_CONST_DISALLOWED = Rule(
    "FromPlatformFlagConstDisallowed",
    "FROM --platform flag should not use a constant value",
    "from-platform-flag-const-disallowed",
)
COPY_IGNORED_FILE = Rule(
    "CopyIgnoredFile",
    "Attempting to Copy file that is excluded by .dockerignore",
    "copy-ignored-file",
)
INVALID_DEFINITION_DESCRIPTION = Rule(
    "InvalidDefinitionDescription",
    "Comment for build stage or argument should follow the format: `# <arg/stage name> "
    "<description>`. If this is not intended to be a description comment, add an empty "
    "line or comment between the instruction and the comment.",
    "invalid-definition-description",
    experimental=True,
)
EXPOSE_PROTO_CASING = Rule(
    "ExposeProtoCasing",
    "Protocol in EXPOSE instruction should be lowercase",
    "expose-proto-casing",
)
EXPOSE_INVALID_FORMAT = Rule(
    "ExposeInvalidFormat",
    "IP address and host-port mapping should not be used in EXPOSE instruction. This will "
    "become an error in a future release",
    "expose-invalid-format",
)

RULES: Mapping[str, Rule] = {
    r.name: r
    for r in (
        STAGE_NAME_CASING, FROM_AS_CASING, NO_EMPTY_CONTINUATION,
        CONSISTENT_INSTRUCTION_CASING, DUPLICATE_STAGE_NAME, RESERVED_STAGE_NAME,
        JSON_ARGS_RECOMMENDED, MAINTAINER_DEPRECATED, UNDEFINED_ARG_IN_FROM,
        WORKDIR_RELATIVE_PATH, UNDEFINED_VAR, MULTIPLE_INSTRUCTIONS_DISALLOWED,
        LEGACY_KEY_VALUE_FORMAT, INVALID_BASE_IMAGE_PLATFORM, REDUNDANT_TARGET_PLATFORM,
        SECRETS_USED_IN_ARG_OR_ENV, INVALID_DEFAULT_ARG_IN_FROM,
        FROM_PLATFORM_FLAG_CONST_DISALLOWED, COPY_IGNORED_FILE,
        INVALID_DEFINITION_DESCRIPTION, EXPOSE_PROTO_CASING, EXPOSE_INVALID_FORMAT,
    )
}  # fmt: skip
"""Every rule upstream knows (the experimental ones run only when asked for)."""


@frozen
class CheckConfig:
    """Which rules run, and whether a warning fails the build."""

    skip_all: bool = False
    skip: frozenset[str] = frozenset()
    experimental_all: bool = False
    experimental: frozenset[str] = frozenset()
    error: bool = False

    def runs(self, rule: Rule) -> bool:
        if rule.experimental:
            return self.experimental_all or rule.name in self.experimental
        return not self.skip_all and rule.name not in self.skip

    def merged(self, other: CheckConfig) -> CheckConfig:
        """This config with ``other``'s skips and experiments added (not its ``error``)."""
        return replace(
            self,
            skip_all=self.skip_all or other.skip_all,
            skip=self.skip | other.skip,
            experimental_all=self.experimental_all or other.experimental_all,
            experimental=self.experimental | other.experimental,
        )

    def for_comments(self, comments: Sequence[str]) -> CheckConfig:
        """The config for one instruction: the first ``check=`` comment above it adds to it.

        As upstream, a comment whose options do not parse changes nothing.
        """
        if not comments:
            return self
        # Imported here: this module is read with the frontend options, before
        # (and in another thread than) the parser is loaded.
        from frontend.syntax.prelex import directive_in_comment

        for comment in comments:
            found = directive_in_comment(comment)
            if found is None or found[0] != "check":
                continue
            try:
                return self.merged(parse_check_options(_first_word(found[1])))
            except ValueError:
                return self
        return self


def parse_check_options(text: str) -> CheckConfig:
    """``skip=A,B;error=true;experimental=all``; ``ValueError`` with upstream's message."""
    text = text.strip(GO_SPACE)
    if not text:
        return CheckConfig()
    config = CheckConfig()
    for part in text.split(";", 2):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"invalid check option {go_quote(part)}")
        key, value = key.strip(GO_SPACE), value.strip(GO_SPACE)
        if key == "skip":
            if value == "all":
                config = replace(config, skip_all=True)
            else:
                config = replace(config, skip=_names(value))
        elif key == "experimental":
            if value == "all":
                config = replace(config, experimental_all=True)
            else:
                config = replace(config, experimental=_names(value))
        elif key == "error":
            config = replace(config, error=_go_bool(value, part))
        else:
            raise ValueError(f"invalid check option {go_quote(key)}")
    return config


def check_override(build_args: Mapping[str, str]) -> CheckConfig | None:
    """The ``BUILDKIT_DOCKERFILE_CHECK`` build arg's config, if given."""
    if CHECK_BUILD_ARG not in build_args:
        return None
    try:
        return parse_check_options(build_args[CHECK_BUILD_ARG])
    except ValueError as exc:
        raise DockerfileError(f"failed to parse build-arg:{CHECK_BUILD_ARG}: {exc}") from None


def check_config(
    directives: Iterable[tuple[str, str]], override: CheckConfig | None = None
) -> CheckConfig:
    """The build's config: ``override`` (the build arg) if given, else the directive's."""
    if override is not None:
        return override
    value = dict(directives).get("check", "")
    try:
        return parse_check_options(_first_word(value))
    except ValueError as exc:
        raise DockerfileError(f"failed to parse check options: {exc}") from None


def lint_error(warnings: Iterable[DockerfileWarning], config: CheckConfig) -> str | None:
    """The message that fails a build with ``error=true`` when a check warned."""
    rules = sorted({w.rule for w in warnings if w.rule})
    if not config.error or not rules:
        return None
    return "lint violation found for rules: " + ", ".join(rules)


def _first_word(value: str) -> str:
    return value.split(" ", 1)[0]


def _names(value: str) -> frozenset[str]:
    return frozenset(name.strip(GO_SPACE) for name in value.split(","))


def _go_bool(value: str, part: str) -> bool:
    try:
        return go_bool(value)
    except ValueError as exc:
        raise ValueError(f"failed to parse check option {go_quote(part)}: {exc}") from None
