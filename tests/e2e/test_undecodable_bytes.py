"""A Dockerfile byte that is not UTF-8, against the engine's built-in frontend.

Docker's lexer reads it as U+FFFD in every word it expands; a quoted heredoc
writes it as is; where it would reach the LLB as is (a shell-form RUN) the
built-in frontend fails to marshal the definition, and ours names the line.
The legacy engine's frontend predates protobuf's UTF-8 check, so only the
current engines take part.
"""

from __future__ import annotations

import pytest

from .harness import assert_same_build, build_fails, run_image

pytestmark = [pytest.mark.e2e, pytest.mark.engines("current", "current-containerd")]


def test_expanded_words_and_heredocs_agree() -> None:
    dockerfile = (
        "FROM busybox\n"
        "WORKDIR /a\udcff\n"
        "ENV V=x\udcff\n"
        "COPY <<'EOF' /raw\n\udcff\nEOF\n"
        "COPY <<EOF /expanded\n\udcff\nEOF\n"
        'RUN pwd > /pwd && echo "$V" > /env\n'
    )
    image = assert_same_build(dockerfile)
    out = run_image(image, "od", "-An", "-tx1", "/raw", "/expanded", "/pwd", "/env")
    raw, expanded, pwd, env = "ff 0a", "ef bf bd 0a", "2f 61 ef bf bd 0a", "78 ef bf bd 0a"
    assert out.split() == f"{raw} {expanded} {pwd} {env}".split()


def test_a_byte_reaching_the_llb_as_is_fails_with_both() -> None:
    dockerfile = "FROM busybox\nRUN true\nRUN echo \udcff\n"
    builtin = build_fails(dockerfile, frontend="builtin")
    assert "invalid UTF-8" in builtin
    ours = build_fails(dockerfile, frontend="ours")
    assert 'Dockerfile:4: invalid UTF-8 in "echo \\xff"' in ours  # after the syntax line
