"""What the build checks read besides the Dockerfile (config, platforms, base images)
and the reporter that collects their warnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from frontend.errors import DockerfileWarning
from frontend.frozen import frozen
from frontend.platform import Platform
from frontend.semantics.check_rules import CheckConfig, Rule
from frontend.semantics.ignore import IgnoreMatcher
from frontend.syntax import ast


@frozen
class StageBase:
    """What a stage's base image brings to the checks (its config, its platform)."""

    env: tuple[str, ...] = ()
    shell: tuple[str, ...] = ()
    os: str = "linux"
    name: str = ""
    """The base name as the FROM line gives it, ARGs expanded."""
    expected: Platform | None = None
    """The platform the build asked for; None when the image's is not checked."""
    actual: Platform | None = None
    """The platform in the image's config."""


@frozen
class CheckContext:
    """What the checks need besides the Dockerfile and its plan."""

    config: CheckConfig
    build_platform: Platform
    target_platform: Platform
    build_args: Mapping[str, str] = field(default_factory=dict)
    bases: Mapping[int, StageBase] = field(default_factory=dict)
    """Base images of the dispatched stages that start from one (not from a stage)."""
    ignore: IgnoreMatcher | None = None
    all_stages: bool = False
    """Check every stage, not only those the target needs (as ``docker build --check``)."""
    filename: str = "Dockerfile"


class Reporter:
    """Collects the warnings of the rules a config lets run."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.warnings: list[DockerfileWarning] = []

    def __call__(self, config: CheckConfig, rule: Rule, message: str, where: ast.Location) -> None:
        if not config.runs(rule):
            return
        self.warnings.append(
            DockerfileWarning(
                message,
                where.start_line,
                where.column,
                filename=self.filename,
                rule=rule.name,
                url=rule.url,
                description=rule.description,
                end_line=where.end_line,
            )
        )
