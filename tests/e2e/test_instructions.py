"""More instructions and options, both frontends: the images must agree."""

from __future__ import annotations

import pytest

from .harness import assert_same_build, build, build_fails, run_image, snapshot, tar_archive

pytestmark = pytest.mark.e2e


def tar_gz(files: dict[str, str]) -> bytes:
    return tar_archive(files, gzip=True, mode=0o640)


FILES = {
    "a.txt": "a\n",
    "b.log": "b\n",
    "c.log": "c\n",
    "dir/x.txt": "x\n",
    "dir/sub/y.txt": "y\n",
    "archive.tar.gz": tar_gz({"t/one.txt": "1\n", "t/two.txt": "2\n"}),
    # the harness puts a `# syntax` line in our Dockerfile only: keep it out of `COPY .`
    ".dockerignore": "*.tmp\nignored/\nDockerfile\n",
    "skip.tmp": "never\n",
    "ignored/z.txt": "never\n",
}


def test_copy_and_add_forms() -> None:
    dockerfile = r"""
FROM busybox
WORKDIR /w
COPY a.txt .
COPY *.log logs/
COPY dir /dir-contents/
COPY ["a.txt", "/json form.txt"]
COPY --chmod=751 a.txt /modes/a
ADD archive.tar.gz /unpacked/
ADD a.txt /added/
COPY . /all/
"""
    image = assert_same_build(dockerfile, FILES)
    tree = snapshot(image).tree
    assert "/unpacked/t/one.txt" in tree
    assert "/all/skip.tmp" not in tree and "/all/ignored/z.txt" not in tree
    assert tree["/modes/a"][1] & 0o777 == 0o751


def test_workdir_user_and_shell() -> None:
    dockerfile = r"""
FROM busybox
USER nobody
WORKDIR /home/nobody/app
WORKDIR ../other
USER root
SHELL ["/bin/sh", "-ec"]
RUN pwd > /where && id -u > /uid
ENV NAME=world
RUN echo "hello $NAME" > /greeting
RUN ["/bin/sh", "-c", "echo exec > /exec-form"]
"""
    image = assert_same_build(dockerfile)
    assert run_image(image, "cat", "/where", "/greeting", "/exec-form") == (
        "/home/nobody/other\nhello world\nexec\n"
    )


def test_args_scoping_and_defaults() -> None:
    dockerfile = r"""
ARG GLOBAL=g1
ARG BASE=busybox
FROM $BASE AS first
ARG GLOBAL
ARG LOCAL=l1
ENV FROM_ARG=${LOCAL}-${GLOBAL}
RUN echo "$GLOBAL $LOCAL" > /args
FROM first
ARG LOCAL=l2
RUN echo "${LOCAL:-none} ${GLOBAL:-unset}" > /args2
"""
    for build_args in ({}, {"GLOBAL": "G", "LOCAL": "L"}):
        image = assert_same_build(dockerfile, build_args=build_args)
        assert snapshot(image).tree  # the trees and configs were compared


def test_metadata_instructions() -> None:
    dockerfile = r"""
FROM busybox
MAINTAINER someone <someone@example.com>
ENV PORT=8000
EXPOSE $PORT 7000-7002/udp 443
VOLUME /data ["/logs", "/cache"]
VOLUME /more
STOPSIGNAL SIGINT
LABEL "quoted key"="v" plain=1 \
      multi="line value"
ENTRYPOINT ["/bin/echo"]
CMD ["default"]
"""
    image = assert_same_build(dockerfile)
    config = snapshot(image).config["Config"]
    assert config["StopSignal"] == "SIGINT"
    assert "7001/udp" in config["ExposedPorts"]


def test_onbuild_triggers_run_in_the_next_stage() -> None:
    dockerfile = r"""
FROM busybox AS parent
ONBUILD RUN echo triggered > /onbuild
ONBUILD ENV FROM_TRIGGER=1
FROM parent AS child
RUN cat /onbuild
"""
    image = assert_same_build(dockerfile)
    assert "FROM_TRIGGER=1" in snapshot(image).config["Config"]["Env"]


def test_stage_that_sets_cmd_then_entrypoint_keeps_cmd() -> None:
    dockerfile = r"""
FROM busybox AS base
CMD ["base-cmd"]
FROM base AS child
ENTRYPOINT ["/bin/echo"]
FROM base AS both
CMD ["mine"]
ENTRYPOINT ["/bin/echo"]
"""
    both = assert_same_build(dockerfile)
    assert snapshot(both).config["Config"]["Cmd"] == ["mine"]
    child = assert_same_build(dockerfile, target="child")
    assert snapshot(child).config["Config"]["Cmd"] is None


def test_failing_run_reports_its_command() -> None:
    log = build_fails("FROM busybox\nRUN echo start && exit 3\n", frontend="ours")
    assert "exit 3" in log
    assert "exit code: 3" in log


def test_platform_args_are_predefined() -> None:
    dockerfile = r"""
FROM --platform=$BUILDPLATFORM busybox AS tools
ARG TARGETPLATFORM
ARG BUILDARCH
RUN echo "$TARGETPLATFORM $BUILDARCH" > /platform
FROM busybox
COPY --from=tools /platform /platform
"""
    image = assert_same_build(dockerfile)
    assert run_image(image, "cat", "/platform") == "linux/amd64 amd64\n"


def test_no_cache_option_still_builds_the_same_image() -> None:
    image = build("FROM busybox\nRUN echo hi > /hi\n", frontend="ours", no_cache=True)
    assert run_image(image, "cat", "/hi") == "hi\n"
