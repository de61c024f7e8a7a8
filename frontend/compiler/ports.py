"""EXPOSE port specs, read as Docker's frontend reads them.

A spec is ``[[ip:]host:]container[/proto]``; only the container ports are
exposed, but the IP and host ports must still be well formed. Up to BuildKit
v0.24 the frontend used Docker's ``nat.ParsePortSpec``; from v0.25 it has
its own, stricter reader (``strict``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from frontend.errors import DockerfileError
from frontend.gotext import go_quote

_PROTOCOLS = ("tcp", "udp", "sctp")
_UINT = re.compile(r"[0-9]+")


def _split_parts(spec: str) -> tuple[str, str, str]:
    """``ip``, ``host port``, ``container port`` (colons beyond two stay in the IP)."""
    parts = spec.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    return ":".join(parts[:-2]), parts[-2], parts[-1]


def _split_proto(raw: str) -> tuple[str, str]:
    """``port``, ``proto`` (``tcp`` when not given); only the first two ``/`` fields count."""
    parts = raw.split("/")
    if not parts[0]:
        return "", ""
    if len(parts) == 1 or not parts[1]:
        return parts[0], "tcp"
    return parts[0], parts[1]


def _port(text: str) -> int:
    if not _UINT.fullmatch(text) or int(text) > 0xFFFF:
        raise ValueError(text)
    return int(text)


def _port_range(text: str) -> tuple[int, int]:
    """``80`` or ``80-90``; anything after a second ``-`` is ignored."""
    if "-" not in text:
        port = _port(text)
        return port, port
    start_text, end_text = text.split("-")[:2]
    start, end = _port(start_text), _port(end_text)
    if end < start:
        raise ValueError(text)
    return start, end


def _check_ip(raw: str, *, strict: bool = False) -> None:
    """An IP, bracketed or not (``[::1]``): ``net.SplitHostPort(raw + ":")`` (for
    ``strict``, only a bracketed one), then ``net.ParseIP``."""
    word = "IP" if strict else "ip"

    def bad(why: str) -> DockerfileError:
        return DockerfileError(f"invalid {word} address {raw}: address {raw}:: {why} in address")

    bracketed = raw.startswith("[")
    if bracketed:
        end = raw.find("]")
        if end < 0:
            raise bad("missing ']'")
        if end + 1 != len(raw):
            raise bad("too many colons" if raw[end + 1] == ":" else "missing port")
        host = raw[1:end]
    elif ":" in raw and not strict:
        raise bad("too many colons")
    else:
        host = raw
    if bracketed and "[" in raw[1:]:
        raise bad("unexpected '['")
    if not strict and not bracketed and ("[" in raw or "]" in raw):
        raise bad("unexpected '['" if "[" in raw else "unexpected ']'")
    if not host:
        return
    try:
        if "%" in host:  # zones are not IPs to Go
            raise ValueError(host)
        ipaddress.ip_address(host)
    except ValueError:
        raise DockerfileError(f"invalid {word} address: {host}") from None


def _container_ports(
    container: str, host: str, read: Callable[[str], tuple[int, int]]
) -> tuple[int, int]:
    """The container port range; a host range must be well formed and fit it."""
    try:
        start, end = read(container)
    except ValueError:
        raise DockerfileError(f"invalid containerPort: {container}") from None
    if host:
        try:
            host_start, host_end = read(host)
        except ValueError:
            raise DockerfileError(f"invalid hostPort: {host}") from None
        if end - start != host_end - host_start and end != start:
            raise DockerfileError(
                f"invalid ranges specified for container and host Ports: {container} and {host}"
            )
    return start, end


def parse_ports(spec: str, *, strict: bool = False) -> list[str]:
    """The ``port/proto`` keys a spec exposes: ``8000-8001/udp`` → two keys."""
    if strict:
        return _strict_ports(spec)
    ip, host, raw = _split_parts(spec)
    container, proto = _split_proto(raw)
    _check_ip(ip)
    if not container:
        raise DockerfileError(f"no port specified: {spec}<empty>")
    start, end = _container_ports(container, host, _port_range)
    if proto.lower() not in _PROTOCOLS:
        raise DockerfileError(f"invalid proto: {proto}")
    suffix = f"/{proto.lower()}"
    return [f"{port}{suffix}" for port in range(start, end + 1)]


def _strict_port(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 0)`` (a sign is allowed), then 0-65535."""
    if not re.fullmatch(r"[+-]?[0-9]+", text) or not 0 <= int(text) <= 0xFFFF:
        raise ValueError(text)
    return int(text)


def _strict_range(text: str) -> tuple[int, int]:
    """``80`` or ``80-90`` (``80-80`` is one port); nothing else."""
    start_text, dash, end_text = text.partition("-")
    start = _strict_port(start_text)
    if not dash or start_text == end_text:
        return start, start
    end = _strict_port(end_text)
    if end < start:
        raise ValueError(text)
    return start, end


def _strict_ports(spec: str) -> list[str]:
    ip, host, raw = _split_parts(spec)
    container, _, proto = raw.partition("/")
    if not container:
        raise DockerfileError(f"invalid port: {go_quote(spec)}: no port specified")
    if proto.lower() not in ("", *_PROTOCOLS):
        raise DockerfileError(f"invalid port: {go_quote(spec)}: invalid proto: {proto}")
    _check_ip(ip, strict=True)
    start, end = _container_ports(container, host, _strict_range)
    suffix = f"/{(proto or 'tcp').lower()}"
    return [f"{port}{suffix}" for port in range(start, end + 1)]
