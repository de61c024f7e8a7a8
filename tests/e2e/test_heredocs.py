"""Heredocs (which the engine's built-in frontend predates): assert the image directly."""

from __future__ import annotations

import pytest

from .harness import assert_same_build, build, run_image, snapshot

pytestmark = pytest.mark.e2e

# The seed's first example as written, busybox standing in for the Go toolchain.
SEED_HEREDOC = r"""
FROM busybox AS build
WORKDIR /src
COPY <<EOF ./main.sh
echo "hello, world"
EOF
RUN { printf '#!/bin/busybox sh\n'; cat main.sh; } > /bin/hello && chmod 755 /bin/hello

FROM scratch
COPY --from=build /bin/busybox /bin/busybox
COPY --from=build /bin/hello /bin/hello
CMD ["/bin/hello"]
"""


def test_seed_example_with_copy_heredoc() -> None:
    image = build(SEED_HEREDOC, frontend="ours")
    assert run_image(image) == "hello, world\n"
    assert set(snapshot(image).tree) >= {"/bin/busybox", "/bin/hello"}


def test_heredoc_forms() -> None:
    dockerfile = r"""
FROM busybox
ENV NAME=world
COPY <<EOF <<-"RAW" /docs/
hello $NAME "quoted"
EOF
	keep $NAME
	RAW
COPY --chmod=700 <<EOF /bin/tool
#!/bin/sh
echo tool
EOF
RUN <<EOF
echo "plain $NAME" > /plain
EOF
RUN <<EOF
#!/bin/sh
echo "script" > /script
EOF
RUN cat <<A > /shell-heredoc
from the shell
A
"""
    image = build(dockerfile, frontend="ours")
    out = run_image(image, "cat", "/docs/EOF", "/docs/RAW", "/plain", "/script", "/shell-heredoc")
    assert out == 'hello world "quoted"\nkeep $NAME\nplain world\nscript\nfrom the shell\n'
    assert snapshot(image).tree["/bin/tool"][1] & 0o777 == 0o700
    assert run_image(image, "/bin/tool") == "tool\n"


@pytest.mark.engines("current")
def test_run_heredoc_script_with_blank_after_marker_same_as_builtin() -> None:
    """``RUN << EOF`` (a blank after ``<<``) with a ``#!`` body runs the body as a script file."""
    dockerfile = """
FROM busybox
RUN << EOF
#!/bin/sh
echo "ran as $0" > /script
EOF
RUN <<\t"EOF"
echo plain > /plain
EOF
"""
    image = assert_same_build(dockerfile)
    assert run_image(image, "cat", "/script", "/plain") == "ran as /dev/pipes/EOF\nplain\n"
