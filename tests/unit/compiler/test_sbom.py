"""Which stages an SBOM scan reads: the target, and the extras its scan args ask for."""

from __future__ import annotations

import pytest

from frontend.compiler.image import Config
from frontend.compiler.sbom import Scanner, ScanTargets, scan, scan_enabled
from frontend.llb import state as llb
from frontend.llb.marshal import marshal, ops_of
from frontend.pb import ops_pb2 as pb
from frontend.platform import Platform
from tests.unit.compiler.conftest import Compile

STAGES = """\
ARG BUILDKIT_SBOM_SCAN_CONTEXT=true
FROM busybox AS file
ARG BUILDKIT_SBOM_SCAN_STAGE=true
RUN echo data > /file
FROM scratch AS base
ARG BUILDKIT_SBOM_SCAN_STAGE=true
COPY --from=file /file /foo
FROM scratch AS unused
ARG BUILDKIT_SBOM_SCAN_STAGE=true
COPY --from=file /file /bar
FROM base
COPY a /a
"""


def extras(compile_text: Compile, text: str, **options: object) -> list[str]:
    targets = compile_text(text, **options).sbom
    assert targets is not None
    return sorted(targets.extras)


@pytest.mark.parametrize(
    ("value", "stage", "enabled"),
    [
        ("true", "a", True),
        ("1", "", True),
        ("False", "a", False),
        ("a,b", "b", True),
        ("a,b", "c", False),
        ("", "", True),  # an empty value lists the empty name, as Go's strings.Split does
        (None, "a", False),
    ],
)
def test_scan_enabled(value: str | None, stage: str, enabled: bool) -> None:
    assert scan_enabled(value, stage) is enabled


def test_declared_args_pick_the_context_and_reachable_stages(compile_text: Compile) -> None:
    assert extras(compile_text, STAGES) == ["base", "context", "file"]


def test_build_args_alone_scan_the_result_only(compile_text: Compile) -> None:
    text = "FROM busybox AS base\nRUN true\nFROM base\nRUN true\n"
    args = {"BUILDKIT_SBOM_SCAN_CONTEXT": "true", "BUILDKIT_SBOM_SCAN_STAGE": "true"}
    assert extras(compile_text, text, build_args=args) == []


def test_build_args_override_the_declared_values(compile_text: Compile) -> None:
    args = {"BUILDKIT_SBOM_SCAN_CONTEXT": "false", "BUILDKIT_SBOM_SCAN_STAGE": "false"}
    assert extras(compile_text, STAGES, build_args=args) == []


def test_a_list_names_the_stages(compile_text: Compile) -> None:
    text = STAGES.replace("=true", "=file,stage-4")
    assert extras(compile_text, text) == ["file"]


def test_a_stage_inherits_the_args_of_the_stage_it_starts_from(compile_text: Compile) -> None:
    text = "FROM busybox AS a\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nFROM a AS b\nFROM scratch\n"
    text += "COPY --from=b / /\n"
    assert extras(compile_text, text) == ["a", "b"]


def test_the_only_stage_has_no_name(compile_text: Compile) -> None:
    text = "ARG BUILDKIT_SBOM_SCAN_CONTEXT=stage-0\nFROM busybox\nRUN true\n"
    assert extras(compile_text, text) == []
    assert extras(compile_text, text + "COPY --from=busybox / /\n") == ["context"]


def test_the_scan_ignores_the_cache_with_a_stage_it_reads(compile_text: Compile) -> None:
    targets = compile_text(STAGES, no_cache=frozenset({"file"})).sbom
    assert targets is not None and targets.ignore_cache
    targets = compile_text(STAGES, no_cache=frozenset({"unused"})).sbom
    assert targets is not None and not targets.ignore_cache


def test_a_windows_scanner_gets_its_own_tmp() -> None:
    scanner = Scanner("docker.io/library/s:1", Platform("windows", "amd64"), Config(cmd=("s",)))
    definition = marshal(scan(scanner, "windows/amd64", ScanTargets(llb.scratch())))
    ops = dict(ops_of(definition))
    (run,) = [op for op in ops.values() if op.HasField("exec")]
    (tmp,) = [m for m in run.exec.mounts if m.dest == "/tmp"]
    assert (tmp.mountType, tmp.selector, tmp.output, tmp.readonly) == (pb.BIND, "/tmp", -1, False)
    mkdir = ops[run.inputs[tmp.input].digest].file.actions[0].mkdir
    assert (mkdir.path, mkdir.mode, mkdir.makeParents) == ("/tmp", 0o777, True)
    (core,) = [m for m in run.exec.mounts if m.dest == "/run/src/core/sbom"]
    assert core.input == -1 and core.readonly  # a scratch result
