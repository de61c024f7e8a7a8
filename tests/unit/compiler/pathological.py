"""The pathological corpus: inputs that once made the compiler slow, huge or crash.

``GROWTH`` makes ``n`` instructions (or stages, or ``6n`` bytes) of one kind, for
the growth tests here and the table of ``hack/bench_compile.py``. ``CASES`` are
full-size inputs with what they must give: the number of LLB ops, or the start
of the error and its line.
"""

from __future__ import annotations

from collections.abc import Callable


def _lines(template: str, n: int, start: int = 0) -> str:
    """``template`` for ``i`` from ``start`` to ``n - 1`` (``j`` is ``i - 1``)."""
    return "".join(template.format(i=i, j=i - 1) for i in range(start, n))


def copy_from_dag(n: int) -> str:
    """``n`` stages, each copying from the one before and from the one at half its index."""
    stages = "".join(
        f"FROM busybox AS s{i}\nCOPY --from=s{i - 1} /a /a\nCOPY --from=s{i // 2} /b /b\n"
        for i in range(1, n)
    )
    return "FROM busybox AS s0\nRUN true\n" + stages


def doubling_args(n: int) -> str:
    """ARGs each twice the one before: ``2 ** (n + 1)`` characters at the end."""
    lines = _lines("ARG v{i}=$v{j}$v{j}\n", n + 1, 1)
    return f"FROM busybox\nARG v0=ab\n{lines}RUN echo $v{n}\n"


GROWTH: dict[str, Callable[[int], str]] = {
    "ENV": lambda n: "FROM busybox\n" + _lines("ENV V{i}=x{i}\n", n),
    "ENV reading the one before": lambda n: (
        "FROM busybox\nENV V0=x\n" + _lines("ENV V{i}=${{V{j}}}\n", n, 1)
    ),
    "ARG global, used in FROM": lambda n: _lines("ARG A{i}=a{i}\n", n) + "FROM busybox:${A0}\n",
    "ARG in a stage": lambda n: "FROM busybox\n" + _lines("ARG A{i}=a{i}\n", n) + "RUN true\n",
    "LABEL": lambda n: "FROM busybox\n" + _lines("LABEL l{i}=v\n", n),
    "RUN": lambda n: "FROM busybox\n" + _lines("RUN echo {i}\n", n),
    "WORKDIR ../dN": lambda n: "FROM busybox\nWORKDIR /w\n" + _lines("WORKDIR ../d{i}\n", n),
    "WORKDIR deeper and deeper": lambda n: "FROM busybox\n" + _lines("WORKDIR d{i}\n", n),
    "EXPOSE range of 11": lambda n: "FROM busybox\n" + "EXPOSE 8000-8010/tcp\n" * n,
    "EXPOSE a port each": lambda n: "FROM busybox\n" + _lines("EXPOSE {i}/udp\n", n),
    "VOLUME": lambda n: "FROM busybox\n" + _lines("VOLUME /v{i}\n", n),
    "EXPOSE 1-65535/tcp": lambda n: "FROM busybox\n" + "EXPOSE 1-65535/tcp\n" * n,
    "COPY": lambda n: "FROM busybox\n" + _lines("COPY f{i} /d/\n", n),
    "heredocs": lambda n: "FROM busybox\n" + _lines("RUN <<EOF\necho {i}\nEOF\n", n),
    "FROM chain": lambda n: "FROM busybox AS s0\n" + _lines("FROM s{j} AS s{i}\n", n, 1),
    "COPY --from DAG": copy_from_dag,
    "unknown instruction, 6n bytes": lambda n: "FROM busybox\n" + "RUNNER" * n + " x\n",
    "unknown flag, 6n bytes": lambda n: "FROM busybox\nRUN --" + "mounts" * n + "=x true\n",
}

LINEAR = [
    "RUN", "LABEL", "WORKDIR ../dN", "EXPOSE range of 11", "EXPOSE a port each", "VOLUME",
    "COPY", "heredocs", "FROM chain",
    "COPY --from DAG", "unknown instruction, 6n bytes", "unknown flag, 6n bytes",
]  # fmt: skip
"""The kinds the growth tests hold to linear time."""

CASES: dict[str, tuple[str, int | tuple[str, int]]] = {
    # name: (Dockerfile, LLB ops, or the start of the error message and its line)
    "40 doubling ARGs (1 KB)": (doubling_args(40), ("failed to process", 22)),
    "10,000 relative WORKDIRs": (GROWTH["WORKDIR deeper and deeper"](10_000), ("WORKDIR /d0", 843)),
    "20 of EXPOSE 1-65535/tcp": (GROWTH["EXPOSE 1-65535/tcp"](20), ("EXPOSE: the stage", 18)),
    "65 KB unknown instruction": (GROWTH["unknown instruction, 6n bytes"](10_900), ("unknown", 2)),
    "65 KB unknown flag": (GROWTH["unknown flag, 6n bytes"](10_900), ("unknown flag", 2)),
    "2,000 chained stages": (GROWTH["FROM chain"](2_000), 2),
    "COPY --from DAG of 1,000 stages": (copy_from_dag(1_000), 2_001),
    "2,000 heredocs": (GROWTH["heredocs"](2_000), 2_002),
    "2,000 WORKDIR ../dN": (GROWTH["WORKDIR ../dN"](2_000), 2_003),
}
