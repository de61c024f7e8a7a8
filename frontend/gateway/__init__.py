"""The imperative shell: stdio relay, LLBBridge client, environment and error statuses.

The names in ``__all__`` are the public API of the library (``serve`` and what
a build function meets; see ``docs/library.md``): they follow semantic
versioning. They load on first use: this package imports nothing by itself, so
a pure module never pulls in grpcio by accident. The submodules are internal.

The top layer: its modules may import every other package, ``frontend.pb`` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from frontend.gateway.api import (
        BuildContext,
        BuildError,
        BuildFunction,
        Result,
        serve,
    )

__all__ = ["BuildContext", "BuildError", "BuildFunction", "Result", "serve"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from frontend.gateway import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
