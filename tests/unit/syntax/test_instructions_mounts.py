"""RUN --mount and --device specs, and the Go parsing rules they and HEALTHCHECK rely on."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontend.errors import DockerfileError
from frontend.syntax import ast, parse
from frontend.syntax.instructions import _csv_fields, _csv_record, parse_duration, parse_mount
from frontend.syntax.parser import line_parser

MIB = 1 << 20

# ---- --mount: types, options, aliases and defaults -------------------------------------

MOUNTS: list[tuple[str, dict[str, Any]]] = [
    # bind is the default type; bind and secret/ssh default to read-only
    ("target=/x", {"type": "bind", "target": "/x", "readonly": True, "source": ""}),
    ("type=bind,from=build,source=/out,target=/in", {"from_": "build", "source": "/out"}),
    ("type=bind,src=/a,dst=/b,rw", {"source": "/a", "target": "/b", "readonly": False}),
    ("destination=/b,readwrite=true", {"target": "/b", "readonly": False}),
    ("target=/b,readwrite=false", {"readonly": True}),
    ("target=/b,ro=false", {"readonly": False}),
    ("type=cache,target=/b,readonly", {"readonly": True}),
    ("type=cache,target=/b,ro=1", {"readonly": True}),
    # cache and tmpfs default to read-write
    ("type=cache,target=/root/.cache", {"type": "cache", "readonly": False, "sharing": None}),
    (
        "type=cache,id=go,sharing=locked,mode=0755,uid=1000,gid=1000,target=/go",
        {"id": "go", "sharing": "locked", "mode": 0o755, "uid": 1000, "gid": 1000},
    ),
    ("type=cache,target=/c,sharing=PRIVATE", {"sharing": "private"}),
    ("type=cache,target=/c,sharing=shared", {"sharing": "shared"}),
    ("type=tmpfs,target=/tmp", {"type": "tmpfs", "readonly": False, "size": 0}),
    ("type=tmpfs,target=/tmp,size=64m", {"size": 64 * MIB}),
    ("type=tmpfs,target=/tmp,size=1.5GiB", {"size": 3 * 512 * MIB}),
    ("type=tmpfs,target=/tmp,size=512", {"size": 512}),
    ("type=tmpfs,target=/tmp,size=2kb", {"size": 2048}),
    ("type=tmpfs,target=/tmp,size=10 M", {"size": 10 * MIB}),
    # secret and ssh
    ("type=secret,id=tok", {"type": "secret", "id": "tok", "readonly": True, "env": None}),
    ("type=secret,id=tok,env=TOKEN,required", {"env": "TOKEN", "required": True}),
    ("type=secret,target=/run/secrets/x,required=false", {"required": False}),
    ("type=secret,source=tok,target=/t,mode=0400,uid=1,gid=2", {"mode": 0o400, "uid": 1}),
    ("type=ssh", {"type": "ssh", "readonly": True, "required": False}),
    ("type=ssh,id=default,required=true", {"required": True}),
    # keys and type are case-insensitive; CSV quoting
    ("Type=CACHE,TARGET=/x", {"type": "cache", "target": "/x"}),
    ('"target=/a,b",type=cache', {"target": "/a,b"}),
    ('type=cache,"target=/a ""q"""', {"target": '/a "q"'}),
    # a value holding a variable waits for the compiler; word fields stay raw
    (
        "type=cache,target=$HOME/.cache,uid=$UID",
        {"target": "$HOME/.cache", "uid": None, "unexpanded": ("target", "uid")},
    ),
    ("type=$T,size=1m", {"type": "bind", "size": MIB, "unexpanded": ("type",)}),
    ("type=secret,id=$ID", {"id": "$ID", "unexpanded": ("id",)}),  # secret checks wait too
    ("from=stage$,target=/x", {"from_": "stage$", "unexpanded": ("from",)}),
    ("target=/x", {"unexpanded": (), "spec": "target=/x"}),
]


