"""Persistent (immutable, cheaply updated) collections for values a stage builds up.

A stage's variables and history grow one instruction at a time, and every
version is a value of its own (a later stage, or a check, may read any of them).
Copying on each change makes a stage of n instructions cost n², so:

- ``Vars`` is an ordered mapping kept as a version tree (Baker's trick): one
  version holds the table, every other one the change that leads from a
  neighbour to it. Reading or deriving from a version first moves the table
  there, undoing and redoing the changes on the way: O(1) for the version just
  derived or its parent, O(d) for one d changes away.
- ``Chain`` is an append-only sequence: O(1) to append an item or a block of
  them, O(n) once to list.
- ``evolve`` copies a frozen dataclass with a few fields changed, as
  ``dataclasses.replace`` does, without running ``__init__`` again.
- ``Overlay`` is a mapping made of writes (a ``Chain``): O(1) to add a few, the
  dict built once, when first read.

Neither is safe to share between threads while versions are derived.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def evolve(value: T, **changes: Any) -> T:
    """``dataclasses.replace`` for the frozen dataclasses a stage is built of (plain
    fields, no ``__post_init__``): a copy of ``value`` with ``changes``, several
    times cheaper, as each instruction makes a few."""
    old = value.__dict__
    copy = object.__new__(type(value))
    fields = copy.__dict__
    fields.update(old, **changes)
    assert len(fields) == len(old), f"not fields: {fields.keys() - old.keys()}"
    return copy


_ORDER = itertools.count()
"""Positions of entries: a later one sorts after (shared by every table)."""


class _ByContents:
    """Equality, hash and repr by contents (``_contents``), within one type."""

    __slots__ = ()

    def _contents(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _ByContents)
        return self._contents() == other._contents()

    def __hash__(self) -> int:
        return hash(self._contents())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self._contents())!r})"


class Vars(_ByContents, Mapping[K, V]):
    """An ordered mapping whose ``set`` returns a new version and leaves this one as is."""

    __slots__ = ("_entry", "_items", "_key", "_next", "_table")

    def __init__(self, items: Iterable[tuple[K, V]] = ()) -> None:
        table: dict[K, tuple[int, V]] = {}
        for key, value in items:
            table[key] = (next(_ORDER), value)
        self._table: dict[K, tuple[int, V]] | None = table
        self._next: Vars[K, V] | None = None
        self._key: K | None = None
        self._entry: tuple[int, V] | None = None
        self._items: tuple[tuple[K, V], ...] | None = None

    def _here(self) -> dict[K, tuple[int, V]]:
        """The table, moved to this version: ``key → (position, value)``."""
        if self._table is not None:
            return self._table
        path: list[Vars[K, V]] = []
        node: Vars[K, V] = self
        while node._table is None:
            path.append(node)
            assert node._next is not None
            node = node._next
        table = node._table
        for step in reversed(path):  # each step: its neighbour holds the table; take it over
            held = step._next
            assert held is not None
            key = step._key
            assert key is not None
            old = table.get(key)
            if step._entry is None:
                del table[key]
            else:
                table[key] = step._entry
            held._table, held._key, held._entry, held._next = None, key, old, step
            step._table, step._key, step._entry, step._next = table, None, None, None
        return table

    def set(self, key: K, value: V, *, in_place: bool = False) -> Vars[K, V]:
        """This mapping with ``key`` set: moved last (as Go's ``EnvList``), or kept
        where it was with ``in_place`` (as an image config's ``Env``)."""
        table = self._here()
        old = table.get(key)
        if old is not None and in_place and old[1] == value:
            return self
        table[key] = (old[0] if old is not None and in_place else next(_ORDER), value)
        new: Vars[K, V] = Vars.__new__(Vars)
        new._table, new._next, new._key, new._entry, new._items = table, None, None, None, None
        self._table, self._key, self._entry, self._next = None, key, old, new
        return new

    @overload
    def get(self, key: K, /) -> V | None: ...
    @overload
    def get(self, key: K, default: V | T, /) -> V | T: ...
    def get(self, key: K, default: Any = None, /) -> Any:
        entry = self._here().get(key)
        return default if entry is None else entry[1]

    def __getitem__(self, key: K) -> V:
        return self._here()[key][1]

    def __contains__(self, key: object) -> bool:
        return key in self._here()

    def items_tuple(self) -> tuple[tuple[K, V], ...]:
        """The entries in order (computed once per version)."""
        if self._items is None:
            ordered = sorted(self._here().items(), key=lambda kv: kv[1][0])
            self._items = tuple((k, v) for k, (_, v) in ordered)
        return self._items

    def __iter__(self) -> Iterator[K]:
        return (k for k, _ in self.items_tuple())

    def __len__(self) -> int:
        return len(self._here())

    def _contents(self) -> tuple[Any, ...]:
        return self.items_tuple()


class Chain(_ByContents, Sequence[T]):
    """An immutable sequence that grows at its end in O(1) (a block of items at a
    time); equal to any sequence with the same items."""

    __slots__ = ("_block", "_items", "_length", "_previous")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items: tuple[T, ...] | None = tuple(items)
        self._previous: Chain[T] | None = None
        self._block: tuple[T, ...] = ()
        self._length = len(self._items)

    def append(self, item: T) -> Chain[T]:
        return self._linked((item,))

    def extend(self, items: Iterable[T]) -> Chain[T]:
        block = tuple(items)
        return self._linked(block) if block else self

    def _linked(self, block: tuple[T, ...]) -> Chain[T]:
        """This chain and then ``block``, in one link."""
        link: Chain[T] = Chain.__new__(Chain)
        link._items, link._previous, link._block = None, self, block
        link._length = self._length + len(block)
        return link

    def to_tuple(self) -> tuple[T, ...]:
        """The items in order (computed once per version)."""
        if self._items is None:
            blocks: list[tuple[T, ...]] = []
            node: Chain[T] = self
            while node._items is None:
                blocks.append(node._block)
                assert node._previous is not None
                node = node._previous
            blocks.append(node._items)
            self._items = tuple(itertools.chain.from_iterable(reversed(blocks)))
        return self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self.to_tuple())

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if index == -1 and self._items is None:
            return self._block[-1]
        return self.to_tuple()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Chain | tuple | list):
            return len(self) == len(other) and self.to_tuple() == tuple(other)
        return NotImplemented

    __hash__ = _ByContents.__hash__

    def _contents(self) -> tuple[Any, ...]:
        return self.to_tuple()


class Overlay(Mapping[K, V], Generic[K, V]):
    """A mapping made of writes, a later write of a key winning; ``updated`` shares the
    writes before it, so adding a few costs the same however many came before."""

    __slots__ = ("_dict", "_writes")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        if isinstance(items, Overlay):
            self._writes: Chain[dict[K, V]] = items._writes
        else:
            block = dict(items)
            self._writes = Chain((block,) if block else ())
        self._dict: dict[K, V] | None = None

    def updated(self, items: Mapping[K, V] | Iterable[tuple[K, V]]) -> Overlay[K, V]:
        block = dict(items)
        out: Overlay[K, V] = Overlay()
        out._writes = self._writes.append(block) if block else self._writes
        return out

    def _view(self) -> dict[K, V]:
        if self._dict is None:
            view: dict[K, V] = {}
            for block in self._writes:
                view.update(block)
            self._dict = view
        return self._dict

    def __getitem__(self, key: K) -> V:
        return self._view()[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())

    def __bool__(self) -> bool:
        return bool(self._writes)  # without building the dict

    def __repr__(self) -> str:
        return f"Overlay({self._view()!r})"
