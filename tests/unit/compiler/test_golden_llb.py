"""Golden LLB: each folder under golden/ holds a Dockerfile, optional frontend options
(``options.json``) and ``expected.txt``: the readable LLB listing, then the image config.

Files an ``INCLUDE`` names are read from the folder. Base images are the offline
stand-ins of ``pyfrontend llb`` (one layer, no config).
To update after a deliberate change: ``UPDATE_GOLDEN=1 python -m pytest`` this file,
then read the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from frontend.compiler.preview import compile_offline, read_disk
from frontend.llb.dump import dump

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "Dockerfile").is_file())


def render(case: Path) -> tuple[str, bytes]:
    """The expected-file text for ``case``, and its definition's bytes."""
    options_file = case / "options.json"
    opts = json.loads(options_file.read_text()) if options_file.exists() else {}
    data = (case / "Dockerfile").read_bytes()
    result = compile_offline(data, "Dockerfile", opts, read=lambda path: read_disk(case / path))
    config = json.dumps(json.loads(result.config_json), indent=2)
    text = f"{dump(result.definition)}\n# image config\n{config}\n"
    return text, result.definition.SerializeToString(deterministic=True)


@pytest.mark.parametrize("name", CASES)
def test_golden_llb(name: str) -> None:
    case = GOLDEN / name
    text, data = render(case)
    assert render(case)[1] == data, "compiling twice gave different bytes"
    expected = case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_text(text)
    assert expected.exists(), f"{expected} is missing: write it with UPDATE_GOLDEN=1"
    assert text == expected.read_text()


def test_there_are_cases() -> None:
    assert len(CASES) >= 10