@pytest.mark.parametrize(("spec", "expected"), MOUNTS, ids=[row[0] for row in MOUNTS])
def test_mount(spec: str, expected: dict[str, Any]) -> None:
    mount = parse_mount(spec)
    assert {name: getattr(mount, name) for name in expected} == expected


def test_mount_with_an_expander_checks_the_expanded_values() -> None:
    values = {"$T": "cache", "$D": "/d", "$U": "7", "$S": "$literal"}
    expand = values.__getitem__
    mount = parse_mount("type=$T,target=$D,uid=$U,from=$S", expand)
    assert (mount.type, mount.target, mount.uid, mount.from_) == ("cache", "/d", 7, "$literal")
    assert mount.unexpanded == ()
    assert not mount.readonly
    with pytest.raises(DockerfileError, match="unexpected key 'size' for mount type 'cache'"):
        parse_mount("type=$T,size=$U", expand)


def test_run_mounts_keep_their_order() -> None:
    run = parse("RUN --mount=target=/a --mount=type=ssh --mount=type=tmpfs,dst=/t x").instructions[
        0
    ]
    assert isinstance(run, ast.Run)
    assert [m.type for m in run.mounts] == ["bind", "ssh", "tmpfs"]


MOUNT_ERRORS = [
    ("type=bogus", 'unsupported mount type "bogus"'),
    ("type=cahce,target=/x", 'unsupported mount type "cahce" (did you mean cache?)'),
    ("type=cache,sharing=lockd", 'unsupported sharing value "lockd" (did you mean locked?)'),
    ("type=cache,sharing=x", 'unsupported sharing value "x"'),
    ("target=/x,colour=red", "unexpected key 'colour' in 'colour=red'"),
    ("target=/x,foo=bar", "unexpected key 'foo' in 'foo=bar' (did you mean from?)"),
    ("tagret=/x", "unexpected key 'tagret' in 'tagret=/x' (did you mean target?)"),
    ("Srcc=/x", "unexpected key 'srcc' in 'Srcc=/x' (did you mean src?)"),
    ("target", "invalid field 'target' must be a key=value pair"),
    ("type=cache,,target=/x", "invalid field '' must be a key=value pair"),
    ("target=/x,ro=maybe", "invalid value for ro: maybe"),
    ("target=/x,rw=2", "invalid value for rw: 2"),
    ("type=secret,id=a,required=yes", "invalid value for required: yes"),
    ("target=/x,required", "unexpected key 'required' for mount type 'bind'"),
    ("required=true,type=secret,id=a", "unexpected key 'required' for mount type 'bind'"),
    ("type=cache,target=/x,size=1m", "unexpected key 'size' for mount type 'cache'"),
    ("type=tmpfs,target=/x,size=lots", "invalid value for size: lots"),
    ("type=tmpfs,target=/x,size=-1", "invalid value for size: -1"),
    ("type=tmpfs,target=/x,size=1kk", "invalid value for size: 1kk"),
    ("type=tmpfs,target=/x,size=1mbb", "invalid value for size: 1mbb"),
    ("type=cache,target=/x,mode=0789", "invalid value 0789 for mode"),
    ("type=cache,target=/x,mode=0o755", "invalid value 0o755 for mode"),
    ("type=cache,target=/x,uid=-1", "invalid value -1 for uid"),
    ("type=cache,target=/x,gid=4294967296", "invalid value 4294967296 for gid"),
    ("target=/x,mode=0755", 'mode not allowed for "bind" type mounts'),
    ("type=tmpfs,target=/x,uid=0", 'uid not allowed for "tmpfs" type mounts'),
    ("target=/x,gid=0", 'gid not allowed for "bind" type mounts'),
    ("type=secret,id=a,from=x", "secret mount should not have a from"),
    ("type=secret,id=a,sharing=shared", "secret mount should not define sharing"),
    ("type=secret", "invalid secret mount. one of source, target required"),
    ("type=secret,source=a,id=b", "both source and id can't be set"),
    ("target=/x,sharing=shared", "invalid cache sharing set for bind mount"),
    ("type=ssh,sharing=locked", "invalid cache sharing set for ssh mount"),
    (
        "from=$STAGE,target=/x",
        "'from' doesn't support variable expansion, define alias stage instead",
    ),  # noqa: E501
    ("", "failed to parse csv mounts: EOF"),
    (
        'target=/a"b',
        'failed to parse csv mounts: parse error on line 1, column 10: bare " in non-quoted-field',
    ),
    (
        '"target=/a',
        "failed to parse csv mounts: parse error on line 1, column 2: "
        'extraneous or missing " in quoted-field',
    ),
    (
        'x=1,"a"b',
        "failed to parse csv mounts: parse error on line 1, column 7: "
        'extraneous or missing " in quoted-field',
    ),
]


