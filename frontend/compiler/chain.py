"""Immutable collections that grow without copying what they hold.

A stage's state is replaced at every instruction; what accumulates over a
stage (the history, the paths read, the shared-map writes) is a ``Chain``, and
its labels, ports and volumes an ``Overlay``, so that recording one more entry
costs the same however many came before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class Chain(Sequence[T], Generic[T]):
    """Entries in the order added; ``append`` and ``extend`` share the entries before
    (each call adds one link holding what it adds)."""

    __slots__ = ("_before", "_items", "_len")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._before: Chain[T] | None = None
        self._items: tuple[T, ...] = tuple(items)
        self._len = len(self._items)

    def append(self, item: T) -> Chain[T]:
        return self.extend((item,))

    def extend(self, items: Iterable[T]) -> Chain[T]:
        added = tuple(items)
        if not added:
            return self
        link: Chain[T] = Chain(added)
        link._before, link._len = (self if self._len else None), self._len + len(added)
        return link

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[T]:
        parts: list[tuple[T, ...]] = []
        link: Chain[T] | None = self
        while link is not None:
            parts.append(link._items)
            link = link._before
        return itertools.chain.from_iterable(reversed(parts))

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if index == -1 and self._len:
            return self._items[-1]
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Chain({list(self)!r})"


K = TypeVar("K")
V = TypeVar("V")


class Overlay(Mapping[K, V], Generic[K, V]):
    """A mapping made of writes, a later write of a key winning; ``updated`` shares the
    writes before it, so adding a few costs the same however many came before (the
    dict is built once, when first read)."""

    __slots__ = ("_dict", "_writes")

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        if isinstance(items, Overlay):
            self._writes: Chain[tuple[K, V]] = items._writes
        else:
            self._writes = Chain(items.items() if isinstance(items, Mapping) else items)
        self._dict: dict[K, V] | None = None

    def updated(self, items: Iterable[tuple[K, V]]) -> Overlay[K, V]:
        out: Overlay[K, V] = Overlay()
        out._writes = self._writes.extend(items)
        return out

    def _view(self) -> dict[K, V]:
        if self._dict is None:
            self._dict = dict(self._writes)
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
