"""The most recently used values of a table, kept in memory by the one bot process that owns
its database (several instances keep nothing: another may have changed the row)."""

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Up to `size` values (0: none), the least recently used dropped first.

    A value read from the database is kept only if nothing was dropped since the read
    began (`begin_read` … `keep`), so a change made meanwhile is never hidden by the older
    value read before it."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._drops = 0

    def __contains__(self, key: K) -> bool:
        return key in self._values

    def __getitem__(self, key: K) -> V:
        self._values.move_to_end(key)
        return self._values[key]

    def begin_read(self) -> int:
        return self._drops

    def keep(self, key: K, value: V, read_began: int | None = None) -> V:
        if self._size and (read_began is None or read_began == self._drops):
            self._values[key] = value
            self._values.move_to_end(key)
            if len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def drop(self, key: K) -> None:
        self._drops += 1
        self._values.pop(key, None)

    def drop_where(self, matches: Callable[[V], bool]) -> None:
        self._drops += 1
        for key in [key for key, value in self._values.items() if matches(value)]:
            del self._values[key]
