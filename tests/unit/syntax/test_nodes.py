"""The raw node's own ``__init__`` against its dataclass fields."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from frontend.syntax.nodes import Node


def test_init_takes_the_fields_in_order_with_their_defaults() -> None:
    params = list(inspect.signature(Node).parameters.values())
    fields = dataclasses.fields(Node)
    assert [p.name for p in params] == [f.name for f in fields]
    defaults = [inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
                for f in fields]  # fmt: skip
    assert [p.default for p in params] == defaults


def test_init_stores_each_field_and_the_node_stays_frozen() -> None:
    names = [f.name for f in dataclasses.fields(Node)]
    node = Node(*names)  # type: ignore[arg-type]
    assert [getattr(node, name) for name in names] == names
    assert dataclasses.replace(node, cmd="RUN").cmd == "RUN"
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.cmd = "RUN"  # type: ignore[misc]
