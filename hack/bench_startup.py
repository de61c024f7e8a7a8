#!/usr/bin/env python3
"""Measure the frontend's cold start against a fake engine.

Cold start = wall time from spawning the frontend process to the first
``Solve`` arriving at the fake LLBBridge. The process runs as the engine runs
it: gRPC over its stdin/stdout, options in ``BUILDKIT_FRONTEND_OPT_<i>``. The
fake answers Ping (v0.8 caps), Solve, ReadFile (the Dockerfile from the
``dockerfile`` local) and ResolveImageConfig, and takes the Return.

Usage: hack/bench_startup.py [-n RUNS] [--dockerfile FILE] [--importtime [TOP]]
                             [--image IMAGE... [--emulator QEMU] | -- CMD...]
(default CMD: the current python with ``-m frontend``). ``--image`` runs an
image's entrypoint from its exported filesystem under ``chroot`` (root only):
the interpreter, modules and bytecode the engine would run (``--emulator``: an
image for another architecture, through qemu-user). Besides wall times
it reports the frontend's CPU time (user + system), in all and up to the
first ``Solve``, which a busy machine inflates much less. With ``--image``
given more than once, the images' runs alternate (A, B, A, B...) and each is
reported: a comparison that a machine's changing load does not skew. Results
go to stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import stat
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402 - after the path set-up

from tests.support.fake_engine import (  # noqa: E402
    FakeBridge,
    FrontendProcess,
    gateway_env,
    serve,
)

DEFAULT_DOCKERFILE = b"FROM busybox\nRUN echo hi\n"
DOCKER = os.environ.get("DOCKER", "/usr/bin/docker")
# What a container runtime gives every container and the frontend uses.
DEVICES = {"null": (1, 3), "random": (1, 8), "urandom": (1, 9)}


@dataclass(frozen=True)
class Run:
    """Times in seconds from the spawn."""

    ping: float
    solve: float
    ret: float | None
    exit: float
    cpu: float
    """User + system CPU seconds of the frontend process."""
    solve_cpu: float
    """CPU seconds of the frontend's threads when the first Solve arrived."""
    code: int
    stderr: str


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the frontend process: ours, the repo on the path, the gateway's.

    Bytecode is written (and then read) as in an installed package.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(gateway_env({"filename": "Dockerfile"}))
    env.update(extra or {})
    return env


def _docker(*args: str) -> str:
    return subprocess.run(
        [DOCKER, *args], check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL
    ).stdout


@contextmanager
def image_command(
    image: str, emulator: Path | None = None
) -> Iterator[tuple[list[str], dict[str, str]]]:
    """(command, environment) that run ``image``'s entrypoint from its filesystem,
    through ``emulator`` (a static qemu-user binary) for another architecture."""
    (config,) = json.loads(_docker("image", "inspect", image))
    entrypoint = config["Config"]["Entrypoint"] or []
    env = dict(item.split("=", 1) for item in config["Config"]["Env"] or [])
    root = Path(tempfile.mkdtemp(prefix="pyfrontend-bench-"))
    container = _docker("create", image).strip()
    try:
        with subprocess.Popen([DOCKER, "export", container], stdout=subprocess.PIPE) as proc:
            assert proc.stdout is not None
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                tar.extractall(root, filter="fully_trusted")
        (root / "dev").mkdir(exist_ok=True)
        for name, (major, minor) in DEVICES.items():
            node = root / "dev" / name
            if not node.exists():
                os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        env.update(gateway_env({"filename": "Dockerfile"}))
        if emulator is not None:
            shutil.copyfile(emulator, root / "emulator")
            os.chmod(root / "emulator", 0o755)
            entrypoint = ["/emulator", *entrypoint]
        yield [shutil.which("chroot") or "chroot", str(root), *entrypoint], env
    finally:
        _docker("rm", "-f", container)
        shutil.rmtree(root, ignore_errors=True)


def run_once(cmd: Sequence[str], dockerfile: bytes, env: dict[str, str]) -> Run:
    """Spawn ``cmd`` against a fresh fake engine and time it."""
    fake = FakeBridge(locals={"dockerfile": {"Dockerfile": dockerfile}})
    cpu_before = _children_cpu()
    with serve(fake) as srv, FrontendProcess(cmd, srv.path, env=env, cwd=str(ROOT)) as proc:
        at_solve: list[float] = []
        watcher = threading.Thread(
            target=lambda: fake.first_solve.wait(120) and at_solve.append(_cpu_of(proc.proc.pid)),
            daemon=True,
        )
        watcher.start()
        try:
            code = proc.wait(120)
        except subprocess.TimeoutExpired:
            code = -1
        exited = proc.exited_at or time.perf_counter()
        watcher.join(5)
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
        cpu=_children_cpu() - cpu_before,
        solve_cpu=at_solve[0] if at_solve else float("nan"),
        code=code,
        stderr=stderr,
    )


