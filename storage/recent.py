"""The most recently used values of a table, kept in memory by the one bot process that owns
its database (several instances keep nothing: another may have changed the row)."""

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Up to `size` values (0: none), the least recently used dropped first.

    A value read from the database is kept only if its key was not dropped since the read
    began (`begin_read` … `keep`), so a change made meanwhile is never hidden by the older
    value read before it. The drops of up to `size` keys are remembered; an older drop, or
    one by `drop_where`, counts as a drop of every key."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._drops = 0
        self._dropped: OrderedDict[K, int] = OrderedDict()  # each key's latest drop
        self._horizon = 0  # the latest drop of a key no longer in `_dropped`

    def __contains__(self, key: K) -> bool:
        return key in self._values

    def __getitem__(self, key: K) -> V:
        self._values.move_to_end(key)
        return self._values[key]

    def get(self, key: K) -> V | None:
        if key not in self._values:
            return None
        return self[key]

    def begin_read(self) -> int:
        return self._drops

    def keep(self, key: K, value: V, read_began: int | None = None) -> V:
        if self._size and (read_began is None or self._unchanged(key, read_began)):
            self._values[key] = value
            self._values.move_to_end(key)
            if len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def replace(self, key: K, value: V | None, write_began: int) -> None:
        """The value a write just stored, kept unless the key was dropped since the write
        began (`begin_read` before it); None: dropped. Reads under way are not kept."""
        unchanged = self._unchanged(key, write_began)
        self.drop(key)
        if unchanged and value is not None:
            self.keep(key, value)

    def drop(self, key: K) -> None:
        self._drops += 1
        self._values.pop(key, None)
        self._dropped[key] = self._drops
        self._dropped.move_to_end(key)
        if len(self._dropped) > max(self._size, 1):
            _, self._horizon = self._dropped.popitem(last=False)

    def drop_where(self, matches: Callable[[V], bool]) -> None:
        self._drops += 1
        self._horizon = self._drops
        for key in [key for key, value in self._values.items() if matches(value)]:
            del self._values[key]

    def _unchanged(self, key: K, since: int) -> bool:
        return self._horizon <= since and self._dropped.get(key, 0) <= since
