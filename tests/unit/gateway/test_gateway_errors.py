"""Error statuses and BuildKit's JSON-typed details."""

from __future__ import annotations

import base64

import pytest
from google.protobuf import any_pb2

from frontend.errors import DockerfileError
from frontend.gateway import errors
from tests.support.fake_engine import source_definition

DOCKERFILE = b"FROM busybox\nRUN echo hi\nFOO bar\n"


def _lower_keys(value: object) -> object:
    """Go's encoding/json matches keys case-insensitively; compare the way it would."""
    if isinstance(value, dict):
        return {k.lower(): _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


def test_source_detail_json() -> None:
    detail = errors.source_detail("Dockerfile", DOCKERFILE, [(3, 3), (1, 2)])
    assert detail.type_url == "github.com/moby/buildkit/errdefs.Source+json"
    type_url, value = errors.decode_json_detail(detail)
    assert type_url == errors.SOURCE_TYPE_URL
    assert set(value) == {"info", "ranges"}
    info = value["info"]
    assert info["filename"] == "Dockerfile"
    assert base64.b64decode(info["data"]) == DOCKERFILE
    assert info["language"] == "Dockerfile"
    assert "definition" not in info
    assert value["ranges"] == [
        {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}},
        {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}},
    ]
    # v0.8 names the position fields Line/Character; its decoder still matches ours.
    assert _lower_keys(value["ranges"][0]) == {
        "start": {"line": 3, "character": 0},
        "end": {"line": 3, "character": 0},
    }


def test_source_detail_with_definition() -> None:
    d = source_definition("local://dockerfile")
    d.metadata["sha256:abc"].description["llb.customname"] = "[internal] load build definition"
    _, value = errors.decode_json_detail(
        errors.source_detail("Dockerfile", b"", [(1, 1)], definition=d)
    )
    defn = value["info"]["definition"]
    assert [base64.b64decode(b) for b in defn["def"]] == list(getattr(d, "def"))
    assert defn["metadata"]["sha256:abc"] == {
        "description": {"llb.customname": "[internal] load build definition"}
    }


def test_dockerfile_error_status() -> None:
    err = DockerfileError("unknown instruction: FOO", line=3, column=1)
    status = errors.dockerfile_error_status(err, DOCKERFILE)
    assert status.code == errors.CODE_UNKNOWN == 2
    assert status.message == "Dockerfile:3:1: unknown instruction: FOO"
    (detail,) = status.details
    _, value = errors.decode_json_detail(detail)
    assert value["ranges"] == [
        {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}
    ]
    assert base64.b64decode(value["info"]["data"]) == DOCKERFILE


def test_dockerfile_error_spanning_lines_and_definition() -> None:
    err = DockerfileError("bad", line=2, end_line=4, filename="sub/Dockerfile.dev")
    d = source_definition("local://dockerfile")
    status = errors.dockerfile_error_status(err, DOCKERFILE, definition=d)
    _, value = errors.decode_json_detail(status.details[0])
    assert value["info"]["filename"] == "sub/Dockerfile.dev"
    # one range per line, as Docker's frontend sends a continued instruction
    assert [(r["start"]["line"], r["end"]["line"]) for r in value["ranges"]] == [
        (2, 2),
        (3, 3),
        (4, 4),
    ]
    assert "definition" in value["info"]


def test_an_error_about_several_instructions_has_a_source_for_each() -> None:
    err = DockerfileError("circular dependency", line=2, also=((6, 7), (4, 4)))
    status = errors.dockerfile_error_status(err, DOCKERFILE)
    spans = []
    for detail in status.details:
        _, value = errors.decode_json_detail(detail)
        spans.append([r["start"]["line"] for r in value["ranges"]])
    assert spans == [[2], [6, 7], [4]]


def test_dockerfile_error_without_line_has_no_source() -> None:
    status = errors.dockerfile_error_status(
        DockerfileError('target stage "x" not found'), DOCKERFILE
    )
    assert status.code == 2 and not status.details
    status = errors.dockerfile_error_status(DockerfileError("bad", line=1), None)
    assert not status.details


def test_unsupported_subrequest_status() -> None:
    status = errors.unsupported_subrequest_status("frontend.bogus")
    assert status.code == errors.CODE_UNIMPLEMENTED == 12
    assert status.message == "unsupported request frontend.bogus"
    (detail,) = status.details
    assert detail.type_url == "github.com/moby/buildkit/errdefs.Subrequest+json"
    assert errors.decode_json_detail(detail) == (
        errors.SUBREQUEST_TYPE_URL,
        {"name": "frontend.bogus"},
    )


def test_error_status_rejects_ok_and_bad_details() -> None:
    with pytest.raises(ValueError):
        errors.error_status("fine", code=0)
    with pytest.raises(ValueError):
        errors.decode_json_detail(any_pb2.Any(type_url="x/y.Z", value=b""))


def test_status_round_trips_on_the_wire() -> None:
    status = errors.dockerfile_error_status(DockerfileError("x", line=1), DOCKERFILE)
    again = type(status).FromString(status.SerializeToString())
    assert again == status


def test_undecodable_bytes_reach_the_engine_as_u_fffd() -> None:
    error = DockerfileError("unknown instruction: RUNN\udcff", line=2)
    status = errors.dockerfile_error_status(error, b"FROM a\nRUNN\xff x\n")
    assert status.message == "Dockerfile:2: unknown instruction: RUNN\ufffd"
    status.SerializeToString()
    assert errors.error_status("a\udcff").message == "a\ufffd"
    errors.json_detail("x+json", {"m": "a\udcff"}).SerializeToString()
