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

from frontend.errors import DockerfileError
from frontend.pb import ops_pb2, status_pb2

CODE_UNKNOWN: Final = 2
CODE_INVALID_ARGUMENT: Final = 3
CODE_UNIMPLEMENTED: Final = 12

TYPE_URL_PREFIX: Final = "github.com/moby/buildkit/"
SOURCE_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.Source+json"
SUBREQUEST_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.Subrequest+json"
FRONTEND_CAP_TYPE_URL: Final = TYPE_URL_PREFIX + "errdefs.FrontendCap+json"


def json_detail(type_url: str, value: Any) -> any_pb2.Any:
    """An ``Any`` holding ``value`` as compact JSON under ``type_url``."""
    data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
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
    return status_pb2.Status(code=code, message=message, details=list(details))


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
        lines = [(error.line, max(error.end_line, error.line))]
        details.append(source_detail(error.filename, dockerfile, lines, definition=definition))
    return error_status(str(error), code=code, details=details)


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
