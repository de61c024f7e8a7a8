"""Go's text conventions that user-visible strings must reproduce.

Docker's frontend is written in Go: its error messages quote words with ``%q``,
its parser trims with ``unicode.IsSpace``, and the image history prints string
slices with ``%q``. Undecodable input bytes arrive here as surrogate escapes
(U+DC80..U+DCFF) and are shown as the bytes they were.
"""

from __future__ import annotations

SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
"""What Go's ``unicode.IsSpace`` (and so ``strings.TrimSpace``) calls whitespace."""

_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t",
            "\v": r"\v", '"': r"\"", "\\": r"\\"}  # fmt: skip


def _byte(code: int) -> int | None:
    """The raw byte a surrogate escape stands for, else None."""
    return code - 0xDC00 if 0xDC80 <= code <= 0xDCFF else None


def go_quote(text: str) -> str:
    """``text`` as Go's ``%q`` (``strconv.Quote``) prints it."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif (raw := _byte(code)) is not None:
            out.append(f"\\x{raw:02x}")
        elif ch.isprintable() and not 0xD800 <= code <= 0xDFFF:
            out.append(ch)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


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


def go_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``; ValueError for anything else."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(text)
