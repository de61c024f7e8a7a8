"""Raw nodes → typed AST: flags checked against each instruction's table, arity checked."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from frontend.errors import DockerfileError
from frontend.syntax import ast
from frontend.syntax.nodes import Node


@dataclass(frozen=True)
class FlagSpec:
    boolean: bool = False
    repeat: bool = False


FLAGS: dict[str, dict[str, FlagSpec]] = {
    "FROM": {"platform": FlagSpec()},
    "RUN": {
        "mount": FlagSpec(repeat=True),
        "network": FlagSpec(),
        "security": FlagSpec(),
    },
    "COPY": {
        "from": FlagSpec(),
        "chown": FlagSpec(),
        "chmod": FlagSpec(),
        "link": FlagSpec(boolean=True),
        "parents": FlagSpec(boolean=True),
        "exclude": FlagSpec(repeat=True),
    },
    "ADD": {
        "chown": FlagSpec(),
        "chmod": FlagSpec(),
        "link": FlagSpec(boolean=True),
        "checksum": FlagSpec(),
        "keep-git-dir": FlagSpec(boolean=True),
        "exclude": FlagSpec(repeat=True),
    },
    "HEALTHCHECK": {
        "interval": FlagSpec(),
        "timeout": FlagSpec(),
        "start-period": FlagSpec(),
        "start-interval": FlagSpec(),
        "retries": FlagSpec(),
    },
}


def _error(message: str, node: Node, column: int | None = None) -> DockerfileError:
    return DockerfileError(
        message,
        line=node.start_line,
        end_line=node.end_line,
        column=column if column is not None else node.column,
        source_line=node.original.splitlines()[0] if node.original else None,
    )


def _suggest(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


def parse_flags(node: Node, cmd: str) -> tuple[tuple[ast.Flag, ...], dict[str, list[str | None]]]:
    """Check ``node.flags`` against the table for ``cmd``; values by flag name."""
    specs = FLAGS.get(cmd, {})
    values: dict[str, list[str | None]] = {}
    parsed = []
    for raw in node.flags:
        body = raw[2:] if raw.startswith("--") else raw
        name, sep, value = body.partition("=")
        column = node.original.find(raw.split("=", 1)[0]) + 1 or node.column
        if name not in specs:
            names = [f"--{n}" for n in specs]
            raise _error(f"unknown flag: --{name}{_suggest('--' + name, names)}", node, column)
        spec = specs[name]
        if spec.boolean:
            if sep and value.lower() not in ("true", "false"):
                raise _error(f"expecting boolean value for flag {name}, not: {value}", node, column)
            val: str | None = value.lower() if sep else "true"
        else:
            if not sep:
                raise _error(f"missing a value on flag: --{name}", node, column)
            val = value
        if name in values and not spec.repeat:
            raise _error(f"duplicate flag specified: --{name}", node, column)
        values.setdefault(name, []).append(val)
        parsed.append(ast.Flag(name, val if sep or spec.boolean else None, raw))
    return tuple(parsed), values


def _one(values: dict[str, list[str | None]], name: str) -> str | None:
    got = values.get(name)
    return got[-1] if got else None


def _bool(values: dict[str, list[str | None]], name: str) -> bool:
    return _one(values, name) == "true"


def _many(values: dict[str, list[str | None]], name: str) -> tuple[str, ...]:
    return tuple(v for v in values.get(name, []) if v is not None)


def _command(node: Node) -> ast.Command:
    if node.json:
        return ast.ExecCommand(node.value)
    return ast.ShellCommand(node.value[0] if node.value else "", node.heredocs)


def _require(node: Node, cmd: str, count: int, exact: bool = False) -> None:
    n = len(node.value)
    if exact and n != count:
        raise _error(f"{cmd} requires exactly one argument", node)
    if n < count:
        if count == 1:
            raise _error(f"{cmd} requires at least one argument", node)
        if count == 2 and cmd in ("COPY", "ADD"):
            raise _error(
                f"{cmd} requires at least two arguments, but only one was provided. "
                "Destination could not be determined.",
                node,
            )
        raise _error(f"{cmd} requires at least {count} arguments", node)


Builder = Callable[
    [Node, ast.Location, tuple[ast.Flag, ...], dict[str, list[str | None]]], ast.Instruction
]


def _from(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    args = node.value
    if len(args) == 1:
        name = None
    elif len(args) == 3 and args[1].lower() == "as":
        name = args[2]
    elif len(args) == 3:
        raise _error(f"expected 'AS', found {args[1]!r} in FROM", node)
    else:
        raise _error("FROM requires either one or three arguments", node)
    return ast.From(
        loc, node.original, flags, image=args[0], name=name, platform=_one(v, "platform")
    )


def _run(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    _require(node, "RUN", 1)
    return ast.Run(
        loc,
        node.original,
        flags,
        command=_command(node),
        mounts=_many(v, "mount"),
        network=_one(v, "network"),
        security=_one(v, "security"),
    )


def _cmd(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.Cmd(loc, node.original, flags, command=_command(node))


def _entrypoint(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.Entrypoint(loc, node.original, flags, command=_command(node))


def _shell(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    _require(node, "SHELL", 1)
    if not node.json:
        raise _error("SHELL requires the arguments to be in JSON form", node)
    return ast.Shell(loc, node.original, flags, args=node.value)


def _copy_like(node: Node, cmd: str) -> tuple[tuple[str, ...], str]:
    _require(node, cmd, 2)
    return node.value[:-1], node.value[-1]


def _copy(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    sources, dest = _copy_like(node, "COPY")
    return ast.Copy(
        loc,
        node.original,
        flags,
        sources=sources,
        dest=dest,
        heredocs=node.heredocs,
        from_=_one(v, "from"),
        chown=_one(v, "chown"),
        chmod=_one(v, "chmod"),
        link=_bool(v, "link"),
        parents=_bool(v, "parents"),
        excludes=_many(v, "exclude"),
    )


def _add(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    sources, dest = _copy_like(node, "ADD")
    return ast.Add(
        loc,
        node.original,
        flags,
        sources=sources,
        dest=dest,
        heredocs=node.heredocs,
        chown=_one(v, "chown"),
        chmod=_one(v, "chmod"),
        link=_bool(v, "link"),
        checksum=_one(v, "checksum"),
        keep_git_dir=_bool(v, "keep-git-dir"),
        excludes=_many(v, "exclude"),
    )


def _pairs(node: Node, cmd: str) -> tuple[ast.KeyValue, ...]:
    _require(node, cmd, 1)
    if len(node.value) % 2:
        raise _error(f"Bad input to {cmd}, too many arguments", node)
    return tuple(
        ast.KeyValue(node.value[i], node.value[i + 1]) for i in range(0, len(node.value), 2)
    )


def _env(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.Env(loc, node.original, flags, pairs=_pairs(node, "ENV"))


def _label(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.Label(loc, node.original, flags, pairs=_pairs(node, "LABEL"))


def _arg(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    _require(node, "ARG", 1)
    decls = []
    for word in node.value:
        name, sep, default = word.partition("=")
        if not name:
            raise _error("ARG names can not be blank", node)
        decls.append(ast.ArgDecl(name, default if sep else None))
    return ast.Arg(loc, node.original, flags, args=tuple(decls))


def _single(cmd: str) -> Callable[[Node], str]:
    def get(node: Node) -> str:
        _require(node, cmd, 1, exact=True)
        return node.value[0]

    return get


def _workdir(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.Workdir(loc, node.original, flags, path=_single("WORKDIR")(node))


def _user(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.User(loc, node.original, flags, user=_single("USER")(node))


def _maintainer(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.Maintainer(loc, node.original, flags, name=_single("MAINTAINER")(node))


def _stopsignal(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    return ast.StopSignal(loc, node.original, flags, signal=_single("STOPSIGNAL")(node))


def _expose(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    _require(node, "EXPOSE", 1)
    return ast.Expose(loc, node.original, flags, ports=node.value)


def _volume(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    _require(node, "VOLUME", 1)
    return ast.Volume(loc, node.original, flags, paths=node.value)


def _healthcheck(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    _require(node, "HEALTHCHECK", 1)
    kind = node.value[0].upper()
    if kind == "NONE":
        if len(node.value) > 1:
            raise _error("HEALTHCHECK NONE takes no arguments", node)
        return ast.Healthcheck(loc, node.original, flags)
    if kind != "CMD":
        raise _error(f"Unknown type {node.value[0]!r} in HEALTHCHECK (try CMD)", node)
    if len(node.value) < 2:
        raise _error("Missing command after HEALTHCHECK CMD", node)
    rest = Node(node.cmd, (), node.value[1:], node.json, node.start_line, node.end_line, "")
    return ast.Healthcheck(
        loc,
        node.original,
        flags,
        command=_command(rest),
        interval=_one(v, "interval"),
        timeout=_one(v, "timeout"),
        start_period=_one(v, "start-period"),
        start_interval=_one(v, "start-interval"),
        retries=_one(v, "retries"),
    )


_ONBUILD_PREFIX = re.compile(r"(?i)^\s*ONBUILD\s*")


def _onbuild(
    node: Node, loc: ast.Location, flags: tuple[ast.Flag, ...], v: dict[str, list[str | None]]
) -> ast.Instruction:
    if node.sub is None:
        raise _error("ONBUILD requires at least one argument", node)
    trigger = node.sub.cmd
    if trigger in ("ONBUILD", "FROM", "MAINTAINER"):
        what = (
            "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
            if trigger == "ONBUILD"
            else f"{trigger} isn't allowed as an ONBUILD trigger"
        )
        raise _error(what, node)
    expression = _ONBUILD_PREFIX.sub("", node.original, count=1)
    return ast.Onbuild(
        loc, node.original, flags, expression=expression, trigger=to_instruction(node.sub)
    )


BUILDERS: dict[str, Builder] = {
    "FROM": _from,
    "RUN": _run,
    "CMD": _cmd,
    "ENTRYPOINT": _entrypoint,
    "SHELL": _shell,
    "COPY": _copy,
    "ADD": _add,
    "ENV": _env,
    "LABEL": _label,
    "ARG": _arg,
    "WORKDIR": _workdir,
    "USER": _user,
    "MAINTAINER": _maintainer,
    "STOPSIGNAL": _stopsignal,
    "EXPOSE": _expose,
    "VOLUME": _volume,
    "HEALTHCHECK": _healthcheck,
    "ONBUILD": _onbuild,
}


def to_instruction(node: Node) -> ast.Instruction:
    """The typed instruction for ``node``; errors name its line and column."""
    builder = BUILDERS.get(node.cmd)
    if builder is None:
        raise _error(f"unknown instruction: {node.cmd}{_suggest(node.cmd, sorted(BUILDERS))}", node)
    flags, values = parse_flags(node, node.cmd)
    loc = ast.Location(node.start_line, node.end_line, node.column)
    return builder(node, loc, flags, values)
