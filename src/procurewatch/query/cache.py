"""A small thread-safe least-recently-used map, for what the read-only explorer keeps between requests.

The explorer holds the store, and DuckDB's file lock keeps other writers out while it runs, so what
is kept here changes only with the server's own writes (review decisions), after which the server
drops the kept chart rows and procurement lists (web/review.py).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class LRU:
    """At most `size` entries; the least recently read or written goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
