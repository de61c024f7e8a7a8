"""Marshal a vertex graph into a ``pb.Definition``: deterministic bytes, sha256 names.

Ops are written the way the engine's own Go frontend writes them (``OpShape``):
with protobuf-go (BuildKit 0.17 and later) non-oneof fields by number, then the
oneof; with gogo (earlier engines) all fields by number; and with the fields
that client release sets. Each op is named ``sha256:<hex of those bytes>``, and
emitted post-order; an op whose digest was already emitted is skipped, which is
what collapses a base shared by several stages into one op (its metadata is
merged and its source locations listed once per vertex, as Go does). The
terminal op, with one input and no body, comes last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import TypeAlias

from google.protobuf.message import Message

from frontend.errors import DockerfileError
from frontend.frozen import frozen
from frontend.gotext import go_quote
from frontend.llb.caps import EXEC_MOUNT_TMPFS_SIZE, LLBCaps, MissingCapError
from frontend.llb.graph import Deferred, FileOp, Output, SourceOp, Vertex
from frontend.llb.opcaps import op_caps, terminal_caps
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform

Definition: TypeAlias = pb.Definition
"""Marshalled LLB as the engine takes it: what the compiler makes and the gateway sends."""

_ONEOF_FIELD_NUMBERS = {"exec": 2, "source": 3, "file": 4, "build": 5, "merge": 6, "diff": 7}


@frozen
class SourceFile:
    """The file that op ranges point into (the Dockerfile), for error line mapping."""

    filename: str
    data: bytes
    language: str = "Dockerfile"
    definition: pb.Definition | None = None
    """The LLB that delivered the file (the engine's errors carry it, as Docker's do)."""
    parts: tuple[tuple[str, bytes], ...] = ()
    """When ``data`` joins several files (name, contents; this file first): the
    source map then points into each file itself."""
    origins: tuple[tuple[int, int], ...] = ()
    """For each line of ``data``: the index of its file in ``parts`` and its line there."""

    def locate(self, start: int, end: int) -> tuple[int, int, int]:
        """Source index and lines in that file of the lines ``start..end`` of ``data``."""
        if not self.origins or not 0 < start <= end <= len(self.origins):
            return 0, start, end
        index, first = self.origins[start - 1]
        return index, first, self.origins[end - 1][1]


@frozen
class OpShape:
    """How the Go client of the engine's release writes ops (fields it sets or omits)."""

    oneof_last: bool = True
    """protobuf-go field order (BuildKit 0.17 and later)."""
    remove_mount_stubs: bool = True
    """``Meta.removeMountStubsRecursive`` on every exec (0.11 and later)."""
    file_platform: bool = False
    """A platform on file ops (dropped in 0.12)."""
    empty_socket_input: bool = True
    """Secret and SSH mounts name no input (-1) rather than leaving it unset (0.16)."""
    tmpfs_opt: bool = True
    """Every tmpfs mount carries a ``TmpfsOpt``, even an empty one (0.10)."""

    @classmethod
    def for_engine(cls, caps: LLBCaps) -> OpShape:
        release = caps.release
        return cls(
            oneof_last=caps.oneof_last,
            # (its cap, exec.meta.removemountstubs.recursive, is never advertised)
            remove_mount_stubs=release >= (0, 11),
            file_platform=release < (0, 12),
            empty_socket_input=release >= (0, 16),
            tmpfs_opt=caps.supports(EXEC_MOUNT_TMPFS_SIZE),
        )

    def keeps_platform(self, field: str) -> bool:
        """Whether an op of this oneof ``field`` carries its platform."""
        return field != "file" or self.file_platform

    def apply(self, field: str, body: Message) -> None:
        """Set the fields of an op's body that this client release writes differently."""
        if field != "exec":
            return
        assert isinstance(body, pb.ExecOp)
        body.meta.removeMountStubsRecursive = self.remove_mount_stubs
        for m in body.mounts:
            if m.mountType in (pb.SECRET, pb.SSH) and self.empty_socket_input:
                m.input = -1
            elif m.mountType == pb.TMPFS and self.tmpfs_opt:
                m.TmpfsOpt.SetInParent()


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


_ONEOF_TAGS = {name: _varint(number << 3 | 2) for name, number in _ONEOF_FIELD_NUMBERS.items()}
"""The tag of each oneof field (length-delimited)."""


def canonical_op_bytes(op: pb.Op, *, oneof_last: bool = True) -> bytes:
    """Serialise like Go: non-oneof fields by number first, then the oneof
    (protobuf-go), or, without ``oneof_last``, every field by number (gogo)."""
    which = op.WhichOneof("op")
    if which is None or not oneof_last:
        return op.SerializeToString(deterministic=True)
    head = pb.Op()
    head.CopyFrom(op)
    head.ClearField(which)
    return _op_bytes(head, which, getattr(op, which), oneof_last=True)


