"""``SOURCE_DATE_EPOCH``: the image and the history the build writes carry that time.

Docker 20.10's own frontend predates the build argument (its images carry the
build time), so this is checked on ours alone; the rest of the image must
still equal the built-in frontend's.
"""

from __future__ import annotations

import json

import pytest

from .harness import assert_same_image, build, docker

pytestmark = pytest.mark.e2e

DOCKERFILE = """\
FROM busybox
COPY a.txt /a.txt
RUN echo built > /built.txt
ENV STAGE=final
"""


def test_created_times_follow_the_epoch() -> None:
    args = {"SOURCE_DATE_EPOCH": "1700000000"}
    ours = build(DOCKERFILE, {"a.txt": "a\n"}, frontend="ours", build_args=args)
    builtin = build(DOCKERFILE, {"a.txt": "a\n"}, frontend="builtin", build_args=args)
    assert_same_image(builtin, ours)
    created = docker("image", "inspect", "-f", "{{.Created}}", ours).strip()
    assert created == "2023-11-14T22:13:20Z"
    history = json.loads(docker("image", "history", "--no-trunc", "--format", "{{json .}}", ours)
                         .splitlines()[0])  # fmt: skip
    assert history["CreatedAt"].startswith("2023-11-14T22:13:20")


@pytest.mark.engines("current")
def test_workdir_is_dated_by_the_epoch() -> None:
    """The directory WORKDIR creates carries the epoch, so two builds give one layer."""
    dockerfile = "FROM busybox\nWORKDIR /mydir\n"
    args = {"SOURCE_DATE_EPOCH": "1700000000"}
    for frontend in ("builtin", "ours"):
        image = build(dockerfile, frontend=frontend, build_args=args)
        mtime = docker("run", "--rm", image, "stat", "-c", "%Y", "/mydir").strip()
        assert mtime == "1700000000", frontend
