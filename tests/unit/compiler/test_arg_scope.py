"""ARG as Docker's frontend dispatches it, in the LLB: raw names, build args that
replace a default without expanding it, unset global ARGs, non-env ARGs, and the
older frontends (before BuildKit 0.14) that expand every word of an ARG."""

from __future__ import annotations

import pytest

from frontend.errors import DockerfileError
from frontend.llb.caps import LLBCaps
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb
from tests.support.fake_engine import V08_LLB_CAPS
from tests.unit.compiler.conftest import Compile

V08 = LLBCaps(frozenset(V08_LLB_CAPS))


def run_env(definition: pb.Definition) -> list[str]:
    """The environment of the (last) RUN step."""
    return [list(op.exec.meta.env) for _, op in ops_of(definition) if op.HasField("exec")][-1]


@pytest.mark.parametrize(
    "text",
    [
        "FROM busybox\nARG X=${Y:?missing}\nRUN true\n",
        "ARG X=${Y:?missing}\nFROM busybox\nARG X\nRUN true\n",
    ],
    ids=["stage", "global"],
)
def test_a_replaced_default_is_not_expanded(compile_text: Compile, text: str) -> None:
    result = compile_text(text, build_args={"X": "1"})
    assert "X=1" in run_env(result.definition)
    with pytest.raises(DockerfileError, match="Y: missing"):
        compile_text(text)


def test_older_frontends_expand_a_replaced_stage_default(compile_text: Compile) -> None:
    with pytest.raises(DockerfileError, match="Y: missing"):
        compile_text("FROM busybox\nARG X=${Y:?missing}\nRUN true\n", build_args={"X": "1"},
                     llb_caps=V08)  # fmt: skip


def test_arg_names_are_not_expanded(compile_text: Compile) -> None:
    text = "FROM busybox\nARG B=x\nARG A$B=1\nRUN true\n"
    assert "A$B=1" in run_env(compile_text(text).definition)
    assert "Ax=1" in run_env(compile_text(text, llb_caps=V08).definition)


def test_arg_history_shows_the_build_arg(compile_text: Compile) -> None:
    result = compile_text("FROM busybox\nARG X=${Y:?missing}\n", build_args={"X": "1"})
    assert result.image.history[-1].created_by == "ARG X=1"


@pytest.mark.parametrize(("caps", "value"), [(None, "unset"), (V08, "")])
def test_a_global_arg_without_a_value_is_unset(
    compile_text: Compile, caps: LLBCaps | None, value: str
) -> None:
    text = "ARG X\nARG Y=${X-unset}\nFROM busybox:${X-latest}\nARG Y\nRUN true\n"
    options = {"llb_caps": caps} if caps is not None else {}
    if caps is None:
        assert f"Y={value}" in run_env(compile_text(text, **options).definition)
    else:  # older frontends read it as empty: busybox: is no image name
        with pytest.raises(DockerfileError):
            compile_text(text, **options)
        text = text.replace("${X-latest}", "latest")
        assert f"Y={value}" in run_env(compile_text(text, **options).definition)


def test_a_later_global_arg_without_a_value_keeps_the_value(compile_text: Compile) -> None:
    text = "ARG X=1\nARG X\nFROM busybox\nARG X\nRUN true\n"
    assert "X=1" in run_env(compile_text(text).definition)


@pytest.mark.parametrize("where", ["global", "stage"])
def test_non_env_args_stay_out_of_run(compile_text: Compile, where: str) -> None:
    decl = "ARG BUILDKIT_SBOM_SCAN_STAGE=true\n"
    text = (
        (decl + "FROM busybox\nARG BUILDKIT_SBOM_SCAN_STAGE\n")
        if where == "global"
        else ("FROM busybox\n" + decl)
    )
    env = run_env(compile_text(text + "RUN true\n").definition)
    assert not any(e.startswith("BUILDKIT_SBOM") for e in env)


def test_predefined_os_versions_are_args(compile_text: Compile) -> None:
    text = "FROM busybox\nARG TARGETOSVERSION\nARG BUILDOSVERSION\nRUN true\n"
    env = run_env(compile_text(text).definition)
    assert "TARGETOSVERSION=" in env and "BUILDOSVERSION=" in env
    assert not any("OSVERSION" in e for e in run_env(compile_text(text, llb_caps=V08).definition))
