#!/usr/bin/env python3
"""Measure the frontend's cold start against a fake engine.

Cold start = wall time from spawning the frontend process to the first
``Solve`` arriving at the fake LLBBridge. The process runs as the engine runs
it: gRPC over its stdin/stdout, options in ``BUILDKIT_FRONTEND_OPT_<i>``. The
fake answers Ping (v0.8 caps), Solve, ReadFile (the Dockerfile from the
``dockerfile`` local) and ResolveImageConfig, and takes the Return.

Usage: hack/bench_startup.py [-n RUNS] [--dockerfile FILE] [--importtime [TOP]] [-- CMD...]
(default CMD: the current python with ``-m frontend``). Results go to stdout.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402 - after the path set-up

from frontend.gateway.testing import (  # noqa: E402
    FakeBridge,
    FrontendProcess,
    gateway_env,
    serve,
)

DEFAULT_DOCKERFILE = b"FROM busybox\nRUN echo hi\n"


@dataclass(frozen=True)
class Run:
    """Times in seconds from the spawn."""

    ping: float
    solve: float
    ret: float | None
    exit: float
    code: int
    stderr: str


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the frontend process: ours, the repo on the path, the gateway's."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(gateway_env({"filename": "Dockerfile"}))
    env.update(extra or {})
    return env


def run_once(cmd: Sequence[str], dockerfile: bytes, env: dict[str, str]) -> Run:
    """Spawn ``cmd`` against a fresh fake engine and time it."""
    fake = FakeBridge(locals={"dockerfile": {"Dockerfile": dockerfile}})
    with serve(fake) as srv, FrontendProcess(cmd, srv.path, env=env, cwd=str(ROOT)) as proc:
        try:
            code = proc.wait(120)
        except subprocess.TimeoutExpired:
            code = -1
        exited = proc.exited_at or time.perf_counter()
        stderr = proc.stderr_text()
    t0 = proc.started_at
    at = fake.first_call_at
    if "Solve" not in at or code != 0 or fake.violations:
        raise SystemExit(
            f"frontend run failed: exit={code} calls={sorted(at)} violations={fake.violations}\n"
            f"--- stderr (tail) ---\n{stderr[-4000:]}"
        )
    return Run(
        ping=at.get("Ping", at["Solve"]) - t0,
        solve=at["Solve"] - t0,
        ret=at["Return"] - t0 if "Return" in at else None,
        exit=exited - t0,
        code=code,
        stderr=stderr,
    )


def python_baseline(runs: int) -> float:
    """Median wall time of ``python -c pass`` (interpreter start and exit)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def import_costs(stderr: str, top: int) -> str:
    """Summarise ``-X importtime`` lines: per top-level package, and the slowest imports."""
    per_root: dict[str, int] = defaultdict(int)
    rows: list[tuple[int, int, str]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        try:
            self_us, cumulative_us, name = line[len("import time:") :].split("|", 2)
            self_t, cum_t = int(self_us), int(cumulative_us)
        except ValueError:
            continue
        per_root[name.strip().split(".")[0]] += self_t
        if not name.startswith("  "):  # a top-level import
            rows.append((cum_t, self_t, name.strip()))
    total = sum(per_root.values())
    out = [f"import time total {total / 1000:.1f} ms; by top-level package (self time):"]
    for root, us in sorted(per_root.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"  {us / 1000:8.1f} ms  {root}")
    out.append("slowest top-level imports (cumulative):")
    for cum_t, _, name in sorted(rows, reverse=True)[:top]:
        out.append(f"  {cum_t / 1000:8.1f} ms  {name}")
    return "\n".join(out)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=10, help="measured runs (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs first (default 1)")
    parser.add_argument("--dockerfile", type=Path, help="Dockerfile to serve (default: busybox)")
    parser.add_argument(
        "--importtime",
        nargs="?",
        type=int,
        const=12,
        default=0,
        metavar="TOP",
        help="also run once with -X importtime and show the TOP costs (default 12)",
    )
    parser.add_argument("cmd", nargs="*", help="frontend command (default: python -m frontend)")
    args = parser.parse_args(argv)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    cmd = args.cmd or [sys.executable, "-m", "frontend"]
    dockerfile = args.dockerfile.read_bytes() if args.dockerfile else DEFAULT_DOCKERFILE
    env = child_env()

    for _ in range(args.warmup):
        run_once(cmd, dockerfile, env)
    runs = [run_once(cmd, dockerfile, env) for _ in range(args.runs)]

    def median(values: Sequence[float]) -> float:
        return statistics.median(values)

    print(f"command: {' '.join(cmd)}")
    print(f"runs: {len(runs)} (after {args.warmup} warm-up)")
    print(
        f"spawn -> first Solve   median {ms(median([r.solve for r in runs]))}"
        f"   min {ms(min(r.solve for r in runs))}   max {ms(max(r.solve for r in runs))}"
    )
    print(f"spawn -> first call    median {ms(median([r.ping for r in runs]))}")
    returns = [r.ret for r in runs if r.ret is not None]
    if returns:
        print(f"spawn -> Return        median {ms(median(returns))}")
    print(f"spawn -> exit          median {ms(median([r.exit for r in runs]))}")
    print(f"python -c pass         median {ms(python_baseline(max(3, args.runs)))}")

    if args.importtime:
        timed = run_once(cmd, dockerfile, child_env({"PYTHONPROFILEIMPORTTIME": "1"}))
        print(import_costs(timed.stderr, args.importtime))
    return 0


if __name__ == "__main__":
    sys.exit(main())
