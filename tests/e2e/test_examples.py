"""The examples/ directory (what `make demo` builds), with both frontends."""

from __future__ import annotations

import pytest

from .harness import ENGINES, REPO, assert_same_build, run_image

pytestmark = [pytest.mark.e2e, pytest.mark.engines(*ENGINES)]


def test_hello_example() -> None:
    folder = REPO / "examples" / "hello"
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.name != "Dockerfile"}
    image = assert_same_build((folder / "Dockerfile").read_text(), files)
    assert run_image(image) == "hello, world\n"
