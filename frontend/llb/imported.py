"""An existing ``pb.Definition`` (a frontend input) as an edge of our graph.

Its ops are emitted byte for byte, so their digests, and the engine's cache
for them, stay what the client made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field

from frontend.frozen import frozen
from frontend.llb.graph import InputRef, OpBody, OpMeta, Output
from frontend.llb.marshal import digest_of
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform


@frozen(eq=False)
class RawOp:
    """One op of an imported Definition: its bytes, metadata and input edges."""

    data: bytes
    metadata: pb.OpMetadata
    edges: tuple[Output, ...]
    meta: OpMeta = field(default_factory=OpMeta)
    platform: Platform | None = None

    def inputs(self) -> Sequence[Output | None]:
        return self.edges

    def body(self, ref: InputRef, n_inputs: int) -> tuple[str, OpBody]:
        raise TypeError("an imported op is emitted as it was marshalled")


NIL_DEFINITION = "invalid nil input definition to definition op"


def is_nil(definition: pb.Definition) -> bool:
    """Whether ``definition`` has no metadata: what a Go client's nil input arrives as
    (Docker's frontend refuses those)."""
    return not definition.metadata


def definition_output(definition: pb.Definition) -> Output | None:
    """The result of ``definition`` (None for an empty, scratch one); ``ValueError``
    for a nil or malformed one."""
    if is_nil(definition):
        raise ValueError(NIL_DEFINITION)
    ops = list(getattr(definition, "def"))
    if not ops:
        return None
    vertices: dict[str, RawOp] = {}
    root: Output | None = None
    for data in ops:
        op = pb.Op()
        op.ParseFromString(data)
        edges = tuple(Output(vertices[i.digest], i.index) for i in op.inputs)
        if op.WhichOneof("op") is None and len(edges) == 1:
            root = edges[0]
            continue
        digest = digest_of(data)
        vertices[digest] = RawOp(data, definition.metadata[digest], edges)
    if root is None:
        raise ValueError("definition has no terminal op")
    return root
