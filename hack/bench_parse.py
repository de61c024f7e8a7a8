"""Benchmark the Dockerfile parser against the official one (PyPI ``dockerfile``, Go).

Prints, each next to the official parser on the same input where it has one:

- cold start: a fresh interpreter importing the parser and loading its
  grammar (from ``frontend/syntax/grammar.lark.cache``), timed inside the
  child, and the same child's first parse of a typical Dockerfile; then the
  same for the typed layer too (``frontend.syntax.parse``);
- the median time to parse a typical 50-line Dockerfile, warm (to upstream-shaped
  nodes, which is what the official parser produces, and on to typed instructions,
  both next to the official parser's time to its nodes);
- the same and throughput on a 10,000-line Dockerfile;
- the large and pathological inputs of ``tests/unit/syntax/test_parse_limits.py``
  at full size (a 10 MB file, 100,000 lines, long continuations and heredocs,
  deep nesting).

The garbage collector runs as in the frontend's processes
(``frontend.cli.collect_garbage_less_often``).

With ``--files DIR``, it only compares the two parsers on each Dockerfile in
DIR (real-world ones, say): the CPU time of both over all the files, and the
median and 90th percentile of the per-file ratio.

Usage: python hack/bench_parse.py [--repeat N] [--files DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from frontend.cli import collect_garbage_less_often  # noqa: E402
from frontend.errors import DockerfileError  # noqa: E402
from frontend.syntax import parse  # noqa: E402
from frontend.syntax.parser import parse_nodes  # noqa: E402

TYPICAL = r"""# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG ALPINE_VERSION=3.19

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS base
RUN apk add --no-cache git ca-certificates tzdata
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly

FROM base AS deps
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

FROM deps AS build
ARG TARGETOS TARGETARCH
ARG VERSION=dev
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/server ./cmd/server

FROM deps AS test
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go test ./...

FROM alpine:${ALPINE_VERSION} AS runtime
LABEL org.opencontainers.image.title="server" \
      org.opencontainers.image.source="https://example.com/server" \
      org.opencontainers.image.licenses="MIT"
RUN addgroup -S app && adduser -S -G app app
COPY --from=build /out/server /usr/local/bin/server
COPY --chown=app:app --chmod=644 config.yaml /etc/server/config.yaml
COPY <<EOF /etc/server/motd
Welcome to the server image.
EOF
RUN <<-EOT
	set -eux
	mkdir -p /var/lib/server
	chown app:app /var/lib/server
	EOT
VOLUME ["/var/lib/server"]
USER app:app
WORKDIR /home/app
EXPOSE 8080/tcp 9090
ENV PORT=8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/server", "-healthcheck"]
ENTRYPOINT ["/usr/local/bin/server"]
CMD ["--config", "/etc/server/config.yaml"]
"""

COLD_OURS = """
import sys, time
t0 = time.perf_counter()
import frontend.syntax.parser as p
p.line_parser()
t1 = time.perf_counter()
p.parse_nodes(sys.stdin.read())
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""

COLD_TYPED = """
import sys, time
t0 = time.perf_counter()
import frontend.syntax as s
import frontend.syntax.instructions
s.parser.line_parser()
t1 = time.perf_counter()
s.parse(sys.stdin.read())
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""

COLD_THEIRS = """
import sys, time
t0 = time.perf_counter()
import dockerfile
t1 = time.perf_counter()
dockerfile.parse_string(sys.stdin.read())
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""


def _theirs() -> Callable[[str], object] | None:
    try:
        import dockerfile  # type: ignore[import-not-found]
    except ImportError:
        return None
    parse: Callable[[str], object] = dockerfile.parse_string
    return parse


def _ours(text: str) -> object:
    try:
        return parse_nodes(text)
    except DockerfileError as exc:
        return exc


def _ours_typed(text: str | bytes) -> object:
    try:
        return parse(text)
    except DockerfileError as exc:
        return exc


