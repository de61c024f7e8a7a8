"""Beyond Docker's frontend: ``# extensions=include,from-vars,exclude-vars``.

The built-in frontend cannot build these Dockerfiles, so each is compared with
the image the built-in frontend makes from the equivalent plain Dockerfile:
the includes written out, the variables replaced by their values.
"""

from __future__ import annotations

import re

import pytest

from .harness import REPO, assert_same_image, build, build_fails, run_image

pytestmark = [pytest.mark.e2e, pytest.mark.engines("legacy", "current", "current-containerd")]
CURRENT = pytest.mark.engines("current", "current-containerd")

BUILDER = """\
FROM busybox AS builder
ARG GREETING
RUN echo "$GREETING from the builder" > /greeting
"""
LABELS = """\
LABEL org.example.included=yes
WORKDIR /app
"""
INCLUDING = """\
# extensions=include
ARG GREETING=hello
INCLUDE parts/builder.Dockerfile
FROM busybox
INCLUDE parts/labels.Dockerfile
COPY --from=builder /greeting ./greeting
CMD ["cat", "/app/greeting"]
"""
INCLUDED = {
    "parts/builder.Dockerfile": BUILDER,
    "parts/labels.Dockerfile": "INCLUDE more/labels.Dockerfile\n",
    "parts/more/labels.Dockerfile": LABELS,
}
WRITTEN_OUT = f"""\
ARG GREETING=hello
{BUILDER}FROM busybox
{LABELS}COPY --from=builder /greeting ./greeting
CMD ["cat", "/app/greeting"]
"""


def test_include_builds_what_the_written_out_dockerfile_builds() -> None:
    ours = build(INCLUDING, INCLUDED, frontend="ours", build_args={"GREETING": "hi"})
    builtin = build(WRITTEN_OUT, frontend="builtin", build_args={"GREETING": "hi"})
    assert_same_image(builtin, ours)
    assert run_image(ours) == "hi from the builder\n"


def test_include_errors_name_the_included_file_and_line() -> None:
    broken = {**INCLUDED, "parts/more/labels.Dockerfile": "WORKDIR /app\nCOPY --frmo=x a b\n"}
    log = build_fails(INCLUDING, broken, frontend="ours")
    assert "parts/more/labels.Dockerfile:2" in log
    assert re.search(r"[Uu]nknown flag: (--)?frmo", log)  # as the engine's release words it
    log = build_fails(INCLUDING, {**INCLUDED, "parts/labels.Dockerfile": "INCLUDE nope\n"},
                      frontend="ours")  # fmt: skip
    assert "parts/nope: no such file" in log


def test_a_failing_step_in_an_included_file_is_located_there() -> None:
    failing = {**INCLUDED, "parts/more/labels.Dockerfile": "WORKDIR /app\nRUN exit 3\n"}
    log = build_fails(INCLUDING, failing, frontend="ours")
    assert "parts/more/labels.Dockerfile:2" in log


FROM_VARS = """\
# extensions=from-vars
FROM busybox AS plain
RUN echo plain > /flavour

FROM plain AS fancy
RUN echo fancy > /flavour

FROM busybox
ARG FLAVOUR=plain
ENV TOOLBOX=${FLAVOUR}
COPY --from=$FLAVOUR /flavour /flavour
RUN --mount=from=$TOOLBOX,target=/t cp /t/flavour /mounted
"""


def test_a_build_arg_picks_the_stage_copied_and_mounted_from() -> None:
    ours = build(FROM_VARS, frontend="ours", build_args={"FLAVOUR": "fancy"})
    plain = (
        FROM_VARS.replace("# extensions=from-vars\n", "")
        .replace("--from=$FLAVOUR", "--from=fancy")
        .replace("from=$TOOLBOX", "from=fancy")
    )
    builtin = build(plain, frontend="builtin", build_args={"FLAVOUR": "fancy"})
    assert_same_image(builtin, ours)
    assert run_image(ours, "cat", "/flavour", "/mounted") == "fancy\nfancy\n"


def test_an_unknown_stage_after_expansion_names_line_and_value() -> None:
    log = build_fails(FROM_VARS, frontend="ours", build_args={"FLAVOUR": "fanci"})
    assert '--from=$FLAVOUR expands to "fanci"' in log
    assert "did you mean fancy?" in log


EXCLUDE_FILES = {
    "keep.txt": "keep\n",
    "notes.md": "notes\n",
    "debug.log": "log\n",
    ".dockerignore": "Dockerfile\n.dockerignore\n",
}
EXCLUDE_VARS = """\
# extensions=exclude-vars
FROM busybox
ARG SKIP=*.log
ENV ALSO=md
COPY --exclude=$SKIP --exclude=*.${ALSO} . /app/
"""


@CURRENT
def test_exclude_patterns_expanded_leave_out_what_they_match() -> None:
    ours = build(EXCLUDE_VARS, EXCLUDE_FILES, frontend="ours")
    plain = (  # the engine's own frontend has --exclude, without variables
        EXCLUDE_VARS.replace("# extensions=exclude-vars\n", "")
        .replace("$SKIP", "*.log")
        .replace("${ALSO}", "md")
    )
    builtin = build(plain, EXCLUDE_FILES, frontend="builtin")
    assert_same_image(builtin, ours)


@CURRENT
def test_a_bad_exclude_pattern_after_expansion_names_line_and_value() -> None:
    log = build_fails(EXCLUDE_VARS, EXCLUDE_FILES, frontend="ours", build_args={"SKIP": "[x"})
    assert '--exclude=$SKIP expands to "[x": syntax error in pattern' in log


@pytest.mark.engines("legacy")
def test_exclude_vars_on_an_engine_without_exclude_patterns() -> None:
    log = build_fails(EXCLUDE_VARS, EXCLUDE_FILES, frontend="ours")
    assert "file.copy.includeexcludepatterns: COPY --exclude needs BuildKit v0.9" in log


def test_without_the_directive_docker_s_behaviour() -> None:
    log = build_fails(FROM_VARS.replace("# extensions=from-vars\n", ""), frontend="ours")
    assert "'from' doesn't support variable expansion" in log
    log = build_fails(INCLUDING.replace("# extensions=include\n", ""), INCLUDED, frontend="ours")
    assert "unknown instruction: INCLUDE" in log


@CURRENT
def test_the_readme_example() -> None:
    folder = REPO / "examples" / "extensions"
    files = {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "Dockerfile"
    }
    text = (folder / "Dockerfile").read_text()
    assert run_image(build(text, files, frontend="ours")) == "hello, world\ntodo.md\n"
    loud = build(text, files, frontend="ours", build_args={"FLAVOUR": "loud", "SKIP": "*.md"})
    assert run_image(loud) == "HELLO, WORLD\nideas.draft\n"
