#!/usr/bin/env python3
"""Compare our LLB with the one Docker's Dockerfile frontend writes, op by op.

usage: oracle_compare.py ORACLE [--summary] [--in-process] [--caps FILE] [-j N]
       [--target T] [--platform P] [--build-arg K=V]... DOCKERFILE...
       oracle_compare.py ORACLE --write-golden NAME DOCKERFILE...

ORACLE is a ``pyf-llb-oracle`` binary: a small Go program that compiles a
Dockerfile with the official frontend's conversion code (BuildKit's
``dockerfile2llb``) offline, with every capability of its release and the same
stand-in base images as ``pyfrontend llb``; it takes ``-target``, ``-platform``,
``-build-arg``, ``-filename`` and ``-o``.
Both definitions are decoded and walked together from the terminal op down;
for each pair of ops that differ the differing fields are printed, then the
metadata (progress names, descriptions, caps) and the source locations.
``--summary`` prints one line per file and totals: how many files give
identical ops, metadata, locations and whole definitions, and which fields
differ most often. ``--caps FILE`` compiles ours for an engine with those LLB
caps (give an oracle built from that engine's release); ``--write-golden``
writes the oracle's listing for the golden tests.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from frontend.compiler.preview import compile_offline, options_from_args
from frontend.errors import DockerfileError
from frontend.llb.caps import LLBCaps
from frontend.llb.dump import dump
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb


@dataclass
class Report:
    """Differences found in one Dockerfile, as ``(where, field path)`` pairs."""

    ops: list[str] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    error: str = ""
    lines: list[str] = field(default_factory=list)
    """The differences, readable."""
    same_bytes: bool = False
    """Both definitions serialise to the same bytes (progress group ids aside)."""


def field_diffs(a: Message, b: Message, prefix: str = "") -> Iterator[str]:
    """Paths of the fields whose values differ between two messages of one type."""
    for fd in a.DESCRIPTOR.fields:
        name = prefix + fd.name
        va, vb = getattr(a, fd.name), getattr(b, fd.name)
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            for key in sorted(set(va) | set(vb), key=str):
                if key not in va or key not in vb:
                    yield f"{name}[{key}]"
                elif isinstance(va[key], Message):
                    yield from field_diffs(va[key], vb[key], f"{name}[{key}].")
                elif va[key] != vb[key]:
                    yield f"{name}[{key}]"
        elif fd.is_repeated:
            if len(va) != len(vb):
                yield f"{name}#len"
            for i, (x, y) in enumerate(zip(va, vb, strict=False)):
                if isinstance(x, Message):
                    yield from field_diffs(x, y, f"{name}[{i}].")
                elif x != y:
                    yield f"{name}[{i}]"
        elif fd.message_type is not None:
            if a.HasField(fd.name) != b.HasField(fd.name):
                yield f"{name}(presence)"
            elif a.HasField(fd.name):
                yield from field_diffs(va, vb, name + ".")
        elif va != vb:
            yield name


class Walk:
    """Both definitions, decoded, and the pairs of ops visited so far."""

    def __init__(self, go: pb.Definition, ours: pb.Definition) -> None:
        self.go, self.ours = go, ours
        self.go_ops = dict(ops_of(go))
        self.our_ops = dict(ops_of(ours))
        self.seen: set[tuple[str, str]] = set()
        self.report = Report()

    def run(self) -> Report:
        self.report.same_bytes = _canonical(self.go) == _canonical(self.ours)
        go_term = ops_of(self.go)[-1] if getattr(self.go, "def") else None
        our_term = ops_of(self.ours)[-1] if getattr(self.ours, "def") else None
        if go_term is None or our_term is None:
            if (go_term is None) != (our_term is None):
                self.report.ops.append("result: one side is empty")
            return self.report
        self.pair("result", go_term[0], our_term[0])
        return self.report

    def say(self, text: str) -> None:
        self.report.lines.append(text)

    def pair(self, where: str, gd: str, od: str) -> None:
        """Compare two ops and, below them, their inputs pairwise (depth first)."""
        stack = [(where, gd, od)]
        while stack:
            where, gd, od = stack.pop()
            if (gd, od) in self.seen:
                continue
            self.seen.add((gd, od))
            gop, oop = self.go_ops[gd], self.our_ops[od]
            label = self._label(gd, self.go) or self._label(od, self.ours) or where
            if gd != od:
                self._op(label, gop, oop)
            self._meta(label, gd, od)
            pairs = list(zip(gop.inputs, oop.inputs, strict=False))
            for i, (gi, oi) in reversed(list(enumerate(pairs))):
                stack.append((f"{label} input {i}", gi.digest, oi.digest))

    def _op(self, label: str, gop: pb.Op, oop: pb.Op) -> None:
        g2, o2 = pb.Op(), pb.Op()
        g2.CopyFrom(gop)
        o2.CopyFrom(oop)
        for e in (*g2.inputs, *o2.inputs):
            e.digest = ""
        diffs = list(field_diffs(g2, o2))
        if diffs:
            self.say(f"op {label!r}:")
            for path in diffs:
                self.say(f"  {path}: go {_show(g2, path)} / ours {_show(o2, path)}")
            kind = gop.WhichOneof("op") or "terminal"
            self.report.ops += [f"{kind}:{p}" for p in diffs]

    def _label(self, digest: str, d: pb.Definition) -> str:
        md = d.metadata.get(digest)
        return md.description.get("llb.customname", "") if md else ""

    def _meta(self, label: str, gd: str, od: str) -> None:
        gm, om = pb.OpMetadata(), pb.OpMetadata()
        gm.CopyFrom(self.go.metadata.get(gd, pb.OpMetadata()))
        om.CopyFrom(self.ours.metadata.get(od, pb.OpMetadata()))
        # progress group ids are random in Go's frontend: compare their presence only
        gm.progress_group.ClearField("id")
        om.progress_group.ClearField("id")
        diffs = list(field_diffs(gm, om))
        if diffs:
            self.say(f"metadata {label!r}:")
            for path in diffs:
                self.say(f"  {path}: go {_show(gm, path)} / ours {_show(om, path)}")
            self.report.metadata += diffs
        gl = _ranges(self.go, gd)
        ol = _ranges(self.ours, od)
        if gl != ol:
            self.say(f"locations {label!r}: go {gl} / ours {ol}")
            self.report.locations.append("ranges")


def _canonical(d: pb.Definition) -> bytes:
    """The definition's deterministic bytes with progress group ids (random in Go) blanked."""
    copy = pb.Definition()
    copy.CopyFrom(d)
    for md in copy.metadata.values():
        if md.HasField("progress_group"):
            md.progress_group.id = ""
    return copy.SerializeToString(deterministic=True)


