"""A step that fails in the engine: the error names the Dockerfile line and instruction."""

from __future__ import annotations

import pytest

from frontend.gateway.bridge import Bridge
from frontend.gateway.build import run
from frontend.gateway.errors import SOURCE_TYPE_URL, VERTEX_TYPE_URL, decode_json_detail
from frontend.llb import caps
from frontend.pb import status_pb2
from tests.support.fake_engine import V08_LLB_CAPS, FakeBridge, gateway_env, serve

DOCKERFILE = b"""\
FROM busybox
RUN echo one
RUN echo two \\
  && exit 7
COPY a.txt /a
"""


def failed(fake: FakeBridge, dockerfile: bytes = DOCKERFILE) -> status_pb2.Status:
    fake.locals = {"dockerfile": {"Dockerfile": dockerfile}, "context": {"a.txt": b"a"}}
    with serve(fake) as server:
        run(Bridge(server.channel()), gateway_env({}))
        ret = fake.wait_returned()
    assert ret.HasField("error")
    return ret.error


def sources(status: status_pb2.Status) -> list[list[int]]:
    out = []
    for detail in status.details:
        if detail.type_url == SOURCE_TYPE_URL:
            _, value = decode_json_detail(detail)
            out.append([r["start"]["line"] for r in value["ranges"]])
    return out


ENGINE = 'process "/bin/sh -c echo two   && exit 7" did not complete successfully: exit code: 7'


def test_failing_run_names_line_and_instruction() -> None:
    fake = FakeBridge(failing_steps={"RUN echo two": ENGINE})
    status = failed(fake)
    assert status.message == f"Dockerfile:3: RUN echo two   && exit 7: {ENGINE}"
    assert status.code == 2
    # the engine's details stay: which vertex, and its lines (one range per line)
    assert any(d.type_url == VERTEX_TYPE_URL for d in status.details)
    assert sources(status) == [[3, 4]]
    (solve,) = [r for r in fake.requests("Solve") if r.Evaluate]  # type: ignore[attr-defined]
    assert solve is fake.requests("Solve")[-1]


def test_failing_copy_names_line_and_instruction() -> None:
    fake = FakeBridge(
        failing_steps={"COPY a.txt": 'failed to compute cache key: "/a.txt": not found'}
    )
    status = failed(fake)
    assert status.message.startswith("Dockerfile:5: COPY a.txt /a: failed to compute cache key")


def test_an_engine_that_rehashed_the_op_still_gets_the_line() -> None:
    fake = FakeBridge(failing_steps={"RUN echo two": ENGINE}, rehashed=True)
    assert failed(fake).message == f"Dockerfile:3: RUN echo two   && exit 7: {ENGINE}"


def test_a_long_instruction_is_shortened() -> None:
    dockerfile = b"FROM busybox\nRUN echo " + b"x" * 200 + b" && false\n"
    fake = FakeBridge(failing_steps={"RUN echo": "exit code: 1"})
    message = failed(fake, dockerfile).message
    assert message.startswith("Dockerfile:2: RUN echo xxx")
    assert message.endswith("...: exit code: 1")
    assert len(message) < 120


@pytest.mark.parametrize("name", ["[internal] load build context"])
def test_a_failure_outside_the_dockerfile_keeps_the_engine_message(name: str) -> None:
    fake = FakeBridge(failing_steps={name: "no active session"})
    assert failed(fake).message == "no active session"


def test_a_failed_download_is_the_failure_of_the_add_that_reads_it() -> None:
    dockerfile = b"FROM busybox\nADD https://example.invalid/f.txt /f\n"
    fake = FakeBridge(failing_steps={"ADD https": "invalid response status 404"})
    message = failed(fake, dockerfile).message
    assert message == (
        "Dockerfile:2: ADD https://example.invalid/f.txt /f: invalid response status 404"
    )


def test_an_image_copy_from_reads_is_reported_at_the_copy() -> None:
    dockerfile = b"FROM busybox\nCOPY --from=alpine:3 /z /z\n"
    fake = FakeBridge(failing_steps={"alpine": "pull access denied"})
    message = failed(fake, dockerfile).message
    assert message == "Dockerfile:2: COPY --from=alpine:3 /z /z: pull access denied"


def test_rehashed_op_without_source_details_keeps_the_engine_message() -> None:
    fake = FakeBridge(failing_steps={"[internal] load build context": "gone"}, rehashed=True)
    assert failed(fake).message == "gone"


def test_a_copy_on_a_current_engine_is_named_by_its_step() -> None:
    """Docker's frontend stopped describing COPY ops with the instruction in BuildKit 0.11:
    the step's progress name says which it is."""
    current = (*V08_LLB_CAPS, *caps.ADDED_IN)
    fake = FakeBridge(llb_caps=current, failing_steps={"COPY a.txt": "not found"})
    assert failed(fake).message == "Dockerfile:5: COPY a.txt /a: not found"


def test_an_error_with_large_details_reaches_us() -> None:
    """The engine's status can outgrow grpcio's 8 KiB metadata default (a source map
    with the Dockerfile's definition): it still arrives, as Go clients take it."""
    long = "exit code: 1 " + "x" * 12_000
    status = failed(FakeBridge(failing_steps={"RUN echo two": long}))
    assert status.message == f"Dockerfile:3: RUN echo two   && exit 7: {long}"
