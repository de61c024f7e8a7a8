"""History ``created_by`` strings, formatted the way Docker's frontend writes them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """A double-quoted string with Go's escapes (``%q``)."""
    out = ['"']
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch == " " or (ch.isprintable() and unicodedata.category(ch)[0] != "Z"):
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


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
