"""Benchmark the compiler: Dockerfile text to a marshalled LLB definition, no engine.

Prints, for each workload, the median time to parse and compile (base images
answered from memory, as the engine's ResolveImageConfig would), the number of
ops in the definition, its size, and whether two compiles gave identical bytes:

- the typical 52-line multi-stage Dockerfile of ``hack/bench_parse.py``;
- 50 stages built on one shared base (the shared ops are emitted once);
- one stage of 2,000 instructions.

Then the growth table: each kind of input of ``tests/unit/compiler/pathological.py``
at 100, 1,000 and 10,000 instructions (or stages, or 6n bytes), built as a build
is (parse, compile, build checks, image config) and checked as ``docker build
--check`` does, in CPU seconds (a busy machine slows them less than the clock).
Time should grow tenfold from one column to the next; an input that ends in an
error (a limit) says so.

The garbage collector runs as in the frontend's processes
(``frontend.cli.collect_garbage_less_often``).

Usage: python hack/bench_compile.py [--repeat N] [--sizes 100,1000,10000] [--only WORD]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "hack"))

from bench_parse import TYPICAL  # noqa: E402

from frontend.cli import collect_garbage_less_often  # noqa: E402
from frontend.compiler.convert import compile_dockerfile  # noqa: E402
from frontend.compiler.options import BuildOptions  # noqa: E402
from frontend.compiler.preview import check_offline, compile_offline  # noqa: E402
from frontend.compiler.request import BuildRequest  # noqa: E402
from frontend.errors import DockerfileError  # noqa: E402
from frontend.pb import ops_pb2  # noqa: E402
from frontend.platform import Platform  # noqa: E402
from frontend.syntax import parse  # noqa: E402
from tests.unit.compiler.pathological import GROWTH  # noqa: E402

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


def _compile(text: str) -> bytes:
    options = BuildOptions(BuildRequest(build_platform=AMD64), AMD64)
    result = compile_dockerfile(parse(text), options, _resolve)
    return result.definition.SerializeToString(deterministic=True)


def _timed(run: Callable[[str], object], text: str) -> tuple[float, str]:
    """CPU seconds ``run(text)`` took (or the seconds it returns), and a note when it
    ended in an error."""
    start = time.process_time()
    try:
        took = run(text)
    except DockerfileError as exc:
        return time.process_time() - start, f" (error: {exc.message[:40]})"
    return took if isinstance(took, float) else time.process_time() - start, ""


def _compile_only(text: str) -> float:
    """CPU seconds to compile the parsed Dockerfile and write its config (no checks)."""
    parsed = parse(text)
    options = BuildOptions(BuildRequest(build_platform=AMD64), AMD64)
    start = time.process_time()
    result = compile_dockerfile(parsed, options, _resolve)
    result.config_json  # noqa: B018
    return time.process_time() - start


def _build(text: str) -> object:
    return compile_offline(text.encode(), "Dockerfile", {})


def _check(text: str) -> object:
    report = check_offline(text.encode(), "Dockerfile", {})
    if report.error is not None:
        raise report.error
    return report


def growth(sizes: list[int], only: str) -> None:
    """The growth table: CPU seconds to compile (parsed input, no checks), to build
    (parse, compile, checks) and to check each kind at each size."""
    head = "".join(f"{n:>8,}" for n in sizes)
    titles = "|".join(f"{t:^{8 * len(sizes)}s}" for t in ("compile", "build", "check"))
    print(f"\n{'CPU seconds':30s}|{titles}")
    print(f"{'':30s}|{head}|{head}|{head}")
    for label, make in GROWTH.items():
        if only and only.lower() not in label.lower():
            continue
        cells, notes = [], []
        for run in (_compile_only, _build, _check):
            cells.append("|")
            for n in sizes:
                elapsed, outcome = _timed(run, make(n))
                cells.append(f"{elapsed:8.3f}")
                if outcome and outcome not in notes:
                    notes.append(outcome)
        print(f"{label:30s}{''.join(cells)}{''.join(notes)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="samples for the median")
    parser.add_argument("--sizes", default="100,1000,10000", help="sizes of the growth table")
    parser.add_argument("--only", default="", help="only growth rows whose label has this")
    args = parser.parse_args()
    collect_garbage_less_often()
    if not args.only:
        print(f"{'':34s} {'parse+compile':>14s} {'ops':>6s} {'LLB bytes':>10s}  same bytes")
        for label, text in workloads().items():
            try:
                first = _compile(text)
            except DockerfileError as exc:
                print(f"{label:34s} error: {exc}")
                continue
            samples = []
            for _ in range(args.repeat):
                t0 = time.process_time()
                again = _compile(text)
                samples.append(time.process_time() - t0)
            definition = ops_pb2.Definition.FromString(first)
            ops = len(getattr(definition, "def"))
            median = statistics.median(samples) * 1000
            print(f"{label:34s} {median:11.2f} ms {ops:6d} {len(first):10d}  {first == again}")
    growth([int(n) for n in args.sizes.split(",")], args.only)
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
