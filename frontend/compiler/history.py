"""History ``created_by`` strings, formatted the way Docker's frontend writes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from frontend.gotext import go_quote


def quoted_list(items: Iterable[str]) -> str:
    """``%q`` of a string slice: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(i) for i in items) + "]"


def plain_list(items: Iterable[str]) -> str:
    """``%v`` of a string slice: ``[a b]``."""
    return "[" + " ".join(items) + "]"


def port_map(ports: Iterable[str]) -> str:
    """``%v`` of a port set: ``map[80/tcp:{} 443/tcp:{}]``."""
    return "map[" + " ".join(f"{p}:{{}}" for p in sorted(ports)) + "]"


def run_command(
    args: Iterable[str],
    build_args: Iterable[tuple[str, str | None]],
    env: Mapping[str, str],
) -> str:
    """``|N K=V ... argv`` — the build args in force, then the command."""
    pairs = [f"{k}={env.get(k, v or '')}" for k, v in build_args]
    prefix = [f"|{len(pairs)}", *pairs] if pairs else []
    return " ".join([*prefix, *args])
