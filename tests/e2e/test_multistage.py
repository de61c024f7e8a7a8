"""The examples of Docker's multi-stage build page (see the seed documents), both frontends.

Adapted to this offline engine: busybox stands in for the golang and alpine
images (a shell script "compiled" by prefixing a shebang stands in for the Go
binary), context files replace `COPY <<EOF` (the engine's built-in frontend
predates heredocs), and pyfrontend/testdata stands in for nginx.
"""

from __future__ import annotations

import pytest

from .harness import (
    TESTDATA_IMAGE,
    assert_same_build,
    assert_same_image,
    build,
    build_fails,
    run_build,
    run_image,
    snapshot,
)

pytestmark = pytest.mark.e2e

MAIN = {"main.sh": 'echo "hello, world"\n'}

NUMBERED_STAGES = r"""
FROM busybox
WORKDIR /src
COPY main.sh ./main.sh
RUN { printf '#!/bin/busybox sh\n'; cat main.sh; } > /bin/hello && chmod 755 /bin/hello

FROM scratch
COPY --from=0 /bin/busybox /bin/busybox
COPY --from=0 /bin/hello /bin/hello
CMD ["/bin/hello"]
"""

NAMED_STAGES = r"""
FROM busybox AS build
WORKDIR /src
COPY main.sh /src/main.sh
RUN { printf '#!/bin/busybox sh\n'; cat main.sh; } > /bin/hello && chmod 755 /bin/hello

FROM scratch
COPY --from=build /bin/busybox /bin/busybox
COPY --from=build /bin/hello /bin/hello
CMD ["/bin/hello"]
"""

EXTERNAL_IMAGE = f"""
FROM busybox
COPY --from={TESTDATA_IMAGE} /etc/nginx/nginx.conf /nginx.conf
COPY --from={TESTDATA_IMAGE} /data /data
"""

SHARED_BASE = r"""
FROM busybox:latest AS builder
RUN mkdir -p /opt/toolchain \
 && printf '#!/bin/sh\necho "// built by cc"\ncat "$@"\n' > /opt/toolchain/cc \
 && chmod 755 /opt/toolchain/cc

FROM builder AS build1
COPY source1.cpp source.cpp
RUN /opt/toolchain/cc source.cpp > /binary

FROM builder AS build2
COPY source2.cpp source.cpp
RUN /opt/toolchain/cc source.cpp > /binary
"""
SOURCES = {"source1.cpp": "int main() { return 1; }\n", "source2.cpp": "int main() { return 2; }\n"}

STAGE_SKIPPING = """
FROM busybox AS base
RUN echo base

FROM base AS stage1
RUN exit 1

FROM base AS stage2
RUN echo stage2
"""


def test_numbered_stages() -> None:
    image = assert_same_build(NUMBERED_STAGES, MAIN)
    assert run_image(image) == "hello, world\n"


def test_named_stages() -> None:
    image = assert_same_build(NAMED_STAGES, MAIN)
    assert set(snapshot(image).tree) >= {"/bin/hello", "/bin/busybox"}
    assert "/src/main.sh" not in snapshot(image).tree
    assert run_image(image) == "hello, world\n"


def test_target_build_stops_at_named_stage() -> None:
    image = assert_same_build(NAMED_STAGES, MAIN, target="build")
    tree = snapshot(image).tree
    assert tree["/src/main.sh"][0] == "file"
    assert tree["/bin/hello"][1] == 0o755


def test_copy_from_external_image() -> None:
    image = assert_same_build(EXTERNAL_IMAGE)
    tree = snapshot(image).tree
    assert tree["/nginx.conf"][0] == "file"
    assert tree["/data/link.txt"] == ("symlink", 0o777, 0, 0, "hello.txt")


@pytest.mark.parametrize("target", ["build1", "build2"])
def test_previous_stage_as_base_of_two_stages(target: str) -> None:
    image = assert_same_build(SHARED_BASE, SOURCES, target=target)
    assert run_image(image, "cat", "/binary") == (
        f"// built by cc\nint main() {{ return {target[-1]}; }}\n"
    )


def test_target_builds_only_the_stages_it_depends_on() -> None:
    result = run_build(STAGE_SKIPPING, frontend="ours", target="stage2")
    assert result.ok, result.log
    assert "exit 1" not in result.log, "stage1 was built although stage2 does not need it"
    assert result.image is not None
    expected = build(STAGE_SKIPPING, frontend="builtin", target="stage2")
    assert_same_image(expected, result.image)


def test_failing_run_fails_the_build() -> None:
    build_fails(STAGE_SKIPPING, frontend="builtin", target="stage1")
    output = build_fails(STAGE_SKIPPING, frontend="ours", target="stage1")
    assert "exit 1" in output