def _op_bytes(head: pb.Op, field: str, body: Message, *, oneof_last: bool) -> bytes:
    """``canonical_op_bytes`` of ``head`` (no oneof set) with ``body`` as its ``field``."""
    if not oneof_last:
        op = pb.Op()
        op.CopyFrom(head)
        getattr(op, field).CopyFrom(body)
        return op.SerializeToString(deterministic=True)
    payload = body.SerializeToString(deterministic=True)
    head_bytes = head.SerializeToString(deterministic=True)
    return b"".join((head_bytes, _ONEOF_TAGS[field], _varint(len(payload)), payload))


def digest_of(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``: how a Definition names an op by its bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def pb_platform(p: Platform) -> pb.Platform:
    """``p`` as an LLB ``pb.Platform``."""
    return pb.Platform(
        OS=p.os, Architecture=p.architecture, Variant=p.variant, OSVersion=p.os_version
    )


def _visit_order(vertex: Vertex, edges: Sequence[Output | None]) -> Sequence[Output | None]:
    """The inputs (``edges``) in the order Go's marshaller walks them: a file op's
    base first, then the sources of its copies from the last action back (the order
    ops are listed in the definition, not the op's input numbering)."""
    if isinstance(vertex, FileOp):
        return [*edges[:1], *reversed(edges[1:])] if vertex.base is not None else edges[::-1]
    return edges


def _post_order(root: Vertex) -> Iterator[tuple[Vertex, Sequence[Output | None]]]:
    """Each vertex, with its inputs, after all its inputs, each once; iterative (deep
    chains are fine)."""
    done: set[int] = set()
    stack: list[tuple[Vertex, Sequence[Output | None] | None]] = [(root, None)]
    while stack:
        vertex, edges = stack.pop()
        if id(vertex) in done:
            continue
        if edges is not None:  # its inputs are done
            done.add(id(vertex))
            yield vertex, edges
            continue
        edges = vertex.inputs()
        stack.append((vertex, edges))
        for edge in reversed(_visit_order(vertex, edges)):
            if edge is not None and id(edge.vertex) not in done:
                stack.append((edge.vertex, None))


def marshal(
    root: Output | None, *, source: SourceFile | None = None, caps: LLBCaps | None = None
) -> pb.Definition:
    """The Definition whose result is ``root`` (None = an empty, scratch result),
    written for an engine with ``caps`` (default: a current engine).

    Raises :class:`~frontend.llb.caps.MissingCapError` for an op the engine
    cannot run at all (a merge, a diff or a symlink on an engine too old).
    """
    definition = pb.Definition()
    if root is None:
        return definition
    engine = caps or LLBCaps()
    shape = OpShape.for_engine(engine)
    names: dict[int, str] = {}
    emitted: dict[str, bytes] = {}
    sources: dict[tuple[object, ...], tuple[bytes, frozenset[str], str]] = {}
    for vertex, edges in _post_order(root.vertex):
        # an imported op may stand behind a Deferred (a build context from an input)
        target = vertex.target if isinstance(vertex, Deferred) else vertex
        raw = getattr(target, "data", None)
        if isinstance(raw, bytes):  # an imported op (frontend.llb.imported), kept as it is
            data, digest = raw, digest_of(raw)
            md = definition.metadata[digest]
            imported = getattr(target, "metadata", None)
            if isinstance(imported, pb.OpMetadata):
                _merge_metadata(md, imported)
        else:
            key = _source_key(vertex)
            try:
                found = sources.get(key) if key is not None else None
                if found is None:
                    data, op_cap_ids = _marshal_vertex(vertex, edges, names, shape, engine)
                    found = data, op_cap_ids, digest_of(data)
                    if key is not None:
                        sources[key] = found
                data, op_cap_ids, digest = found
                # (straight into the definition's entry: the first of its digest, or merged)
                md = definition.metadata[digest]
                vertex.meta.merge_into(md)
            except UnicodeEncodeError as exc:
                raise _not_utf8(exc, vertex) from None
            for cap in op_cap_ids:
                md.caps[cap] = True
        names[id(vertex)] = digest
        # Go lists every op in the source map, most with no location at all
        entry = definition.Source.locations[digest]
        if source is not None and vertex.meta.ranges is not None:
            _add_locations(entry, vertex.meta.ranges, source)
        if digest not in emitted:
            emitted[digest] = data
    terminal = pb.Op(inputs=[pb.Input(digest=names[id(root.vertex)], index=root.index)])
    last = canonical_op_bytes(terminal, oneof_last=shape.oneof_last)
    for cap in terminal_caps(definition.metadata.values()):
        definition.metadata[digest_of(last)].caps[cap] = True
    getattr(definition, "def").extend([*emitted.values(), last])
    if source is not None and any(e.locations for e in definition.Source.locations.values()):
        files = source.parts or ((source.filename, source.data),)
        for k, (filename, contents) in enumerate(files):
            info = definition.Source.infos.add(
                filename=filename, data=contents, language=source.language
            )
            if k == 0 and source.definition is not None:
                info.definition.CopyFrom(source.definition)
    return definition


def _add_locations(
    entry: pb.Locations, ranges: tuple[tuple[int, int], ...], source: SourceFile
) -> None:
    """An op's lines in the source map: a location per file, listing its lines there
    (no lines: one location in the first file, without lines)."""
    by_file: dict[int, pb.Location] = {}
    for start, end in ranges:
        index, first, final = source.locate(start, end)
        if index not in by_file:
            by_file[index] = entry.locations.add(sourceIndex=index)
        span = by_file[index].ranges.add()
        span.start.line, span.end.line = first, final
    if not ranges:
        entry.locations.add(sourceIndex=0)


def _not_utf8(exc: UnicodeEncodeError, vertex: Vertex) -> DockerfileError:
    """The error for a string the LLB cannot carry: its strings are UTF-8 (protobuf
    refuses anything else, in Go as here), so an undecodable byte of the Dockerfile
    can reach only the byte fields (file contents). Pinned to the op's lines."""
    lines = vertex.meta.ranges or ()
    start, end = lines[0] if lines else (0, 0)
    text = exc.object if isinstance(exc.object, str) else ""
    return DockerfileError(
        f"invalid UTF-8 in {go_quote(text)}: the build graph takes only UTF-8 text",
        line=start,
        end_line=max(end, lines[-1][1] if lines else 0),
    )


def _merge_metadata(into: pb.OpMetadata, md: pb.OpMetadata) -> None:
    """Fold an imported op's metadata in (the first of its digest, or another vertex
    with the same digest), as Go merges it."""
    if not into.ByteSize():
        into.CopyFrom(md)
        return
    into.ignore_cache |= md.ignore_cache
    for key, value in md.description.items():  # (a map's update is slower, in Python)
        into.description[key] = value
    for cap in md.caps:
        into.caps[cap] = True
    if md.HasField("progress_group"):
        into.progress_group.CopyFrom(md.progress_group)


def _source_key(vertex: Vertex) -> tuple[object, ...] | None:
    """What a source op's bytes depend on (None for other ops): the image every
    stage starts from is marshalled once, however many stages name it."""
    if not isinstance(vertex, SourceOp):
        return None
    return vertex.identifier, vertex.attrs, vertex.platform, vertex.meta.worker_constraints


def _marshal_vertex(
    vertex: Vertex,
    edges: Sequence[Output | None],
    names: dict[int, str],
    shape: OpShape,
    engine: LLBCaps,
) -> tuple[bytes, frozenset[str]]:
    """The op's bytes and the caps its metadata lists; ``edges``: its inputs."""
    inputs: list[tuple[str, int]] = []
    for edge in edges:
        if edge is not None and (key := (names[id(edge.vertex)], edge.index)) not in inputs:
            inputs.append(key)

    def ref(edge: Output | None) -> int:
        if edge is None:
            return -1
        return inputs.index((names[id(edge.vertex)], edge.index))

    field, body = vertex.body(ref, len(inputs))
    shape.apply(field, body)
    caps, missing = op_caps(field, body, engine)
    if missing:
        raise MissingCapError(min(missing))
    head = pb.Op()
    for d, i in inputs:
        head.inputs.add(digest=d, index=i)
    if vertex.platform is not None and shape.keeps_platform(field):
        head.platform.CopyFrom(pb_platform(vertex.platform))
    head.constraints.SetInParent()
    if vertex.meta.worker_constraints:
        head.constraints.filter.extend(vertex.meta.worker_constraints)
    data = _op_bytes(head, field, body, oneof_last=shape.oneof_last)
    return data, caps


def ops_of(definition: pb.Definition) -> list[tuple[str, pb.Op]]:
    """Decode a Definition's ops with their digests (for tests and dumps)."""
    out = []
    for data in getattr(definition, "def"):
        op = pb.Op()
        op.ParseFromString(data)
        out.append((digest_of(data), op))
    return out


__all__ = ["OpShape", "SourceFile", "canonical_op_bytes", "digest_of", "marshal", "ops_of"]
