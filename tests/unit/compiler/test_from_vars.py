"""The ``from-vars`` extension: variables in ``COPY --from`` and ``RUN --mount from=``."""

from __future__ import annotations

import pytest

from frontend.errors import DockerfileError
from frontend.semantics.stages import ImageSource
from tests.unit.compiler.conftest import Compile

PICK = """\
# extensions=from-vars
ARG SRC=one
FROM busybox AS one
RUN echo one > /out
FROM busybox AS two
RUN echo two > /out
FROM busybox AS unused
RUN echo unused
FROM busybox
ARG SRC
COPY --from=$SRC /out /copied
RUN --mount=from=${SRC},target=/m cat /m/out
"""


def test_a_build_arg_picks_the_stage_and_only_that_stage_is_built(compile_text: Compile) -> None:
    default = compile_text(PICK)
    assert default.plan.sources[3, 1] == 0
    assert default.plan.mount_sources[3, 2, 0] == 0
    assert sorted(default.plan.reachable) == [0, 3]
    other = compile_text(PICK, build_args={"SRC": "two"})
    assert other.plan.sources[3, 1] == other.plan.mount_sources[3, 2, 0] == 1
    assert sorted(other.plan.reachable) == [1, 3]


def test_env_and_a_parent_stage_scope_count(compile_text: Compile) -> None:
    text = """\
# extensions=from-vars
FROM busybox AS builder
RUN true
FROM busybox AS base
ENV PICK=build
FROM base
ENV PICK=${PICK}er
COPY --from=${PICK} / /
"""
    assert compile_text(text).plan.sources[2, 1] == 0


def test_an_index_and_an_image_after_expansion(compile_text: Compile) -> None:
    text = """\
# extensions=from-vars
FROM busybox
RUN true
FROM busybox
ARG FROM=0
COPY --from=$FROM / /
"""
    assert compile_text(text).plan.sources[1, 1] == 0
    image = compile_text(text, build_args={"FROM": "alpine:3.20"}).plan.sources[1, 1]
    assert isinstance(image, ImageSource) and image.ref == "alpine:3.20"


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("tow", '--from=$SRC expands to "tow": no stage of this Dockerfile has that name '
                "(did you mean two?)"),
        ("7", '--from=$SRC expands to "7": no such stage index'),
        ("Not An Image", '--from=$SRC expands to "Not An Image": neither a stage nor an image'),
    ],
)  # fmt: skip
def test_a_bad_value_names_the_line_and_the_value(
    compile_text: Compile, arg: str, message: str
) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text(PICK, build_args={"SRC": arg})
    assert info.value.line == 11
    assert message in info.value.message


def test_an_empty_value_is_an_error(compile_text: Compile) -> None:
    text = "# extensions=from-vars\nFROM busybox\nRUN --mount=from=$NONE,target=/m true\n"
    with pytest.raises(DockerfileError, match=r"--mount from=\$NONE expands to an empty value"):
        compile_text(text)


def test_an_unknown_mount_stage_suggests_one(compile_text: Compile) -> None:
    with pytest.raises(DockerfileError, match='from=\\$\\{SRC\\} expands to "onf"') as info:
        compile_text(PICK.replace("COPY --from=$SRC /out /copied\n", ""), build_args={"SRC": "onf"})
    assert info.value.line == 11


def test_without_the_extension_docker_s_message(compile_text: Compile) -> None:
    text = PICK.replace("# extensions=from-vars\n", "").replace("RUN --mount", "# RUN")
    with pytest.raises(DockerfileError) as info:
        compile_text(text)
    assert info.value.message.startswith("variable expansion is not supported for --from")
    assert info.value.line == 10


LATER = """\
# extensions=from-vars
FROM busybox AS a
ARG B=b
COPY --from=$B / /
FROM busybox AS b
"""


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        (LATER + "COPY --from=a / /\n", "", "circular dependency"),
        (LATER, "a", 'cannot copy from stage "b", it needs to be defined before'),
    ],
)
def test_the_graph_after_expansion_is_checked(
    compile_text: Compile, text: str, target: str, message: str
) -> None:
    with pytest.raises(DockerfileError, match=message):
        compile_text(text, target=target)
