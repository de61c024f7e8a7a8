#!/usr/bin/env python3
"""End-to-end numbers on the real engine.

(a) Wall time of a fully cached rebuild of one Dockerfile with our frontend
    (`# syntax=myorg/pyfrontend`), with Docker's Go frontend image built from
    source (``docker/dockerfile:<version>-ref``, GO_FRONTEND_IMAGE) and with the
    engine's built-in frontend: median of N runs each, the frontends
    alternating, after one warm-up build of each; ours as a ratio to the others.
(b) The same for a do-nothing gateway frontend (busybox ``/bin/true``: the
    build fails at once): the engine's fixed cost of running any frontend
    container, which no frontend can go below.
(c) Size of the frontend images.
(d) With ``--restart CMD``: the first build after a fresh engine start, each
    frontend's build right after CMD has restarted the engine (for an engine
    of your own: never the shared ones); median of ``--fresh-runs``.

The Go image is never pulled: when the engine lacks it, it is copied from
Engine 20.10 on the default socket if that has it; otherwise the bench says it
is missing and measures the rest. Needs an engine and our images: `make bench`.
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
GO_IMAGE = os.environ.get("GO_FRONTEND_IMAGE", "docker/dockerfile:1.26-ref")
LEGACY_SOCKET = "unix:///var/run/docker.sock"
GO_IMAGE_HOWTO = (
    "build it from the moby/buildkit source with `make conformance`"
    " (the README's section on BuildKit's own suite), on Engine 20.10"
)
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


def image_size(image: str) -> int | None:
    proc = subprocess.run(
        [DOCKER, "image", "inspect", "-f", "{{.Size}}", image],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return int(proc.stdout) if proc.returncode == 0 else None


def ensure_go_image() -> str | None:
    """Why the Go frontend image is not on this engine (None when it is, maybe copied)."""
    if image_size(GO_IMAGE) is not None:
        return None
    host = os.environ.get("DOCKER_HOST", LEGACY_SOCKET)
    if host == LEGACY_SOCKET:
        return f"{GO_IMAGE} is missing: {GO_IMAGE_HOWTO}"
    legacy = [DOCKER, "-H", LEGACY_SOCKET]
    with subprocess.Popen(
        [*legacy, "save", GO_IMAGE],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "DOCKER_HOST"},
    ) as save:
        load = subprocess.run([DOCKER, "load"], stdin=save.stdout, capture_output=True, check=False)
    if save.returncode != 0 or load.returncode != 0:
        return f"{GO_IMAGE} is missing here and on Engine 20.10: {GO_IMAGE_HOWTO}"
    print(f"(copied {GO_IMAGE} from Engine 20.10)", file=sys.stderr)
    return None


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
    parser.add_argument("--restart", metavar="CMD", help="shell command restarting the engine")
    parser.add_argument("--fresh-runs", type=int, default=5, help="restarts per frontend")
    args = parser.parse_args()

    size = image_size(FRONTEND_IMAGE)
    if size is None:
        sys.exit(f"{FRONTEND_IMAGE} is missing: make image")
    go_missing = ensure_go_image()

    body = SYNTAX_LINE.sub("", (args.context / "Dockerfile").read_text(), count=1)
    syntax = {"ours": FRONTEND_IMAGE, "builtin": None, "noop": NOOP_IMAGE}
    if not go_missing:
        syntax["go"] = GO_IMAGE
    with tempfile.TemporaryDirectory(prefix="pyfrontend-bench-") as tmp:
        files = {}
        for name, image in syntax.items():
            files[name] = Path(tmp, f"Dockerfile.{name}")
            files[name].write_text(f"# syntax={image}\n{body}" if image else body)
        make_noop_image(tmp)
        times: dict[str, list[float]] = {name: [] for name in files}
        for name, path in files.items():
            timed_build(path, args.context, may_fail=name == "noop")  # warm-up: fill the cache
        for _ in range(args.runs):
            for name, path in files.items():
                times[name].append(timed_build(path, args.context, may_fail=name == "noop"))
        fresh: dict[str, list[float]] = {name: [] for name in files if name != "noop"}
        for _ in range(args.fresh_runs if args.restart else 0):
            for name in fresh:
                subprocess.run(args.restart, shell=True, check=True, stdin=subprocess.DEVNULL)
                fresh[name].append(timed_build(files[name], args.context))

    median = {name: statistics.median(values) for name, values in times.items()}
    ours, builtin, noop = median["ours"], median["builtin"], median["noop"]
    version = docker("version", "--format", "{{.Server.Version}}").strip()
    print(f"engine {ENGINE} (Docker {version}), `docker {' '.join(BUILD)}`:")
    print(f"cached rebuild of {args.context.relative_to(REPO)}, median of {args.runs} runs:")
    print(f"  pyfrontend        {ours * 1000:8.0f} ms")
    if go_missing:
        print(f"  Go frontend image  missing: {go_missing}")
    else:
        go = median["go"]
        print(f"  Go frontend image {go * 1000:8.0f} ms   ({GO_IMAGE})")
    print(f"  built-in frontend {builtin * 1000:8.0f} ms")
    print(f"  do-nothing gateway frontend {noop * 1000:8.0f} ms (the engine's floor for any")
    print(f"    frontend image: {(noop - builtin) * 1000:+.0f} ms over the built-in one)")
    print("ratios:")
    if not go_missing:
        print(f"  pyfrontend / Go frontend image  {ours / median['go']:.2f}x   (limit 1.20x)")
    over = (ours - builtin) * 1000
    print(f"  pyfrontend / built-in frontend  {ours / builtin:.2f}x   ({over:+.0f} ms)")
    print(f"  pyfrontend over the floor       {(ours - noop) * 1000:+8.0f} ms")
    if not go_missing:
        print(f"  Go frontend image over the floor {(median['go'] - noop) * 1000:+7.0f} ms")
    if args.restart:
        print(f"first build after a fresh engine start, median of {args.fresh_runs}:")
        for name, values in fresh.items():
            print(f"  {name:17} {statistics.median(values) * 1000:8.0f} ms")
    print("image sizes:")
    print(f"  {FRONTEND_IMAGE}: {size / 1e6:.1f} MB ({size} bytes)")
    if not go_missing and (go_size := image_size(GO_IMAGE)) is not None:
        print(f"  {GO_IMAGE}: {go_size / 1e6:.1f} MB ({go_size} bytes)")


if __name__ == "__main__":
    main()
