"""The ``exclude-vars`` extension: variables in ``COPY --exclude`` and ``ADD --exclude``."""

from __future__ import annotations

import pytest

from frontend.errors import DockerfileError
from frontend.llb.marshal import ops_of
from frontend.pb import ops_pb2 as pb
from tests.unit.compiler.conftest import Compile

TEXT = """\
# extensions=exclude-vars
FROM busybox
ARG SKIP=*.log
ENV TMPS=tmp
COPY --exclude=$SKIP --exclude=${TMPS}/** . /app
ADD --exclude="$SKIP" . /add
"""


def excludes(definition: pb.Definition) -> list[list[str]]:
    return [
        list(action.copy.exclude_patterns)
        for _, op in ops_of(definition)
        if op.HasField("file")
        for action in op.file.actions
    ]


def test_patterns_expanded_in_the_stage_scope(compile_text: Compile) -> None:
    assert excludes(compile_text(TEXT).definition) == [["*.log", "tmp/**"], ["*.log"]]
    given = compile_text(TEXT, build_args={"SKIP": "*.md"}).definition
    assert excludes(given) == [["*.md", "tmp/**"], ["*.md"]]


def test_without_the_extension_patterns_stay_as_written(compile_text: Compile) -> None:
    plain = compile_text(TEXT.replace("# extensions=exclude-vars\n", "")).definition
    assert excludes(plain) == [["$SKIP", "${TMPS}/**"], ["$SKIP"]]


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("[x", '--exclude=$SKIP expands to "[x": syntax error in pattern'),
        ("", "--exclude=$SKIP expands to an empty pattern"),
    ],
)
def test_a_bad_pattern_names_the_line_and_the_value(
    compile_text: Compile, arg: str, message: str
) -> None:
    with pytest.raises(DockerfileError) as info:
        compile_text(TEXT, build_args={"SKIP": arg})
    assert (info.value.line, info.value.message) == (5, message)
