"""The subrequests this frontend answers (``requestid``), described as upstream does."""

from __future__ import annotations

from typing import Any, Final

from frontend.compiler.request import BuildRequest
from frontend.frozen import frozen
from frontend.gotext import go_json, tabwrite, utf8

DESCRIBE: Final = "frontend.subrequests.describe"
LINT: Final = "frontend.lint"
OUTLINE: Final = "frontend.outline"
TARGETS: Final = "frontend.targets"


@frozen
class Subrequest:
    """One entry of ``describe`` (upstream's ``subrequests.Request``)."""

    name: str
    description: str
    metadata: tuple[str, ...]
    opts: tuple[tuple[str, str], ...] | None = None
    """``(name, description)`` of each option; None is Go's nil slice."""
    version: str = "1.0.0"
    needs_dockerfile: bool = True

    def to_json(self) -> dict[str, Any]:
        def named(items: tuple[tuple[str, str], ...] | None) -> list[dict[str, str]] | None:
            if items is None:
                return None
            return [{"name": n, "description": d} for n, d in items]

        return {
            "name": self.name,
            "version": self.version,
            "type": "rpc",
            "description": self.description,
            "opts": named(self.opts),
            "inputs": None,
            "metadata": named(tuple((m, "") for m in self.metadata)),
            "refs": None,
        }


_RESULT: Final = ("result.json", "result.txt")

SERVED: Final = {
    s.name: s
    for s in (
        Subrequest(
            OUTLINE,
            "List all parameters current build target supports",
            _RESULT,
            opts=(("target", "Target build stage"),),
        ),
        Subrequest(TARGETS, "List all targets current build supports", _RESULT, opts=()),
        Subrequest(LINT, "Lint a Dockerfile", (*_RESULT, "result.statuscode"), opts=()),
        Subrequest(DESCRIBE, "List available subrequest types", _RESULT, needs_dockerfile=False),
    )
}
"""Every subrequest served, in the order ``describe`` lists them."""


def reads_dockerfile(request: BuildRequest) -> bool:
    """Whether answering ``request`` reads the Dockerfile (a build, or most subrequests)."""
    served = SERVED.get(request.subrequest)
    return not request.subrequest or (served is not None and served.needs_dockerfile)


def rpc_result(value: Any, text: str, version: str = "1.0.0") -> dict[str, bytes]:
    """A subrequest's metadata: ``result.json`` (indented as Go's ``MarshalIndent``),
    its text rendering and the version."""
    return {
        "result.json": go_json(value).encode(),
        "result.txt": utf8(text),
        "version": version.encode(),
    }


def describe() -> dict[str, bytes]:
    """The ``describe`` result: every subrequest served."""
    described = [s.to_json() for s in SERVED.values()]
    rows = "".join(
        f"{s.name.removeprefix('frontend.')}\t{s.version}\t{s.description}\n"
        for s in SERVED.values()
    )
    text = tabwrite("NAME\tVERSION\tDESCRIPTION\n" + rows, padding=1)
    return rpc_result(described, text)