def _ranges(d: pb.Definition, digest: str) -> list[list[tuple[int, int]]] | None:
    """The op's source locations, each a list of line ranges; None if not listed."""
    if digest not in d.Source.locations:
        return None
    return [
        [(r.start.line, r.end.line) for r in loc.ranges]
        for loc in d.Source.locations[digest].locations
    ]


def _show(msg: Message, path: str) -> str:
    """The value at ``path`` (as ``field_diffs`` writes it), shortened; ``-`` if absent."""
    value: Any = msg
    for m in re.finditer(r"([A-Za-z_]\w*)(?:\[([^\]]*)\])?", path.split("#")[0]):
        name, key = m.group(1), m.group(2)
        value = getattr(value, name, None)
        if key is not None:
            if key.lstrip("-").isdigit() and not hasattr(value, "keys"):
                value = value[int(key)] if int(key) < len(value) else None
            else:
                value = value[key] if value is not None and key in value else None
        if value is None:
            return "-"
    if path.endswith("#len"):
        return str(len(value))
    return repr(str(value).replace("\n", " ").strip()[:100])


def build(argv: list[str], path: Path) -> tuple[pb.Definition | None, str]:
    proc = subprocess.run([*argv, str(path)], capture_output=True, check=False)
    if proc.returncode != 0:
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        return None, lines[-1] if lines else f"exit {proc.returncode}"
    d = pb.Definition()
    d.ParseFromString(proc.stdout)
    return d, ""


def ours_in_process(
    path: Path, args: argparse.Namespace, engine: LLBCaps | None
) -> tuple[pb.Definition | None, str]:
    """What ``pyfrontend llb --format pb`` writes (for an engine with the LLB caps
    ``engine``, if given), without starting a process per file."""
    opts = options_from_args(
        argparse.Namespace(target=args.target, platform=args.platform, build_arg=args.build_arg)
    )
    try:
        platform = compile_offline(path.read_bytes(), str(path), opts, engine)
    except DockerfileError as exc:
        return None, exc.render().splitlines()[0]
    except Exception as exc:  # noqa: BLE001 - a crash is a finding, reported like an error
        return None, f"{type(exc).__name__}: {exc}"
    return platform.definition, ""


