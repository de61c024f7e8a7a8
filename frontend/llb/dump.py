"""A readable listing of a ``pb.Definition``: one block per op, inputs by number.

Digests are long and say nothing to a reader, so each op gets its position in
the definition (``#0``, ``#1``...) and inputs point at those numbers. The
listing is deterministic, which makes it a good golden-test format.
"""

from __future__ import annotations

from google.protobuf import text_format

from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb


def dump(definition: pb.Definition) -> str:
    """Each op as protobuf text, its name and source lines first; the result last."""
    ops = ops_of(definition)
    number = {digest: i for i, (digest, _) in enumerate(ops)}
    blocks = []
    for i, (digest, op) in enumerate(ops):
        if op.WhichOneof("op") is None:  # the terminal op: just the result
            (result,) = op.inputs
            blocks.append(f"result: #{number[result.digest]}:{result.index}")
            continue
        shown = pb.Op()
        shown.CopyFrom(op)
        for edge in shown.inputs:
            edge.digest = f"#{number[edge.digest]}"
        header = f"#{i} {op.WhichOneof('op')}"
        meta = definition.metadata.get(digest)
        name = meta.description.get("llb.customname", "") if meta else ""
        if name:
            header += f"  {name!r}"
        extra = []
        if meta and meta.ignore_cache:
            extra.append("ignore_cache: true")
        if digest in definition.Source.locations:
            spans = [
                f"{r.start.line}-{r.end.line}" if r.end.line != r.start.line else str(r.start.line)
                for loc in definition.Source.locations[digest].locations
                for r in loc.ranges
            ]
            extra.append("lines: " + ", ".join(spans))
        body = text_format.MessageToString(shown).rstrip("\n")
        blocks.append("\n".join([header, *(f"  {e}" for e in extra), _indent(body)]))
    return "\n\n".join(blocks) + "\n"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
