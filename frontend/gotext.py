"""Go's text conventions that user-visible strings must reproduce.

Docker's frontend is written in Go: its error messages quote words with ``%q``,
its parser trims with ``unicode.IsSpace``, and the image history prints string
slices with ``%q``. Undecodable input bytes arrive here as surrogate escapes
(U+DC80..U+DCFF) and are shown as the bytes they were.
"""

from __future__ import annotations

import datetime
import json
import posixpath
import re
from collections.abc import Mapping
from typing import Any

SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
"""What Go's ``unicode.IsSpace`` (and so ``strings.TrimSpace``) calls whitespace."""

_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t",
            "\v": r"\v", '"': r"\"", "\\": r"\\"}  # fmt: skip


def _byte(code: int) -> int | None:
    """The raw byte a surrogate escape stands for, else None."""
    return code - 0xDC00 if 0xDC80 <= code <= 0xDCFF else None


def _escaped(ch: str, quote: str) -> str:
    """One character inside Go's ``quote``-delimited literal."""
    code = ord(ch)
    if ch in (quote, "\\"):
        return "\\" + ch
    if ch in _ESCAPES and ch != '"':
        return _ESCAPES[ch]
    if ch.isprintable() and not 0xD800 <= code <= 0xDFFF:
        return ch
    if code < 0x80:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_SURROGATE = "[\ud800-\udfff]"


def raw_bytes(text: str) -> bytes:
    """The bytes ``text`` stands for: undecodable input bytes as they were (Go keeps
    them in its strings and writes them out in ``[]byte`` fields, file contents)."""
    return text.encode("utf-8", "surrogateescape")


def printable(text: str) -> str:
    """``text`` safe to print or send as UTF-8: each undecodable byte (or other lone
    surrogate) becomes U+FFFD, as Go's JSON encoder and gRPC show them."""
    return re.sub(_SURROGATE, "\ufffd", text)


def utf8(text: str) -> bytes:
    """``printable(text)`` encoded: what this frontend sends or prints of a string."""
    return printable(text).encode("utf-8")


def go_quote(text: str) -> str:
    """``text`` as Go's ``%q`` (``strconv.Quote``) prints it."""
    out = ['"']
    for ch in text:
        raw = _byte(ord(ch))
        out.append(f"\\x{raw:02x}" if raw is not None else _escaped(ch, '"'))
    out.append('"')
    return "".join(out)


def go_quote_rune(value: int) -> str:
    """An integer as Go's ``%q`` prints it: a quoted character, ``'\\x05'``."""
    valid = 0 <= value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF
    return "'" + _escaped(chr(value) if valid else "\ufffd", "'") + "'"


def _fraction(value: int, digits: int) -> tuple[str, int]:
    """``value`` over ``10**digits``: the fraction (``.5``, or empty), the whole part."""
    whole, rest = divmod(value, 10**digits)
    text = f"{rest:0{digits}d}".rstrip("0") if digits else ""
    return (f".{text}" if text else ""), whole


def go_duration(ns: int) -> str:
    """Nanoseconds as Go's ``time.Duration.String``: ``1h2m3.5s``, ``100ms``, ``0s``."""
    if ns == 0:
        return "0s"
    sign, u = ("-" if ns < 0 else ""), abs(ns)
    if u < 1_000_000_000:
        unit, digits = ("ns", 0) if u < 1_000 else ("µs", 3) if u < 1_000_000 else ("ms", 6)
        frac, whole = _fraction(u, digits)
        return f"{sign}{whole}{frac}{unit}"
    frac, secs = _fraction(u, 9)
    mins, hours = secs // 60 % 60, secs // 3600
    text = f"{secs % 60}{frac}s"
    if secs >= 60:
        text = f"{mins}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def time_quote(text: str) -> str:
    """Quoting as Go's ``time`` package does in its errors: control and non-ASCII
    characters as ``\\x`` bytes of their UTF-8 encoding, ``"`` and ``\\`` escaped."""
    out = ['"']
    for ch in text:
        if ch < " " or ord(ch) >= 0x80:
            data = ch.encode("utf-8", "surrogateescape")
            out.append("".join(f"\\x{b:02x}" for b in data))
        else:
            out.append("\\" + ch if ch in '"\\' else ch)
    out.append('"')
    return "".join(out)


JSON_TIME_RANGE = (-62_167_219_200, 253_402_300_799)
"""The seconds (Unix time) Go's ``time.Time`` can write as JSON: years 0 to 9999."""

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_GREGORIAN_CYCLE = 146_097 * 86_400
"""Seconds in 400 years: the Gregorian calendar repeats after them."""


