"""The ``include`` extension: ``INCLUDE <path>`` splices another Dockerfile in."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from google.protobuf import json_format

from frontend.compiler.preview import check_offline, compile_offline, load_offline
from frontend.errors import DockerfileError
from frontend.llb.marshal import ops_of
from frontend.semantics.check_report import results_json, results_text
from frontend.semantics.include import Reader, splice

ROOT = """\
# extensions=include
ARG BASE=busybox
INCLUDE common/base.Dockerfile
FROM base AS final
INCLUDE common/steps.Dockerfile
RUN echo done
"""

FILES = {
    "common/base.Dockerfile": "# syntax=ignored/here\nFROM ${BASE} AS base\nRUN echo base\n",
    "common/steps.Dockerfile": "RUN echo step\nINCLUDE more.Dockerfile\n",
    "common/more.Dockerfile": "WORKDIR /app\nRUN echo more\n",
}


def reader(files: Mapping[str, str], log: list[str] | None = None) -> Reader:
    def read(path: str) -> bytes | None:
        if log is not None:
            log.append(path)
        text = files.get(path)
        return text.encode() if text is not None else None

    return read


def runs(files: Mapping[str, str], root: str = ROOT, **opts: str) -> list[str]:
    result = compile_offline(root.encode(), "Dockerfile", opts, read=reader(files))
    return [op.exec.meta.args[-1] for _, op in ops_of(result.definition) if op.HasField("exec")]


def test_stages_global_args_and_steps_are_spliced_in_nested() -> None:
    assert runs(FILES) == ["echo base", "echo step", "echo more", "echo done"]
    assert runs(FILES, **{"build-arg:BASE": "alpine"}) == runs(FILES)


def test_only_the_included_files_are_read_relative_to_the_including_file() -> None:
    log: list[str] = []
    splice(ROOT.encode(), "Dockerfile", reader(FILES, log))
    assert log == ["common/base.Dockerfile", "common/steps.Dockerfile", "common/more.Dockerfile"]
    log.clear()
    splice(ROOT.encode(), "sub/Dockerfile", reader({f"sub/{k}": v for k, v in FILES.items()}, log))
    assert log[-1] == "sub/common/more.Dockerfile"


def test_the_source_map_points_into_each_file() -> None:
    result = compile_offline(ROOT.encode(), "Dockerfile", {}, read=reader(FILES))
    source = json.loads(json_format.MessageToJson(result.definition.Source))
    names = [info["filename"] for info in source["infos"]]
    assert names == ["Dockerfile", *FILES]
    located = {
        (loc.get("sourceIndex", 0), r["start"]["line"])
        for entry in source["locations"].values()
        for loc in entry.get("locations", [])
        for r in loc["ranges"]
    }
    assert {(3, 2), (2, 1), (1, 3), (0, 6)} <= located


@pytest.mark.parametrize(
    ("files", "where", "message"),
    [
        ({"common/more.Dockerfile": "INCLUDE ../common/steps.Dockerfile\n"},
         ("common/more.Dockerfile", 1),
         "INCLUDE cycle: common/steps.Dockerfile -> common/more.Dockerfile -> "
         "common/steps.Dockerfile"),
        ({"common/more.Dockerfile": "INCLUDE nope.Dockerfile\n"},
         ("common/more.Dockerfile", 1),
         "INCLUDE nope.Dockerfile: common/nope.Dockerfile: no such file"),
        ({"common/more.Dockerfile": "RUN a\nINCLUDE ../../x\n"},
         ("common/more.Dockerfile", 2), "is outside the directory of the Dockerfile"),
        ({"common/more.Dockerfile": "INCLUDE /etc/passwd\n"},
         ("common/more.Dockerfile", 1), "the path is relative to the including file"),
        ({"common/more.Dockerfile": "INCLUDE a b\n"},
         ("common/more.Dockerfile", 1), "INCLUDE takes one path and no flags"),
        ({"common/more.Dockerfile": "RUN a \\\n  b \\\n# c\n\n"},
         ("common/steps.Dockerfile", 2), "more.Dockerfile ends inside a continued line"),
        ({"common/more.Dockerfile": "# escape=`\nRUN a\n"},
         ("common/steps.Dockerfile", 2), "uses the escape character `"),
        ({"common/more.Dockerfile": "RUN a\nCOPY --form=x a b\n"},
         ("common/more.Dockerfile", 2), "unknown flag: --form"),
        ({"common/more.Dockerfile": "RUN a\nFROM --platform=$NOPE busybox\nRUN b\n"},
         ("common/more.Dockerfile", 2), "empty platform value"),
    ],
)  # fmt: skip
def test_errors_name_the_file_and_its_line(
    files: dict[str, str], where: tuple[str, int], message: str
) -> None:
    with pytest.raises(DockerfileError) as info:
        runs({**FILES, **files})
    assert (info.value.filename, info.value.line) == where
    assert message in info.value.message


def test_checks_name_the_file_and_its_line(tmp_path: object) -> None:
    files = {**FILES, "common/more.Dockerfile": "WORKDIR /app\nrun echo more\n"}
    loaded = load_offline(ROOT.encode(), "Dockerfile", read=reader(files))
    assert loaded.spliced is not None
    report = check_offline(ROOT.encode(), "Dockerfile", {}, read=reader(files))
    [warning] = report.warnings
    assert (warning.rule, warning.filename, warning.line) == (
        "ConsistentInstructionCasing",
        "common/more.Dockerfile",
        2,
    )
    assert "common/more.Dockerfile:2\n" in results_text(report)
    out = results_json(report)
    assert [s["filename"] for s in out["sources"]] == ["Dockerfile", *FILES]
    assert out["warnings"][0]["location"]["sourceIndex"] == 3


def test_without_the_extension_include_is_unknown() -> None:
    with pytest.raises(DockerfileError, match="unknown instruction: INCLUDE") as info:
        runs(FILES, root=ROOT.replace("# extensions=include\n", ""))
    assert (info.value.filename, info.value.line) == ("Dockerfile", 2)


def test_check_reports_a_missing_include_at_its_line() -> None:
    files = {**FILES, "common/steps.Dockerfile": "RUN a\nINCLUDE gone.Dockerfile\n"}
    report = check_offline(ROOT.encode(), "Dockerfile", {}, read=reader(files))
    assert report.error is not None
    assert (report.error.filename, report.error.line) == ("common/steps.Dockerfile", 2)
    assert "gone.Dockerfile: no such file" in report.error.message
