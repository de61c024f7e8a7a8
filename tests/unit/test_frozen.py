"""``frozen`` classes: the ``__init__`` ``dataclasses`` would write, stored at once."""

from __future__ import annotations

import dataclasses
import inspect

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
    *(c for c in vars(graph).values() if dataclasses.is_dataclass(c) and c is not graph.ExecOp),
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


def test_refuses_what_it_does_not_write() -> None:
    class Late:
        x: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="__post_init__"):
        frozen(Late)


def test_eq_false_compares_by_identity() -> None:
    @frozen(eq=False)
    class Edge:
        to: str

    edge = Edge("a")
    assert edge != Edge("a") and edge == edge and hash(edge) == object.__hash__(edge)
    with pytest.raises(dataclasses.FrozenInstanceError):
        edge.to = "b"  # type: ignore[misc]