def _median_ms(fn: Callable[[str], object], text: str, repeat: int) -> float:
    fn(text)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(text)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def _cold(script: str, repeat: int) -> tuple[float, float, float]:
    """Median import+load, first parse (in the child) and whole-process wall time, in ms."""
    loads, parses, walls = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", script],
            input=TYPICAL,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
        ).stdout
        walls.append((time.perf_counter() - t0) * 1000)
        load, parse = map(float, out.split())
        loads.append(load)
        parses.append(parse)
    return statistics.median(loads), statistics.median(parses), statistics.median(walls)


def _row(label: str, ours: float, theirs: float | None, unit: str = "ms") -> None:
    ratio = f"{ours / theirs:7.1f}x" if theirs else "      -"
    other = f"{theirs:10.3f} {unit}" if theirs is not None else " " * 13
    print(f"{label:44s} {ours:10.3f} {unit} {other}  {ratio}")


OURS_ONLY = {"1,000,000-line heredoc (10 MB)", "10,000 nested ${ on a heredoc line"}
"""Inputs the official parser is not timed on: v0.12.5 (the package's) builds heredoc
bodies and lexer words by string concatenation, and takes over ten minutes on these."""


def big_inputs() -> dict[str, str]:
    """The limit tests' inputs at full size."""
    typical_body = TYPICAL.split("\n", 1)[1]
    return {
        "10 MB of instructions": "FROM a\n" + typical_body * (10_000_000 // len(typical_body)),
        "100,000 RUN lines": "FROM a\n" + "RUN echo hello world\n" * 100_000,
        "100,000 exec-form lines": "FROM a\n" + 'CMD ["a", "b", "c"]\n' * 100_000,
        "10,000 continuation lines": "FROM a\nRUN a \\\n" + "  b \\\n# c\n\n" * 10_000 + "c\n",
        "10,000-line heredoc": "FROM a\nRUN <<EOF\n" + "echo line\n" * 10_000 + "EOF\n",
        "1,000,000-line heredoc (10 MB)": "FROM a\nRUN <<EOF\n"
        + "echo line\n" * 1_000_000
        + "EOF\n",
        "64 KB of alternating quotes": "FROM a\nENV a=" + "\"'" * 32_000 + "\n",
        "10,000 nested ${ on a heredoc line": "FROM a\nRUN <<EOF "
        + "${a:-" * 10_000
        + "}" * 10_000
        + "\nEOF\n",
        "JSON nested 30,000 deep": "FROM a\nRUN " + "[" * 30_000 + "]" * 30_000 + "\n",
    }


CORPUS = ROOT / "tests" / "unit" / "syntax"


def _corpus_rows(official: bool) -> None:
    """The parser test corpus, each file to typed instructions, next to the official parser."""
    paths = sorted(CORPUS.glob("*/*/Dockerfile"))
    small = [p for p in paths if p.stat().st_size < 16_000]
    for label, chosen in (("corpus", paths), ("corpus, files under 16 KB", small)):
        files = [(str(p), p.read_bytes()) for p in chosen]
        ours = min(_timed_all(_ours_typed, [data for _, data in files]) for _ in range(5))
        theirs = None
        if official:
            import dockerfile

            def run(path: str) -> object:
                with contextlib.suppress(Exception):  # only the time matters here
                    dockerfile.parse_file(path)
                return None

            theirs = min(_timed_all(run, [path for path, _ in files]) for _ in range(5))
        _row(f"{label} ({len(files)} files) to typed", ours, theirs)


def _cpu_median_ns(fn: Callable[[str], object], text: str, repeat: int) -> int:
    samples = []
    for _ in range(repeat):
        t0 = time.process_time_ns()
        fn(text)
        samples.append(time.process_time_ns() - t0)
    return int(statistics.median(samples))


def _files_rows(directory: Path, theirs: Callable[[str], object], repeat: int) -> None:
    """Every file of ``directory`` that both parsers read, to typed instructions: the sum of
    the per-file CPU medians next to the official parser's, and the per-file ratios."""
    texts, left_out = [], 0
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
            parse(text)
            theirs(text)
        except Exception:  # noqa: BLE001 - either parser refuses it: not comparable
            left_out += 1
            continue
        texts.append(text)
    if not texts:
        print(f"{directory}: no file both parsers read")
        return
    ours_ns = [_cpu_median_ns(_ours_typed, text, repeat) for text in texts]
    theirs_ns = [_cpu_median_ns(theirs, text, repeat) for text in texts]
    ratios = sorted(o / t for o, t in zip(ours_ns, theirs_ns, strict=True))
    lines = sum(text.count("\n") for text in texts)
    label = f"{len(texts)} files ({lines} lines; {left_out} left out) to typed"
    _row(label, sum(ours_ns) / 1e6, sum(theirs_ns) / 1e6)
    print(
        f"{'  per file: ratio median, 90th percentile':44s} {statistics.median(ratios):10.2f}x"
        f" {ratios[int(len(ratios) * 0.9)]:10.2f}x"
    )


def _timed_all(fn: Callable[[Any], object], items: list[Any]) -> float:
    t0 = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="samples for the warm median")
    parser.add_argument(
        "--files",
        type=Path,
        metavar="DIR",
        help="only compare the parsers on each Dockerfile in DIR (CPU medians of 21 parses)",
    )
    args = parser.parse_args()
    collect_garbage_less_often()
    theirs = _theirs()
    if args.files:
        if theirs is None:
            sys.exit("--files needs the official parser (pip install dockerfile)")
        _files_rows(args.files, theirs, 21)
        return
    lines = TYPICAL.count("\n")
    big = (TYPICAL.split("\n", 1)[1] * (10_000 // lines + 1)).split("\n")[:10_000]
    ten_k = "\n".join(big) + "\n"

    print(f"{'':44s} {'pyfrontend':>13s} {'official':>13s}  {'ratio':>7s}")
    load, first, wall = _cold(COLD_OURS, 7)
    t_load, t_first, t_wall = _cold(COLD_THEIRS, 7) if theirs else (None, None, None)
    _row("cold start: import + grammar load", load, t_load)
    _row(f"cold start: first parse ({lines} lines)", first, t_first)
    _row("cold start: whole process, wall", wall, t_wall)
    typed_load, typed_first, _ = _cold(COLD_TYPED, 7)
    _row("cold start to typed instructions: imports", typed_load, None)
    _row("cold start to typed instructions: first parse", typed_first, None)
    _row(
        f"warm: median parse, {lines}-line Dockerfile",
        _median_ms(_ours, TYPICAL, args.repeat),
        _median_ms(theirs, TYPICAL, args.repeat) if theirs else None,
    )
    theirs_typical = _median_ms(theirs, TYPICAL, args.repeat) if theirs else None
    _row("warm: same, on to typed instructions", _median_ms(_ours_typed, TYPICAL, args.repeat),
         theirs_typical)  # fmt: skip
    ours_ms = _median_ms(_ours, ten_k, 5)
    theirs_ms = _median_ms(theirs, ten_k, 5) if theirs else None
    _row("warm: parse, 10,000-line Dockerfile", ours_ms, theirs_ms)
    _row("warm: same, on to typed instructions", _median_ms(_ours_typed, ten_k, 5), theirs_ms)
    _row(
        "throughput, 10,000-line Dockerfile (lines/s)",
        10_000 / ours_ms * 1000,
        10_000 / theirs_ms * 1000 if theirs_ms else None,
        unit="  ",
    )
    _corpus_rows(theirs is not None)
    print()
    for label, text in big_inputs().items():
        t0 = time.perf_counter()
        result = _ours(text)
        ours_ms = (time.perf_counter() - t0) * 1000
        theirs_ms = None
        if theirs and label not in OURS_ONLY:
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):  # only the time matters here
                theirs(text)
            theirs_ms = (time.perf_counter() - t0) * 1000
        outcome = "error" if isinstance(result, DockerfileError) else "ok"
        _row(f"{label} ({len(text) / 1e6:.1f} MB, {outcome})", ours_ms, theirs_ms)
    print(json.dumps({"python": sys.version.split()[0]}))


if __name__ == "__main__":
    main()
