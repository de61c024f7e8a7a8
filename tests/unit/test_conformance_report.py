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
        \t            \tfailed to solve: sha256:fedcba9876543210fedc not found
        \t            \tgithub.com/moby/buildkit/util/stack.Enable
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
    grouped = (
        "  Received unexpected error: failed to solve: sha256:… not found\n    TestA\n    TestB"
    )
    assert grouped in text
    assert "pass for ours, not for the reference: 1\n    TestD" in text


def test_find_reuse_takes_the_newest_finished_run_of_the_same_image(tmp_path: Path) -> None:
    info = "image=ref:1 id=sha256:1 regex=.*\n"
    old = _result(tmp_path, "old", {}, info + "finished=x\n")
    _result(tmp_path, "other", {}, "image=ref:1 id=sha256:9 regex=.* finished=x\n")
    new = _result(tmp_path, "new", {}, info + "finished=y\n")
    _result(tmp_path, "running", {}, info)
    os.utime(old / "info.txt", (1, 1))
    assert report.find_reuse("ref:1", ".*", "sha256:1", tmp_path) == new
    # the whole suite covers a subset; another subset does not
    assert report.find_reuse("ref:1", "TestA", "sha256:1", tmp_path) == new
    _result(tmp_path, "subset", {}, "image=ref:1 id=sha256:1 regex=TestB finished=x\n")
    assert report.find_reuse("ref:1", "TestA", "sha256:1", tmp_path) == new
    assert report.find_reuse("ref:1", "TestB", "sha256:1", tmp_path) == tmp_path / "subset"


def test_a_subset_is_compared_with_the_same_tests_of_a_whole_run(tmp_path: Path) -> None:
    whole = {UNIT.format(t): "pass" for t in ("TestA", "TestB")}
    ref = _result(tmp_path, "ref", whole, "image=ref:1\n")
    ours = _result(tmp_path, "ours", {UNIT.format("TestA"): "pass"}, "image=ours:1\n")
    text = report.report(ref, ours)
    assert "ref:1: 1 passed, 0 failed, 0 skipped of 1" in text
    assert "(of its 2 tests: 2 passed" in text
    assert "pass for the reference, not for ours: 0" in text
