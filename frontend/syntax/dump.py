"""``pyfrontend parse``: print parsed Dockerfiles, readable or as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from frontend.errors import DockerfileError
from frontend.syntax import parse, parse_nodes
from frontend.syntax.prelex import prelex


def dump_json(path: str, data: bytes) -> dict[str, Any]:
    """``{"file", "directives", "instructions"}``, or ``{"file", "error"}``."""
    try:
        nodes = parse_nodes(data, filename=path)
        directives = prelex(data).directives
    except DockerfileError as exc:
        return {
            "file": path,
            "error": {"message": exc.message, "line": exc.line, "column": exc.column},
        }
    return {
        "file": path,
        "directives": directives,
        "instructions": [n.to_json() for n in nodes],
    }


def dump_text(path: str, data: bytes) -> str:
    """One line per instruction: ``L<start>-<end> KEYWORD [flags] value``."""
    try:
        dockerfile = parse(data, filename=path)
    except DockerfileError as exc:
        return exc.render()
    lines = [f"# {path}"]
    lines += [f"# {k}={v}" for k, v in dockerfile.directives]
    for node in dockerfile.instructions:
        loc = node.location
        lines.append(f"L{loc.start_line}-{loc.end_line} {node!r}")
    return "\n".join(lines)


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
        if args.format == "json":
            out = dump_json(path, data)
            status |= "error" in out
            print(json.dumps(out, ensure_ascii=False))
        else:
            print(dump_text(path, data))
    return status