@pytest.mark.parametrize(("spec", "message"), MOUNT_ERRORS, ids=[row[0] for row in MOUNT_ERRORS])
def test_mount_error(spec: str, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse_mount(spec)
    assert caught.value.message == message


CSV_RECORDS: list[tuple[str, list[str] | str]] = [
    ("a,,b", ["a", "", "b"]),
    (",", ["", ""]),
    ('"a""b",c', ['a"b', "c"]),
    ('"a,b"', ["a,b"]),
    ('""', [""]),
    ("x\r\n", ["x"]),
    ("a\nb", ["a\nb"]),
    ('a"b', "column 2: bare"),
    ('\u00e9"', "column 3: bare"),
    ('"a"b', "column 3: extraneous"),
    ('"a""', "column 5: extraneous"),
    ('"""', "column 4: extraneous"),
    ('a,"\u00e9', "column 4: extraneous"),
]


@pytest.mark.parametrize(("record", "expected"), CSV_RECORDS)
def test_csv_record(record: str, expected: list[str] | str) -> None:
    """The grammar's ``csv`` rule reads a record as Go's csvvalue; errors at Go's byte column."""
    if isinstance(expected, list):
        assert _csv_fields(record) == expected
        return
    with pytest.raises(ValueError, match=expected):
        _csv_fields(record)


def test_mount_error_in_a_dockerfile_points_at_its_flag() -> None:
    with pytest.raises(DockerfileError) as caught:
        parse("FROM a\nRUN --mount=type=cache,target=/x --mount=type=secret echo\n")
    err = caught.value
    assert err.message == "invalid secret mount. one of source, target required"
    assert (err.line, err.column) == (2, 34)


# ---- --device ----------------------------------------------------------------------------

DEVICES = [
    ("vendor.com/gpu=all", ast.Device("vendor.com/gpu=all", "vendor.com/gpu=all")),
    ("/dev/kvm,required", ast.Device("/dev/kvm,required", "/dev/kvm", True)),
    ("name=/dev/fuse,required=false", ast.Device("name=/dev/fuse,required=false", "/dev/fuse")),
    ("required,name", ast.Device("required,name", "name", True)),
]


@pytest.mark.parametrize(("spec", "expected"), DEVICES, ids=[row[0] for row in DEVICES])
def test_device(spec: str, expected: ast.Device) -> None:
    run = parse(f"RUN --device={spec} x").instructions[0]
    assert isinstance(run, ast.Run)
    assert run.devices == (expected,)


DEVICE_ERRORS = [
    ("a,name=b", "device name already set to a"),
    ("a,b", "invalid field 'b' must be a key=value pair"),
    ("a,requird=true", "unexpected key 'requird' in 'requird=true' (did you mean required?)"),
    ("a,required=maybe", "invalid value for required: maybe"),
    ("", "failed to parse csv devices: EOF"),
]


@pytest.mark.parametrize(("spec", "message"), DEVICE_ERRORS, ids=[r[0] for r in DEVICE_ERRORS])
def test_device_error(spec: str, message: str) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse(f"RUN --device={spec} x")
    assert (caught.value.message, caught.value.column) == (message, 5)


# ---- Go durations ------------------------------------------------------------------------

DURATIONS = [
    ("0", 0),
    ("-0", 0),
    ("0s", 0),
    ("1ns", 1),
    ("1us", 1_000),
    ("1\u00b5s", 1_000),
    ("1\u03bcs", 1_000),
    ("1.5ms", 1_500_000),
    ("300ms", 300_000_000),
    ("1.5s", 1_500_000_000),
    (".5s", 500_000_000),
    ("1.s", 1_000_000_000),
    ("+5s", 5_000_000_000),
    ("-2ms", -2_000_000),
    ("1h30m", 5_400_000_000_000),
    ("2h45m30.5s", 9_930_500_000_000),
    ("1m1m", 120_000_000_000),
    ("0.000000001s", 1),
    ("0.0000000001s", 0),
    ("9223372036854775807ns", 2**63 - 1),
    ("-9223372036854775808ns", -(2**63)),
]


@pytest.mark.parametrize(("text", "nanoseconds"), DURATIONS, ids=[r[0] for r in DURATIONS])
def test_duration(text: str, nanoseconds: int) -> None:
    assert parse_duration(text) == nanoseconds


DURATION_ERRORS = [
    ("", 'time: invalid duration ""'),
    ("-", 'time: invalid duration "-"'),
    ("abc", 'time: invalid duration "abc"'),
    ("s", 'time: invalid duration "s"'),
    (".s", 'time: invalid duration ".s"'),
    ("1", 'time: missing unit in duration "1"'),
    ("0.0", 'time: missing unit in duration "0.0"'),
    ("1..s", 'time: missing unit in duration "1..s"'),
    ("1x", 'time: unknown unit "x" in duration "1x"'),
    ("1 s", 'time: unknown unit " s" in duration "1 s"'),
    ("1S", 'time: unknown unit "S" in duration "1S"'),
    ("1é", 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'),
    ("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'),
    ("3000000h", 'time: invalid duration "3000000h"'),
    ("99999999999999999999s", 'time: invalid duration "99999999999999999999s"'),
]


@pytest.mark.parametrize(("text", "message"), DURATION_ERRORS, ids=[r[0] for r in DURATION_ERRORS])
def test_duration_error(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == message


def test_an_empty_healthcheck_duration_means_not_set() -> None:
    check = parse("HEALTHCHECK --interval= --retries= CMD x").instructions[0]
    assert isinstance(check, ast.Healthcheck)
    assert (check.interval, check.retries) == (0, 0)


@given(
    st.integers(0, 1000),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 999),
    st.booleans(),
)
def test_duration_sums_its_parts(h: int, m: int, s: int, ms: int, negative: bool) -> None:
    text = f"{'-' if negative else ''}{h}h{m}m{s}s{ms}ms"
    total = ((h * 60 + m) * 60 + s) * 1_000_000_000 + ms * 1_000_000
    assert parse_duration(text) == (-total if negative else total)


@given(st.text(alphabet=st.sampled_from('ab=,/ \t\r\n"'), min_size=1, max_size=30))
def test_csv_without_a_quote_splits_as_the_grammar_reads_it(line: str) -> None:
    """The shortcut for a value without a quote gives the grammar's fields."""
    line = line.replace('"', "")
    trimmed = line.removesuffix("\n").removesuffix("\r") if line.endswith("\n") else line
    if not trimmed:
        return
    by_grammar = line_parser("\\", "csv")(trimmed, {"csv": partial(_csv_record, trimmed)})
    assert _csv_fields(line) == by_grammar


@given(
    st.integers(0, 10**8),
    st.sampled_from(["ns", "us", "\u00b5s", "\u03bcs", "ms", "s", "m", "h"]),
)
def test_a_plain_duration_reads_as_the_general_loop_reads_it(number: int, unit: str) -> None:
    """One number and a unit take a shortcut; a leading ``+`` takes the general loop."""
    text = f"{number}{unit}"
    try:
        expected: int | str = parse_duration(f"+{text}")
    except ValueError as exc:
        expected = str(exc).replace('"+', '"')
    try:
        got: int | str = parse_duration(text)
    except ValueError as exc:
        got = str(exc)
    assert got == expected
