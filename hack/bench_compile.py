"""Benchmark the compiler: Dockerfile text to a marshalled LLB definition, no engine.

Prints, for each workload, the median time to parse and compile (base images
answered from memory, as the engine's ResolveImageConfig would), the number of
ops in the definition, its size, and whether two compiles gave identical bytes:

- the typical 52-line multi-stage Dockerfile of ``hack/bench_parse.py``;
- 50 stages built on one shared base (the shared ops are emitted once);
- one stage of 2,000 instructions.

Then the growth table: each kind of instruction repeated 100, 1,000 and 10,000
times, built as a build is (parse, compile, build checks, image config) and
checked as ``docker build --check`` does. Time should grow by about ten per
row; an input that ends in an error (a limit) says so.

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

from frontend.compiler.convert import compile_dockerfile  # noqa: E402
from frontend.compiler.options import BuildOptions  # noqa: E402
from frontend.compiler.preview import check_offline, compile_offline  # noqa: E402
from frontend.errors import DockerfileError  # noqa: E402
from frontend.llb.platform import Platform  # noqa: E402
from frontend.pb import ops_pb2  # noqa: E402
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


def _lines(template: str, n: int, start: int = 0) -> str:
    """``template`` for ``i`` from ``start`` to ``n - 1`` (``j`` is ``i - 1``)."""
    return "".join(template.format(i=i, j=i - 1) for i in range(start, n))


GROWTH: dict[str, Callable[[int], str]] = {
    "ENV": lambda n: "FROM busybox\n" + _lines("ENV V{i}=x{i}\n", n),
    "ENV reading the one before": lambda n: (
        "FROM busybox\nENV V0=x\n" + _lines("ENV V{i}=${{V{j}}}\n", n, 1)
    ),
    "ARG global, used in FROM": lambda n: _lines("ARG A{i}=a{i}\n", n) + "FROM busybox:${A0}\n",
    "ARG in a stage": lambda n: "FROM busybox\n" + _lines("ARG A{i}=a{i}\n", n) + "RUN true\n",
    "LABEL": lambda n: "FROM busybox\n" + _lines("LABEL l{i}=v\n", n),
    "RUN": lambda n: "FROM busybox\n" + _lines("RUN echo {i}\n", n),
    "WORKDIR relative": lambda n: "FROM busybox\n" + _lines("WORKDIR d{i}\n", n),
    "EXPOSE range of 11": lambda n: "FROM busybox\n" + _lines("EXPOSE 8000-8010/tcp\n", n),
    "EXPOSE 1-65535/tcp": lambda n: "FROM busybox\n" + "EXPOSE 1-65535/tcp\n" * n,
    "COPY": lambda n: "FROM busybox\n" + _lines("COPY f{i} /d/\n", n),
    "heredocs": lambda n: "FROM busybox\n" + _lines("RUN <<EOF\necho {i}\nEOF\n", n),
    "FROM chain": lambda n: "FROM busybox AS s0\n" + _lines("FROM s{j} AS s{i}\n", n, 1),
    "COPY --from DAG": lambda n: (
        "FROM busybox AS s0\nRUN true\n"
        + "".join(
            f"FROM busybox AS s{i}\nCOPY --from=s{i - 1} /a /a\nCOPY --from=s{i // 2} /b /b\n"
            for i in range(1, n)
        )
    ),
    "unknown instruction, 6n bytes": lambda n: "FROM busybox\n" + "RUNNER" * n + " x\n",
    "unknown flag, 6n bytes": lambda n: "FROM busybox\nRUN --" + "mounts" * n + "=x true\n",
}


def _compile(text: str) -> bytes:
    options = BuildOptions(build_platform=AMD64, target_platform=AMD64)
    result = compile_dockerfile(parse(text), options, _resolve)
    return result.definition.SerializeToString(deterministic=True)


def _timed(run: Callable[[], object]) -> tuple[float, str]:
    start = time.process_time()
    try:
        run()
        outcome = ""
    except DockerfileError as exc:
        outcome = f" (error: {exc.message[:40]})"
    return time.process_time() - start, outcome


def _build(text: str) -> object:
    return compile_offline(text.encode(), "Dockerfile", {})


def _check(text: str) -> object:
    report = check_offline(text.encode(), "Dockerfile", {})
    if report.error is not None:
        raise report.error
    return report


def growth(sizes: list[int], only: str) -> None:
    """The growth table: seconds to build and to check each kind at each size."""
    head = "".join(f"{n:>10,}" for n in sizes)
    print(f"\n{'build (parse, compile, checks)':34s}{head}   | check{head}")
    for label, make in GROWTH.items():
        if only and only.lower() not in label.lower():
            continue
        cells, notes = [], []
        for run in (_build, _check):
            for n in sizes:
                text = make(n)
                elapsed, outcome = _timed(lambda text=text, run=run: run(text))  # type: ignore[misc]
                cells.append(f"{elapsed:9.3f}s")
                if outcome and outcome not in notes:
                    notes.append(outcome)
            cells.append("   |")
        print(f"{label:34s}{''.join(cells[:-1])}{''.join(notes)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="samples for the median")
    parser.add_argument("--sizes", default="100,1000,10000", help="sizes of the growth table")
    parser.add_argument("--only", default="", help="only growth rows whose label has this")
    args = parser.parse_args()
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
