"""Property: parse → compile → check gives a result or a ``DockerfileError``, never
another exception, and what ``check`` prints is valid UTF-8.

Inputs are Dockerfiles assembled from instructions that reach the compiler (stages
reading each other, variables, ports, heredocs, mounts), and byte-level mutations
of every Dockerfile in the test corpus. The example budget is fixed and the search
derandomized, so a run in CI always tries the same inputs.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontend.compiler.preview import check_offline, compile_offline
from frontend.errors import DockerfileError
from frontend.semantics.check_report import error_text, results_text

SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

UNIT = Path(__file__).resolve().parent.parent
CORPUS = sorted(p.read_bytes() for p in UNIT.rglob("Dockerfile"))

VALUES = ["a", "$A", "${A:-x}", "${B:+y}", "${A%%b*}", "${A//a/bb}", "\udcff", "é", "x y", "''",
          '"$A$A"', "..", "/", "-1", "80-81/udp", "1-65535", "<<EOF", "\\", "$", "${"]  # fmt: skip
NAMES = ["A", "B", "PATH", "HTTP_PROXY", "TARGETOS", "SOURCE_DATE_EPOCH", "a-b"]
STAGES = ["s0", "s1", "s2", "base"]
SOURCES = [*STAGES, "0", "1", "busybox", "scratch", "S1", "$A"]

_value = st.one_of(st.sampled_from(VALUES), st.text(max_size=4))
_name = st.sampled_from(NAMES)
_stage = st.sampled_from(STAGES)
_source = st.sampled_from(SOURCES)


def _fmt(template: str) -> st.SearchStrategy[str]:
    """``template`` with ``{v}``/``{w}`` values, ``{n}`` names, ``{s}`` stage names and
    ``{r}`` what a FROM or ``--from`` may read filled in."""
    return st.builds(
        lambda v, w, n, s, r: template.format(v=v, w=w, n=n, s=s, r=r),
        _value,
        _value,
        _name,
        _stage,
        _source,
    )


INSTRUCTIONS = [
    "RUN echo {v}", "RUN --mount=type=cache,target=/c{v} true", "RUN --mount=from={r},target=/m x",
    "RUN <<EOF\necho {v}\nEOF", "RUN <<EOF\n#!/bin/sh\necho {v}\nEOF", "COPY <<EOF /f{v}\n{w}\nEOF",
    "COPY {v} /d/", "COPY --from={r} /{v} {w}", "ADD {v} {w}", "COPY --chmod={v} a b",
    "WORKDIR {v}", "WORKDIR /{v}", "ENV {n}={v}", "ENV {n} {v}", "ARG {n}={v}", "ARG {n}",
    "LABEL {n}={v}", "EXPOSE {v}", "EXPOSE 80 {v}/tcp", "USER {v}", "VOLUME {v}",
    "STOPSIGNAL {v}", "HEALTHCHECK --interval=1s CMD {v}", "SHELL [\"/bin/sh\", \"-c\"]",
    "CMD {v}", "ENTRYPOINT [\"{v}\"]", "ONBUILD RUN {v}", "MAINTAINER {v}",
]  # fmt: skip

_instruction = st.one_of(*(_fmt(t) for t in INSTRUCTIONS))
_from = st.one_of(
    _fmt("FROM {r} AS {s}"),
    _fmt("FROM busybox AS {s}"),
    _fmt("FROM ${n}{v} AS {s}"),
    _fmt("FROM a{v}"),
)
_stage_text = st.builds(
    lambda head, body: "\n".join([head, *body]), _from, st.lists(_instruction, max_size=6)
)
_dockerfiles = st.builds(
    lambda globals_, stages: "\n".join([*globals_, *stages]) + "\n",
    st.lists(_fmt("ARG {n}={v}"), max_size=2),
    st.lists(_stage_text, min_size=1, max_size=4),
)
_options = st.one_of(
    st.just({}),
    st.dictionaries(
        st.sampled_from(["target", "build-arg:A", "build-arg:SOURCE_DATE_EPOCH", "platform"]),
        st.sampled_from(["s1", "x", "", "1", "-1", "253402300800", "linux/arm64", "\udcff"]),
        max_size=2,
    ),
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """A corpus Dockerfile with bytes replaced, inserted or deleted."""
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        piece = draw(st.sampled_from([b"\xff", b"$", b"${", b"}", b"\\", b"\n", b"<<", b'"', b"-"]))
        how = draw(st.sampled_from(["insert", "replace", "delete"]))
        if how == "insert":
            data[at:at] = piece
        elif how == "replace":
            data[at : at + len(piece)] = piece
        else:
            del data[at : at + draw(st.integers(1, 4))]
    return bytes(data)


def _run(data: bytes, opts: dict[str, str]) -> None:
    with contextlib.suppress(DockerfileError):
        compile_offline(data, "Dockerfile", opts)
    report = check_offline(data, "Dockerfile", opts)
    (results_text(report) + error_text(report)).encode("utf-8")


@SETTINGS
@given(_dockerfiles, _options)
def test_structured_dockerfiles(text: str, opts: dict[str, str]) -> None:
    _run(text.encode("utf-8", "surrogateescape"), opts)


@SETTINGS
@given(_mutated())
def test_mutated_corpus(data: bytes) -> None:
    _run(data, {})


def test_corpus_is_there() -> None:
    assert len(CORPUS) >= 100
