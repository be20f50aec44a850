"""Bounded least-recently-used maps: rendered results by bytes, file ids and requests by count."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """An LRU map bounded by a total ``budget`` measured with ``size`` (1 per entry by default)."""

    def __init__(self, budget: int, size: Callable[[V], int] = lambda _: 1) -> None:
        self.budget = budget
        self._size = size
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.used = 0
        self.hits = 0  # lookups by get() that found their key (read by /metrics)
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return item[0]

    def peek(self, key: K) -> V | None:
        """The value, without counting a lookup or refreshing its recency."""
        item = self._items.get(key)
        return None if item is None else item[0]

    def clear(self) -> None:
        self._items.clear()
        self.used = 0

    def discard(self, key: K) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self.used -= item[1]

    def put(self, key: K, value: V) -> None:
        self.discard(key)
        size = self._size(value)
        if size > self.budget:
            return
        self._items[key] = (value, size)
        self.used += size
        while self.used > self.budget:
            _, (_, dropped) = self._items.popitem(last=False)
            self.used -= dropped
