"""Properties of marshalling over generated multi-stage graphs."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from frontend.llb import state as llb
from frontend.llb.graph import Copy
from frontend.llb.marshal import marshal, ops_of
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform

AMD64 = Platform("linux", "amd64")
COMMANDS = st.lists(st.sampled_from(["a", "b", "c"]), min_size=0, max_size=4)


def build_graph(stages: list[list[str]], base: str) -> llb.State:
    """Every stage starts from the same image (built anew each time) and runs its commands."""
    final = llb.scratch(AMD64)
    for i, commands in enumerate(stages):
        state = llb.image(base, platform=AMD64)
        for cmd in commands:
            state, _ = state.run(["sh", "-c", cmd])
        final = final.file(Copy(state.output, "/out", f"/stage{i}"))
    return final


@settings(max_examples=60, deadline=None)
@given(st.lists(COMMANDS, min_size=1, max_size=6))
def test_one_source_op_however_many_stages_share_the_base(stages: list[list[str]]) -> None:
    d = marshal(build_graph(stages, "docker.io/library/busybox:latest").output)
    ops = ops_of(d)
    assert sum(op.HasField("source") for _, op in ops) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(COMMANDS, min_size=1, max_size=6))
def test_definition_is_well_formed_and_deterministic(stages: list[list[str]]) -> None:
    first = marshal(build_graph(stages, "docker.io/library/busybox:latest").output)
    second = marshal(build_graph(stages, "docker.io/library/busybox:latest").output)
    assert first.SerializeToString(deterministic=True) == second.SerializeToString(
        deterministic=True
    )
    ops = ops_of(first)
    digests = [d for d, _ in ops]
    assert len(digests) == len(set(digests))  # every op once
    seen: set[str] = set()
    for digest, op in ops:
        for inp in op.inputs:
            assert inp.digest in seen  # inputs come first: post-order
        seen.add(digest)
    terminal = ops[-1][1]
    assert terminal.WhichOneof("op") is None and len(terminal.inputs) == 1
    assert set(first.metadata) == set(digests)  # the terminal op lists its caps


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=200))
def test_deep_chains_marshal_without_recursion(commands: list[str]) -> None:
    state = llb.image("docker.io/library/busybox:latest", platform=AMD64)
    for cmd in commands * 10:
        state, _ = state.run(["sh", "-c", cmd])
    d = marshal(state.output)
    assert isinstance(d, pb.Definition)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=4))
def test_a_local_sources_path_lists_are_the_json_of_its_paths(paths: list[str]) -> None:
    """Quotes, backslashes, control characters and any code point, as ``json`` writes them."""
    source = llb.local("context", follow_paths=paths, exclude_patterns=paths).output
    assert source is not None
    attrs = dict(source.vertex.attrs)  # type: ignore[attr-defined]
    expected = json.dumps(paths, separators=(",", ":"))
    if paths:
        assert attrs["local.followpaths"] == attrs["local.excludepatterns"] == expected
