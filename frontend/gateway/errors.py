"""The ``google.rpc.Status`` a failed build returns, with BuildKit's typed details.

BuildKit's typed error details are ``google.protobuf.Any`` values whose type
URL ends in ``+json`` and whose value is the detail as JSON (Go's
``encoding/json`` of the message, which decodes keys case-insensitively).
A ``Source`` detail makes clients print the Dockerfile lines of the error.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from typing import Any, Final

from google.protobuf import any_pb2

from frontend.errors import DockerfileError, line_ranges
from frontend.gotext import json_field, printable, utf8
from frontend.llb.marshal import digest_of
from frontend.pb import ops_pb2, status_pb2

CODE_UNKNOWN: Final = 2
CODE_INVALID_ARGUMENT: Final = 3
CODE_UNIMPLEMENTED: Final = 12

TYPE_URL_PREFIX: Final = "github.com/moby/buildkit/"
SOURCE_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.Source+json"
VERTEX_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.Vertex+json"
SUBREQUEST_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.Subrequest+json"
FRONTEND_CAP_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.FrontendCap+json"


def json_detail(type_url: str, value: Any) -> any_pb2.Any:
    """An ``Any`` holding ``value`` as compact JSON under ``type_url``."""
    data = utf8(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    return any_pb2.Any(type_url=type_url, value=data)


def decode_json_detail(detail: any_pb2.Any) -> tuple[str, Any]:
    """The type URL and decoded value of a ``+json`` detail (reverses :func:`json_detail`)."""
    if not detail.type_url.endswith("+json"):
        raise ValueError(f"not a JSON detail: {detail.type_url}")
    return detail.type_url, json.loads(detail.value)


def source_detail(
    filename: str,
    data: bytes,
    lines: Sequence[tuple[int, int]],
    *,
    definition: ops_pb2.Definition | None = None,
    language: str = "Dockerfile",
) -> any_pb2.Any:
    """An ``errdefs.Source`` detail pointing at 1-based inclusive ``(start, end)`` line spans.

    ``data`` is the whole Dockerfile; ``definition`` is the LLB of the source
    that delivered it (the ``local://dockerfile`` solve), if known.
    """
    info: dict[str, Any] = {
        "filename": filename,
        "data": base64.b64encode(data).decode("ascii"),
        "language": language,
    }
    if definition is not None:
        info["definition"] = definition_json(definition)
    ranges = [
        {"start": {"line": start, "character": 0}, "end": {"line": end, "character": 0}}
        for start, end in lines
    ]
    return json_detail(SOURCE_TYPE_URL, {"info": info, "ranges": ranges})


def subrequest_detail(name: str) -> any_pb2.Any:
    """An ``errdefs.Subrequest`` detail naming an unsupported ``requestid``."""
    return json_detail(SUBREQUEST_TYPE_URL, {"name": name})


def definition_json(definition: ops_pb2.Definition) -> dict[str, Any]:
    """``definition`` as Go's ``encoding/json`` writes it (field names, base64 bytes)."""
    from google.protobuf import json_format  # only needed on the error path

    return json_format.MessageToDict(definition, preserving_proto_field_name=True)


def error_status(
    message: str, *, code: int = CODE_UNKNOWN, details: Iterable[any_pb2.Any] = ()
) -> status_pb2.Status:
    """A ``google.rpc.Status`` for ``Return(error=...)``; code 2 (Unknown) unless told."""
    if code == 0:
        raise ValueError("an error status needs a non-zero code")
    return status_pb2.Status(code=code, message=printable(message), details=list(details))


def dockerfile_error_status(
    error: DockerfileError,
    dockerfile: bytes | None,
    *,
    definition: ops_pb2.Definition | None = None,
    code: int = CODE_UNKNOWN,
) -> status_pb2.Status:
    """The status for a user-facing error, with a ``Source`` detail when it has a line."""
    details = []
    if error.line and dockerfile is not None:
        for start, end in ((error.line, error.end_line), *error.also):
            lines = line_ranges(start, end)
            details.append(source_detail(error.filename, dockerfile, lines, definition=definition))
    return error_status(str(error), code=code, details=details)


COMMAND_DESCRIPTION: Final = "com.docker.dockerfile.v1.command"
"""The op description holding the instruction an op was lowered from."""

_SHOWN_COMMAND = 80
"""Characters of a long instruction an error message repeats."""


def solve_error_status(
    message: str,
    code: int,
    details: Sequence[any_pb2.Any],
    definition: ops_pb2.Definition,
    dockerfile: tuple[str, bytes, ops_pb2.Definition | None],
) -> status_pb2.Status:
    """A failed solve's status, its message led by the Dockerfile line and instruction
    the failing op came from (``Dockerfile:3: RUN exit 7: <the engine's message>``),
    so every client shows where. The engine's typed details are kept; a ``Source``
    for the Dockerfile is added when the engine sent none.
    """
    filename, data, loaded_from = dockerfile
    found = failed_instruction(details, definition)
    if found is None:
        return error_status(message, code=code or CODE_UNKNOWN, details=details)
    lines, command, index = found
    infos = definition.Source.infos
    if 0 < index < len(infos):  # an included file
        filename, data, loaded_from = infos[index].filename, infos[index].data, None
    if len(command) > _SHOWN_COMMAND:
        command = command[: _SHOWN_COMMAND - 3] + "..."
    where = f"{filename}:{lines[0][0]}"
    text = f"{where}: {command}: {message}" if command else f"{where}: {message}"
    extra = []
    if not any(d.type_url == SOURCE_TYPE_URL for d in details):
        extra.append(source_detail(filename, data, lines, definition=loaded_from))
    return error_status(text, code=code or CODE_UNKNOWN, details=[*details, *extra])


def failed_instruction(
    details: Sequence[any_pb2.Any], definition: ops_pb2.Definition
) -> tuple[list[tuple[int, int]], str, int] | None:
    """The Dockerfile lines and instruction of the op an engine error names, and the
    index of the source file they are in (not 0: an included file).

    The engine names the op by digest (an ``errdefs.Vertex`` detail); the
    definition's source map gives its lines and its metadata the instruction.
    An engine that re-hashed the op still sends the lines (``errdefs.Source``):
    the instruction is then that of the op at those lines. An op without lines
    (a download) is located by the instruction that reads it.
    """
    digest = ""
    sent: list[tuple[int, int]] = []
    for detail in details:
        try:
            type_url, value = decode_json_detail(detail)
        except (ValueError, UnicodeDecodeError):
            continue
        if type_url == VERTEX_TYPE_URL and isinstance(value, dict):
            digest = str(json_field(value, "digest") or "")
        elif type_url == SOURCE_TYPE_URL and isinstance(value, dict) and not sent:
            sent = _json_ranges(json_field(value, "ranges"))
    name = _description(definition, digest, "llb.customname")
    internal = name.startswith("[internal]")
    if digest and not _op_lines(definition, digest) and not sent and not internal:
        digest = _located_reader(definition, digest) or digest
    lines = _op_lines(definition, digest) or sent
    if not lines:
        return None
    command = _command(definition, digest)
    if not command:  # an op of the instruction that does not say which (a COPY --from image)
        same = (d for d in definition.Source.locations if _op_lines(definition, d) == lines)
        command = next((c for d in same if (c := _command(definition, d))), "")
    located = definition.Source.locations.get(digest)
    index = located.locations[0].sourceIndex if located and located.locations else 0
    return lines, command, index


def _command(definition: ops_pb2.Definition, digest: str) -> str:
    """The instruction an op was lowered from: its description (RUN), else its
    progress name without the ``[stage k/N]`` step (COPY and ADD since BuildKit 0.11)."""
    described = _description(definition, digest, COMMAND_DESCRIPTION)
    if described:
        return described
    name = _description(definition, digest, "llb.customname")
    step, sep, text = name.partition("] ")
    return text if step.startswith("[") and sep and not step.endswith("internal") else ""


def _description(definition: ops_pb2.Definition, digest: str, key: str) -> str:
    if digest not in definition.metadata:  # (indexing would add the key)
        return ""
    return definition.metadata[digest].description.get(key, "")


def _located_reader(definition: ops_pb2.Definition, digest: str) -> str:
    """The nearest op with source lines that reads ``digest`` (directly or not): a
    download, a Git checkout or an image that failed is the instruction's failure
    (not so the ``[internal]`` steps, such as loading the build context)."""
    readers: dict[str, list[str]] = {}
    for data in getattr(definition, "def"):
        op = ops_pb2.Op.FromString(data)
        name = digest_of(data)
        for inp in op.inputs:
            readers.setdefault(inp.digest, []).append(name)
    todo, seen = [digest], {digest}
    while todo:
        current = todo.pop(0)
        if _op_lines(definition, current):
            return current
        for reader in readers.get(current, []):
            if reader not in seen:
                seen.add(reader)
                todo.append(reader)
    return ""


def _op_lines(definition: ops_pb2.Definition, digest: str) -> list[tuple[int, int]]:
    if digest not in definition.Source.locations:  # (indexing would add the key)
        return []
    return [
        (r.start.line, r.end.line)
        for loc in definition.Source.locations[digest].locations
        for r in loc.ranges
    ]


def _json_ranges(ranges: Any) -> list[tuple[int, int]]:
    out = []
    for r in ranges if isinstance(ranges, list) else ():
        start = json_field(r, "start") if isinstance(r, dict) else None
        end = json_field(r, "end") if isinstance(r, dict) else None
        first = json_field(start, "line") if isinstance(start, dict) else None
        last = json_field(end, "line") if isinstance(end, dict) else None
        if isinstance(first, int) and first > 0:
            out.append((first, last if isinstance(last, int) and last >= first else first))
    return out


def unsupported_frontend_cap_status(name: str) -> status_pb2.Status:
    """Unimplemented, with an ``errdefs.FrontendCap`` detail, for a ``frontend.caps``
    entry this frontend does not have."""
    return error_status(
        f"unsupported frontend capability {name}",
        code=CODE_UNIMPLEMENTED,
        details=[json_detail(FRONTEND_CAP_TYPE_URL, {"name": name})],
    )


def unsupported_subrequest_status(name: str) -> status_pb2.Status:
    """Unimplemented, with an ``errdefs.Subrequest`` detail, for an unknown ``requestid``."""
    return error_status(
        f"unsupported request {name}", code=CODE_UNIMPLEMENTED, details=[subrequest_detail(name)]
    )
