"""Build checks on the real engine: warnings never change the image; error=true fails."""

from __future__ import annotations

import pytest

from .harness import assert_same_build, build_fails

pytestmark = pytest.mark.e2e

WARNS = """\
# check=skip=MaintainerDeprecated
FROM busybox AS Base
MAINTAINER someone
ENV GREETING hello
WORKDIR app
LABEL org.example.note=$NOTE
CMD echo $GREETING
FROM base
# check=skip=JSONArgsRecommended
ENTRYPOINT echo entry
"""


def test_warnings_leave_the_image_alone() -> None:
    """Seven checks warn here (one skipped): the image is the built-in frontend's."""
    assert_same_build(WARNS)


def test_error_true_fails_after_lowering_with_the_rules() -> None:
    log = build_fails("# check=error=true\nFROM busybox\nCMD echo hi\n", frontend="ours")
    assert "lint violation found for rules: JSONArgsRecommended" in log


def test_error_true_without_a_finding_builds() -> None:
    assert_same_build("# check=error=true;skip=JSONArgsRecommended\nFROM busybox\nCMD echo hi\n")


def test_build_arg_replaces_the_directive() -> None:
    log = build_fails(
        "# check=skip=all\nFROM busybox\nENV a b\nCMD echo hi\n",
        frontend="ours",
        build_args={"BUILDKIT_DOCKERFILE_CHECK": "error=true;skip=JSONArgsRecommended"},
    )
    assert "lint violation found for rules: LegacyKeyValueFormat" in log


def test_invalid_check_directive_fails() -> None:
    log = build_fails("# check=error=maybe\nFROM busybox\n", frontend="ours")
    assert 'failed to parse check options: failed to parse check option "error=maybe"' in log
