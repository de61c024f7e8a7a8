"""Typed instructions: every keyword and flag, and every error with its line and column.

Rows are Dockerfile text run through ``parse``; expectations name only the
fields they check. Messages are upstream's word for word, except where a row
says otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from frontend.errors import DockerfileError
from frontend.syntax import ast, parse
from frontend.syntax.instructions import BUILDERS, FLAGS, Kind, suggest
from frontend.syntax.wording import Wording

Shell = ast.ShellCommand
Exec = ast.ExecCommand
EOF_DOC = ast.Heredoc("EOF", "echo hi\n")
NS = 1_000_000_000


def parse_one(text: str) -> ast.Instruction:
    """The last instruction of ``text``."""
    return parse(text).instructions[-1]


def fields(node: ast.Instruction, names: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(node, name) for name in names}


# ---- instructions that parse -------------------------------------------------------

VALID: list[tuple[str, type[ast.Instruction], dict[str, Any]]] = [
    # FROM
    ("FROM alpine", ast.From, {"image": "alpine", "name": None, "platform": None}),
    ("FROM alpine AS base", ast.From, {"image": "alpine", "name": "base"}),
    ("from alpine as Base", ast.From, {"name": "Base"}),
    ("FROM --platform=$BUILDPLATFORM golang:1.22 AS b", ast.From, {"platform": "$BUILDPLATFORM"}),
    # RUN
    ("RUN echo $HOME", ast.Run, {"command": Shell("echo $HOME")}),
    ('RUN ["echo", "hi"]', ast.Run, {"command": Exec(("echo", "hi"))}),
    ("RUN", ast.Run, {"command": Shell("")}),
    ("RUN <<EOF\necho hi\nEOF\n", ast.Run, {"command": Shell("<<EOF", (EOF_DOC,))}),
    ("RUN true", ast.Run, {"mounts": (), "devices": (), "network": "default"}),
    ("RUN true", ast.Run, {"security": "sandbox"}),
    ("RUN --network=none true", ast.Run, {"network": "none"}),
    ("RUN --network=host true", ast.Run, {"network": "host"}),
    ("RUN --network=default true", ast.Run, {"network": "default"}),
    ("RUN --security=insecure true", ast.Run, {"security": "insecure"}),
    ("RUN --security=sandbox true", ast.Run, {"security": "sandbox"}),
    (
        "RUN --mount=type=cache,target=/c --mount=type=secret,id=t true",
        ast.Run,
        {
            "mounts": (
                ast.Mount("type=cache,target=/c", "cache", "/c", readonly=False),
                ast.Mount("type=secret,id=t", "secret", id="t"),
            )
        },
    ),  # fmt: skip
    (
        "RUN --device=vendor.com/gpu=all --device=name=/dev/fuse,required true",
        ast.Run,
        {
            "devices": (
                ast.Device("vendor.com/gpu=all", "vendor.com/gpu=all"),
                ast.Device("name=/dev/fuse,required", "/dev/fuse", required=True),
            )
        },
    ),  # fmt: skip
    # CMD, ENTRYPOINT, SHELL
    ("CMD echo hi", ast.Cmd, {"command": Shell("echo hi")}),
    ('CMD ["a", "b c"]', ast.Cmd, {"command": Exec(("a", "b c"))}),
    ("CMD []", ast.Cmd, {"command": Exec(())}),
    ("ENTRYPOINT exec app", ast.Entrypoint, {"command": Shell("exec app")}),
    ('ENTRYPOINT ["/app"]', ast.Entrypoint, {"command": Exec(("/app",))}),
    ('SHELL ["pwsh", "-c"]', ast.Shell, {"args": ("pwsh", "-c")}),
    # LABEL, MAINTAINER, EXPOSE
    (
        'LABEL a=b "c d"=e',
        ast.Label,
        {"pairs": (ast.KeyValue("a", "b"), ast.KeyValue('"c d"', "e"))},
    ),
    ("MAINTAINER Jo <jo@example.com>", ast.Maintainer, {"name": "Jo <jo@example.com>"}),
    ("EXPOSE 80/tcp 443 $PORT", ast.Expose, {"ports": ("80/tcp", "443", "$PORT")}),
    # ENV: both forms, values raw
    (
        'ENV A=1 B="two words" C=',
        ast.Env,
        {
            "pairs": (
                ast.KeyValue("A", "1"),
                ast.KeyValue("B", '"two words"'),
                ast.KeyValue("C", ""),
            )
        },
    ),  # fmt: skip
    (
        "ENV LEGACY value with spaces",
        ast.Env,
        {"pairs": (ast.KeyValue("LEGACY", "value with spaces"),)},
    ),  # noqa: E501
    # ARG: several per line, with and without defaults
    (
        "ARG A B=2 C= D=$A",
        ast.Arg,
        {
            "args": (
                ast.ArgDecl("A", None),
                ast.ArgDecl("B", "2"),
                ast.ArgDecl("C", ""),
                ast.ArgDecl("D", "$A"),
            )
        },
    ),  # fmt: skip
    # ADD: every flag, URLs and git sources kept as written
    (
        "ADD --chown=1:1 --chmod=755 --link --checksum=sha256:ab --keep-git-dir=false"
        " --unpack=true --exclude=*.md --exclude=*.txt"
        " https://example.com/a.tar.gz git@github.com:o/r.git /dst/",
        ast.Add,
        {
            "chown": "1:1",
            "chmod": "755",
            "link": True,
            "checksum": "sha256:ab",
            "keep_git_dir": False,
            "unpack": True,
            "excludes": ("*.md", "*.txt"),
            "sources": ("https://example.com/a.tar.gz", "git@github.com:o/r.git"),
            "dest": "/dst/",
        },
    ),  # fmt: skip
    (
        "ADD a b",
        ast.Add,
        {"keep_git_dir": None, "unpack": None, "link": False, "checksum": None, "chown": None},
    ),
    ("ADD --keep-git-dir https://github.com/o/r.git /src", ast.Add, {"keep_git_dir": True}),
    # COPY: every flag, JSON form, heredoc sources
    (
        "COPY --from=build --chown=app:app --chmod=0644 --link=true --parents"
        " --exclude=x --exclude=y a b /d/",
        ast.Copy,
        {
            "from_": "build",
            "chown": "app:app",
            "chmod": "0644",
            "link": True,
            "parents": True,
            "excludes": ("x", "y"),
            "sources": ("a", "b"),
            "dest": "/d/",
        },
    ),  # fmt: skip
    ("COPY a b", ast.Copy, {"from_": None, "link": False, "parents": False, "excludes": ()}),
    ('COPY ["a b", "/c d/"]', ast.Copy, {"sources": ("a b",), "dest": "/c d/"}),
    ("COPY --from= a b", ast.Copy, {"from_": ""}),
    ("COPY -- --odd /dst", ast.Copy, {"sources": ("--odd",), "flags": ()}),
    (
        "COPY <<EOF /x\necho hi\nEOF\n",
        ast.Copy,
        {"sources": ("<<EOF",), "dest": "/x", "heredocs": (EOF_DOC,)},
    ),
    # bool flags: --flag, --flag=true|false in any case
    ("COPY --link=FALSE a b", ast.Copy, {"link": False}),
    ("COPY --link=True a b", ast.Copy, {"link": True}),
    ("COPY --parents=false a b", ast.Copy, {"parents": False}),
    # VOLUME, USER, WORKDIR, STOPSIGNAL
    ('VOLUME ["/a", "/b"]', ast.Volume, {"paths": ("/a", "/b")}),
    ("VOLUME /a /b", ast.Volume, {"paths": ("/a", "/b")}),
    ('VOLUME [" /a "]', ast.Volume, {"paths": ("/a",)}),
    ("USER app:app", ast.User, {"user": "app:app"}),
    ("WORKDIR $HOME/src", ast.Workdir, {"path": "$HOME/src"}),
    ("STOPSIGNAL SIGKILL", ast.StopSignal, {"signal": "SIGKILL"}),
    # ONBUILD keeps its trigger's text, and types it when it parses
    (
        "ONBUILD RUN echo hi",
        ast.Onbuild,
        {
            "expression": "RUN echo hi",
            "trigger": ast.Run(ast.Location(1, 1, 9), "RUN echo hi", command=Shell("echo hi")),
        },
    ),  # fmt: skip
    ("  onbuild   copy a b", ast.Onbuild, {"expression": "copy a b"}),
    ("ONBUILD RUN <<EOF\necho hi\nEOF\n", ast.Onbuild, {"expression": "RUN <<EOF\necho hi\nEOF"}),
    # upstream checks triggers only when a child build runs them
    ("ONBUILD RUN --frmo=x true", ast.Onbuild, {"trigger": None}),
    ("ONBUILD FROBNICATE x", ast.Onbuild, {"trigger": None, "expression": "FROBNICATE x"}),
    # HEALTHCHECK
    ("HEALTHCHECK NONE", ast.Healthcheck, {"command": None, "interval": 0, "retries": 0}),
    (
        "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s"
        " --start-interval=500ms --retries=3 CMD curl -f http://localhost/",
        ast.Healthcheck,
        {
            "command": Shell("curl -f http://localhost/"),
            "interval": 30 * NS,
            "timeout": 90 * NS,
            "start_period": 1_500_000_000,
            "start_interval": 500_000_000,
            "retries": 3,
        },
    ),  # fmt: skip
    ('HEALTHCHECK cmd ["/check", "-q"]', ast.Healthcheck, {"command": Exec(("/check", "-q"))}),
    ("HEALTHCHECK --interval=0s --retries=0 CMD x", ast.Healthcheck, {"interval": 0}),
    ("HEALTHCHECK --timeout=1ms CMD x", ast.Healthcheck, {"timeout": 1_000_000}),
    ("HEALTHCHECK --retries=+2 CMD x", ast.Healthcheck, {"retries": 2}),
    # keywords upstream never checks flags for: flags are kept, not judged
    ("HEALTHCHECK --interval=1ns --bogus NONE", ast.Healthcheck, {"command": None}),
    ("ARG --bogus A", ast.Arg, {"flags": (ast.Flag("bogus", None, "--bogus", 5),)}),
    ("STOPSIGNAL --x=1 SIGTERM", ast.StopSignal, {"signal": "SIGTERM"}),
]


@pytest.mark.parametrize(("text", "kind", "expected"), VALID, ids=[row[0] for row in VALID])
def test_instruction(text: str, kind: type[ast.Instruction], expected: dict[str, Any]) -> None:
    node = parse_one(text)
    assert type(node) is kind
    assert fields(node, expected) == expected


def test_flags_keep_their_columns_and_raw_text() -> None:
    node = parse_one("  COPY --from=build --link a b")
    assert node.flags == (
        ast.Flag("from", "build", "--from=build", 8),
        ast.Flag("link", None, "--link", 21),
    )


def test_a_flag_is_unquoted_then_split_at_its_first_equals_sign() -> None:
    node = parse_one("COPY --\"from=a=b\" --'link' x y")
    assert node.flags == (
        ast.Flag("from", "a=b", "--from=a=b", 6),
        ast.Flag("link", None, "--link", 19),
    )


def test_locations() -> None:
    nodes = parse("FROM a\n  RUN a \\\n  b\nCOPY <<EOF /x\nhi\nEOF\n").instructions
    assert [n.location for n in nodes] == [
        ast.Location(1, 1, 1),
        ast.Location(2, 3, 3),
        ast.Location(4, 6, 1),
    ]


def test_keyword_names_each_class() -> None:
    nodes = parse("STOPSIGNAL 9\nHEALTHCHECK NONE\nONBUILD RUN x\n").instructions
    assert [n.keyword for n in nodes] == ["STOPSIGNAL", "HEALTHCHECK", "ONBUILD"]


def test_nodes_are_frozen() -> None:
    node = parse_one("COPY a b")
    with pytest.raises(AttributeError):
        node.location = ast.Location(2, 2)  # type: ignore[misc]


# ---- errors ---------------------------------------------------------------------------

ERRORS: list[tuple[str, str, int]] = [
    # unknown instruction, with upstream's suggestion (edit distance 2, case kept),
    # else the one instruction sharing the longest start of three letters or more
    ("FROBNICATE x", "unknown instruction: FROBNICATE (did you mean FROM?)", 1),
    ("environment A=b", "unknown instruction: environment (did you mean env?)", 1),
    ("XYZZY x", "unknown instruction: XYZZY", 1),
    ("CO x", "unknown instruction: CO (did you mean CMD?)", 1),
    ("FORM alpine", "unknown instruction: FORM (did you mean FROM?)", 1),
    ("form alpine", "unknown instruction: form (did you mean from?)", 1),
    ("Copyy a b", "unknown instruction: Copyy (did you mean copy?)", 1),
    ("  EXPSE 80", "unknown instruction: EXPSE (did you mean EXPOSE?)", 3),
    # unknown flags, with upstream's suggestion (the bare flag name)
    ("COPY --frmo=x a b", "unknown flag: --frmo (did you mean from?)", 6),
    ("RUN --mout=type=cache x", "unknown flag: --mout (did you mean mount?)", 5),
    ("ADD --checksun=x a b", "unknown flag: --checksun (did you mean checksum?)", 5),
    ("COPY --FROM=x a b", "unknown flag: --FROM", 6),
    ("COPY --checksum=x a b", "unknown flag: --checksum", 6),
    ("ENV --x=1 A=b", "unknown flag: --x", 5),
    ("MAINTAINER --boo joe", "unknown flag: --boo", 12),
    ("FROM --platfrom=linux a", "unknown flag: --platfrom (did you mean platform?)", 6),
    ("HEALTHCHECK --intervl=1s CMD x", "unknown flag: --intervl (did you mean interval?)", 13),
    ("ONBUILD --x RUN y", "unknown flag: --x", 9),
    ("WORKDIR --x /a", "unknown flag: --x", 9),
    # flag values (upstream's BFlags)
    ("COPY --from a b", "missing a value on flag: --from", 6),
    ("COPY --link= a b", "missing a value on flag: --link", 6),
    ("COPY --link=yes a b", "expecting boolean value for flag --link, not: yes", 6),
    ("COPY --from=a --from=b c d", "duplicate flag specified: --from", 15),
    ("COPY --link --link a b", "duplicate flag specified: --link", 13),
    ("RUN --mount x", "missing a value on flag: --mount", 5),
    ("ADD --exclude a b", "missing a value on flag: --exclude", 5),
    # allowed values
    ("RUN --network=bogus x", 'invalid network mode "bogus"', 5),
    ("RUN --network=NONE x", 'invalid network mode "NONE"', 5),
    ("RUN --security=x y", 'security "x" is not valid', 5),
    # argument counts
    (
        "COPY a",
        "COPY requires at least two arguments, but only one was provided. "
        "Destination could not be determined",
        1,
    ),  # fmt: skip
    (
        "ADD a",
        "ADD requires at least two arguments, but only one was provided. "
        "Destination could not be determined",
        1,
    ),  # fmt: skip
    (  # arity before flags
        "COPY --bogus a",
        "COPY requires at least two arguments, but only one was provided. "
        "Destination could not be determined",
        1,
    ),
    ("MAINTAINER", "MAINTAINER requires exactly one argument", 1),
    ("WORKDIR", "WORKDIR requires exactly one argument", 1),
    ("USER", "USER requires exactly one argument", 1),
    ("STOPSIGNAL", "STOPSIGNAL requires exactly one argument", 1),
    ("ENV", "ENV requires at least one argument", 1),
    ("LABEL", "LABEL requires at least one argument", 1),
    ("EXPOSE", "EXPOSE requires at least one argument", 1),
    ("VOLUME", "VOLUME requires at least one argument", 1),
    ("ARG", "ARG requires at least one argument", 1),
    ("HEALTHCHECK", "HEALTHCHECK requires at least one argument", 1),
    ("ONBUILD", "ONBUILD requires at least one argument", 1),
    ("SHELL []", "SHELL requires at least one argument", 1),
    ("SHELL /bin/bash -c", "SHELL requires the arguments to be in JSON form", 1),
    # names
    ("ENV =x", "ENV names can not be blank", 1),
    ("LABEL =x", "LABEL names can not be blank", 1),
    ("ARG A =x", "ARG names can not be blank", 1),
    ('VOLUME ["/a", " "]', "VOLUME specified can not be an empty string", 1),
    # FROM: upstream's message, with a hint for a missing or misplaced AS
    ("FROM", "FROM requires either one or three arguments", 1),
    ("FROM a b", "FROM requires either one or three arguments (did you mean FROM a AS b?)", 8),
    ("FROM a AS", "FROM requires either one or three arguments: missing stage name after AS", 8),
    ("FROM AS b", "FROM requires either one or three arguments: missing base image before AS", 6),
    (
        "FROM AS a b",
        "FROM requires either one or three arguments "
        "(AS goes between the image and the stage name)",
        6,
    ),
    (
        "FROM a b AS",
        "FROM requires either one or three arguments "
        "(AS goes between the image and the stage name)",
        10,
    ),
    ("FROM a b c", 'FROM requires either one or three arguments (expected AS, found "b")', 8),
    ("FROM a AS b c", "FROM requires either one or three arguments", 1),
    (
        "FROM a AS 1st",
        'invalid name for build stage: "1st", name can\'t start with a number or contain symbols',
        11,
    ),
    (
        "FROM a AS b@c",
        'invalid name for build stage: "b@c", name can\'t start with a number or contain symbols',
        11,
    ),
    (  # arguments before flags
        "FROM --frmo=x a b",
        "FROM requires either one or three arguments (did you mean FROM a AS b?)",
        17,
    ),
    # COPY/ADD heredoc destination
    ("COPY a <<EOF\nx\nEOF\n", "COPY cannot accept a heredoc as a destination", 1),
    ("ADD a <<-EOF\nx\nEOF\n", "ADD cannot accept a heredoc as a destination", 1),
    # HEALTHCHECK
    ("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments", 1),
    ("HEALTHCHECK FOO x", 'Unknown type "FOO" in HEALTHCHECK (try CMD)', 13),
    ("healthcheck --interval=5s foo x", 'Unknown type "FOO" in HEALTHCHECK (try CMD)', 27),
    ("HEALTHCHECK --bogus FOO x", "unknown flag: --bogus", 13),  # flags before the type
    ("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD", 1),
    ("HEALTHCHECK CMD []", "Missing command after HEALTHCHECK CMD", 1),
    ("HEALTHCHECK --interval=1ns CMD x", 'Interval "interval" cannot be less than 1ms', 13),
    ("HEALTHCHECK --timeout=999us CMD x", 'Interval "timeout" cannot be less than 1ms', 13),
    ("HEALTHCHECK --start-period=-1s CMD x", 'Interval "start-period" cannot be less than 1ms', 13),  # noqa: E501
    ("HEALTHCHECK --start-interval=abc CMD x", 'time: invalid duration "abc"', 13),
    ("HEALTHCHECK --interval=5 CMD x", 'time: missing unit in duration "5"', 13),
    ("HEALTHCHECK --interval=5x CMD x", 'time: unknown unit "x" in duration "5x"', 13),
    ("HEALTHCHECK --retries=-1 CMD x", "--retries cannot be negative (-1)", 13),
    ("HEALTHCHECK --retries=abc CMD x", 'strconv.ParseInt: parsing "abc": invalid syntax', 13),
    ("HEALTHCHECK --retries=1.5 CMD x", 'strconv.ParseInt: parsing "1.5": invalid syntax', 13),
    (
        "HEALTHCHECK --retries=2147483648 CMD x",
        'strconv.ParseInt: parsing "2147483648": value out of range',
        13,
    ),
    (
        "HEALTHCHECK --interval=1s --timeout=0.1ms CMD x",
        'Interval "timeout" cannot be less than 1ms',
        27,
    ),
    # ONBUILD
    ("ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed", 9),
    ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger", 9),
    ("onbuild from x", "FROM isn't allowed as an ONBUILD trigger", 9),
    ("ONBUILD MAINTAINER me", "MAINTAINER isn't allowed as an ONBUILD trigger", 9),
    # RUN --mount / --device: the flag's column (more cases in test_instructions_mounts.py)
    ("RUN --mount=type=bogus x", 'unsupported mount type "bogus"', 5),
    (
        "RUN --network=none --mount=target=/a --mount=tagret=/b x",
        "unexpected key 'tagret' in 'tagret=/b' (did you mean target?)",
        38,
    ),
    ("RUN --device=a,name=b x", "device name already set to a", 5),
    # a mount error comes before a network error, as upstream's hooks run
    ("RUN --network=bogus --mount=type=bogus x", 'unsupported mount type "bogus"', 21),
    # a flag's column is where its token starts, also when quotes are removed from it
    (
        'RUN --mount=type=cache,target=/x --"netwrk"=host x',
        "unknown flag: --netwrk (did you mean network?)",
        34,
    ),
]


@pytest.mark.parametrize(("text", "message", "column"), ERRORS, ids=[row[0] for row in ERRORS])
def test_error(text: str, message: str, column: int) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse(text)
    err = caught.value
    assert err.message == message
    assert (err.line, err.column) == (1, column)
    assert err.source_line is not None
    assert err.source_line.strip() == text.split("\n")[0].strip()


# Flag errors by the engine's release: text, the flag's column, then the message of
# BuildKit 0.8 (Engine 20.10), of 0.9 to 0.16, and from 0.17.
FLAG_WORDING: list[tuple[str, int, str, str, str]] = [
    (
        "RUN --mont=target=/x true",
        5,
        "Unknown flag: mont",
        "unknown flag: mont (did you mean mount?)",
        "unknown flag: --mont (did you mean mount?)",
    ),
    ("COPY --x a b", 6, "Unknown flag: x", "unknown flag: x", "unknown flag: --x"),
    (
        "COPY --from=a --from=b c d",
        15,
        "Duplicate flag specified: from",
        "duplicate flag specified: from",
        "duplicate flag specified: --from",
    ),
    (
        "COPY --from a b",
        6,
        "Missing a value on flag: from",
        "missing a value on flag: from",
        "missing a value on flag: --from",
    ),
    (
        "COPY --link=yes a b",
        6,
        "Expecting boolean value for flag link, not: yes",
        "expecting boolean value for flag link, not: yes",
        "expecting boolean value for flag --link, not: yes",
    ),
]


@pytest.mark.parametrize("row", FLAG_WORDING, ids=[row[0] for row in FLAG_WORDING])
@pytest.mark.parametrize("release", [(0, 8), (0, 9), (0, 16), (0, 17), None], ids=str)
def test_flag_errors_are_worded_as_the_engines_frontend_words_them(
    row: tuple[str, int, str, str, str], release: tuple[int, int] | None
) -> None:
    text, column, v08, bare, dashed = row
    expected = {(0, 8): v08, (0, 9): bare, (0, 16): bare}.get(release or (0, 99), dashed)
    with pytest.raises(DockerfileError) as caught:
        parse(f"FROM a\n{text}\n", wording=Wording(release))
    assert caught.value.message == expected
    assert (caught.value.line, caught.value.column) == (2, column)


@pytest.mark.parametrize(
    ("release", "prefix"),
    [((0, 8), "dockerfile parse error line 2: "), ((0, 9), "dockerfile parse error on line 2: ")],
)
def test_parse_errors_name_their_line_as_the_engines_frontend(
    release: tuple[int, int], prefix: str
) -> None:
    with pytest.raises(DockerfileError) as caught:
        parse("FROM a\nCOPY a\n", wording=Wording(release))
    assert str(caught.value).startswith(prefix + "COPY requires at least two arguments")


def test_error_lines_and_caret() -> None:
    with pytest.raises(DockerfileError) as caught:
        parse("FROM a\n\n# comment\n  COPY --frmo=x \\\n  a b\n")
    err = caught.value
    assert (err.line, err.end_line, err.column) == (4, 5, 8)
    assert err.render().splitlines()[1:] == [
        "   4 |   COPY --frmo=x   a b",  # the logical line, continuation joined
        "              ^",
    ]


def test_a_lone_continuation_is_an_unknown_empty_instruction() -> None:
    with pytest.raises(DockerfileError) as caught:
        parse("FROM a\n  \\\n")
    assert caught.value.message == "unknown instruction: "
    assert (caught.value.line, caught.value.column) == (2, 3)


def test_error_in_later_line_of_heredoc_instruction_points_at_first_line() -> None:
    with pytest.raises(DockerfileError) as caught:
        parse("FROM a\nRUN --network=x <<EOF\necho\nEOF\n")
    err = caught.value
    assert (err.line, err.end_line, err.column) == (2, 4, 5)
    assert err.source_line == "RUN --network=x <<EOF"


# ---- tables -----------------------------------------------------------------------------


def test_every_keyword_has_a_builder() -> None:
    keywords = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
                "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
                "WORKDIR"}  # fmt: skip
    assert set(BUILDERS) == keywords
    assert set(FLAGS) <= set(BUILDERS)


def test_flag_tables() -> None:
    kinds = {cmd: {name: spec.kind for name, spec in table.items()} for cmd, table in FLAGS.items()}
    assert kinds["COPY"] == {
        "from": Kind.STRING,
        "chown": Kind.STRING,
        "chmod": Kind.STRING,
        "link": Kind.BOOL,
        "parents": Kind.BOOL,
        "exclude": Kind.STRINGS,
    }
    assert set(kinds["ADD"]) == {
        "chown",
        "chmod",
        "link",
        "keep-git-dir",
        "checksum",
        "unpack",
        "exclude",
    }
    assert kinds["RUN"] == {
        "mount": Kind.STRINGS,
        "device": Kind.STRINGS,
        "network": Kind.STRING,
        "security": Kind.STRING,
    }
    assert FLAGS["RUN"]["network"].choices == ("default", "none", "host")


SUGGESTIONS = [
    ("frm", ["from", "chown"], True, "from"),
    ("from", ["from"], True, None),  # an exact match is no typo
    ("xyzzy", ["from"], True, None),
    ("FROM", ["from"], True, None),  # case-sensitive: distance 4
    ("FORM", ["FROM", "RUN"], False, "FROM"),
    ("form", ["FROM"], False, "from"),
    ("Form", ["FROM"], False, "from"),
    ("cop", ["COPY", "CMD"], False, "copy"),
]


@pytest.mark.parametrize(("word", "options", "case", "expected"), SUGGESTIONS)
def test_suggest(word: str, options: list[str], case: bool, expected: str | None) -> None:
    assert suggest(word, options, case_sensitive=case) == expected


# ---- robustness over the parser's corpus ------------------------------------------------

CORPUS = sorted((Path(__file__).parent / "cases").glob("*/Dockerfile"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.parent.name for p in CORPUS])
def test_corpus_types_or_fails_with_a_location(path: Path) -> None:
    try:
        parse(path.read_bytes())
    except DockerfileError as err:
        assert err.line > 0 and err.column > 0 and err.source_line is not None


def test_typed_parse_carries_warnings_with_the_filename() -> None:
    parsed = parse("FROM a\n# escape=`\n", filename="build/Dockerfile")
    (warning,) = parsed.warnings
    assert (warning.filename, warning.line, warning.column) == ("build/Dockerfile", 2, 1)
    assert str(warning).startswith("build/Dockerfile:2:1: warning: '# escape=' here is a comment")
