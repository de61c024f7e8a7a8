"""The offline commands: ``pyfrontend llb`` and ``pyfrontend check``.

``pyfrontend llb`` compiles a Dockerfile without an engine and prints its LLB.
Base images cannot be looked up offline, so each is taken to be a plain
one-layer Linux image with no config of its own (a real build reads its
config, which can change ``PATH``, the user, the working directory...). The
build context is the client's directory, as ``docker build`` sends it.
``--format pb`` writes the ``pb.Definition`` bytes, which ``buildctl build``
reads from standard input.

``pyfrontend check FILE...`` runs the build checks as ``docker build --check``
does, with the same stand-in base images, so checks that need a real config
(its variables, its SHELL, its platform) know less than a build does; the
context is the Dockerfile's directory, and its ``.dockerignore`` (or
``<file>.dockerignore``) applies. Both assume every engine capability.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from google.protobuf import json_format

from frontend.compiler.dockerignore import parse_dockerignore
from frontend.compiler.entry import evaluate
from frontend.compiler.request import LoadedDockerfile, parse_request
from frontend.compiler.result import PlatformResult
from frontend.compiler.subrequests import LINT
from frontend.errors import DockerfileError
from frontend.gotext import go_json
from frontend.llb.caps import LLBCaps
from frontend.llb.dump import dump
from frontend.platform import Platform
from frontend.semantics.check_report import (
    LintReport,
    error_text,
    results_json,
    results_text,
)
from frontend.semantics.include import Reader, includes, splice


def assumed_image(
    ref: str, *, platform: Platform, resolve_mode: str, log_name: str
) -> tuple[str, bytes]:
    """What a base image is taken to be offline: no digest, one layer, no config."""
    config = {
        "architecture": platform.architecture,
        "os": platform.os,
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "0" * 64]},
    }
    return "", json.dumps(config).encode()


def read_disk(path: str | Path) -> bytes | None:
    """A file an ``INCLUDE`` names, from the disk (None if there is none)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def load_offline(
    data: bytes, filename: str, excludes: tuple[str, ...] = (), read: Reader = read_disk
) -> LoadedDockerfile:
    """The Dockerfile as a build reads it: with its includes spliced in, when it has
    the ``include`` extension (``read`` reads them; raises ``DockerfileError``)."""
    if not includes(data):
        return LoadedDockerfile(filename, data, excludes)
    spliced = splice(data, filename, read)
    return LoadedDockerfile(filename, spliced.data, excludes, spliced=spliced)


def compile_offline(
    data: bytes,
    filename: str,
    opts: Mapping[str, str],
    llb_caps: LLBCaps | None = None,
    read: Reader = read_disk,
) -> PlatformResult:
    """LLB and image config of a Dockerfile, for frontend options ``opts``
    (``target``, ``build-arg:X``...) and an engine with ``llb_caps`` (default: all);
    ``read`` reads the files it includes."""
    request = parse_request({**opts, "filename": filename}, llb_caps=llb_caps)
    result = evaluate(request, load_offline(data, filename, read=read), assumed_image)
    if result.error is not None:
        raise result.error
    if len(result.platforms) != 1:
        shown = ", ".join(str(p.platform) for p in result.platforms)
        raise DockerfileError(f"one platform at a time, please (got {shown})", filename=filename)
    return result.platforms[0]


def check_offline(
    data: bytes,
    filename: str,
    opts: Mapping[str, str],
    excludes: tuple[str, ...] = (),
    read: Reader = read_disk,
) -> LintReport:
    """The build checks' report on a Dockerfile (what ``docker build --check`` asks for);
    ``read`` reads the files it includes."""
    try:
        request = parse_request({**opts, "filename": filename, "requestid": LINT})
        loaded = load_offline(data, filename, excludes, read)
    except DockerfileError as exc:
        return LintReport(filename, data, (), exc)
    result = evaluate(request, loaded, assumed_image)
    assert result.report is not None
    return result.report


def options_from_args(args: argparse.Namespace) -> dict[str, str]:
    """Frontend options from ``--target``, ``--platform``, ``--build-arg`` and
    ``--build-context``."""
    opts = {"target": args.target, "platform": args.platform}
    for item in getattr(args, "build_context", []):
        name, _, value = item.partition("=")
        opts[f"context:{name}"] = value
    for item in args.build_arg:
        name, sep, value = item.partition("=")
        if not sep:  # `--build-arg NAME` takes the value from the environment, as docker does
            if name not in os.environ:
                continue
            value = os.environ[name]
        opts[f"build-arg:{name}"] = value
    return {k: v for k, v in opts.items() if v}


def llb_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="pyfrontend llb",
        description="compile a Dockerfile without an engine and print its LLB",
    )
    parser.add_argument("--format", choices=("text", "json", "pb"), default="text")
    parser.add_argument("--target", default="", help="the stage to build (default: the last)")
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("--platform", default="", help="target platform, e.g. linux/arm64")
    parser.add_argument(
        "--build-context",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a named context: docker-image://REF, or a Git or HTTP URL",
    )
    parser.add_argument(
        "--config", action="store_true", help="print the image config instead of the LLB"
    )
    parser.add_argument("file", help="the Dockerfile")
    args = parser.parse_args(argv)
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        print(f"{args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    try:
        result = compile_offline(data, args.file, options_from_args(args))
    except DockerfileError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    definition = result.definition
    if args.config:
        print(json.dumps(json.loads(result.config_json), indent=2))
    elif args.format == "pb":
        sys.stdout.buffer.write(definition.SerializeToString(deterministic=True))
    elif args.format == "json":
        print(json_format.MessageToJson(definition, sort_keys=True))
    else:
        print(dump(definition), end="")
    return 0


def _excludes(path: Path) -> tuple[str, ...]:
    for candidate in (Path(f"{path}.dockerignore"), path.parent / ".dockerignore"):
        try:
            return parse_dockerignore(candidate.read_bytes())
        except OSError:
            continue
    return ()


def check_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="pyfrontend check",
        description="run the build checks on Dockerfiles, as docker build --check does",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--target", default="", help="check only what this stage needs")
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("--platform", default="", help="target platform, e.g. linux/arm64")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    opts = options_from_args(args)
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{name}: {exc.strerror}", file=sys.stderr)
            status = 1
            continue
        report = check_offline(data, name, opts, _excludes(path))
        if args.format == "json":
            print(go_json(results_json(report), indent=None))
        else:
            print(results_text(report), end="")
            if report.error is not None:
                print(("\n" if report.warnings else "") + error_text(report), end="",
                      file=sys.stderr)  # fmt: skip
        status = max(status, report.status)
    return status
