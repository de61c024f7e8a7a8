"""A readable listing of a ``pb.Definition``: one block per op, inputs by number.

Digests are long and say nothing to a reader, so each op gets its position in
the definition (``#0``, ``#1``...) and inputs point at those numbers. The
listing is deterministic, which makes it a good golden-test format.
"""

from __future__ import annotations

from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb


def dump(definition: pb.Definition, *, metadata: bool = False) -> str:
    """Each op as protobuf text, its name and source lines first; the result last.

    With ``metadata``: also each op's digest, caps, other descriptions and progress
    group, its source locations one by one, and the result's digest and caps.
    """
    from google.protobuf import text_format  # not on a build's start-up path

    ops = ops_of(definition)
    number = {digest: i for i, (digest, _) in enumerate(ops)}
    blocks = []
    for i, (digest, op) in enumerate(ops):
        meta = definition.metadata.get(digest)
        if op.WhichOneof("op") is None:  # the terminal op: just the result
            (result,) = op.inputs
            lines = [f"result: #{number[result.digest]}:{result.index}"]
            if metadata:
                lines += [f"  {e}" for e in _metadata_lines(digest, meta)]
            blocks.append("\n".join(lines))
            continue
        shown = pb.Op()
        shown.CopyFrom(op)
        for edge in shown.inputs:
            edge.digest = f"#{number[edge.digest]}"
        header = f"#{i} {op.WhichOneof('op')}"
        name = meta.description.get("llb.customname", "") if meta else ""
        if name:
            header += f"  {name!r}"
        extra = []
        if meta and meta.ignore_cache:
            extra.append("ignore_cache: true")
        if metadata:
            extra += _metadata_lines(digest, meta)
        if digest in definition.Source.locations:
            locations = definition.Source.locations[digest].locations
            infos = definition.Source.infos
            spans = [
                ", ".join(_span(r) for r in loc.ranges)
                + (
                    f" in {infos[loc.sourceIndex].filename}"
                    if 0 < loc.sourceIndex < len(infos)
                    else ""
                )
                for loc in locations
            ]
            if metadata:
                extra.append("locations: " + " | ".join(spans))
            elif any(spans):
                extra.append("lines: " + ", ".join(s for s in spans if s))
        body = text_format.MessageToString(shown).rstrip("\n")
        blocks.append("\n".join([header, *(f"  {e}" for e in extra), _indent(body)]))
    return "\n\n".join(blocks) + "\n"


def _span(r: pb.Range) -> str:
    return f"{r.start.line}-{r.end.line}" if r.end.line != r.start.line else str(r.start.line)


def _metadata_lines(digest: str, meta: pb.OpMetadata | None) -> list[str]:
    """Digest, caps, descriptions but the name, and progress group (its id is random in
    Docker's frontend, so it is left out)."""
    out = [f"digest: {digest}"]
    if meta is None:
        return out
    if meta.caps:
        out.append("caps: " + " ".join(sorted(meta.caps)))
    for key in sorted(meta.description):
        if key != "llb.customname":
            out.append(f"description {key}: {meta.description[key]!r}")
    if meta.HasField("progress_group"):
        g = meta.progress_group
        out.append(f"progress group: {g.name!r}" + (" (weak)" if g.weak else ""))
    return out


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
