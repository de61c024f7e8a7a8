#!/usr/bin/env python3
"""End-to-end numbers on the real engine.

(a) Wall time of a fully cached rebuild of one Dockerfile with our frontend
    (`# syntax=myorg/pyfrontend`) and with the engine's built-in frontend:
    median of N runs each, alternating, after one warm-up build of each.
(b) The same for a do-nothing gateway frontend (busybox ``/bin/true``: the
    build fails at once): the engine's fixed cost of running any frontend
    container, which no frontend can go below.
(c) Size of the frontend image.

Needs an engine and the images: `make bench` (or `make image` first).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
FRONTEND_IMAGE = os.environ.get("FRONTEND_IMAGE", "myorg/pyfrontend")
ENGINE = os.environ.get("PYFRONTEND_ENGINE", "legacy")
# How users build there: `docker build` on Engine 20.10, `docker buildx build` on current engines.
BUILD = ["build"] if ENGINE == "legacy" else ["buildx", "build"]
SYNTAX_LINE = re.compile(r"\A#\s*syntax\s*=.*\n", re.IGNORECASE)


def docker(*args: str) -> str:
    proc = subprocess.run(
        [DOCKER, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"docker {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


NOOP_IMAGE = "pyfrontend/bench-noop"


def timed_build(dockerfile: Path, context: Path, *, may_fail: bool = False) -> float:
    start = time.perf_counter()
    if may_fail:
        subprocess.run(
            [DOCKER, *BUILD, "-q", "-f", str(dockerfile), str(context)],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "DOCKER_BUILDKIT": "1"},
            check=False,
        )
    else:
        docker(*BUILD, "-q", "-f", str(dockerfile), str(context))
    return time.perf_counter() - start


def make_noop_image(tmp: str) -> None:
    """A frontend image that exits at once: busybox with ``/bin/true``."""
    ctx = Path(tmp, "noop")
    ctx.mkdir()
    (ctx / "Dockerfile").write_text('FROM busybox\nENTRYPOINT ["/bin/true"]\n')
    docker(*BUILD, "-q", "-t", NOOP_IMAGE, str(ctx))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10, help="timed builds per frontend")
    parser.add_argument(
        "--context", type=Path, default=REPO / "examples" / "hello", help="build context"
    )
    args = parser.parse_args()

    try:
        size = int(docker("image", "inspect", "-f", "{{.Size}}", FRONTEND_IMAGE))
    except ValueError:
        sys.exit(f"cannot read the size of {FRONTEND_IMAGE}")

    body = SYNTAX_LINE.sub("", (args.context / "Dockerfile").read_text(), count=1)
    with tempfile.TemporaryDirectory(prefix="pyfrontend-bench-") as tmp:
        files = {
            "ours": Path(tmp, "Dockerfile.ours"),
            "builtin": Path(tmp, "Dockerfile.builtin"),
        }
        files["ours"].write_text(f"# syntax={FRONTEND_IMAGE}\n{body}")
        files["builtin"].write_text(body)
        files["noop"] = Path(tmp, "Dockerfile.noop")
        files["noop"].write_text(f"# syntax={NOOP_IMAGE}\n{body}")
        make_noop_image(tmp)
        times: dict[str, list[float]] = {name: [] for name in files}
        for name, path in files.items():
            timed_build(path, args.context, may_fail=name == "noop")  # warm-up: fill the cache
        for _ in range(args.runs):
            for name, path in files.items():
                times[name].append(timed_build(path, args.context, may_fail=name == "noop"))

    ours = statistics.median(times["ours"])
    builtin = statistics.median(times["builtin"])
    noop = statistics.median(times["noop"])
    version = docker("version", "--format", "{{.Server.Version}}").strip()
    print(f"engine {ENGINE} (Docker {version}), `docker {' '.join(BUILD)}`:")
    print(f"cached rebuild of {args.context.relative_to(REPO)}, median of {args.runs} runs:")
    print(f"  pyfrontend        {ours * 1000:8.0f} ms")
    print(f"  built-in frontend {builtin * 1000:8.0f} ms")
    print(f"  difference        {(ours - builtin) * 1000:+8.0f} ms   ratio {ours / builtin:.2f}x")
    print(f"  do-nothing gateway frontend {noop * 1000:8.0f} ms (the engine's floor for any")
    print(f"    frontend image: {(noop - builtin) * 1000:+.0f} ms over the built-in one)")
    print(f"  pyfrontend over that floor  {(ours - noop) * 1000:+8.0f} ms")
    print(f"frontend image {FRONTEND_IMAGE}: {size / 1e6:.1f} MB ({size} bytes)")


if __name__ == "__main__":
    main()
