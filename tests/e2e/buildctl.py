"""Builds on a standalone buildkitd (the ``buildkitd`` test engine), with ``buildctl``.

Ours runs as ``--frontend gateway.v0 --opt source=<frontend image>``, the built-in
one as ``--frontend dockerfile.v0``. An image is exported as a docker archive and
loaded into the Docker engine at ``DOCKER_HOST``, so that both images are read
(files, config, history) exactly as on the Docker test engines.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

BUILDCTL = os.environ.get("BUILDCTL", "buildctl")

_OPTIONS = {
    "--build-arg": "build-arg:{}",
    "--label": "label:{}",
    "--platform": "platform={}",
    "--network": "force-network-mode={}",
    "--ulimit": "ulimit={}",
    "--cgroup-parent": "cgroup-parent={}",
}
"""``docker build`` flags that are a frontend option (``--opt``) to buildctl."""
_SAME = frozenset({"--secret", "--ssh"})
"""Flags buildctl takes as they are."""
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


class NoBuildctlForm(ValueError):
    """A ``docker build`` flag with no buildctl counterpart here."""


def _pairs(flags: Sequence[str]) -> Iterator[tuple[str, str]]:
    """``(flag, value)`` for ``--flag value`` and ``--flag=value``."""
    words = iter(flags)
    for word in words:
        name, sep, value = word.partition("=")
        if not sep:
            value = next(words, "")
        yield name, value


def _translate(flags: Sequence[str]) -> list[str]:
    """buildctl's words for the ``docker build`` flags the tests pass."""
    out: list[str] = []
    for name, value in _pairs(flags):
        if name in _SAME:
            out += [name, value]
        elif name in _OPTIONS:
            out += ["--opt", _OPTIONS[name].format(value)]
        elif name == "--shm-size":  # the client sends bytes
            number = value.rstrip("bBkKmMgG")
            out += ["--opt", f"shm-size={int(number) * _UNITS[value[len(number) :].lower()]}"]
        elif name == "--build-context":
            key, _, where = value.partition("=")
            if "://" in where:
                out += ["--opt", f"context:{key}={where}"]
            else:  # a local directory: one more local, named after the context
                out += ["--local", f"{key}={where}", "--opt", f"context:{key}=local:{key}"]
        else:
            raise NoBuildctlForm(f"docker build {name}: no buildctl form in tests/e2e/buildctl.py")
    return out


def build_command(
    root: Path,
    *,
    ours: bool,
    frontend_image: str,
    output: str,
    progress: str = "plain",
    target: str | None = None,
    build_args: Mapping[str, str] | None = None,
    no_cache: bool = False,
    flags: Sequence[str] = (),
) -> list[str]:
    """``buildctl build`` of the context (and Dockerfile) in ``root`` to ``output``."""
    frontend = ["gateway.v0", "--opt", f"source={frontend_image}"] if ours else ["dockerfile.v0"]
    cmd = [BUILDCTL, "build", f"--progress={progress}", "--frontend", *frontend]
    cmd += ["--local", f"context={root}", "--local", f"dockerfile={root}"]
    if target is not None:
        cmd += ["--opt", f"target={target}"]
    for key, value in (build_args or {}).items():
        cmd += ["--opt", f"build-arg:{key}={value}"]
    if no_cache:
        cmd.append("--no-cache")
    return [*cmd, *_translate(flags), "--output", output]


def load(archive: Path, docker: str, env: Mapping[str, str]) -> str:
    """Load a docker archive into the Docker engine; the image id (its config's digest)."""
    with tarfile.open(archive) as tar:
        manifest = tar.extractfile("manifest.json")
        assert manifest is not None, f"{archive}: no manifest.json"
        config = json.load(manifest)[0]["Config"]
    subprocess.run(
        [docker, "load", "-q", "-i", str(archive)],
        env=dict(env), stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=300,
    )  # fmt: skip
    return "sha256:" + Path(config).name.removesuffix(".json")
