"""History ``created_by`` strings, formatted the way Docker's frontend writes them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from frontend.compiler.image import Healthcheck
from frontend.compiler.imageformat import ImageFormat
from frontend.gotext import go_duration, go_quote, go_quote_rune


def quoted_list(items: Iterable[str]) -> str:
    """``%q`` of a string slice: ``["a" "b"]``."""
    return "[" + " ".join(go_quote(i) for i in items) + "]"


def plain_list(items: Iterable[str]) -> str:
    """``%v`` of a string slice: ``[a b]``."""
    return "[" + " ".join(items) + "]"


def port_map(ports: Iterable[str]) -> str:
    """``%v`` of a port set: ``map[80/tcp:{} 443/tcp:{}]``."""
    return "map[" + " ".join(f"{p}:{{}}" for p in sorted(set(ports))) + "]"


def run_command(
    args: Iterable[str],
    build_args: Iterable[tuple[str, str | None]],
    env: Mapping[str, str],
    *,
    unique: bool = True,
) -> str:
    """``|N K=V ... argv`` — the build args in force, then the command.

    ``unique``: an arg declared again is listed once, where it first was, with
    its last value (older frontends list every declaration).
    """
    pairs: dict[str | int, str] = {}
    for i, (k, v) in enumerate(build_args):
        pairs[k if unique else i] = f"{k}={env.get(k, v or '')}"
    prefix = [f"|{len(pairs)}", *pairs.values()] if pairs else []
    return " ".join([*prefix, *args])


def health_config(hc: Healthcheck, fmt: ImageFormat) -> str:
    """The health config as the history prints it.

    Newest: ``%+v`` of the struct, ``{Test:[CMD true] Interval:5s ... Retries:3}``.
    Before: ``%q`` of its pointer, ``&{["CMD" "true"] "5s" "0s" "0s" "0s" '\\x03'}``,
    where BuildKit v0.8-v0.11 have no start interval (one given is printed after
    the start period, as the frontends that know it print it).
    """
    if fmt.health_fields:
        named = [("Test", plain_list(hc.test)), ("Interval", go_duration(hc.interval)),
                 ("Timeout", go_duration(hc.timeout)),
                 ("StartPeriod", go_duration(hc.start_period)),
                 ("StartInterval", go_duration(hc.start_interval)),
                 ("Retries", str(hc.retries))]  # fmt: skip
        return "{" + " ".join(f"{k}:{v}" for k, v in named) + "}"
    durations = [hc.interval, hc.timeout, hc.start_period]
    if hc.start_interval or fmt.health_start_interval:
        durations.append(hc.start_interval)
    fields = [quoted_list(hc.test), *(go_quote(go_duration(d)) for d in durations)]
    return "&{" + " ".join([*fields, go_quote_rune(hc.retries)]) + "}"
