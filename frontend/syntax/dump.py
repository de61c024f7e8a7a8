"""``pyfrontend parse``: print parsed Dockerfiles, readable or as JSON lines.

``render`` writes nodes back as Dockerfile text, one line per instruction;
parsing that text gives the same nodes again (only line numbers move), which
the property tests check.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from frontend.errors import DockerfileError
from frontend.gotext import SPACE as GO_SPACE
from frontend.gotext import go_json
from frontend.syntax import Parsed, parse_raw
from frontend.syntax.nodes import Node
from frontend.syntax.prelex import trim_continuation

_SURROGATES = re.compile("[\ud800-\udfff]")


def _parse(path: str, data: bytes | str) -> Parsed | DockerfileError:
    try:
        return parse_raw(data, filename=path)
    except DockerfileError as exc:
        return exc


def dump_json(path: str, data: bytes | str) -> dict[str, Any]:
    """``{"file", "directives", "instructions"}``, or ``{"file", "error"}``."""
    return _as_json(path, _parse(path, data))


def _as_json(path: str, parsed: Parsed | DockerfileError) -> dict[str, Any]:
    if isinstance(parsed, DockerfileError):
        error = {"message": parsed.message, "line": parsed.line, "column": parsed.column}
        return {"file": path, "error": error}
    return {
        "file": path,
        "directives": parsed.directives,
        "instructions": [n.to_json() for n in parsed.nodes],
    }


def _as_text(path: str, parsed: Parsed | DockerfileError) -> str:
    if isinstance(parsed, DockerfileError):
        return _SURROGATES.sub("\ufffd", parsed.render())
    lines = [f"# {path}"]
    lines += [f"# {k}={v}" for k, v in parsed.directives.items()]
    lines += [_describe(node) for node in parsed.nodes]
    return _SURROGATES.sub("\ufffd", "\n".join(lines))


def _describe(node: Node) -> str:
    span = f"L{node.start_line}" + (f"-{node.end_line}" if node.end_line != node.start_line else "")
    shown = node.sub or node
    words = [f"{span:<9}", node.cmd, *([node.sub_cmd] if node.sub_cmd else []), *node.flags]
    words += [json.dumps(list(shown.value), ensure_ascii=False)]
    words += ["(exec form)"] if shown.json else []
    out = [" ".join(words)]
    for doc in node.heredocs:
        mode = [f"fd={doc.file_descriptor}"] if doc.file_descriptor else []
        mode += [] if doc.expand else ["no-expand"]
        mode += ["chomp"] if doc.chomp else []
        label = " ".join([f"<<{doc.name}", *mode])
        out.append(f"{'':9} {label}: {json.dumps(doc.content, ensure_ascii=False)}")
    return "\n".join(out)


def render(directives: Mapping[str, str], nodes: Iterable[Node], escape: str = "\\") -> str:
    """Dockerfile text for ``nodes``: directives first, then each node's ``original``.

    A line that would not read back as written (leading blanks or a BOM, a
    trailing ``\\r``, blank, or ending like a continuation) gets a lone escape
    line before it or an escape after it, which the pre-lexer removes again.
    Only the last instruction of a file can end that way (its continuation
    ran into the end of the file), so the added escape joins nothing to it.
    """
    lines = [f"# {name}={value}" for name, value in directives.items()]
    for node in nodes:
        line, newline, bodies = node.original.partition("\n")
        if line and (line[0] in GO_SPACE or line[0] == "\ufeff"):
            lines.append(escape)
        if not line.strip(GO_SPACE) or line.endswith("\r") or trim_continuation(line, escape)[1]:
            line += escape
        lines.append(line + newline + bodies.removesuffix("\n"))
    return "".join(line + "\n" for line in lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pyfrontend parse", description=__doc__)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            print(f"{path}: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        parsed = _parse(path, data)
        status |= isinstance(parsed, DockerfileError)
        if args.format == "json":
            print(go_json(_as_json(path, parsed), indent=None), flush=True)
        else:
            print(_as_text(path, parsed), flush=True)
        for warning in () if isinstance(parsed, DockerfileError) else parsed.warnings:
            print(_SURROGATES.sub("\ufffd", warning.render()), file=sys.stderr, flush=True)
    return status
