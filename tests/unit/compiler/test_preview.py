"""``pyfrontend llb``: the LLB and image config of a Dockerfile, without an engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontend.cli import main
from frontend.pb import ops_pb2 as pb

DOCKERFILE = """\
FROM busybox AS build
ARG GREETING=hello
RUN echo $GREETING > /out

FROM scratch
COPY --from=build /out /out
CMD ["/out"]
"""


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


def test_text_listing(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llb", "--build-arg", "GREETING=hi", str(dockerfile)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("#0 source  '[build 1/2] FROM docker.io/library/busybox:latest'\n")
    assert 'args: "echo $GREETING > /out"' in out
    assert 'env: "GREETING=hi"' in out
    assert out.endswith("result: #2:0\n")


def test_target_and_config(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llb", "--config", "--target", "build", str(dockerfile)]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config["config"].get("Cmd") is None
    assert config["history"][-1]["created_by"].startswith("RUN |1 GREETING=hello /bin/sh -c")


def test_pb_is_a_definition(dockerfile: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["llb", "--format", "pb", str(dockerfile)]) == 0
    definition = pb.Definition.FromString(capsysbinary.readouterr().out)
    assert len(getattr(definition, "def")) == 4  # image, run, copy, result


def test_json(dockerfile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["llb", "--format", "json", str(dockerfile)]) == 0
    assert len(json.loads(capsys.readouterr().out)["def"]) == 4


def test_errors_name_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM busybox\nCOPY --from=NotAValidReference /a /b\n")
    assert main(["llb", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:2:")
