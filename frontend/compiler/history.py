"""History ``created_by`` strings, formatted the way Docker's frontend writes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from frontend.compiler.image import Healthcheck
from frontend.gotext import go_duration, go_quote, go_quote_rune


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


def health_config(hc: Healthcheck) -> str:
    """``%q`` of the health config: ``&{["CMD" "true"] "5s" "0s" "0s" '\\x03'}``.

    The format of Docker Engine 20.10's frontend (BuildKit v0.8), which has no
    start interval; one given is printed after the start period, as the
    frontends that know it print it.
    """
    durations = [hc.interval, hc.timeout, hc.start_period]
    if hc.start_interval:
        durations.append(hc.start_interval)
    fields = [quoted_list(hc.test), *(go_quote(go_duration(d)) for d in durations)]
    return "&{" + " ".join([*fields, go_quote_rune(hc.retries)]) + "}"
