"""Dockerfile syntax: pre-lexer, Lark grammar, raw nodes and the typed AST.

``parse`` is the entry point; only ``DockerfileError`` ever escapes it (or
``parse_raw`` and ``parse_nodes``, the raw, upstream-shaped layer).

Imports only the foundation (``frontend.errors``, ``frontend.gotext``...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from frontend.errors import DockerfileError
from frontend.syntax.nodes import Node
from frontend.syntax.parser import Parsed
from frontend.syntax.parser import parse_nodes as _parse_nodes
from frontend.syntax.wording import CURRENT, Wording

if TYPE_CHECKING:  # the typed layer loads on first use: the raw parser starts without it
    from frontend.syntax import ast

__all__ = ["Parsed", "Wording", "parse", "parse_nodes", "parse_raw"]

T = TypeVar("T")


def parse_raw(source: str | bytes, filename: str = "Dockerfile") -> Parsed:
    """Directives, escape character, the raw node of each instruction and warnings."""

    def run() -> Parsed:
        parsed = _parse_nodes(source)
        warnings = tuple(replace(w, filename=filename) for w in parsed.warnings)
        return parsed._replace(warnings=warnings)

    return _with_filename(run, filename)


def parse_nodes(source: str | bytes, filename: str = "Dockerfile") -> list[Node]:
    """The raw, upstream-shaped node of each instruction."""
    return parse_raw(source, filename).nodes


def parse(
    source: str | bytes, filename: str = "Dockerfile", wording: Wording = CURRENT
) -> ast.Dockerfile:
    """Parse a Dockerfile into typed instructions; errors in the engine's ``wording``."""

    from frontend.syntax import ast
    from frontend.syntax.instructions import to_instruction  # the raw layer does without it

    def run() -> ast.Dockerfile:
        directives, escape, nodes, warnings = _parse_nodes(source)
        return ast.Dockerfile(
            directives=tuple(directives.items()),
            instructions=tuple(to_instruction(n, wording) for n in nodes),
            escape=escape,
            warnings=tuple(replace(w, filename=filename) for w in warnings),
            empty_continuations=tuple(
                n.empty_continuation_line for n in nodes if n.empty_continuation_line
            ),
        )

    return _with_filename(run, filename)


def _with_filename(fn: Callable[[], T], filename: str) -> T:
    try:
        return fn()
    except DockerfileError as exc:
        exc.filename = filename
        raise
    except RecursionError:
        raise DockerfileError("Dockerfile is nested too deeply", filename=filename) from None