def compare(oracle: str, path: Path, args: argparse.Namespace) -> Report:
    extra = ["-target", args.target] if args.target else []
    if args.platform:
        extra += ["-platform", args.platform]
    for kv in args.build_arg:
        extra += ["-build-arg", kv]
    go, gerr = build([oracle, *extra, "-filename", str(path)], path)
    if args.in_process or args.caps:
        engine = LLBCaps(frozenset(args.caps.read_text().split())) if args.caps else None
        ours, oerr = ours_in_process(path, args, engine)
    else:
        ours_extra = ["--target", args.target] if args.target else []
        if args.platform:
            ours_extra += ["--platform", args.platform]
        for kv in args.build_arg:
            ours_extra += ["--build-arg", kv]
        command = [sys.executable, "-m", "frontend", "llb", "--format", "pb", *ours_extra]
        ours, oerr = build(command, path)
    if go is None or ours is None:
        error = f"go: {gerr or 'ok'} | ours: {oerr or 'ok'}"
        return Report(error=error, lines=[error])
    return Walk(go, ours).run()


def write_golden(oracle: str, files: list[Path], name: str) -> int:
    """``name`` beside each Dockerfile: the oracle's definition, listed with its
    metadata as the golden test lists ours (none where the oracle refuses the file,
    or where it is the same as ``expected.txt``)."""
    for path in files:
        definition, error = build([oracle, "-filename", "Dockerfile"], path)
        target = path.parent / name
        if definition is None:
            print(f"{path}: {error}; no {name}", file=sys.stderr)
            target.unlink(missing_ok=True)
            continue
        text = dump(definition, metadata=True)
        main = path.parent / "expected.txt"
        if target != main and main.is_file() and main.read_text() == text:
            print(f"{path}: same as expected.txt; no {name}")
            target.unlink(missing_ok=True)
            continue
        target.write_text(text)
        print(f"wrote {target}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("oracle")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--summary", action="store_true", help="one line per file, then totals")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="files compared at once")
    parser.add_argument(
        "--in-process", action="store_true", help="compile ours in this process (faster)"
    )
    parser.add_argument(
        "--write-golden",
        metavar="NAME",
        help="write the oracle's listing to NAME (e.g. expected.txt) next to each "
        "Dockerfile, for the golden tests",
    )
    parser.add_argument(
        "--caps",
        type=Path,
        help="compile ours for an engine with these LLB caps (a file, one per line); "
        "give an oracle built from that engine's BuildKit release",
    )
    parser.add_argument("--target", default="")
    parser.add_argument("--platform", default="", help="target platform, e.g. linux/arm64")
    parser.add_argument("--build-arg", action="append", default=[])
    args = parser.parse_args(argv)
    if args.write_golden:
        return write_golden(args.oracle, args.files, args.write_golden)
    totals: collections.Counter[str] = collections.Counter()
    fields: collections.Counter[str] = collections.Counter()

    def one(path: Path) -> tuple[Path, Report]:
        return path, compare(args.oracle, path, args)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for path, r in pool.map(one, args.files):
            if not args.summary:
                print("\n".join([f"== {path}", *r.lines]))
            if r.error:
                both = "go: ok" not in r.error and "ours: ok" not in r.error
                totals["both fail" if both else "one side fails"] += 1
                if args.summary:
                    print(f"{path}: error {r.error}")
                continue
            totals["compiled"] += 1
            totals["identical ops"] += not r.ops
            totals["identical metadata"] += not r.metadata
            totals["identical locations"] += not r.locations
            totals["identical all"] += not (r.ops or r.metadata or r.locations)
            totals["identical definition bytes"] += r.same_bytes
            for group, items in (("op", r.ops), ("meta", r.metadata), ("loc", r.locations)):
                for item in set(items):
                    fields[f"{group} {item}"] += 1
            if args.summary:
                state = "ops ok" if not r.ops else f"ops differ ({len(r.ops)})"
                print(f"{path}: {state}, meta {len(r.metadata)}, locations {len(r.locations)}")
    print("\n# totals")
    for key in (
        "compiled",
        "identical ops",
        "identical metadata",
        "identical locations",
        "identical all",
        "identical definition bytes",
        "one side fails",
        "both fail",
    ):
        print(f"{key}: {totals[key]}")
    if fields:
        print("\n# files with a difference in")
        for key, count in fields.most_common():
            print(f"{count:5d}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
