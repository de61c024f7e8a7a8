"""Marshal a vertex graph into a ``pb.Definition``: deterministic bytes, sha256 names.

Ops are serialised the way the engine's own Go frontend writes them: with
protobuf-go (BuildKit 0.17 and later) non-oneof fields by number, then the
oneof; with gogo (earlier engines) all fields by number. Each op is named
``sha256:<hex of those bytes>``, and emitted
post-order; an op whose digest was already emitted is skipped, which is what
collapses a base shared by several stages into one op. The terminal op, with
one input and no body, comes last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from google.protobuf.message import Message

from frontend.llb.graph import Deferred, Output, Vertex
from frontend.llb.platform import Platform
from frontend.pb import ops_pb2 as pb

_ONEOF_FIELD_NUMBERS = {"exec": 2, "source": 3, "file": 4, "build": 5, "merge": 6, "diff": 7}


@dataclass(frozen=True)
class SourceFile:
    """The file that op ranges point into (the Dockerfile), for error line mapping."""

    filename: str
    data: bytes
    language: str = "Dockerfile"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def canonical_op_bytes(op: pb.Op, *, oneof_last: bool = True) -> bytes:
    """Serialise like Go: non-oneof fields by number first, then the oneof
    (protobuf-go), or, without ``oneof_last``, every field by number (gogo)."""
    which = op.WhichOneof("op")
    if which is None or not oneof_last:
        return op.SerializeToString(deterministic=True)
    head = pb.Op()
    head.CopyFrom(op)
    head.ClearField(which)
    body: Message = getattr(op, which)
    payload = body.SerializeToString(deterministic=True)
    tag = _varint((_ONEOF_FIELD_NUMBERS[which] << 3) | 2)
    return head.SerializeToString(deterministic=True) + tag + _varint(len(payload)) + payload


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _platform_pb(p: Platform) -> pb.Platform:
    return pb.Platform(OS=p.os, Architecture=p.architecture, Variant=p.variant)


def _post_order(root: Vertex) -> Iterator[Vertex]:
    """Each vertex after all its inputs, each once; iterative (deep chains are fine)."""
    done: set[int] = set()
    stack: list[tuple[Vertex, bool]] = [(root, False)]
    while stack:
        vertex, expanded = stack.pop()
        if id(vertex) in done:
            continue
        if expanded:
            done.add(id(vertex))
            yield vertex
            continue
        stack.append((vertex, True))
        for edge in reversed(vertex.inputs()):
            if edge is not None and id(edge.vertex) not in done:
                stack.append((edge.vertex, False))


def marshal(
    root: Output | None, *, source: SourceFile | None = None, oneof_last: bool = True
) -> pb.Definition:
    """The Definition whose result is ``root`` (None = an empty, scratch result).

    ``oneof_last``: the field order of op bytes (see ``canonical_op_bytes``).
    """
    definition = pb.Definition()
    if root is None:
        return definition
    names: dict[int, str] = {}
    emitted: dict[str, bytes] = {}
    for vertex in _post_order(root.vertex):
        # an imported op may stand behind a Deferred (a build context from an input)
        target = vertex.target if isinstance(vertex, Deferred) else vertex
        raw = getattr(target, "data", None)
        if isinstance(raw, bytes):  # an imported op (frontend.llb.imported), kept as it is
            op, digest = raw, digest_of(raw)
        else:
            op, digest = _marshal_vertex(vertex, names, oneof_last)
        names[id(vertex)] = digest
        if digest in emitted:
            continue
        emitted[digest] = op
        metadata = getattr(target, "metadata", None)
        if isinstance(metadata, pb.OpMetadata):
            definition.metadata[digest].CopyFrom(metadata)
        else:
            definition.metadata[digest].CopyFrom(vertex.meta.to_pb())
        if source is not None and vertex.meta.ranges:
            locs = definition.Source.locations[digest].locations.add(sourceIndex=0)
            for start, end in vertex.meta.ranges:
                locs.ranges.add(
                    start=pb.Position(line=start, character=0),
                    end=pb.Position(line=end, character=0),
                )
    terminal = pb.Op(inputs=[pb.Input(digest=names[id(root.vertex)], index=root.index)])
    last = canonical_op_bytes(terminal, oneof_last=oneof_last)
    getattr(definition, "def").extend([*emitted.values(), last])
    if source is not None and definition.Source.locations:
        definition.Source.infos.add(
            filename=source.filename, data=source.data, language=source.language
        )
    return definition


def _marshal_vertex(vertex: Vertex, names: dict[int, str], oneof_last: bool) -> tuple[bytes, str]:
    inputs: list[tuple[str, int]] = []
    for edge in vertex.inputs():
        if edge is not None and (key := (names[id(edge.vertex)], edge.index)) not in inputs:
            inputs.append(key)

    def ref(edge: Output | None) -> int:
        if edge is None:
            return -1
        return inputs.index((names[id(edge.vertex)], edge.index))

    field, body = vertex.body(ref, len(inputs))
    op = pb.Op(inputs=[pb.Input(digest=d, index=i) for d, i in inputs])
    getattr(op, field).CopyFrom(body)
    if vertex.platform is not None:
        op.platform.CopyFrom(_platform_pb(vertex.platform))
    op.constraints.SetInParent()
    data = canonical_op_bytes(op, oneof_last=oneof_last)
    return data, digest_of(data)


def ops_of(definition: pb.Definition) -> list[tuple[str, pb.Op]]:
    """Decode a Definition's ops with their digests (for tests and dumps)."""
    out = []
    for data in getattr(definition, "def"):
        op = pb.Op()
        op.ParseFromString(data)
        out.append((digest_of(data), op))
    return out


__all__ = ["SourceFile", "canonical_op_bytes", "digest_of", "marshal", "ops_of"]
