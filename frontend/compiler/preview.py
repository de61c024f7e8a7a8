"""``pyfrontend llb``: compile a Dockerfile without an engine and print its LLB.

Base images cannot be looked up offline, so each is taken to be a plain
one-layer Linux image with no config of its own (a real build reads its
config, which can change ``PATH``, the user, the working directory...). The
build context is the client's directory, as ``docker build`` sends it.

``--format pb`` writes the ``pb.Definition`` bytes, which ``buildctl build``
reads from standard input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping

from google.protobuf import json_format

from frontend.compiler.convert import CompileResult, compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.errors import DockerfileError
from frontend.llb.dump import dump
from frontend.llb.marshal import SourceFile
from frontend.llb.platform import DEFAULT_PLATFORM, Platform
from frontend.syntax import parse


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


def compile_offline(data: bytes, filename: str, opts: Mapping[str, str]) -> CompileResult:
    """LLB and image config of a Dockerfile, for frontend options ``opts``
    (``target``, ``build-arg:X``...)."""
    options = BuildOptions.from_opts(opts, build_platform=DEFAULT_PLATFORM)
    dockerfile = parse(data, filename=filename)
    try:
        result = compile_dockerfile(
            dockerfile, options, assumed_image, source=SourceFile(filename, data)
        )
    except DockerfileError as exc:
        exc.filename = filename
        raise
    return result


def options_from_args(args: argparse.Namespace) -> dict[str, str]:
    """Frontend options from ``--target``, ``--platform`` and ``--build-arg``."""
    opts = {"target": args.target, "platform": args.platform}
    for item in args.build_arg:
        name, sep, value = item.partition("=")
        if not sep:  # `--build-arg NAME` takes the value from the environment, as docker does
            if name not in os.environ:
                continue
            value = os.environ[name]
        opts[f"build-arg:{name}"] = value
    return {k: v for k, v in opts.items() if v}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="pyfrontend llb", description=__doc__.split("\n", 1)[0].split(": ", 1)[1]
    )
    parser.add_argument("--format", choices=("text", "json", "pb"), default="text")
    parser.add_argument("--target", default="", help="the stage to build (default: the last)")
    parser.add_argument("--build-arg", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("--platform", default="", help="target platform, e.g. linux/arm64")
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
