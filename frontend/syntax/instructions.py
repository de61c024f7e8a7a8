"""Instruction parts → typed AST, as BuildKit's ``instructions`` package accepts and rejects them.

``build`` types one instruction from its parts (a ``Request``), as the typed
transformer (``transformer.TypedBuilder``) reads them from a line, or
``to_instruction`` from a raw node. ``BUILDERS`` holds one builder per keyword
and ``FLAGS`` the flags each keyword accepts. A builder checks arguments and
flags in upstream's order, so the first error reported is upstream's, pinned
to the flag's or keyword's column. Values stay raw: ``parse_mount`` is shared
with the compiler, which re-parses a mount whose values hold variables once it
can expand them.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import GoNumError, go_bool, go_parse_int, go_parse_uint, go_quote, time_quote
from frontend.syntax import ast
from frontend.syntax.heredoc import marker_name
from frontend.syntax.lalr import LineError, Token
from frontend.syntax.nodes import Heredoc, Node
from frontend.syntax.parser import line_parser, split_flag
from frontend.syntax.wording import CURRENT, Wording


class _Invalid(ValueError):
    """A rule broken; the caller knows where (see ``Request.at``)."""


# ---- Go behaviour the rules depend on -----------------------------------------


def _distance(a: str, b: str, limit: int) -> int:
    """The edit (Levenshtein) distance of ``a`` and ``b`` when at most ``limit``, else
    ``limit + 1``; only cells within ``limit`` of the diagonal are computed, so the
    cost grows with the shorter word's length, not with the product."""
    over = limit + 1
    if abs(len(a) - len(b)) > limit:
        return over
    prev = {j: j for j in range(min(len(b), limit) + 1)}
    for i, ca in enumerate(a, 1):
        row = {0: i} if i <= limit else {}
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            row[j] = min(
                prev.get(j - 1, over) + (ca != b[j - 1]),
                prev.get(j, over) + 1,
                row.get(j - 1, over) + 1,
                over,
            )
        if min(row.values(), default=over) > limit:
            return over
        prev = row
    return prev.get(len(b), over)


MAX_SUGGESTED = 64
"""Longest word a spelling is suggested for (upstream has no limit; the cost grows with it)."""


def suggest(word: str, options: list[str], case_sensitive: bool = True) -> str | None:
    """The option within edit distance 2 of ``word`` (closest first), as upstream suggests;
    none for a word longer than ``MAX_SUGGESTED``."""
    if len(word) > MAX_SUGGESTED:
        return None
    val = word if case_sensitive else word.lower()
    match, best = None, 3
    for option in options:
        opt = option if case_sensitive else option.lower()
        if opt == val:
            return None
        distance = _distance(val, opt, best - 1)
        if distance < best:
            match, best = opt, distance
    if match is None or case_sensitive:
        return match
    return match.upper() if word == word.upper() and word != word.lower() else match


def _same_start(word: str, options: list[str], least: int = 3) -> str | None:
    """The one option sharing the longest start (``least`` characters or more) with
    ``word``, in ``word``'s case: ``FROBNICATE`` suggests ``FROM``.

    Upstream offers nothing past edit distance 2; this catches the rest of the
    likely mistakes, so it is only used once ``suggest`` found nothing.
    """
    val = word.lower()
    scores: dict[int, list[str]] = {}
    for option in options:
        opt = option.lower()
        common = len(os.path.commonprefix([val, opt]))
        scores.setdefault(common, []).append(opt)
    best = max(scores, default=0)
    if best < least or len(scores[best]) != 1:
        return None
    match = scores[best][0]
    return match.upper() if word == word.upper() else match


def _did_you_mean(match: str | None) -> str:
    return f" (did you mean {match}?)" if match else ""


def _go_int32(text: str) -> int:
    """Go's ``strconv.ParseInt(text, 10, 32)``, failing with Go's message."""
    try:
        return go_parse_int(text, 10, 32)
    except GoNumError as exc:
        raise _Invalid(str(exc)) from None


