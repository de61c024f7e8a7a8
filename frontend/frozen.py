"""``frozen``: a frozen dataclass whose ``__init__`` stores all its fields at once.

The ``__init__`` that ``dataclasses`` writes for a frozen class sets each field
with a call of ``object.__setattr__``; the parser makes a node and a few typed
objects per line, and those calls were a tenth of its time. The ``__init__``
written here takes the same parameters and defaults and stores the fields
straight into the instance's ``__dict__``. It is compiled by the ``exec`` that
``dataclasses`` runs, so that a store of the code ``dataclasses`` compiles
(``frontend.gateway.codecache``) holds it as well.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"  # as dataclasses shows it in a signature


_FACTORY = _Factory()
"""The default of a parameter whose field has a ``default_factory``."""


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T], /) -> type[T]: ...


@overload
def frozen(*, eq: bool = True) -> Callable[[type[T]], type[T]]: ...


def frozen(cls: type[T] | None = None, /, *, eq: bool = True) -> Any:
    """``@dataclass(frozen=True)``, with an ``__init__`` that stores the fields at once;
    ``@frozen(eq=False)``: ``@dataclass(frozen=True, eq=False)`` (compared by identity)."""
    if cls is None:
        return lambda c: _frozen(c, eq)
    return _frozen(cls, eq)


def _frozen(cls: type[T], eq: bool) -> type[T]:
    built: Any = dataclasses.dataclass(frozen=True, eq=eq, init=False)(cls)
    if hasattr(built, "__post_init__"):
        raise TypeError(f"{built.__name__}: frozen takes no __post_init__")
    names: dict[str, object] = {"_FACTORY": _FACTORY}
    params, stores = ["self"], ["d = self.__dict__"]
    fields = dataclasses.fields(built)
    for f in fields:
        if f.kw_only or not f.init:
            raise TypeError(f"{built.__name__}.{f.name}: frozen takes no kw_only or init=False")
        value = f.name
        if f.default is not dataclasses.MISSING:
            names[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            value = f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
        else:
            params.append(f.name)
        stores.append(f"d[{f.name!r}] = {value}")
    text = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(stores) + "\n"
    made: dict[str, Any] = {}
    run = vars(dataclasses).get("exec", exec)  # a code store may stand in for ``exec``
    run(text, names, made)
    init = made["__init__"]
    init.__qualname__ = f"{built.__qualname__}.__init__"
    # (the annotations dataclasses gives its own: signatures read the same)
    init.__annotations__ = {f.name: f.type for f in fields} | {"return": None}
    built.__init__ = init
    return cls
