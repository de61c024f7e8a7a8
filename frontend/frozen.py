"""``frozen``: a frozen dataclass, made in one step and with an ``__init__`` that
stores all its fields at once.

``dataclasses`` writes each method of a class as a text of its own, compiles it
(or takes its code from a store: ``frontend.gateway.codecache``) and runs it,
with much bookkeeping around: some 80 µs a class, a tenth of a build's CPU time
for the hundred-odd classes it loads. Its ``__init__`` for a frozen class sets
each field with a call of ``object.__setattr__``, a tenth of the parser's time.
``frozen`` writes the same methods (``__init__``, ``__repr__``, ``__eq__`` and
``__hash__``, the frozen ``__setattr__`` and ``__delattr__``; the ``__init__`` ends
with the class's ``__post_init__``, if it has one) as one text, run by
the ``exec`` that ``dataclasses`` runs (so that the store holds it too), and
records the fields as ``dataclasses`` does: ``dataclasses.fields``, ``replace``
and ``asdict`` read the class as any frozen dataclass, and a dataclass may
derive from it.
"""

from __future__ import annotations

import abc
import copy
import dataclasses
import reprlib
import sys
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_MISSING: Any = dataclasses.MISSING
# What ``dataclasses`` marks a field with: a field of the instances, or a class
# variable (listed among the fields, not in them).
_FIELD: Any = dataclasses._FIELD  # type: ignore[attr-defined]
_CLASSVAR: Any = dataclasses._FIELD_CLASSVAR  # type: ignore[attr-defined]
_PARAMS: dict[tuple[bool, bool], Any] = {}
"""``__dataclass_params__`` of a frozen class, by ``eq`` and ``order``."""
_ORDER = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"  # as dataclasses shows it in a signature


_FACTORY = _Factory()
"""The default of a parameter whose field has a ``default_factory``."""


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(cls: type[T], /) -> type[T]: ...


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen(*, eq: bool = True, order: bool = False) -> Callable[[type[T]], type[T]]: ...


def frozen(cls: type[T] | None = None, /, *, eq: bool = True, order: bool = False) -> Any:
    """``@dataclass(frozen=True)``, with an ``__init__`` that stores the fields at once;
    ``@frozen(eq=False)``: ``@dataclass(frozen=True, eq=False)`` (compared by identity);
    ``@frozen(order=True)``: ``@dataclass(frozen=True, order=True)``."""
    if order and not eq:
        raise ValueError("eq must be true if order is true")
    if cls is None:
        return lambda c: _frozen(c, eq, order)
    return _frozen(cls, eq, order)


def _frozen(cls: type[T], eq: bool, order: bool) -> type[T]:
    target: Any = cls  # gets the attributes of a dataclass
    fields = _fields(cls)
    own = [f for f in fields.values() if f._field_type is _FIELD]  # type: ignore[attr-defined]
    namespace: dict[str, object] = {
        "_FACTORY": _FACTORY,
        "_cls": cls,
        "_replace": dataclasses.replace,
        "__name__": cls.__module__,  # the methods' module, as with dataclasses
        "FrozenInstanceError": dataclasses.FrozenInstanceError,
    }
    text = _init_text(cls, own, namespace) + _methods_text(cls, own, eq, order)
    made: dict[str, Any] = {}
    run = vars(dataclasses).get("exec", exec)  # a code store may stand in for ``exec``
    run(text, namespace, made)
    made["__init__"].__annotations__ = {f.name: f.type for f in own} | {"return": None}
    made["__repr__"] = reprlib.recursive_repr()(made["__repr__"])
    target.__dataclass_params__ = _params(eq, order)
    target.__dataclass_fields__ = fields
    for name in ("__setattr__", "__delattr__", *(_ORDER if order else ())):
        if name in vars(cls):
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    hashes = eq and not _explicit_hash(cls)
    for name, method in made.items():
        method.__qualname__ = f"{cls.__qualname__}.{name}"
        if name == "__init__" or (name == "__hash__" and hashes) or name not in vars(cls):
            setattr(cls, name, method)
    if "__match_args__" not in vars(cls):
        target.__match_args__ = tuple(f.name for f in own)  # type: ignore[misc]
    if not cls.__doc__:
        _document(cls)
    abc.update_abstractmethods(cls)
    return cls


