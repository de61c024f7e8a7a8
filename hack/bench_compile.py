"""Benchmark the compiler: Dockerfile text to a marshalled LLB definition, no engine.

Prints, for each workload, the median time to parse and compile (base images
answered from memory, as the engine's ResolveImageConfig would), the number of
ops in the definition, its size, and whether two compiles gave identical bytes:

- the typical 52-line multi-stage Dockerfile of ``hack/bench_parse.py``;
- 50 stages built on one shared base (the shared ops are emitted once);
- one stage of 2,000 instructions.

Usage: python hack/bench_compile.py [--repeat N]
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


def _compile(text: str) -> bytes:
    options = BuildOptions(build_platform=AMD64, target_platform=AMD64)
    result = compile_dockerfile(parse(text), options, _resolve)
    return result.definition.SerializeToString(deterministic=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="samples for the median")
    args = parser.parse_args()
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