def _cpu_of(pid: int) -> float:
    """CPU seconds so far of every thread of process ``pid`` (from schedstat, in ns)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that just ended
    return total / 1e9


def _children_cpu() -> float:
    """CPU seconds of all waited-for child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    parser.add_argument(
        "--image",
        action="append",
        default=[],
        help="run this image's entrypoint (chroot; root only); repeat to compare, alternating",
    )
    parser.add_argument(
        "--emulator", type=Path, help="with --image: a static qemu-user binary to run it with"
    )
    parser.add_argument("cmd", nargs="*", help="frontend command (default: python -m frontend)")
    args = parser.parse_args(argv)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    dockerfile = args.dockerfile.read_bytes() if args.dockerfile else DEFAULT_DOCKERFILE
    with ExitStack() as stack:
        commands: list[tuple[str, list[str], dict[str, str], int]] = []
        for image in args.image:
            cmd, env = stack.enter_context(image_command(image, args.emulator))
            python_at = 3 if args.emulator else 2  # chroot ROOT [EMULATOR] PYTHON ...
            commands.append((f"image {image}: {' '.join(cmd)}", cmd, env, python_at))
        if not commands:
            cmd = args.cmd or [sys.executable, "-m", "frontend"]
            commands.append((" ".join(cmd), cmd, child_env(), 0 if not args.cmd else -1))
        for _ in range(args.warmup):
            for _, cmd, env, _ in commands:
                run_once(cmd, dockerfile, env)
        runs: list[list[Run]] = [[] for _ in commands]
        for _ in range(args.runs):
            for measured, (_, cmd, env, _) in zip(runs, commands, strict=True):
                measured.append(run_once(cmd, dockerfile, env))
        for measured, (label, cmd, env, python_at) in zip(runs, commands, strict=True):
            report(label, measured, args.warmup, alternating=len(commands) > 1)
            if args.importtime:
                print(import_report(cmd, env, python_at, dockerfile, args.importtime))
        print(f"python -c pass         median {ms(python_baseline(max(3, args.runs)))}")
    return 0


def report(label: str, runs: Sequence[Run], warmup: int, *, alternating: bool) -> None:
    """Print the times of ``runs`` (of what ``label`` names)."""
    print(f"command: {label}")
    others = ", alternating with the other images" if alternating else ""
    print(f"runs: {len(runs)} (after {warmup} warm-up{others})")
    print(f"spawn -> first Solve   {spread([r.solve for r in runs])}")
    print(f"spawn -> first call    {spread([r.ping for r in runs])}")
    returns = [r.ret for r in runs if r.ret is not None]
    if returns:
        print(f"spawn -> Return        {spread(returns)}")
    print(f"spawn -> exit          {spread([r.exit for r in runs])}")
    print(f"CPU time (user+sys)    {spread([r.cpu for r in runs])}")
    print(f"CPU at first Solve     {spread([r.solve_cpu for r in runs])}")


def import_report(
    cmd: Sequence[str], env: dict[str, str], python_at: int, dockerfile: bytes, top: int
) -> str:
    """One more run of ``cmd`` with ``-X importtime``, summarised."""
    if python_at >= 0:  # -X importtime, which isolated interpreters also honour
        timed_cmd = [*cmd[: python_at + 1], "-X", "importtime", *cmd[python_at + 1 :]]
        timed = run_once(timed_cmd, dockerfile, env)
    else:
        timed = run_once(cmd, dockerfile, {**env, "PYTHONPROFILEIMPORTTIME": "1"})
    return import_costs(timed.stderr, top)


def spread(values: Sequence[float]) -> str:
    """Median, then the quartiles and the extremes."""
    q1, _, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else (values[0],) * 3
    return (
        f"median {ms(statistics.median(values))}   quartiles {ms(q1)} {ms(q3)}"
        f"   min {ms(min(values))}   max {ms(max(values))}"
    )


if __name__ == "__main__":
    sys.exit(main())
