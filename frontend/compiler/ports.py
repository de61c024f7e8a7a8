"""EXPOSE port specs, read as Docker's ``nat.ParsePortSpec`` reads them.

A spec is ``[[ip:]host:]container[/proto]``; only the container ports are
exposed, but the IP and host ports must still be well formed.
"""

from __future__ import annotations

import ipaddress
import re

from frontend.errors import DockerfileError

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


def _check_ip(raw: str) -> None:
    """An IP, bracketed or not (``[::1]``), checked as ``net.SplitHostPort(raw + ":")``
    then ``net.ParseIP`` check it."""

    def bad(why: str) -> DockerfileError:
        return DockerfileError(f"invalid ip address {raw}: address {raw}:: {why} in address")

    bracketed = raw.startswith("[")
    if bracketed:
        end = raw.find("]")
        if end < 0:
            raise bad("missing ']'")
        if end + 1 != len(raw):
            raise bad("too many colons" if raw[end + 1] == ":" else "missing port")
        host = raw[1:end]
    elif ":" in raw:
        raise bad("too many colons")
    else:
        host = raw
    if "[" in raw[int(bracketed) :]:
        raise bad("unexpected '['")
    if not bracketed and "]" in raw:
        raise bad("unexpected ']'")
    if not host:
        return
    try:
        if "%" in host:  # zones are not IPs to Go
            raise ValueError(host)
        ipaddress.ip_address(host)
    except ValueError:
        raise DockerfileError(f"invalid ip address: {host}") from None


def parse_ports(spec: str) -> list[str]:
    """The ``port/proto`` keys a spec exposes: ``8000-8001/udp`` → two keys."""
    ip, host, raw = _split_parts(spec)
    container, proto = _split_proto(raw)
    _check_ip(ip)
    if not container:
        raise DockerfileError(f"no port specified: {spec}<empty>")
    try:
        start, end = _port_range(container)
    except ValueError:
        raise DockerfileError(f"invalid containerPort: {container}") from None
    if host:
        try:
            host_start, host_end = _port_range(host)
        except ValueError:
            raise DockerfileError(f"invalid hostPort: {host}") from None
        if end - start != host_end - host_start and end != start:
            raise DockerfileError(
                f"invalid ranges specified for container and host Ports: {container} and {host}"
            )
    if proto.lower() not in _PROTOCOLS:
        raise DockerfileError(f"invalid proto: {proto}")
    return [f"{port}/{proto.lower()}" for port in range(start, end + 1)]
