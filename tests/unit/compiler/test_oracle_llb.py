"""LLB equal, digest for digest, to what Docker's Dockerfile frontend writes.

Each folder under oracle/ holds a Dockerfile and ``expected.txt``: the listing
(``dump`` with metadata: digests, caps, descriptions, progress names and source
locations) of the definition Docker's own conversion code (dockerfile/1.26.0)
gave for it with every capability and the stand-in base images of
``pyfrontend llb``. The same Dockerfiles compiled for a BuildKit v0.25 engine
(Docker 28) must give what v0.25's built-in conversion gives there:
``expected-v0.25.txt`` where that differs, else ``expected.txt``; the folders in
``NOT_IN_V025`` use flags v0.25's built-in frontend refuses.
To regenerate: build the LLB oracle (BuildKit's ``dockerfile2llb`` at that tag,
run offline with the same stand-in images), run
``python hack/oracle_compare.py ORACLE --write-golden expected.txt
tests/unit/compiler/oracle/*/Dockerfile`` (``expected-v0.25.txt`` with an oracle
built at v0.25), then read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from frontend.compiler.convert import compile_dockerfile
from frontend.compiler.options import BuildOptions
from frontend.compiler.preview import assumed_image
from frontend.compiler.request import BuildRequest
from frontend.llb.caps import LLBCaps
from frontend.llb.dump import dump
from frontend.llb.marshal import SourceFile
from frontend.platform import DEFAULT_PLATFORM
from frontend.syntax import parse
from tests.support.fake_engine import V025_LLB_CAPS

ORACLE = Path(__file__).parent / "oracle"
NOT_IN_V025 = {"flags-not-in-v0.25"}
ENGINES = {"newest": LLBCaps(), "v0.25": LLBCaps(frozenset(V025_LLB_CAPS))}
CASES = sorted(
    (p.name, engine)
    for p in ORACLE.iterdir()
    if (p / "Dockerfile").is_file()
    for engine in ENGINES
    if engine == "newest" or p.name not in NOT_IN_V025
)


@pytest.mark.parametrize(("name", "engine"), CASES)
def test_same_llb_as_dockers_frontend(name: str, engine: str) -> None:
    case = ORACLE / name
    data = (case / "Dockerfile").read_bytes()
    platform = DEFAULT_PLATFORM
    options = BuildOptions(
        BuildRequest(build_platform=platform, llb_caps=ENGINES[engine]), platform
    )
    source = SourceFile("Dockerfile", data)
    result = compile_dockerfile(parse(data), options, assumed_image, source=source)
    expected = case / f"expected-{engine}.txt"
    if not expected.is_file():
        expected = case / "expected.txt"
    assert dump(result.definition, metadata=True) == expected.read_text()


def test_there_are_cases() -> None:
    assert len(CASES) >= 16
