"""Image config and ownership parity with the built-in frontend."""

from __future__ import annotations

import pytest

from .harness import TESTDATA_IMAGE, assert_same_build, snapshot

pytestmark = pytest.mark.e2e

EXEC_FORM = """
ARG BASE=busybox
FROM ${BASE}
ARG VERSION=1.0
ARG UNUSED
ENV APP_HOME=/srv/app \\
    APP_VERSION=${VERSION}
ENV PATH=/srv/app/bin:$PATH
WORKDIR $APP_HOME
WORKDIR sub
RUN echo "$APP_VERSION" > version.txt && pwd > pwd.txt
USER nobody
LABEL org.example.name="pyfrontend e2e" org.example.version=${VERSION}
LABEL multi.word="a b c"
EXPOSE 8080 53/udp
EXPOSE 9000/tcp
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo $APP_VERSION"]
"""

SHELL_FORM = """
FROM busybox
ENV GREETING="hello world" EMPTY=
USER 1000:1000
WORKDIR /home/app
ENTRYPOINT echo entry
CMD echo "$GREETING"
"""

CHOWN = f"""
FROM busybox AS app
COPY --chown=1000:1000 a.txt /app/a.txt
COPY --chown=nobody:nobody b.txt /app/b.txt
COPY --chown=nobody dir/ /app/dir/
COPY --chown=123 a.txt /app/uid-only.txt
COPY --from={TESTDATA_IMAGE} --chown=2000:3000 /data/ /app/data/

FROM scratch
COPY --from=app --chown=7:8 /app /app
"""
CHOWN_FILES = {"a.txt": "a\n", "b.txt": "b\n", "dir/c.txt": "c\n", "dir/sub/d.txt": "d\n"}


@pytest.mark.parametrize("build_args", [{}, {"VERSION": "2.5"}], ids=["defaults", "build-arg"])
def test_exec_form_config(build_args: dict[str, str]) -> None:
    image = assert_same_build(EXEC_FORM, build_args=build_args)
    config = snapshot(image).config["Config"]
    assert config["User"] == "nobody"
    assert config["WorkingDir"] == "/srv/app/sub"
    assert f"APP_VERSION={build_args.get('VERSION', '1.0')}" in config["Env"]


def test_shell_form_config() -> None:
    image = assert_same_build(SHELL_FORM)
    assert snapshot(image).config["Config"]["Entrypoint"] == ["/bin/sh", "-c", "echo entry"]


def test_copy_chown() -> None:
    image = assert_same_build(CHOWN, CHOWN_FILES, target="app")
    tree = snapshot(image).tree
    assert tree["/app/a.txt"][2:4] == (1000, 1000)
    assert tree["/app/b.txt"][2:4] == (65534, 65534)
    assert tree["/app/dir/sub/d.txt"][2:4] == (65534, 65534)
    assert tree["/app/data/hello.txt"][2:4] == (2000, 3000)


def test_copy_chown_from_stage_into_scratch() -> None:
    image = assert_same_build(CHOWN, CHOWN_FILES)
    tree = snapshot(image).tree
    assert {tree[p][2:4] for p in tree if p.startswith("/app/")} == {(7, 8)}
