"""hack/conformance_report.py: counts and the tests ours is behind on, by first error."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "hack" / "conformance_report.py"
UNIT = "TestIntegration/{}/worker=oci/frontend=gateway"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("conformance_report", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report = _module()

LOG = """\
=== NAME  TestIntegration/TestA/worker=oci/frontend=gateway/case1
    dockerfile_test.go:10:
        \tError Trace:\t/src/dockerfile_test.go:10
        \tError:      \tReceived unexpected error:
        \t            \tfailed to solve: sha256:0123456789abcdef0123 not found
        \tTest:       \tTestIntegration/TestA/worker=oci/frontend=gateway/case1
    dockerfile_test.go:11:
        \tError:      \tsecond error
        \tTest:       \tTestIntegration/TestA/worker=oci/frontend=gateway/case1
        \tError:      \tReceived unexpected error:
        \tTest:       \tTestIntegration/TestB/worker=oci/frontend=gateway
"""


def _result(root: Path, name: str, summary: dict[str, str], info: str, log: str = "") -> Path:
    path = root / name
    path.mkdir()
    (path / "summary.json").write_text(json.dumps(summary))
    (path / "go-test.log").write_text(log)
    (path / "info.txt").write_text(info)
    return path


def test_report_groups_the_tests_ours_is_behind_on(tmp_path: Path) -> None:
    def summary(outcomes: str) -> dict[str, str]:
        words = {"p": "pass", "f": "fail"}
        return {UNIT.format(f"Test{t}"): words[o] for t, o in zip("ABCD", outcomes, strict=True)}

    ref = _result(tmp_path, "ref", summary("pppf"), "image=ref:1 id=sha256:1 regex=.*\n")
    ours = _result(tmp_path, "ours", summary("ffpp"), "image=ours:1 id=sha256:2\n", LOG)
    text = report.report(ref, ours)
    assert "3 passed, 1 failed, 0 skipped of 4" in text
    assert "pass for the reference, not for ours: 2" in text
    # one group for both: the first Error: line of each, nested subtests counted
    assert "  Received unexpected error:\n    TestA\n    TestB" in text
    assert "pass for ours, not for the reference: 1\n    TestD" in text


def test_find_reuse_takes_the_newest_finished_run_of_the_same_image(tmp_path: Path) -> None:
    info = "image=ref:1 id=sha256:1 regex=.*\n"
    old = _result(tmp_path, "old", {}, info + "finished=x\n")
    _result(tmp_path, "other", {}, "image=ref:1 id=sha256:9 regex=.* finished=x\n")
    new = _result(tmp_path, "new", {}, info + "finished=y\n")
    _result(tmp_path, "running", {}, info)
    os.utime(old / "info.txt", (1, 1))
    assert report.find_reuse("ref:1", ".*", "sha256:1", tmp_path) == new
    assert report.find_reuse("ref:1", "TestA", "sha256:1", tmp_path) is None
