#!/usr/bin/env python3
"""The standard-library modules the frontend image must hold, found by tracing.

Two sources, both from this checkout:

- runs: the frontend as the engine runs it (``python -X importtime -m frontend``
  on the gateway stream of a fake engine), once per scenario in ``SCENARIOS``:
  builds, every subrequest, multi-platform, contexts, Dockerfile errors and a
  failing solve;
- imports: every standard-library module the ``frontend`` package names in an
  import statement anywhere (also those imported inside functions), imported
  in a fresh interpreter with what they import in turn.

``hack/image-stdlib.txt`` is the checked list Dockerfile.frontend copies into
the image. Its ``-name`` lines are modules the runs import that the image
leaves out on purpose (the importer copes without them).

Usage: hack/image_modules.py [--check | --write]
  (default) print the traced set; --check compare it with the list (exit 1 on
  a module missing from it); --write rewrite the list's module lines.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import logging
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402 - after the path set-up

from frontend.gateway.deferred import DEFERRED  # noqa: E402
from hack.image_root import read_module_list  # noqa: E402
from tests.support.fake_engine import FakeBridge, FrontendProcess, gateway_env, serve  # noqa: E402

LIST = ROOT / "hack" / "image-stdlib.txt"

BUILD = b"""\
# syntax=docker/dockerfile:1
# check=error=true
ARG BASE=busybox
FROM ${BASE} AS base
ENV A=1 B="two words"
WORKDIR /src
COPY --chmod=755 --link a.txt /src/
ADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 \\
    https://example.com/file.tar.gz /tmp/
ADD https://github.com/moby/buildkit.git#v0.1.0 /buildkit
RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=s \\
    --network=none ["sh", "-c", "echo hi"]
RUN <<EOF
echo heredoc
EOF
COPY <<-EOT /etc/conf
\tvalue
EOT
HEALTHCHECK --interval=5s CMD ["true"]
EXPOSE 80/tcp
USER 1000:1000
LABEL a=b
ONBUILD RUN true
FROM base AS final
COPY --from=base /src /dst
ENTRYPOINT ["/bin/sh", "-c"]
CMD echo done
"""


@dataclass(frozen=True)
class Scenario:
    """One frontend run: the Dockerfile, the client's options, the engine's answers."""

    name: str
    dockerfile: bytes
    opts: Mapping[str, str] = field(default_factory=dict)
    failing_steps: Mapping[str, str] = field(default_factory=dict)


SCENARIOS = (
    Scenario("build", BUILD, {"build-arg:BASE": "busybox", "label:x": "y"}),
    Scenario("multi-platform", BUILD, {"platform": "linux/amd64,linux/arm64/v8"}),
    Scenario("outline", BUILD, {"requestid": "frontend.outline"}),
    Scenario("targets", BUILD, {"requestid": "frontend.targets"}),
    Scenario("lint", BUILD, {"requestid": "frontend.lint"}),
    Scenario("describe", b"", {"requestid": "frontend.subrequests.describe"}),
    Scenario("unknown subrequest", b"", {"requestid": "frontend.nope"}),
    Scenario(
        "named contexts",
        b"FROM alpine\nCOPY --from=src / /\nCOPY --from=git / /g\n",
        {
            "context:alpine": "docker-image://busybox:latest",
            "context:src": "local:src",
            "context:git": "git://github.com/moby/buildkit.git#main",
        },
    ),
    Scenario("remote context", b"", {"context": "https://example.com/ctx.tar"}),
    Scenario("syntax error", b"FROM busybox\nRUN\nFROBNICATE x\n"),
    Scenario("check warnings", b"from busybox as Base\nmaintainer me\nCMD echo\nCMD echo\n"),
    Scenario("failing step", b"FROM busybox\nRUN exit 1\n", failing_steps={"RUN exit 1": "boom"}),
    Scenario("bad option", BUILD, {"build-arg:": "x", "platform": "not/a/platform/at/all"}),
)


RUN_WITHOUT = """\
import sys
class LeftOut:
    names = frozenset({left_out!r})
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name in cls.names:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, LeftOut)
import runpy
runpy.run_module("frontend", run_name="__main__", alter_sys=True)
"""
"""``python -m frontend`` with the modules the image leaves out unavailable."""


def run_scenario(scenario: Scenario, left_out: set[str]) -> set[str]:
    """The modules one frontend run imported (every import statement it ran)."""
    files = {"Dockerfile": scenario.dockerfile, "a.txt": b"a\n"}
    fake = FakeBridge(
        locals={"dockerfile": files, "context": files, "src": files},
        files={"context": b"FROM busybox\n"},
        failing_steps=scenario.failing_steps,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(gateway_env({"filename": "Dockerfile", **scenario.opts}))
    cmd = [sys.executable, "-X", "importtime", "-c", RUN_WITHOUT.format(left_out=sorted(left_out))]
    with serve(fake) as srv, FrontendProcess(cmd, srv.path, env=env, cwd=str(ROOT)) as proc:
        code = proc.wait(120)
        stderr = proc.stderr_text()
    if code != 0 or fake.return_request is None:
        sys.exit(f"scenario {scenario.name!r}: exit {code}, no Return\n{stderr[-3000:]}")
    return imported_names(stderr)


def imported_names(stderr: str) -> set[str]:
    """Module names from ``-X importtime`` lines (attempts included)."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "self [us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def frontend_imports() -> set[str]:
    """Standard-library modules named by import statements of the ``frontend`` package."""
    names: set[str] = set()
    for path in sorted((ROOT / "frontend").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if is_stdlib(n) and loadable(n)}


def import_closure(names: Iterable[str]) -> set[str]:
    """``names`` and every module importing them loads, in a fresh interpreter."""
    code = "".join(f"import {name}\n" for name in sorted(names))
    proc = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    return imported_names(proc.stderr)


def is_stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


def loadable(name: str) -> bool:
    """Whether this interpreter has ``name`` (an import attempt may have failed)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


def trace(left_out: set[str]) -> set[str]:
    """Every standard-library module the image needs, by both sources."""
    names: set[str] = set()
    for scenario in SCENARIOS:
        names |= run_scenario(scenario, left_out)
    # Modules the entry point defers are loaded at their first use: the image holds them.
    names |= import_closure((frontend_imports() | set(DEFERRED)) - left_out)
    return {n for n in names - left_out if is_stdlib(n) and loadable(n)}


def write_list(traced: set[str], path: Path = LIST) -> None:
    """Keep the comments and the ``-`` lines; list the traced modules after them."""
    lines = path.read_text().splitlines()
    head = [ln for ln in lines if ln.startswith("#") or ln.lstrip().startswith("-")]
    path.write_text("\n".join([*head, *sorted(traced)]) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare with the list")
    mode.add_argument("--write", action="store_true", help="rewrite the list")
    args = parser.parse_args()
    structlog.configure(  # the fake engine's own log lines
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    kept, left_out = map(set, read_module_list(LIST))
    traced = trace(left_out)
    if args.write:
        write_list(traced)
        print(f"{LIST.relative_to(ROOT)}: {len(traced)} modules traced")
        return 0
    if not args.check:
        print("\n".join(sorted(traced)))
        return 0
    missing = sorted(traced - kept)
    extra = sorted(kept - traced)
    if extra:
        print(f"listed but not traced (harmless; drop with --write): {' '.join(extra)}")
    if missing:
        print(f"traced but not in {LIST.relative_to(ROOT)}: {' '.join(missing)}")
        return 1
    print(f"{LIST.relative_to(ROOT)}: all {len(traced)} traced modules listed or left out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
