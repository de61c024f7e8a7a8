"""The subrequests this frontend answers (``requestid``), described as upstream does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

from frontend.request import BuildRequest

DESCRIBE: Final = "frontend.subrequests.describe"
LINT: Final = "frontend.lint"


@dataclass(frozen=True)
class Subrequest:
    name: str
    version: str
    description: str
    needs_dockerfile: bool = True


SERVED: Final = {
    s.name: s
    for s in (
        Subrequest(DESCRIBE, "1.0.0", "List available subrequest types", needs_dockerfile=False),
        Subrequest(LINT, "1.0.0", "Lint a Dockerfile"),
    )
}


def describe() -> dict[str, bytes]:
    """The ``describe`` result: our own entry only (as before the others were described)."""
    described = [
        {
            "name": DESCRIBE,
            "version": "1.0.0",
            "type": "rpc",
            "description": "List available subrequest types",
            "metadata": [{"name": "result.json"}, {"name": "result.txt"}],
        }
    ]
    text = "".join(f"{d['name']} - {d['description']}\n" for d in described)
    return {
        "result.json": json.dumps(described).encode(),
        "result.txt": text.encode(),
        "version": b"1.0.0",
    }


def reads_dockerfile(request: BuildRequest) -> bool:
    """Whether answering ``request`` reads the Dockerfile (a build, or most subrequests)."""
    served = SERVED.get(request.subrequest)
    return not request.subrequest or (served is not None and served.needs_dockerfile)