def go_json_time(seconds: int) -> str:
    """A whole second in UTC as Go's ``time.Time`` writes it in JSON (RFC 3339);
    ValueError outside ``JSON_TIME_RANGE``, as Go's encoder refuses it."""
    low, high = JSON_TIME_RANGE
    if not low <= seconds <= high:
        raise ValueError("year outside of range [0,9999]")
    shift = 400 if seconds < low + _GREGORIAN_CYCLE else 0  # Python has no year 0
    moment = _EPOCH + datetime.timedelta(seconds=seconds + shift // 400 * _GREGORIAN_CYCLE)
    return f"{moment.year - shift:04d}" + moment.strftime("-%m-%dT%H:%M:%SZ")


def clean_path(path: str) -> str:
    """Lexically clean a slash path like Go's ``path.Clean`` (no leading ``//``)."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def go_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``; ``GoNumError`` (a ValueError) for anything else."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise GoNumError("ParseBool", text, "invalid syntax")


class GoNumError(ValueError):
    """Go's ``strconv`` failure: ``kind`` is ``invalid syntax`` or ``value out of range``;
    the message is Go's, ``strconv.ParseInt: parsing "x": invalid syntax``."""

    def __init__(self, func: str, text: str, kind: str) -> None:
        super().__init__(f"strconv.{func}: parsing {go_quote(text)}: {kind}")
        self.kind = kind


def go_parse_uint(text: str, base: int, bits: int = 64) -> int:
    """Go's ``strconv.ParseUint`` with an explicit base (no sign, prefix or ``_``)."""
    if not text:
        raise GoNumError("ParseUint", text, "invalid syntax")
    limit = (1 << bits) - 1
    value = 0
    for ch in text:
        digit = int(ch, 36) if ch.isascii() and ch.isalnum() else base
        if digit >= base:
            raise GoNumError("ParseUint", text, "invalid syntax")
        value = value * base + digit
        if value > limit:
            raise GoNumError("ParseUint", text, "value out of range")
    return value


def go_parse_int(text: str, base: int = 10, bits: int = 64) -> int:
    """Go's ``strconv.ParseInt`` with an explicit base: an optional sign, then digits."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    try:
        value = go_parse_uint(digits, base, bits)
    except GoNumError as exc:
        raise GoNumError("ParseInt", text, exc.kind) from None
    if text.startswith("-"):
        value = -value
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise GoNumError("ParseInt", text, "value out of range")
    return value


def tabwrite(text: str, padding: int) -> str:
    """``text`` aligned as Go's ``text/tabwriter`` aligns it (min width 0, tab width 0,
    space padding, no flags): each tab-terminated cell padded to its column's width
    in its block of consecutive lines plus ``padding``; a line's last cell as is."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    for i, cells in enumerate(lines):
        row = []
        for column, cell in enumerate(cells[:-1]):
            row.append(cell.ljust(_column_width(lines, i, column) + padding))
        out.append("".join(row) + cells[-1])
    return "\n".join(out)


def _column_width(lines: list[list[str]], index: int, column: int) -> int:
    """The widest cell of ``column`` in the run of lines around ``index`` that have it."""
    first = index
    while first > 0 and len(lines[first - 1]) - 1 > column:
        first -= 1
    last = index
    while last + 1 < len(lines) and len(lines[last + 1]) - 1 > column:
        last += 1
    return max(len(lines[j][column]) for j in range(first, last + 1))


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}  # fmt: skip
_JSON_ESCAPED = "[<>&\u2028\u2029\ud800-\udfff]"
_JSON_OLD_CONTROLS = {"\\b": "\\u0008", "\\f": "\\u000c"}


def go_json(obj: Any, indent: int | None = 2, *, go121: bool = False) -> str:
    """JSON as Go's ``encoding/json`` writes it: UTF-8 as is, HTML characters and
    U+2028/U+2029 escaped, undecodable bytes (lone surrogates) as ``\\ufffd``.

    ``go121``: as Go 1.21 and older wrote it, ``\\u0008`` and ``\\u000c`` for
    backspace and form feed (newer Go writes ``\\b`` and ``\\f``, as Python does).
    """
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(obj, indent=indent, ensure_ascii=False, separators=separators)
    text = re.sub(_JSON_ESCAPED, lambda m: _JSON_ESCAPES.get(m[0], "\\ufffd"), text)
    if go121:
        text = re.sub(r"(\\+)([bf])", _old_control, text)
    return text


def _old_control(match: re.Match[str]) -> str:
    slashes, letter = match[1], match[2]
    if len(slashes) % 2 == 0:  # an escaped backslash, then a plain letter
        return match[0]
    return slashes[:-1] + _JSON_OLD_CONTROLS["\\" + letter]


def json_field(obj: Mapping[str, object], key: str) -> object:
    """``obj[key]``, matching the key case-insensitively as Go's JSON decoder does."""
    if key in obj:
        return obj[key]
    folded = key.casefold()
    for name, value in obj.items():
        if name.casefold() == folded:
            return value
    return None
