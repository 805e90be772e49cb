"""Values kept in one web process: the one per-process memo of the platform.

What a page reads from many rows and what changes rarely (a profile's page, a person's Mon espace)
is kept here, keyed by everything it depends on, above all by a version token that changes when
its data change (directory.facets.current_version, cops.dataversions.tokens). The least recently
used entries go past `max_entries`; none is served older than `max_age` seconds, which bounds what
time alone changes (a meeting becomes past) and what a token could miss.
"""

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
_every_memo: "weakref.WeakSet[ProcessMemo]" = weakref.WeakSet()


class ProcessMemo:
    def __init__(self, *, max_entries: int, max_age: float):
        self.max_entries = max_entries
        self.max_age = max_age
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        _every_memo.add(self)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            found = self._kept.get(key)
            if found is not None and time.monotonic() - found[0] < self.max_age:
                self._kept.move_to_end(key)
                return found[1]
        value = compute()
        with self._lock:
            self._kept[key] = (time.monotonic(), value)
            self._kept.move_to_end(key)
            while len(self._kept) > self.max_entries:
                self._kept.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


def forget_everything_kept() -> None:
    """Empty every memo of this process (the tests start each from nothing)."""
    for memo in list(_every_memo):
        memo.clear()
