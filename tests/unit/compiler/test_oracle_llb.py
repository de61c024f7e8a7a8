"""LLB equal, digest for digest, to what Docker's newest Dockerfile frontend writes.

Each folder under oracle/ holds a Dockerfile and ``expected.txt``: the listing
(``dump`` with metadata: digests, caps, descriptions, progress names and source
locations) of the definition Docker's own conversion code gave for it, with
every capability present and the stand-in base images of ``pyfrontend llb``.
To regenerate after upstream changes: build the LLB oracle (BuildKit's
``dockerfile2llb`` run offline with the same stand-in images), run
``python hack/oracle_compare.py ORACLE --write-golden
tests/unit/compiler/oracle/*/Dockerfile``, then read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontend.compiler.preview import compile_offline
from frontend.llb.dump import dump

ORACLE = Path(__file__).parent / "oracle"
CASES = sorted(p.name for p in ORACLE.iterdir() if (p / "Dockerfile").is_file())


@pytest.mark.parametrize("name", CASES)
def test_same_llb_as_dockers_frontend(name: str) -> None:
    case = ORACLE / name
    result = compile_offline((case / "Dockerfile").read_bytes(), "Dockerfile", {})
    assert dump(result.definition, metadata=True) == (case / "expected.txt").read_text()


def test_there_are_cases() -> None:
    assert len(CASES) >= 8
