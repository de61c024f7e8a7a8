"""Modules that our dependencies import eagerly but a build never uses, loaded on first use.

grpcio's extension module and ``structlog.stdlib`` import :mod:`asyncio`, and
``grpc`` imports its asyncio API, for code paths the frontend never takes; on a
cold start that is a fifth of the import time. Likewise protobuf's pure-Python
message code (unused with its upb backend), structlog's console renderer, and
standard modules that only rare paths use or that are first used after the
first Solve has gone out. :func:`defer` makes the named
modules empty placeholders that run their code at the first attribute access,
so a build that never touches them never pays for them, and one that does gets
the real module. Install it first thing, before anything imports grpcio.
:func:`substitute` loads a standard module as its C accelerator, where that has
every public name of it.
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from collections.abc import Iterable, Mapping, Sequence
from importlib.machinery import ModuleSpec, PathFinder
from typing import Final, Protocol, cast

DEFERRED: Final = (
    "asyncio",
    "grpc.aio",
    "structlog.threadlocal",
    "structlog.dev",
    "structlog.stdlib",
    "google.protobuf.internal.python_message",
    "inspect",
    "pickle",
    "calendar",
    "ipaddress",
    "shutil",
    "json",
    "csv",
    "base64",
    "urllib.parse",
    "traceback",
    "linecache",
    "tokenize",
    "textwrap",
    "selectors",
    "pkgutil",
)
"""What the gateway entry point defers (the frontend image still holds them)."""

SUBSTITUTES: Final = {"datetime": "_datetime"}
"""Standard modules loaded as their C accelerator, which has every public name they
have: ``datetime`` (Python 3.11) first defines its whole pure-Python implementation,
then replaces each name with the C module's (a millisecond; protobuf's well-known
types and grpcio load it before the first Solve)."""

_LOCK = threading.RLock()
# Read without loading: the import system looks at these on every import statement.
_PASSIVE = frozenset({"__spec__", "__name__", "__class__", "__dict__", "__loader__"})


class _Loader(Protocol):  # importlib.abc.Loader, whose import costs importlib.resources
    def exec_module(self, module: types.ModuleType) -> None: ...


class _Placeholder(types.ModuleType):
    """A module whose code runs at the first access of anything but its identity.

    Another thread that reads it meanwhile waits until the code has run; the
    thread running it (a circular import) sees the module as it stands, as with
    any import.
    """

    def __getattribute__(self, attr: str) -> object:
        if attr in _PASSIVE:
            return object.__getattribute__(self, attr)
        namespace = object.__getattribute__(self, "__dict__")
        with _LOCK:
            found: _Found | None = namespace.pop("_deferred_spec", None)
            if found is not None:
                try:
                    spec = found.spec()
                    _adopt(self, spec)
                    cast(_Loader, spec.loader).exec_module(self)
                finally:
                    object.__setattr__(self, "__class__", types.ModuleType)
        return types.ModuleType.__getattribute__(self, attr)


class _Found:
    """Where a deferred module is, looked up at its first use.

    Not at its import: the standard library's zip importer reads and unmarshals a
    module's code just to give its spec a file name.
    """

    def __init__(self, name: str, path: Sequence[str] | None) -> None:
        self.name = name
        self.path = path

    def spec(self) -> ModuleSpec:
        spec = PathFinder.find_spec(self.name, self.path)
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError(f"No module named {self.name!r}", name=self.name)
        return spec


def _adopt(module: types.ModuleType, spec: ModuleSpec) -> None:
    """Give ``module`` the attributes the import system gives a module of ``spec``."""
    module.__spec__ = spec
    module.__loader__ = spec.loader
    module.__package__ = spec.parent
    if spec.submodule_search_locations is not None:
        module.__path__ = spec.submodule_search_locations
    if spec.has_location and spec.origin is not None:
        module.__file__ = spec.origin
        if spec.cached is not None:
            module.__dict__["__cached__"] = spec.cached


class _DeferringLoader:
    def __init__(self, found: _Found) -> None:
        self.found = found

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # the default module, made into a placeholder by exec_module

    def exec_module(self, module: types.ModuleType) -> None:
        module.__dict__["_deferred_spec"] = self.found
        module.__class__ = _Placeholder


class _DeferringFinder:
    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> ModuleSpec | None:
        if name not in self.names:
            return None
        loader = _DeferringLoader(_Found(name, path))
        return ModuleSpec(name, loader)  # type: ignore[arg-type]  # a Loader but for its base


def defer(names: Iterable[str] = DEFERRED) -> object:
    """Load ``names`` (pure-Python modules not imported yet) at their first use.

    One of them that does not exist fails there, not at its import.

    Returns the finder put first on ``sys.meta_path``.
    """
    finder = _DeferringFinder(names)
    sys.meta_path.insert(0, finder)
    return finder


def substitute(names: Mapping[str, str] = SUBSTITUTES) -> None:
    """Have ``import name`` give the module ``names[name]``, unless ``name`` is loaded."""
    for name, accelerator in names.items():
        if name not in sys.modules:
            sys.modules[name] = importlib.import_module(accelerator)
