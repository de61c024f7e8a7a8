"""Warnings about stages that build but likely not as meant (newer frontends' build checks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from frontend.errors import DockerfileWarning
from frontend.semantics.stages import BuildPlan
from frontend.syntax import ast

_ONCE = (ast.Cmd, ast.Entrypoint, ast.Healthcheck)
"""Instructions of which only the last in a stage takes effect."""


def _overridden(commands: Iterable[ast.Instruction]) -> Iterator[ast.Instruction]:
    last: dict[type, ast.Instruction] = {}
    for node in commands:
        if isinstance(node, _ONCE):
            if type(node) in last:
                yield last[type(node)]
            last[type(node)] = node


def plan_warnings(plan: BuildPlan, filename: str = "Dockerfile") -> tuple[DockerfileWarning, ...]:
    """One warning per CMD, ENTRYPOINT or HEALTHCHECK a later one in its stage overrides."""
    return tuple(
        DockerfileWarning(
            f"Multiple {node.keyword} instructions should not be used in the same stage"
            " because only the last one will be used",
            node.location.start_line,
            filename=filename,
        )
        for i in sorted(plan.reachable)
        for node in _overridden(plan.stages[i].commands)
    )
