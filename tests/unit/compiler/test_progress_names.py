"""Progress names and op descriptions, as the engine's own frontend writes them.

The newest behaviour is pinned by the oracle golden tests; these pin what
BuildKit 0.8's frontend (Docker 20.10) writes where later releases changed it.
"""

from __future__ import annotations

from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import Compile, Resolver, image_config

V08 = LLBCaps(frozenset(V08_LLB_CAPS))
COMMAND = "com.docker.dockerfile.v1.command"


def described(definition: pb.Definition) -> dict[str, dict[str, str]]:
    """Progress name → the op's other descriptions."""
    out = {}
    for digest, _ in ops_of(definition):
        md = definition.metadata[digest]
        if name := md.description.get("llb.customname"):
            out[name] = {k: v for k, v in md.description.items() if k != "llb.customname"}
    return out


def test_names_expand_variables_as_docker_does(compile_text: Compile) -> None:
    text = (
        'FROM busybox\nARG X=1\nENV D=/w\nWORKDIR $D/"q"\n'
        "RUN echo $X \"$X\" '$X' $UNSET\nCOPY $D/a ${D}/\n"
    )
    names = described(compile_text(text).definition)
    assert set(names) >= {
        "[2/4] WORKDIR /w/q",
        "[3/4] RUN echo 1 \"1\" '$X' $UNSET",  # a RUN keeps quotes and unset variables
        "[4/4] COPY /w/a /w/",
    }
    assert names["[3/4] RUN echo 1 \"1\" '$X' $UNSET"] == {
        COMMAND: "RUN echo $X \"$X\" '$X' $UNSET"
    }
    assert names["[4/4] COPY /w/a /w/"] == {}  # described since BuildKit 0.11: RUN only


def test_copy_and_add_described_on_buildkit_0_8(compile_text: Compile) -> None:
    text = "FROM busybox\nCOPY a /a\nADD --chmod=600 https://example.com/f /f\n"
    names = described(compile_text(text, llb_caps=V08).definition)
    assert names["[2/3] COPY a /a"] == {COMMAND: "COPY a /a"}
    add = "ADD --chmod=600 https://example.com/f /f"
    assert names[f"[3/3] {add}"] == {COMMAND: add}
    (copy,) = [
        a.copy
        for _, op in ops_of(compile_text(text, llb_caps=V08).definition)
        for a in op.file.actions
        if a.copy.src == "/f"
    ]
    assert copy.mode == -1  # --chmod on a URL is applied since BuildKit 0.9


def test_onbuild_steps_counted_since_buildkit_0_17(
    compile_text: Compile, resolver: Resolver
) -> None:
    resolver.configs["docker.io/library/parent:latest"] = image_config(
        OnBuild=["RUN echo one", "ENV A=1"]
    )
    text = "FROM parent\nRUN echo child\n"
    newest = set(described(compile_text(text).definition))
    # every trigger counts in the total, only those with an op take a number
    assert {"[2/4] ONBUILD RUN echo one", "[3/4] RUN echo child"} <= newest
    old = set(described(compile_text(text, llb_caps=V08).definition))
    assert {"[2/2] RUN echo one", "[3/2] RUN echo child"} <= old  # as 0.8 counts them


def test_stage_names_shown_once_a_run_has_a_mount(compile_text: Compile) -> None:
    plain = set(described(compile_text("FROM busybox\nRUN true\n").definition))
    mounted = set(
        described(compile_text("FROM busybox\nRUN --mount=type=tmpfs,target=/t true\n").definition)
    )
    assert "[2/2] RUN true" in plain
    assert "[stage-0 2/2] RUN --mount=type=tmpfs,target=/t true" in mounted