def _fields(cls: type) -> dict[str, dataclasses.Field[Any]]:
    """The fields of ``cls`` as ``dataclasses`` records them: its bases' first, then
    its own annotations' (with its class attributes set to their defaults)."""
    fields: dict[str, dataclasses.Field[Any]] = {}
    frozen_bases = []
    for base in cls.__mro__[-1:0:-1]:
        if (base_fields := getattr(base, "__dataclass_fields__", None)) is not None:
            fields.update(base_fields)
            frozen_bases.append(base.__dataclass_params__.frozen)  # type: ignore[attr-defined]
    if frozen_bases and not any(frozen_bases):
        raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
    if any(f.kw_only is True and f._field_type is _FIELD for f in fields.values()):  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__}: frozen takes no kw_only fields (from a base)")
    body = vars(cls)
    annotations = body.get("__annotations__", {})
    for name, kind in annotations.items():
        if name == "self":
            raise TypeError(f"{cls.__name__}: frozen takes no field named self")
        if _names(cls, kind, dataclasses.InitVar) or _names(cls, kind, dataclasses.KW_ONLY):
            raise TypeError(f"{cls.__name__}.{name}: frozen takes no InitVar or KW_ONLY")
        default = getattr(cls, name, _MISSING)  # a base's class attribute too
        f: Any = (
            default
            if isinstance(default, dataclasses.Field)
            else dataclasses.field(default=default)
        )
        f.name, f.type = name, kind
        f._field_type = _CLASSVAR if _names(cls, kind, ClassVar) else _FIELD
        if f._field_type is _FIELD:
            if f.kw_only is _MISSING:
                f.kw_only = False
            if f.kw_only or not f.init:
                raise TypeError(f"{cls.__name__}.{name}: frozen takes no kw_only or init=False")
            if f.default.__class__.__hash__ is None:
                raise ValueError(
                    f"mutable default {type(f.default)} for field {name} is not allowed:"
                    " use default_factory"
                )
        if isinstance(default, dataclasses.Field):
            if f.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
        fields[name] = f
    for name, value in body.items():
        if isinstance(value, dataclasses.Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    return fields


def _names(cls: type, kind: object, wanted: object) -> bool:
    """Whether the annotation ``kind`` is ``wanted`` or ``wanted[...]`` (``ClassVar``,
    ``InitVar``, ``KW_ONLY``); a text, as the frontend's annotations are, names it in
    the module of ``cls``."""
    if isinstance(kind, str):
        name, _, _ = kind.partition("[")
        head, _, tail = name.strip().rpartition(".")
        namespace = vars(sys.modules[cls.__module__])
        found = namespace.get(tail) if not head else getattr(namespace.get(head), tail, None)
        return found is wanted
    origin = kind.__class__ if isinstance(kind, dataclasses.InitVar) else None
    return kind is wanted or getattr(kind, "__origin__", None) is wanted or origin is wanted


def _init_text(cls: type, own: list[dataclasses.Field[Any]], namespace: dict[str, object]) -> str:
    """The text of ``__init__``: a parameter per field, with its default (put in
    ``namespace``), all stored into the instance's ``__dict__`` at once."""
    params, stores = ["self"], ["__d = self.__dict__"]  # no field can be named __d
    defaulted = False
    for f in own:
        value = f.name
        if f.default is not _MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
            defaulted = True
        elif f.default_factory is not _MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            value = f"_factory_{f.name}() if {f.name} is _FACTORY else {f.name}"
            defaulted = True
        elif defaulted:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
        else:
            params.append(f.name)
        stores.append(f"__d[{f.name!r}] = {value}")
    if hasattr(cls, "__post_init__"):
        stores.append("self.__post_init__()")
    return f"def __init__({', '.join(params)}):\n    " + "\n    ".join(stores) + "\n"


def _methods_text(cls: type, own: list[dataclasses.Field[Any]], eq: bool, order: bool) -> str:
    """``__repr__``, the frozen ``__setattr__`` and ``__delattr__``, with ``eq``
    ``__eq__`` and ``__hash__``, with ``order`` ``__lt__`` and the other comparisons,
    as ``dataclasses`` writes them."""
    shown = ", ".join(f"{f.name}={{self.{f.name}!r}}" for f in own if f.repr)
    names = "".join(f"{f.name!r}, " for f in own)
    text = (
        "def __repr__(self):\n"
        f'    return self.__class__.__qualname__ + f"({shown})"\n'
        "def __setattr__(self, name, value):\n"
        f"    if type(self) is _cls or name in ({names}):\n"
        '        raise FrozenInstanceError(f"cannot assign to field {name!r}")\n'
        "    super(_cls, self).__setattr__(name, value)\n"
        "def __delattr__(self, name):\n"
        f"    if type(self) is _cls or name in ({names}):\n"
        '        raise FrozenInstanceError(f"cannot delete field {name!r}")\n'
        "    super(_cls, self).__delattr__(name)\n"
        "def __replace__(self, /, **changes):\n"  # copy.replace (Python 3.13)
        "    return _replace(self, **changes)\n"
    )
    compared = [f.name for f in own if f.compare]
    comparisons = ({"__eq__": "=="} if eq else {}) | (_ORDER if order else {})
    for name, operator in comparisons.items():
        text += (
            f"def {name}(self, other):\n"
            "    if other.__class__ is self.__class__:\n"
            f"        return {_tuple('self', compared)} {operator} {_tuple('other', compared)}\n"
            "    return NotImplemented\n"
        )
    if eq:
        hashed = [f.name for f in own if (f.compare if f.hash is None else f.hash)]
        text += f"def __hash__(self):\n    return hash({_tuple('self', hashed)})\n"
    return text


def _tuple(owner: str, names: list[str]) -> str:
    return "(" + "".join(f"{owner}.{name}," for name in names) + ")"


def _explicit_hash(cls: type) -> bool:
    """Whether the class body defines ``__hash__`` (not the ``None`` that defining
    ``__eq__`` sets)."""
    body = vars(cls)
    return "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)


def _params(eq: bool, order: bool) -> object:
    """``__dataclass_params__`` for a frozen class: those ``dataclasses`` gives a frozen
    class with no fields, with ``eq`` and ``order`` set (one such class made)."""
    if not _PARAMS:
        shape = type("_Frozen", (), {"__doc__": "A class with no fields."})
        template: type = dataclasses.dataclass(frozen=True)(shape)
        _PARAMS[True, False] = vars(template)["__dataclass_params__"]
    if (eq, order) not in _PARAMS:
        params = copy.copy(_PARAMS[True, False])
        params.eq, params.order = eq, order
        _PARAMS[eq, order] = params
    return _PARAMS[eq, order]


def _document(cls: type) -> None:
    """A class without a docstring gets its signature, as ``dataclasses`` gives it."""
    import inspect

    try:
        signature = str(inspect.signature(cls)).replace(" -> None", "")
    except (TypeError, ValueError):
        signature = ""
    cls.__doc__ = cls.__name__ + signature
