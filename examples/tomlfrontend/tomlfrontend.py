"""A BuildKit frontend for TOML build specs, written with pyfrontend's library.

    # syntax=myorg/tomlfrontend
    base = "docker.io/library/busybox:latest"    # or "scratch"
    env = { GREETING = "hello" }
    workdir = "/app"
    run = ["echo $GREETING > /app/greeting"]    # shell commands, in order
    entrypoint = ["/bin/cat", "/app/greeting"]

    [files]                                     # files written as given
    "/app/motd" = "welcome\\n"

    [[copy]]                                    # from the build context or an image
    src = "hello.txt"
    dest = "/app/"
    [[copy]]
    from = "docker.io/library/alpine:3.20"
    src = "/etc/alpine-release"
    dest = "/app/"

Build it with ``docker build -f spec.toml .`` (or ``docker buildx build``).
Steps run in this order: base, files, copies, commands.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from frontend import llb
from frontend.gateway import BuildContext, BuildError, Result, serve

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_KEYS = {"base", "env", "workdir", "user", "run", "files", "copy", "entrypoint", "cmd"}


def build(ctx: BuildContext) -> Result:
    """The image a spec describes."""
    spec_file = ctx.read_build_file(language="TOML")
    text = spec_file.data.decode()
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        at = _AT_LINE.search(str(exc))
        line = int(at.group(1)) if at else len(text.splitlines())  # or its end
        raise BuildError(f"invalid spec: {exc}", source=spec_file, lines=[(line, line)]) from None
    if unknown := sorted(set(spec) - _KEYS):
        raise BuildError(f"unknown keys in {spec_file.filename}: {', '.join(unknown)}")

    def meta(name: str, needle: str) -> llb.OpMeta:  # a step, located at its spec line
        line = next((i for i, t in enumerate(text.splitlines(), 1) if needle in t), 0)
        return llb.OpMeta(name=name, ranges=((line, line),) if line else None)

    base = _text(spec, "base", "scratch")
    config: dict[str, Any] = {}
    state = llb.scratch(ctx.platform)
    if base != "scratch":
        ref, config = ctx.resolve_image_config(base)
        state = llb.image(ref, platform=ctx.platform, meta=meta(f"base {base}", base))
    image = config.setdefault("config", {})
    for entry in image.get("Env") or []:
        key, _, value = entry.partition("=")
        state = state.with_env(key, value)
    for key, value in _table(spec, "env").items():
        state = state.with_env(key, str(value))
    state = state.with_dir(_text(spec, "workdir", "/")).with_user(_text(spec, "user", ""))
    for path, content in _table(spec, "files").items():
        write = llb.Mkfile(path, str(content).encode())
        state = state.file(llb.Mkdir(path.rpartition("/")[0] or "/", make_parents=True), write)
    context = None
    for item in spec.get("copy", []):
        src, dest, origin = str(item["src"]), str(item["dest"]), item.get("from")
        if origin:
            ref, _ = ctx.resolve_image_config(str(origin))
            source = llb.image(ref, platform=ctx.platform)
        else:
            context = context or ctx.context()
            source = context
        copy = llb.Copy(source.output, src, dest, create_dest_path=True, allow_wildcard=True)
        state = state.file(copy, meta=meta(f"copy {src} {dest}", src))
    for command in spec.get("run", []):
        state, _ = state.run(["/bin/sh", "-c", command], meta=meta(f"run {command}", command))
    image["Env"] = [f"{k}={v}" for k, v in state.env.items_tuple()]
    image["WorkingDir"], image["User"] = state.cwd, state.user
    if "entrypoint" in spec:  # as in a Dockerfile: a new entrypoint drops the base's command
        image.pop("Cmd", None)
    for key, field in (("entrypoint", "Entrypoint"), ("cmd", "Cmd")):
        if key in spec:
            image[field] = [str(a) for a in spec[key]]
    config.update(architecture=ctx.platform.architecture, os=ctx.platform.os)
    config["rootfs"] = {"type": "layers", "diff_ids": []}
    return Result(state, config=config)


def _text(spec: dict[str, Any], key: str, default: str) -> str:
    value = spec.get(key, default)
    if not isinstance(value, str):
        raise BuildError(f"{key} must be a string, not {value!r}")
    return value


def _table(spec: dict[str, Any], key: str) -> dict[str, Any]:
    value = spec.get(key, {})
    if not isinstance(value, dict):
        raise BuildError(f"{key} must be a table")
    return value


if __name__ == "__main__":
    serve(build)
