"""The ``from-vars`` extension: variables in ``COPY --from`` and ``RUN --mount from=``.

Each stage's ARG and ENV instructions are walked in order, as the compiler
walks them, so a reference sees the global ARGs the stage declares, the build
args, and the ARGs and ENVs above it in its stage (and in the stages it builds
on). The base image's own environment is not known before the stages to build
are chosen, so it plays no part here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import go_quote
from frontend.semantics.scope import ArgRules, Scope
from frontend.semantics.words import WordError, expand_word
from frontend.syntax import ast

NAME = "from-vars"


@frozen
class StageBody:
    """What the walk needs of a stage: the stage it builds on, and its instructions."""

    base: int | None
    commands: tuple[ast.Instruction, ...]


@frozen
class Expanded:
    """The references that held variables, as expanded: ``(stage, command)`` for a
    ``COPY --from``, ``(stage, command, mount)`` for a ``RUN --mount from=``."""

    copies: Mapping[tuple[int, int], str]
    mounts: Mapping[tuple[int, int, int], str]


def has_variables(word: str, escape: str) -> bool:
    """Whether expansion (variables, quotes or escapes) changes ``word``."""
    try:
        return expand_word(word, {}, escape) != word
    except WordError:
        return True


def expand_references(stages: Iterable[StageBody], rules: ArgRules, escape: str) -> Expanded:
    """Expand every reference holding variables, in its stage's scope at that line."""
    copies: dict[tuple[int, int], str] = {}
    mounts: dict[tuple[int, int, int], str] = {}
    finals: list[Scope] = []
    for index, stage in enumerate(stages):
        scope = finals[stage.base].child() if stage.base is not None else Scope.of_image(())
        for i, node in enumerate(stage.commands):
            if isinstance(node, ast.Copy) and node.from_ and has_variables(node.from_, escape):
                copies[index, i] = _expand(scope, node.from_, node, escape)
            elif isinstance(node, ast.Run):
                for j, mount in enumerate(node.mounts):
                    if "from" in mount.unexpanded:
                        mounts[index, i, j] = _expand(scope, mount.from_, node, escape)
            try:
                scope = scope.after(node, rules, escape)
            except WordError as exc:
                raise located(str(exc), node) from None
        finals.append(scope)
    return Expanded(copies, mounts)


def _expand(scope: Scope, word: str, node: ast.Instruction, escape: str) -> str:
    try:
        value = expand_word(word, scope.env, escape)
    except WordError as exc:
        raise located(f"{_flag(node)}{word}: {exc}", node) from None
    if not value:
        raise located(f"{_flag(node)}{word} expands to an empty value", node)
    return value


def _flag(node: ast.Instruction) -> str:
    return "--from=" if isinstance(node, ast.Copy) else "--mount from="


def expanded_error(word: str, value: str, why: str, node: ast.Instruction) -> DockerfileError:
    """A reference whose expanded value names nothing usable."""
    return located(f"{_flag(node)}{word} expands to {go_quote(value)}: {why}", node)


def located(message: str, node: ast.Instruction) -> DockerfileError:
    """An error at ``node``'s lines."""
    where = node.location
    return DockerfileError(
        message, line=where.start_line, end_line=where.end_line, column=where.column
    )
