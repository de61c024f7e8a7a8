"""Persistent (immutable, cheaply updated) collections for values a stage builds up.

A stage's variables and history grow one instruction at a time, and every
version is a value of its own (a later stage may start from any of them).
Copying on each change makes a stage of n instructions cost n², so:

- ``Vars`` is an ordered mapping. Deriving a version from the newest one
  updates a shared table in place and logs how to undo it: O(1). Reading or
  deriving from an older version first copies the table and rolls it back.
- ``Chain`` is an append-only sequence: O(1) to append, O(n) once to list.

Neither is safe to share between threads while versions are derived.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class _Table(Generic[K, V]):
    """The newest version's entries (``key → (order, value)``, in order) and the undo log."""

    __slots__ = ("entries", "order", "undo")

    def __init__(self, entries: dict[K, tuple[int, V]], order: int) -> None:
        self.entries = entries
        self.order = order
        self.undo: list[tuple[K, tuple[int, V] | None]] = []


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

    __slots__ = ("_items", "_table", "_version")

    def __init__(self, items: Iterable[tuple[K, V]] = ()) -> None:
        table: _Table[K, V] = _Table({}, 0)
        self._table = table
        self._version = 0
        self._items: tuple[tuple[K, V], ...] | None = None
        for key, value in items:
            table.entries.pop(key, None)
            table.entries[key] = (table.order, value)
            table.order += 1

    @classmethod
    def _at(cls, table: _Table[K, V]) -> Vars[K, V]:
        view = cls.__new__(cls)
        view._table, view._version, view._items = table, len(table.undo), None
        return view

    def _current(self) -> _Table[K, V]:
        """The table holding this version: the shared one, or a copy rolled back."""
        table = self._table
        if self._version == len(table.undo):
            return table
        entries = dict(table.entries)
        for key, old in reversed(table.undo[self._version :]):
            if old is None:
                del entries[key]
            else:
                entries[key] = old
        ordered = dict(sorted(entries.items(), key=lambda kv: kv[1][0]))
        own: _Table[K, V] = _Table(ordered, table.order)
        self._table, self._version = own, 0
        return own

    def set(self, key: K, value: V, *, in_place: bool = False) -> Vars[K, V]:
        """This mapping with ``key`` set: moved last (as Go's ``EnvList``), or kept
        where it was with ``in_place`` (as an image config's ``Env``)."""
        table = self._current()
        entries = table.entries
        old = entries.get(key)
        if old is not None and old[1] == value and in_place:
            return self
        if old is not None and not in_place:
            del entries[key]
        entries[key] = (old[0] if old is not None and in_place else table.order, value)
        table.order += 1
        table.undo.append((key, old))
        return Vars._at(table)

    def __getitem__(self, key: K) -> V:
        return self._current().entries[key][1]

    def __contains__(self, key: object) -> bool:
        return key in self._current().entries

    def items_tuple(self) -> tuple[tuple[K, V], ...]:
        """The entries in order (computed once per version)."""
        if self._items is None:
            entries = self._current().entries
            self._items = tuple((k, v) for k, (_, v) in entries.items())
        return self._items

    def __iter__(self) -> Iterator[K]:
        return (k for k, _ in self.items_tuple())

    def __len__(self) -> int:
        return len(self.items_tuple())

    def _contents(self) -> tuple[Any, ...]:
        return self.items_tuple()


class Chain(_ByContents, Generic[T]):
    """An immutable sequence that grows at its end in O(1)."""

    __slots__ = ("_items", "_last", "_length", "_previous")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._items: tuple[T, ...] | None = tuple(items)
        self._previous: Chain[T] | None = None
        self._last: T | None = None
        self._length = len(self._items)

    def append(self, item: T) -> Chain[T]:
        link: Chain[T] = Chain.__new__(Chain)
        link._items, link._previous, link._last = None, self, item
        link._length = self._length + 1
        return link

    def to_tuple(self) -> tuple[T, ...]:
        """The items in order (computed once per version)."""
        if self._items is None:
            tail: list[T] = []
            node: Chain[T] = self
            while node._items is None:
                tail.append(node._last)  # type: ignore[arg-type]
                assert node._previous is not None
                node = node._previous
            self._items = node._items + tuple(reversed(tail))
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
        return self.to_tuple()[index]

    def _contents(self) -> tuple[Any, ...]:
        return self.to_tuple()