_NANOSECONDS = {"ns": 1, "us": 10**3, "\u00b5s": 10**3, "\u03bcs": 10**3, "ms": 10**6,
                "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}  # fmt: skip
_DURATION_NUMBER = re.compile(r"([0-9]*)(\.([0-9]*))?")
_MAX_DURATION = 1 << 63
_SIMPLE_DURATION = re.compile("([1-9][0-9]{0,5})(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
"""A duration of one unsigned number and a unit, too small to overflow."""


def _fraction(digits: str) -> tuple[int, float]:
    """Go's ``leadingFraction``: the digits it keeps before overflowing, and their scale."""
    value, scale = 0, 1.0
    for ch in digits:
        if value > (_MAX_DURATION - 1) // 10 or value * 10 + int(ch) > _MAX_DURATION:
            break
        value = value * 10 + int(ch)
        scale *= 10
    return value, scale


def _invalid_duration(text: str) -> _Invalid:
    return _Invalid(f"time: invalid duration {time_quote(text)}")


def parse_duration(text: str) -> int:
    """Nanoseconds in a Go duration (``1h30m``, ``1.5s``, ``-2ms``), as ``time.ParseDuration``.

    Raises ``ValueError`` with Go's message.
    """
    simple = _SIMPLE_DURATION.fullmatch(text)
    if simple:  # what the loop below makes of one whole number and a unit
        return int(simple.group(1)) * _NANOSECONDS[simple.group(2)]
    rest = text[1:] if text[:1] in ("+", "-") else text
    if rest == "0":
        return 0
    if not rest:
        raise _invalid_duration(text)
    total = 0
    while rest:
        if not (rest[0] == "." or "0" <= rest[0] <= "9"):
            raise _invalid_duration(text)
        number = _DURATION_NUMBER.match(rest)
        assert number is not None
        whole, fraction = number.group(1), number.group(3) or ""
        if not whole and not fraction:
            raise _invalid_duration(text)
        rest = rest[number.end() :]
        unit_len = next((i for i, c in enumerate(rest) if c == "." or "0" <= c <= "9"), len(rest))
        if unit_len == 0:
            raise _Invalid(f"time: missing unit in duration {time_quote(text)}")
        unit_name, rest = rest[:unit_len], rest[unit_len:]
        unit = _NANOSECONDS.get(unit_name)
        if unit is None:
            raise _Invalid(
                f"time: unknown unit {time_quote(unit_name)} in duration {time_quote(text)}"
            )
        value = int(whole or "0")
        if value > _MAX_DURATION // unit:
            raise _invalid_duration(text)
        value *= unit
        frac, scale = _fraction(fraction)
        if frac:
            value += int(frac * (unit / scale))
        total += value
        if value > _MAX_DURATION or total > _MAX_DURATION:
            raise _invalid_duration(text)
    if text.startswith("-"):
        return -total
    if total > _MAX_DURATION - 1:
        raise _invalid_duration(text)
    return total


_GO_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_RAM_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def _ram_in_bytes(text: str) -> int:
    """Bytes in ``64m``, ``1.5GiB``, ``512`` (docker/go-units ``RAMInBytes``: binary units)."""
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep < 0:
        raise ValueError(text)
    number, suffix = text[: sep if text[sep] == " " else sep + 1], text[sep + 1 :]
    if not _GO_FLOAT.fullmatch(number):
        raise ValueError(text)
    size = float(number)
    if size < 0:
        raise ValueError(text)
    suffix = suffix.lower()
    if suffix in ("", "b"):
        return int(size)
    if len(suffix) > 3 or suffix[0] not in _RAM_UNITS or suffix[1:] not in ("", "b", "ib"):
        raise ValueError(text)
    return int(size * _RAM_UNITS[suffix[0]])


def _byte_column(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogateescape")) + 1


def _csv_fields(line: str) -> list[str]:
    """One CSV record, as ``csvvalue.Fields``, read by the grammar's ``csv`` rule."""
    line = line.removesuffix("\n").removesuffix("\r") if line.endswith("\n") else line
    if not line:
        raise _Invalid("EOF")
    if '"' not in line:  # the grammar's fields are then what lies between the commas
        return line.split(",")
    try:
        fields: list[str] = line_parser("\\", "csv")(line, {"csv": partial(_csv_record, line)})
    except LineError:  # the grammar reads any text: this is a bug
        raise _Invalid(f"cannot parse {go_quote(line)}") from None
    return fields


def _csv_record(line: str, tokens: list[Token]) -> list[str]:
    """The fields of a ``csv`` reduction: an empty one where two commas meet; the first
    error token raises Go's error at its column."""
    fields, field = [], ""
    for token in tokens:
        kind = token.type
        if kind == "CSV_COMMA":
            fields.append(field)
            field = ""
        elif kind == "CSV_BARE":
            field = str(token)
        elif kind == "CSV_QUOTED":
            field = token[1:-1].replace('""', '"')
        elif kind == "CSV_STRAY":
            raise _csv_error(line, token.start_pos, 'bare " in non-quoted-field')
        elif kind == "CSV_AFTER_QUOTE":
            raise _csv_error(line, token.start_pos - 1, _EXTRANEOUS_QUOTE)
        else:  # CSV_UNCLOSED: Go points after the last doubled quote (or the opening one)
            pairs = token.rfind('""', 1)
            where = token.start_pos + (pairs + 2 if pairs > 0 else 1)
            raise _csv_error(line, where, _EXTRANEOUS_QUOTE)
    fields.append(field)
    return fields


_EXTRANEOUS_QUOTE = 'extraneous or missing " in quoted-field'


def _csv_error(line: str, index: int, what: str) -> _Invalid:
    return _Invalid(f"parse error on line 1, column {_byte_column(line, index)}: {what}")


# ---- RUN --mount and --device ---------------------------------------------------

MOUNT_TYPES: tuple[ast.MountType, ...] = ("bind", "cache", "tmpfs", "secret", "ssh")
SHARE_MODES: tuple[ast.ShareMode, ...] = ("shared", "private", "locked")
MOUNT_KEYS = ("type", "from", "source", "target", "readonly", "id", "sharing", "required",
              "size", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite",
              "env")  # fmt: skip
"""Every ``--mount`` option, in the order upstream suggests from."""

_NEEDS_EXPANSION = re.compile(r"[$'\"\\`]")

Expand = Callable[[str], str]
"""A word expander (the compiler's, with the stage's variables)."""


@dataclass(slots=True)
class _MountDraft:
    """A mount being parsed; frozen into ``ast.Mount`` at the end."""

    spec: str
    type: ast.MountType = "bind"
    target: str = ""
    source: str = ""
    from_: str = ""
    readonly: bool | None = None
    id: str = ""
    sharing: ast.ShareMode | None = None
    required: bool = False
    size: int = 0
    env: str | None = None
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    unexpanded: list[str] = field(default_factory=list)

    def only_for(self, key: str, *types: ast.MountType) -> None:
        """Refuse ``key`` on other mount types (unless the type waits for expansion)."""
        if "type" not in self.unexpanded and self.type not in types:
            raise _Invalid(f"unexpected key '{key}' for mount type '{self.type}'")


def _set_type(m: _MountDraft, key: str, value: str) -> None:
    for kind in MOUNT_TYPES:
        if kind == value.lower():
            m.type = kind
            return
    hint = _did_you_mean(suggest(value, list(MOUNT_TYPES)))
    raise _Invalid(f"unsupported mount type {go_quote(value)}{hint}")


def _set_sharing(m: _MountDraft, key: str, value: str) -> None:
    for mode in SHARE_MODES:
        if mode == value.lower():
            m.sharing = mode
            return
    hint = _did_you_mean(suggest(value, list(SHARE_MODES)))
    raise _Invalid(f"unsupported sharing value {go_quote(value)}{hint}")


def _word(attr: str) -> Callable[[_MountDraft, str, str], None]:
    def store(m: _MountDraft, key: str, value: str) -> None:
        setattr(m, attr, value)

    return store


def _bool_value(key: str, value: str) -> bool:
    try:
        return go_bool(value)
    except ValueError:
        raise _Invalid(f"invalid value for {key}: {value}") from None


def _set_readonly(m: _MountDraft, key: str, value: str) -> None:
    m.readonly = _bool_value(key, value)


def _set_readwrite(m: _MountDraft, key: str, value: str) -> None:
    m.readonly = not _bool_value(key, value)


def _set_required(m: _MountDraft, key: str, value: str) -> None:
    m.only_for(key, "secret", "ssh")
    m.required = _bool_value(key, value)


def _set_size(m: _MountDraft, key: str, value: str) -> None:
    m.only_for(key, "tmpfs")
    try:
        m.size = _ram_in_bytes(value)
    except ValueError:
        raise _Invalid(f"invalid value for {key}: {value}") from None


def _number(attr: str, base: int) -> Callable[[_MountDraft, str, str], None]:
    def store(m: _MountDraft, key: str, value: str) -> None:
        try:
            setattr(m, attr, go_parse_uint(value, base, 32))
        except ValueError:
            raise _Invalid(f"invalid value {value} for {key}") from None

    return store


_MOUNT_OPTIONS: dict[str, Callable[[_MountDraft, str, str], None]] = {
    "type": _set_type,
    "from": _word("from_"),
    "source": _word("source"),
    "src": _word("source"),
    "target": _word("target"),
    "dst": _word("target"),
    "destination": _word("target"),
    "readonly": _set_readonly,
    "ro": _set_readonly,
    "readwrite": _set_readwrite,
    "rw": _set_readwrite,
    "required": _set_required,
    "size": _set_size,
    "id": _word("id"),
    "sharing": _set_sharing,
    "mode": _number("mode", 8),
    "uid": _number("uid", 10),
    "gid": _number("gid", 10),
    "env": _word("env"),
}
"""``--mount`` option → how its value is checked and stored (aliases share handlers)."""

_WORD_OPTIONS = frozenset(("from", "source", "src", "target", "dst", "destination", "id", "env"))


def _mount_field(
    m: _MountDraft, field_text: str, expand: Expand | None, from_vars: bool = False
) -> None:
    """Apply one ``key[=value]`` field of a mount spec (``from_vars``: a ``from``
    holding variables waits for expansion, as other values do)."""
    key, has_value, value = field_text.partition("=")
    key = key.lower()
    if not has_value:
        if key in ("readonly", "ro", "readwrite", "rw", "required"):
            _MOUNT_OPTIONS[key](m, key, "true")
            return
        raise _Invalid(f"invalid field '{field_text}' must be a key=value pair")
    if key not in _MOUNT_OPTIONS:
        hint = _did_you_mean(suggest(key, list(MOUNT_KEYS)))
        raise _Invalid(f"unexpected key '{key}' in '{field_text}'{hint}")
    if expand is not None:
        value = expand(value)
    elif key == "from" and not from_vars and -1 < value.find("$") < len(value) - 1:
        raise _Invalid(f"'{key}' doesn't support variable expansion, define alias stage instead")
    elif _NEEDS_EXPANSION.search(value):
        m.unexpanded.append(key)
        if key in _WORD_OPTIONS:
            _MOUNT_OPTIONS[key](m, key, value)
        return
    _MOUNT_OPTIONS[key](m, key, value)


def _check_mount(m: _MountDraft) -> None:
    """Upstream's rules across options, once every value is known."""
    if m.type not in ("secret", "ssh", "cache"):
        for name in ("mode", "uid", "gid"):
            if getattr(m, name) is not None:
                raise _Invalid(f'{name} not allowed for "{m.type}" type mounts')
    if m.type == "secret":
        if m.from_:
            raise _Invalid("secret mount should not have a from")
        if m.sharing:
            raise _Invalid("secret mount should not define sharing")
        if not (m.source or m.target or m.id):
            raise _Invalid("invalid secret mount. one of source, target required")
        if m.source and m.id:
            raise _Invalid("both source and id can't be set")
    if m.sharing and m.type != "cache":
        raise _Invalid(f"invalid cache sharing set for {m.type} mount")


def _mount(spec: str, expand: Expand | None, from_vars: bool = False) -> ast.Mount:
    try:
        fields = _csv_fields(spec)
    except _Invalid as exc:
        raise _Invalid(f"failed to parse csv mounts: {exc}") from None
    m = _MountDraft(spec)
    for text in fields:
        _mount_field(m, text, expand, from_vars)
    if not m.unexpanded:
        _check_mount(m)
    readonly = m.readonly
    if readonly is None:
        readonly = m.type not in ("cache", "tmpfs")
    return ast.Mount(spec, m.type, m.target, m.source, m.from_, readonly, m.id, m.sharing,
                     m.required, m.size, m.env, m.mode, m.uid, m.gid,
                     tuple(m.unexpanded))  # fmt: skip


def parse_mount(spec: str, expand: Expand | None = None) -> ast.Mount:
    """A ``RUN --mount`` value as a typed mount, with upstream's defaults and checks.

    Without ``expand``, values are taken as written and a value holding
    variables (or quotes or escapes) waits: see ``ast.Mount.unexpanded``.
    With ``expand`` (the compiler's), every value is expanded, then checked.
    Raises ``DockerfileError`` without a location.
    """
    try:
        return _mount(spec, expand)
    except _Invalid as exc:
        raise DockerfileError(str(exc)) from None


def _device(spec: str) -> ast.Device:
    """A ``RUN --device`` value: ``name[,required[=bool]]`` or ``name=...``."""
    try:
        fields = _csv_fields(spec)
    except _Invalid as exc:
        raise _Invalid(f"failed to parse csv devices: {exc}") from None
    name, required = "", False
    for text in fields:
        key, has_value, value = text.partition("=")
        key = key.lower()
        if key == "required":
            required = _bool_value(key, value) if has_value else True
        elif key == "name" and has_value:
            if name:
                raise _Invalid(f"device name already set to {name}")
            name = value
        elif not name:
            name = text
        elif not has_value:
            raise _Invalid(f"invalid field '{text}' must be a key=value pair")
        else:
            hint = _did_you_mean(suggest(key, ["name", "required"]))
            raise _Invalid(f"unexpected key '{key}' in '{text}'{hint}")
    return ast.Device(spec, name, required)


# ---- flags -------------------------------------------------------------------


class Kind(enum.Enum):
    """How a flag takes values (upstream's BFlags types)."""

    BOOL = "bool"
    """``--name`` or ``--name=true|false`` (any case)."""
    STRING = "string"
    """``--name=value``, at most once."""
    STRINGS = "strings"
    """``--name=value``, repeatable."""


@frozen
class FlagSpec:
    """One accepted flag: its kind, default and, when restricted, its allowed values."""

    kind: Kind = Kind.STRING
    default: str = ""
    choices: tuple[str, ...] = ()
    invalid: str = ""
    """Message for a value outside ``choices``; ``{}`` is the Go-quoted value."""


_STRING = FlagSpec()
_BOOL = FlagSpec(Kind.BOOL, "false")
_STRINGS = FlagSpec(Kind.STRINGS)

FLAGS: dict[str, dict[str, FlagSpec]] = {
    "ADD": {
        "chown": _STRING,
        "chmod": _STRING,
        "link": _BOOL,
        "keep-git-dir": _BOOL,
        "checksum": _STRING,
        "unpack": _BOOL,
        "exclude": _STRINGS,
    },
    "COPY": {
        "chown": _STRING,
        "from": _STRING,
        "chmod": _STRING,
        "link": _BOOL,
        "exclude": _STRINGS,
        "parents": _BOOL,
    },
    "FROM": {"platform": _STRING},
    "HEALTHCHECK": {
        "interval": _STRING,
        "timeout": _STRING,
        "start-period": _STRING,
        "start-interval": _STRING,
        "retries": _STRING,
    },
    "RUN": {
        "device": _STRINGS,
        "mount": _STRINGS,
        "network": FlagSpec(
            default="default",
            choices=("default", "none", "host"),
            invalid="invalid network mode {}",
        ),
        "security": FlagSpec(
            default="sandbox", choices=("insecure", "sandbox"), invalid="security {} is not valid"
        ),
    },
}
"""Flags by keyword; other keywords take none. ARG, STOPSIGNAL and ``HEALTHCHECK NONE``
never read their flags, so there (as upstream) any flag is ignored."""


@frozen
class Flags:
    """Checked flags: values by name (booleans as ``true``/``false``) and their columns."""

    table: Mapping[str, FlagSpec]
    given: tuple[ast.Flag, ...]
    values: Mapping[str, tuple[str, ...]]

    def string(self, name: str) -> str | None:
        """The value given, or None."""
        got = self.values.get(name)
        return got[-1] if got else None

    def value(self, name: str) -> str:
        """The value given, or the flag's default."""
        got = self.string(name)
        return self.table[name].default if got is None else got

    def boolean(self, name: str) -> bool | None:
        """True or False when given, else None."""
        got = self.string(name)
        return None if got is None else got == "true"

    def strings(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())

    def column(self, name: str) -> int:
        """Column of the last ``--name`` (0 when not given)."""
        return next((f.column for f in reversed(self.given) if f.name == name), 0)

    def each(self, name: str) -> list[tuple[str, int]]:
        """Every value of a repeatable flag, with its column."""
        if name not in self.values:
            return []
        columns = [f.column for f in self.given if f.name == name]
        return list(zip(self.strings(name), columns, strict=True))


_NONE_GIVEN = {cmd: Flags(table, (), {}) for cmd, table in (*FLAGS.items(), ("", {}))}
"""Per keyword, its flags when none are given."""


def _flag_value(spec: FlagSpec, flag_name: str, has_value: bool, value: str) -> str:
    """The stored value of one flag occurrence, as upstream's ``BFlags.Parse``."""
    if spec.kind is not Kind.BOOL:
        if not has_value:
            raise _Invalid(f"missing a value on flag: {flag_name}")
        return value
    if has_value and not value:
        raise _Invalid(f"missing a value on flag: {flag_name}")
    if value.lower() in ("true", ""):
        return "true"
    if value.lower() == "false":
        return "false"
    raise _Invalid(f"expecting boolean value for flag {flag_name}, not: {value}")


# ---- one node ------------------------------------------------------------------


_NO_FLAGS: Mapping[str, FlagSpec] = {}


Form = tuple[tuple[str, ...], bool, bool]
"""An instruction's arguments: its values, whether in exec (JSON) form, whether
legacy ``KEY value`` ENV/LABEL."""


def flags_at(texts: tuple[str, ...], starts: tuple[int, ...], column: int) -> tuple[ast.Flag, ...]:
    """Flags as written (unquoted texts), each read once: name, value, and its column
    (``starts`` are relative to the keyword's ``column``)."""
    if not texts:
        return ()
    pairs = zip(texts, starts, strict=True)
    return tuple([ast.Flag(*split_flag(raw), raw, column + start) for raw, start in pairs])


class Request:
    """An instruction being typed: its parts as the transformer read them, its
    location, and error helpers."""

    __slots__ = ("_line", "args_start", "cmd", "column", "comments", "end_line", "extensions",
                 "given", "heredocs", "json", "legacy_format", "location", "original",
                 "start_line", "sub", "value", "wording")  # fmt: skip

    def __init__(  # noqa: PLR0913 (the parts of an instruction)
        self,
        cmd: str,
        given: tuple[ast.Flag, ...],
        form: Form,
        lines: tuple[int, int],
        column: int,
        original: str,
        heredocs: tuple[Heredoc, ...] = (),
        sub: Request | None = None,
        args_start: int = 0,
        comments: tuple[str, ...] = (),
        extensions: frozenset[str] = frozenset(),
        wording: Wording = CURRENT,
    ) -> None:
        self.cmd, self.given = cmd, given
        """The flags as written (``raw`` is the text once unquoted), unchecked."""
        self.value, self.json, self.legacy_format = form
        self.start_line, self.end_line = lines
        self.column, self.original, self.heredocs, self.sub = column, original, heredocs, sub
        self.args_start, self.comments = args_start, comments
        """Where the arguments start in ``original`` (past the keyword and flags)."""
        self.extensions = extensions
        """What the file's ``# extensions=`` directive turns on."""
        self.wording = wording
        self.location = ast.Location(lines[0], lines[1], column)
        self._line = ""

    @classmethod
    def of_node(
        cls, node: Node, extensions: frozenset[str] = frozenset(), wording: Wording = CURRENT
    ) -> Request:
        """A raw node's parts (ONBUILD's trigger's too)."""
        column = node.column
        given = flags_at(node.flags, node.flag_starts, column)
        sub = cls.of_node(node.sub, wording=wording) if node.sub else None
        return cls(node.cmd, given, (node.value, node.json, node.legacy_format),
                   (node.start_line, node.end_line), column, node.original, node.heredocs, sub,
                   node.args_start, node.comments, extensions, wording)  # fmt: skip

    @property
    def line(self) -> str:
        """The first line, indented to the keyword's column so carets line up."""
        if not self._line:
            original = self.original
            end = original.find("\n")  # the heredoc bodies after it are not copied
            head = (original if end < 0 else original[:end]).lstrip(GO_SPACE)
            self._line = " " * (self.column - 1) + head
        return self._line

    def word_column(self, index: int) -> int:
        """Column of argument ``index`` (whitespace-split instructions), else the keyword's."""
        start = self.column - 1 + self.args_start
        for word in self.value[: index + 1]:
            found = self.line.find(word, start)
            if found < 0:
                return self.column
            start = found + len(word)
        return start - len(self.value[index]) + 1

    def error(self, message: str, column: int = 0) -> DockerfileError:
        return DockerfileError(
            message,
            line=self.start_line,
            end_line=self.end_line,
            column=column or self.column,
            source_line=self.line,
            parse=self.wording.parse_error,
        )

    def at(self, column: int = 0) -> _At:
        """Report a rule broken inside the block at ``column`` (default: the keyword's)."""
        return _At(self, column)

    def at_flag(self, flags: Flags, name: str) -> _At:
        """Report a rule broken inside the block at the last ``--name`` (looked up only
        then)."""
        return _At(self, 0, flags, name)

    def flags(self) -> Flags:
        """Check the flags against ``FLAGS`` for this keyword."""
        given = self.given
        if not given:
            return _NONE_GIVEN.get(self.cmd, _NONE_GIVEN[""])
        table = FLAGS.get(self.cmd, _NO_FLAGS)
        for i, flag in enumerate(given):
            if flag.raw == "--":  # the end of flags
                given = given[:i]
                break
        values: dict[str, list[str]] = {}
        for flag in given:
            try:
                self._check_flag(table, flag, values)
            except _Invalid as exc:
                raise self.error(str(exc), flag.column) from None
        return Flags(table, given, {name: tuple(vals) for name, vals in values.items()})

    def _check_flag(
        self, table: Mapping[str, FlagSpec], flag: ast.Flag, seen: dict[str, list[str]]
    ) -> None:
        """Store ``flag``'s value in ``seen``, or raise its error (upstream's order: the
        dashes, a known name, given once, then its value)."""
        name, value, words = flag.name, flag.value, self.wording
        if not flag.raw.startswith("--"):
            raise _Invalid(words.flag_error(f"arg should start with -- : {flag.raw}"))
        spec = table.get(name)
        if spec is None:
            hint = _did_you_mean(suggest(name, list(table)))
            raise _Invalid(words.flag_error(f"unknown flag: {words.flag(name)}", hint))
        if name in seen and spec.kind is not Kind.STRINGS:
            raise _Invalid(words.flag_error(f"duplicate flag specified: {words.flag(name)}"))
        if spec.kind is Kind.BOOL or value is None:  # else the value is stored as given
            try:
                value = _flag_value(spec, words.flag(name), value is not None, value or "")
            except _Invalid as exc:
                raise _Invalid(words.flag_error(str(exc))) from None
        seen.setdefault(name, []).append(value)

    def choice(self, flags: Flags, name: str) -> str:
        """A restricted flag's value, checked against its allowed values."""
        spec = flags.table[name]
        if name not in flags.values:
            return spec.default
        value = flags.value(name)
        if value not in spec.choices:
            raise self.error(spec.invalid.format(go_quote(value)), flags.column(name))
        return value


class _At:
    """The context of ``Request.at`` and ``Request.at_flag``: an ``_Invalid`` raised
    inside becomes the request's error at ``column`` (or, with ``flags``, at the last
    ``--flag``'s column, looked up then)."""

    __slots__ = ("column", "flag", "flags", "req")

    def __init__(
        self, req: Request, column: int, flags: Flags | None = None, flag: str = ""
    ) -> None:
        self.req, self.column, self.flags, self.flag = req, column, flags, flag

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        if isinstance(exc, _Invalid):
            flags = self.flags
            column = self.column if flags is None else flags.column(self.flag)
            raise self.req.error(str(exc), column) from None


# ---- arguments -------------------------------------------------------------------


def _at_least_one(req: Request) -> None:
    if not req.value:
        raise _Invalid(f"{req.cmd} requires at least one argument")


def _exactly_one(req: Request) -> str:
    if len(req.value) != 1:
        raise _Invalid(f"{req.cmd} requires exactly one argument")
    return req.value[0]


def _command(args: tuple[str, ...], req: Request) -> ast.Command:
    """Exec form as written; shell form as one line, with the RUN program's heredocs."""
    if req.json:
        return ast.ExecCommand(args)
    return ast.ShellCommand(" ".join(args), req.heredocs)


def _pairs(req: Request) -> tuple[ast.KeyValue, ...]:
    """ENV/LABEL ``key value`` pairs (the parser has split ``k=v`` words already)."""
    args = req.value
    _at_least_one(req)
    if len(args) % 2:
        raise _Invalid(f"Bad input to {req.cmd}, too many arguments")
    pairs = tuple(ast.KeyValue(args[i], args[i + 1]) for i in range(0, len(args), 2))
    if any(not pair.key for pair in pairs):
        raise _Invalid(f"{req.cmd} names can not be blank")
    return pairs


# ---- builders, one per keyword ---------------------------------------------------

STAGE_NAME = re.compile(r"[a-z][a-z0-9_.-]*")
"""A valid stage name (``FROM ... AS name``), lower-cased, as a whole."""


def _stage_name(req: Request) -> str | None:
    """``AS name`` of a FROM, with a hint when ``AS`` is missing or misplaced."""
    args = req.value
    if len(args) == 3 and args[1].lower() == "as":
        if not STAGE_NAME.fullmatch(args[2].lower()):
            raise req.error(
                f"invalid name for build stage: {go_quote(args[2])}, "
                "name can't start with a number or contain symbols",
                req.word_column(2),
            )
        return args[2]
    if len(args) == 1:
        return None
    message = "FROM requires either one or three arguments"
    where = [i for i, word in enumerate(args) if word.lower() == "as"]
    if len(args) == 2 and where == [1]:
        raise req.error(f"{message}: missing stage name after AS", req.word_column(1))
    if len(args) == 2 and where == [0]:
        raise req.error(f"{message}: missing base image before AS", req.word_column(0))
    if len(args) == 2 and not where:
        hint = f"did you mean FROM {args[0]} AS {args[1]}?"
        raise req.error(f"{message} ({hint})", req.word_column(1))
    if len(args) == 3 and len(where) == 1:
        hint = "AS goes between the image and the stage name"
        raise req.error(f"{message} ({hint})", req.word_column(where[0]))
    if len(args) == 3:
        raise req.error(f"{message} (expected AS, found {go_quote(args[1])})", req.word_column(1))
    raise _Invalid(message)


def _from(req: Request) -> ast.Instruction:
    name = _stage_name(req)
    flags = req.flags()
    return ast.From(
        req.location,
        req.original,
        flags.given,
        image=req.value[0],
        name=name,
        platform=flags.string("platform"),
    )


def _run(req: Request) -> ast.Instruction:
    flags = req.flags()
    command = _command(req.value, req)
    devices, mounts = [], []
    for spec, column in flags.each("device"):
        with req.at(column):
            devices.append(_device(spec))
    for spec, column in flags.each("mount"):
        with req.at(column):
            mounts.append(_mount(spec, None, "from-vars" in req.extensions))
    network = req.choice(flags, "network")
    security = req.choice(flags, "security")
    return ast.Run(
        req.location,
        req.original,
        flags.given,
        command=command,
        mounts=tuple(mounts),
        network=_NETWORK_MODES[network],
        security=_SECURITY_MODES[security],
        devices=tuple(devices),
    )


_NETWORK_MODES: dict[str, ast.NetworkMode] = {"default": "default", "none": "none", "host": "host"}
_SECURITY_MODES: dict[str, ast.SecurityMode] = {"sandbox": "sandbox", "insecure": "insecure"}


def _cmd(req: Request) -> ast.Instruction:
    flags = req.flags()
    command = _command(req.value, req)
    return ast.Cmd(req.location, req.original, flags.given, command=command)


def _entrypoint(req: Request) -> ast.Instruction:
    flags = req.flags()
    command = _command(req.value, req)
    return ast.Entrypoint(req.location, req.original, flags.given, command=command)


def _shell(req: Request) -> ast.Instruction:
    flags = req.flags()
    _at_least_one(req)
    if not req.json:
        raise _Invalid("SHELL requires the arguments to be in JSON form")
    return ast.Shell(req.location, req.original, flags.given, args=req.value)


def _sources_and_dest(req: Request) -> tuple[Flags, tuple[str, ...], str]:
    """COPY/ADD: arity, then flags, then a heredoc destination (upstream's order)."""
    cmd, args = req.cmd, req.value
    if len(args) < 2:
        raise _Invalid(
            f"{cmd} requires at least two arguments, but only one was provided. "
            "Destination could not be determined"
        )
    flags = req.flags()
    if marker_name(args[-1]) is not None:
        raise _Invalid(f"{cmd} cannot accept a heredoc as a destination")
    return flags, args[:-1], args[-1]


def _copy(req: Request) -> ast.Instruction:
    flags, sources, dest = _sources_and_dest(req)
    return ast.Copy(
        req.location,
        req.original,
        flags.given,
        sources=sources,
        dest=dest,
        heredocs=req.heredocs,
        from_=flags.string("from"),
        chown=flags.string("chown"),
        chmod=flags.string("chmod"),
        link=bool(flags.boolean("link")),
        parents=bool(flags.boolean("parents")),
        excludes=flags.strings("exclude"),
    )


def _add(req: Request) -> ast.Instruction:
    flags, sources, dest = _sources_and_dest(req)
    return ast.Add(
        req.location,
        req.original,
        flags.given,
        sources=sources,
        dest=dest,
        heredocs=req.heredocs,
        chown=flags.string("chown"),
        chmod=flags.string("chmod"),
        link=bool(flags.boolean("link")),
        checksum=flags.string("checksum"),
        keep_git_dir=flags.boolean("keep-git-dir"),
        unpack=flags.boolean("unpack"),
        excludes=flags.strings("exclude"),
    )


def _env(req: Request) -> ast.Instruction:
    flags = req.flags()
    pairs = _pairs(req)
    return ast.Env(req.location, req.original, flags.given, pairs=pairs,
                   legacy_format=req.legacy_format)  # fmt: skip


def _label(req: Request) -> ast.Instruction:
    flags = req.flags()
    pairs = _pairs(req)
    return ast.Label(req.location, req.original, flags.given, pairs=pairs,
                     legacy_format=req.legacy_format)  # fmt: skip


def _arg(req: Request) -> ast.Instruction:
    _at_least_one(req)
    decls = []
    for word in req.value:
        name, sep, default = word.partition("=")
        if sep and not name:
            raise _Invalid("ARG names can not be blank")
        decls.append(ast.ArgDecl(name, default if sep else None))
    return ast.Arg(req.location, req.original, req.given, args=tuple(decls))


def _workdir(req: Request) -> ast.Instruction:
    path = _exactly_one(req)
    flags = req.flags()
    return ast.Workdir(req.location, req.original, flags.given, path=path)


def _user(req: Request) -> ast.Instruction:
    user = _exactly_one(req)
    flags = req.flags()
    return ast.User(req.location, req.original, flags.given, user=user)


def _maintainer(req: Request) -> ast.Instruction:
    name = _exactly_one(req)
    flags = req.flags()
    return ast.Maintainer(req.location, req.original, flags.given, name=name)


def _stopsignal(req: Request) -> ast.Instruction:
    signal = _exactly_one(req)
    return ast.StopSignal(req.location, req.original, req.given, signal=signal)


def _expose(req: Request) -> ast.Instruction:
    _at_least_one(req)
    flags = req.flags()
    return ast.Expose(req.location, req.original, flags.given, ports=req.value)


def _volume(req: Request) -> ast.Instruction:
    _at_least_one(req)
    flags = req.flags()
    paths = tuple(path.strip(GO_SPACE) for path in req.value)
    if "" in paths:
        raise _Invalid("VOLUME specified can not be an empty string")
    return ast.Volume(req.location, req.original, flags.given, paths=paths)


_DURATIONS = ("interval", "timeout", "start-period", "start-interval")
_MIN_DURATION = 1_000_000  # 1ms


def _duration(req: Request, flags: Flags, name: str) -> int:
    """A HEALTHCHECK duration flag in nanoseconds; 0 when absent or zero."""
    text = flags.value(name)
    if not text:
        return 0
    with req.at_flag(flags, name):
        value = parse_duration(text)
        if value and value < _MIN_DURATION:
            raise _Invalid(f'Interval "{name}" cannot be less than 1ms')
    return value


def _retries(req: Request, flags: Flags) -> int:
    text = flags.value("retries")
    if not text:
        return 0
    with req.at_flag(flags, "retries"):
        value = _go_int32(text)
        if value < 0:
            raise _Invalid(f"--retries cannot be negative ({value})")
    return value


def _healthcheck(req: Request) -> ast.Instruction:
    _at_least_one(req)
    kind, args = req.value[0].upper(), req.value[1:]
    if kind == "NONE":
        if args:
            raise _Invalid("HEALTHCHECK NONE takes no arguments")
        return ast.Healthcheck(req.location, req.original, req.given)
    flags = req.flags()
    if kind != "CMD":
        with req.at(req.word_column(0)):
            raise _Invalid(f"Unknown type {go_quote(kind)} in HEALTHCHECK (try CMD)")
    if not args:
        raise _Invalid("Missing command after HEALTHCHECK CMD")
    interval, timeout, start_period, start_interval = (_duration(req, flags, n) for n in _DURATIONS)
    return ast.Healthcheck(
        req.location,
        req.original,
        flags.given,
        command=_command(args, req),
        interval=interval,
        timeout=timeout,
        start_period=start_period,
        start_interval=start_interval,
        retries=_retries(req, flags),
    )


_ONBUILD_PREFIX = re.compile(r"(?i)\A[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*")
_NOT_TRIGGERS = {"ONBUILD", "FROM", "MAINTAINER"}


def _onbuild(req: Request) -> ast.Instruction:
    sub = req.sub
    if sub is None:
        raise _Invalid("ONBUILD requires at least one argument")
    flags = req.flags()
    if sub.cmd in _NOT_TRIGGERS:
        with req.at(sub.column):
            if sub.cmd == "ONBUILD":
                raise _Invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            raise _Invalid(f"{sub.cmd} isn't allowed as an ONBUILD trigger")
    if sub.cmd == "INCLUDE" and "include" in req.extensions:  # the file is not the child's
        with req.at(sub.column):
            raise _Invalid("INCLUDE isn't allowed as an ONBUILD trigger")
    first_line = req.original.split("\n", 1)[0]
    expression = _ONBUILD_PREFIX.sub("", first_line, count=1)
    expression += "".join(f"\n{doc.content}{doc.name}" for doc in req.heredocs)
    return ast.Onbuild(
        req.location,
        req.original,
        flags.given,
        expression=expression,
        trigger=_trigger(sub, req.heredocs),
    )


def _trigger(sub: Request, heredocs: tuple[Heredoc, ...]) -> ast.Instruction | None:
    """The typed trigger (with the line's heredocs), or None: upstream checks triggers
    only when a build runs them."""
    sub.heredocs = heredocs
    try:
        return build(sub)
    except DockerfileError:
        return None


Builder = Callable[[Request], ast.Instruction]

BUILDERS: dict[str, Builder] = {
    "ADD": _add,
    "ARG": _arg,
    "CMD": _cmd,
    "COPY": _copy,
    "ENTRYPOINT": _entrypoint,
    "ENV": _env,
    "EXPOSE": _expose,
    "FROM": _from,
    "HEALTHCHECK": _healthcheck,
    "LABEL": _label,
    "MAINTAINER": _maintainer,
    "ONBUILD": _onbuild,
    "RUN": _run,
    "SHELL": _shell,
    "STOPSIGNAL": _stopsignal,
    "USER": _user,
    "VOLUME": _volume,
    "WORKDIR": _workdir,
}


def to_instruction(
    node: Node, extensions: frozenset[str] = frozenset(), wording: Wording = CURRENT
) -> ast.Instruction:
    """The typed instruction for a raw ``node``; see ``build``.

    ``extensions``: what the file's ``# extensions=`` directive turns on."""
    return build(Request.of_node(node, extensions, wording))


def build(req: Request) -> ast.Instruction:
    """The typed instruction; errors carry its line, a column and the source line, in
    the ``wording`` of the engine's release."""
    builder = BUILDERS.get(req.cmd)
    if builder is None:
        written = req.line.split(None, 1)[0] if req.line.strip() else req.cmd
        match = suggest(written, list(BUILDERS), case_sensitive=False)
        hint = _did_you_mean(match or _same_start(written, list(BUILDERS)))
        raise req.error(f"unknown instruction: {written}{hint}")
    try:
        typed = builder(req)
    except _Invalid as exc:
        raise req.error(str(exc)) from None
    if req.comments:  # set on the instance just made, instead of copying it
        object.__setattr__(typed, "comments", req.comments)
    return typed
