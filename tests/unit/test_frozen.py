"""``frozen`` classes: the ``__init__`` ``dataclasses`` would write, stored at once."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import InitVar  # noqa: F401 (an annotation below names it)
from typing import ClassVar

import pytest

from frontend.compiler.image import History
from frontend.frozen import frozen
from frontend.llb import graph
from frontend.syntax import ast
from frontend.syntax.nodes import Node

CLASSES = [
    Node,
    History,
    *(c for c in vars(ast).values() if dataclasses.is_dataclass(c)),
    *(c for c in vars(graph).values() if dataclasses.is_dataclass(c)),
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_init_takes_the_fields_in_order_with_their_defaults(cls: type) -> None:
    params = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.annotation for p in params] == [f.type for f in fields]
    for param, field in zip(params, fields, strict=True):
        if field.default is not dataclasses.MISSING:
            assert param.default is field.default
        elif field.default_factory is dataclasses.MISSING:
            assert param.default is inspect.Parameter.empty
        else:
            assert repr(param.default) == "<factory>"


def test_init_stores_each_field_and_the_instance_stays_frozen() -> None:
    names = [f.name for f in dataclasses.fields(Node)]
    node = Node(*names)  # type: ignore[arg-type]
    assert [getattr(node, name) for name in names] == names
    assert dataclasses.replace(node, cmd="RUN").cmd == "RUN"
    assert node == Node(*names) and hash(node) == hash(Node(*names))  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.cmd = "RUN"  # type: ignore[misc]


def test_a_default_factory_makes_a_value_per_instance() -> None:
    location = ast.Location(1, 1)
    assert ast.Cmd(location, "CMD").command == ast.ShellCommand("")
    given = ast.ExecCommand(("a",))
    assert ast.Cmd(location, "CMD", command=given).command is given


def test_init_ends_with_post_init() -> None:
    @frozen
    class Sorted:
        """Its items sorted once stored."""

        items: tuple[int, ...]

        def __post_init__(self) -> None:
            object.__setattr__(self, "items", tuple(sorted(self.items)))

    assert Sorted((3, 1, 2)).items == (1, 2, 3)


def test_refuses_what_it_does_not_write() -> None:
    class Late:
        """A keyword-only field."""

        x: int = dataclasses.field(kw_only=True)

    with pytest.raises(TypeError, match="kw_only"):
        frozen(Late)


def test_eq_false_compares_by_identity() -> None:
    @frozen(eq=False)
    class Edge:
        to: str

    edge = Edge("a")
    assert edge != Edge("a") and edge == edge and hash(edge) == object.__hash__(edge)
    with pytest.raises(dataclasses.FrozenInstanceError):
        edge.to = "b"  # type: ignore[misc]


def _shapes() -> list[Callable[[], type]]:
    """Class bodies to make both ways (each call makes a fresh, undecorated class)."""

    def plain() -> type:
        class Plain:
            """Two fields and a class variable."""

            name: str
            size: int = 0
            KIND: ClassVar[str] = "plain"

        return Plain

    def options() -> type:
        class Options:
            """Fields with every option ``frozen`` takes."""

            name: str
            tags: tuple[str, ...] = dataclasses.field(default=(), compare=False)
            hidden: int = dataclasses.field(default=1, repr=False)
            unhashed: str = dataclasses.field(default="", hash=False)
            made: tuple[int, ...] = dataclasses.field(default_factory=tuple, metadata={"k": "v"})

        return Options

    def undocumented() -> type:
        class Undocumented:
            name: str = ""

        return Undocumented

    def own_methods() -> type:
        class OwnMethods:
            """Its own ``__repr__`` and ``__eq__`` stay."""

            name: str

            def __repr__(self) -> str:
                return "own"

            def __eq__(self, other: object) -> bool:
                return True

        return OwnMethods

    return [plain, options, undocumented, own_methods]


def _made(cls: type, values: list[str]) -> object:
    """An instance of a dataclass made without an ``__init__``."""
    made = cls.__new__(cls)
    for f, value in zip(dataclasses.fields(cls), values, strict=True):
        object.__setattr__(made, f.name, value)
    return made


def _field_facts(cls: type) -> list[tuple[object, ...]]:
    return [
        (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare)
        + (f.metadata, f.kw_only, f._field_type)  # type: ignore[attr-defined]
        for f in vars(cls)["__dataclass_fields__"].values()
    ]


@pytest.mark.parametrize("shape", _shapes(), ids=lambda s: s.__name__)
@pytest.mark.parametrize(("eq", "order"), [(True, False), (False, False), (True, True)])
def test_makes_the_class_dataclasses_makes(
    shape: Callable[[], type], eq: bool, order: bool
) -> None:
    ours = frozen(eq=eq, order=order)(shape())
    theirs = dataclasses.dataclass(frozen=True, eq=eq, order=order)(shape())
    assert _field_facts(ours) == _field_facts(theirs)
    assert repr(vars(ours)["__dataclass_params__"]) == repr(vars(theirs)["__dataclass_params__"])
    assert ours.__doc__ == dataclasses.dataclass(frozen=True, eq=eq, order=order)(shape()).__doc__
    assert ours.__match_args__ == theirs.__match_args__  # type: ignore[attr-defined]
    for name in ("__eq__", "__hash__", "__repr__", "__lt__", "__le__", "__gt__", "__ge__"):
        assert (name in vars(ours)) == (name in vars(theirs)), name
    values = [f"v{i}" for i, _ in enumerate(dataclasses.fields(theirs))]
    a, other = ours(*values), ours(*values)
    b, b_other = _made(theirs, values), _made(theirs, values)
    assert repr(a).replace(ours.__qualname__, "X") == repr(b).replace(theirs.__qualname__, "X")
    assert (a == other) == (b == b_other)
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert dataclasses.replace(a, name="x").name == "x"  # type: ignore[attr-defined]
    if order:
        later, b_later = ours("w", *values[1:]), _made(theirs, ["w", *values[1:]])
        assert [a < later, a <= later, a > later, a >= later] == [True, True, False, False]
        assert [b < b_later, b <= b_later, b > b_later, b >= b_later] == [True, True, False, False]
    assert (ours.__hash__ is None) == (theirs.__hash__ is None)
    if ours.__hash__ is not None:
        assert (hash(a) == hash(other)) == eq and (hash(a) == hash(b)) == eq
    for attempt in (lambda o: setattr(o, "name", 1), lambda o: delattr(o, "name")):
        with pytest.raises(dataclasses.FrozenInstanceError) as mine:
            attempt(a)
        with pytest.raises(dataclasses.FrozenInstanceError) as expected:
            attempt(b)
        assert str(mine.value) == str(expected.value)


def test_a_dataclass_may_derive_from_a_frozen_class() -> None:
    @frozen
    class Base:
        """A base."""

        name: str
        KIND: ClassVar[str] = "base"

    @dataclasses.dataclass(frozen=True)
    class Derived(Base):
        """Derived."""

        size: int = 0

    assert [f.name for f in dataclasses.fields(Derived)] == ["name", "size"]
    assert Derived("a", 1) == Derived("a", 1) and Derived.KIND == "base"

    class Loose(Base):
        """Not frozen."""

        size: int = 0

    with pytest.raises(TypeError, match="non-frozen dataclass from a frozen one"):
        dataclasses.dataclass(Loose)


def test_refuses_a_default_before_a_field_without_one() -> None:
    class Late:
        """A field without a default after one with."""

        size: int = 0
        name: str

    with pytest.raises(TypeError, match="non-default argument 'name'"):
        frozen(Late)


def test_a_field_named_again_in_a_subclass_keeps_its_default() -> None:
    @frozen
    class Base:
        """Base."""

        size: int = 3

    @frozen
    class Derived(Base):
        """The base's field, annotated again."""

        size: int

    assert Derived().size == 3 == dataclasses.dataclass(frozen=True)(type("D", (Base,), {
        "__annotations__": {"size": "int"}, "__doc__": "D."}))().size  # fmt: skip


def test_a_field_named_d_is_stored_and_replace_copies() -> None:
    @frozen
    class Pair:
        """Fields whose names an ``__init__`` might use itself."""

        d: int
        e: int = 0

    pair = Pair(3)
    assert (pair.d, pair.e) == (3, 0)
    assert pair.__replace__(e=5) == Pair(3, 5)  # type: ignore[attr-defined]


@pytest.mark.parametrize("annotation", ["InitVar[int]", "dataclasses.KW_ONLY", "int"])
def test_refuses_what_it_does_not_make(annotation: str) -> None:
    name = "self" if annotation == "int" else "x"
    shape = type("Shape", (), {"__annotations__": {name: annotation}, "__doc__": "A shape.",
                               "__module__": __name__})  # fmt: skip
    with pytest.raises(TypeError, match="frozen takes no"):
        frozen(shape)
