"""An immutable sequence that grows at the end without copying what it holds.

A stage's state is replaced at every instruction; what accumulates over a
stage (the history, the paths read, the shared-map writes) is a ``Chain``, so
that recording one more entry costs the same however many came before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
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
