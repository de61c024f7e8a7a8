"""Benchmark the compiler: Dockerfile text to a marshalled LLB definition, no engine.

Prints, for each workload, the median time to parse and compile (base images
answered from memory, as the engine's ResolveImageConfig would), the number of
ops in the definition, its size, and whether two compiles gave identical bytes:

- the typical 52-line multi-stage Dockerfile of ``hack/bench_parse.py``;
- 50 stages built on one shared base (the shared ops are emitted once);
- one stage of 2,000 instructions.

With ``--growth``, it prints instead the time to parse, compile and check 100,
1,000 and 10,000 instructions of each kind (``GROWTH``), and the ratio from one
size to the next: about 10 where the cost is linear.

Usage: python hack/bench_compile.py [--repeat N] [--growth]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "hack"))

from bench_parse import TYPICAL  # noqa: E402

from frontend.compiler.convert import compile_dockerfile  # noqa: E402
from frontend.compiler.options import BuildOptions  # noqa: E402
from frontend.errors import DockerfileError  # noqa: E402
from frontend.pb import ops_pb2  # noqa: E402
from frontend.platform import Platform  # noqa: E402
from frontend.semantics.check_context import CheckContext  # noqa: E402
from frontend.semantics.check_rules import CheckConfig  # noqa: E402
from frontend.semantics.checks import run_checks  # noqa: E402
from frontend.syntax import parse  # noqa: E402

AMD64 = Platform("linux", "amd64")
CONFIG = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "1" * 64]},
    }
).encode()


def _resolve(
    ref: str, *, platform: Platform, resolve_mode: str, log_name: str
) -> tuple[str, bytes]:
    return "sha256:" + "d" * 64, CONFIG


def workloads() -> dict[str, str]:
    shared = "FROM busybox AS base\nRUN echo base > /base\nWORKDIR /app\nENV A=1\n"
    stages = "".join(
        f"FROM base AS s{i}\nRUN echo {i} > /out\nCOPY --from=base /base /copy\n" for i in range(50)
    )
    final = "FROM scratch\n" + "".join(f"COPY --from=s{i} /out /out{i}\n" for i in range(50))
    long_stage = "FROM busybox\n" + "".join(
        f"ENV V{i}=x{i}\nRUN echo $V{i}\nWORKDIR /w{i % 7}\nLABEL l{i}=v\n" for i in range(500)
    )
    return {
        "typical multi-stage (52 lines)": TYPICAL,
        "50 stages on one shared base": shared + stages + final,
        "one stage, 2,000 instructions": long_stage,
    }


GROWTH = {
    "ENV": lambda n: "FROM busybox\n" + "".join(f"ENV V{i}=x$V{i // 2}\n" for i in range(n)),
    "ARG in a stage": lambda n: (
        "FROM busybox\n" + "".join(f"ARG A{i}=x$A{i // 2}\n" for i in range(n))
    ),
    "global ARG used in FROM": lambda n: (
        "".join(f"ARG A{i}=x$A{i // 2}\n" for i in range(n)) + f"FROM busybox:${{A{n - 1}}}\n"
    ),
}
"""Dockerfiles of ``n`` instructions of one kind (each followed by ``RUN true``)."""


def _checked_build(text: str) -> None:
    """Parse, compile and check, as a build does."""
    dockerfile = parse(text)
    options = BuildOptions(build_platform=AMD64, target_platform=AMD64)
    checks = CheckContext(CheckConfig(), AMD64, AMD64)
    result = compile_dockerfile(dockerfile, options, _resolve, checks=checks)
    run_checks(dockerfile, result.plan, checks, result.stage_warnings)


def growth(repeat: int) -> None:
    print(f"{'':26s} {'100':>9s} {'1,000':>9s} {'10,000':>9s}  ratios")
    for label, make in GROWTH.items():
        times = []
        for n in (100, 1000, 10000):
            text = make(n) + "RUN true\n"
            samples = []
            for _ in range(max(1, repeat // (n // 100))):
                t0 = time.perf_counter()
                _checked_build(text)
                samples.append(time.perf_counter() - t0)
            times.append(statistics.median(samples))
        shown = " ".join(f"{t * 1000:7.1f}ms" for t in times)
        ratios = " ".join(f"{b / a:5.1f}" for a, b in zip(times, times[1:], strict=False))
        print(f"{label:26s} {shown}  {ratios}")


def _compile(text: str) -> bytes:
    options = BuildOptions(build_platform=AMD64, target_platform=AMD64)
    result = compile_dockerfile(parse(text), options, _resolve)
    return result.definition.SerializeToString(deterministic=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="samples for the median")
    parser.add_argument("--growth", action="store_true", help="the linear-growth table")
    args = parser.parse_args()
    if args.growth:
        growth(args.repeat)
        return
    print(f"{'':34s} {'parse+compile':>14s} {'ops':>6s} {'LLB bytes':>10s}  same bytes")
    for label, text in workloads().items():
        try:
            first = _compile(text)
        except DockerfileError as exc:
            print(f"{label:34s} error: {exc}")
            continue
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            again = _compile(text)
            samples.append(time.perf_counter() - t0)
        definition = ops_pb2.Definition.FromString(first)
        ops = len(getattr(definition, "def"))
        median = statistics.median(samples) * 1000
        print(f"{label:34s} {median:11.2f} ms {ops:6d} {len(first):10d}  {first == again}")
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
