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
from frontend.syntax.parser import Parsed, parse_lines
from frontend.syntax.parser import parse_nodes as _parse_nodes
from frontend.syntax.prelex import Prelexer
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
    """Parse a Dockerfile into typed instructions, each typed as soon as its line is parsed;
    errors in the engine's ``wording``.

    As upstream, the file's syntax errors come before any instruction's: an
    instruction's error is raised once the whole file has been read.
    """

    from frontend.syntax import ast
    from frontend.syntax.transformer import TypedBuilder  # the raw layer does without it

    empty_continuations: list[int] = []

    def transformer(lexer: Prelexer) -> TypedBuilder:
        return TypedBuilder(lexer, empty_continuations, wording)

    def run() -> ast.Dockerfile:
        directives, escape, typed, warnings = parse_lines(source, transformer=transformer)
        for item in typed:
            if isinstance(item, DockerfileError):
                raise item
        return ast.Dockerfile(
            directives=tuple(directives.items()),
            instructions=tuple(typed),
            escape=escape,
            warnings=tuple(replace(w, filename=filename) for w in warnings),
            empty_continuations=tuple(empty_continuations),
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
