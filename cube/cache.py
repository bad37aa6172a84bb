"""In-process result cache of the cube service, dropped whenever the data version changes.

pipeline/caches.py bumps the integer in var/cube/data_version on every build, publish and rollback.
``check()`` runs once per request: a ``stat`` of that file (a few µs); only when its mtime, size or inode
changed is the number read, and when the number changed the cache is cleared. Keys are the exact SQL
text and parameters of a statement plus the schema, so role restrictions (which are cuts in the SQL)
and releases (schemas) never share entries.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from foundation import settings


def version_file() -> Path:
    return settings.get().cube_data_version_file


class ResultCache:
    def __init__(self, max_entries: int = 5000) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._stat: tuple | None = None
        self.version: str | None = None
        self.hits = self.misses = self.clears = 0

    def check(self) -> str | None:
        """Clear the cache if the data version changed since the last check; returns the version."""
        path = version_file()
        try:
            st = path.stat()
            stat = (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            stat = None
        if stat != self._stat:
            try:
                version = path.read_text().strip() or None
            except FileNotFoundError:
                version = None
            with self._lock:
                if version != self.version:
                    self._data.clear()
                    self.clears += 1
                self.version, self._stat = version, stat
        return self.version

    def get(self, key: Any) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
            return None

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.clears += 1

    def stats(self) -> dict:
        return {"entries": len(self._data), "hits": self.hits, "misses": self.misses, "clears": self.clears,
                "data_version": self.version}


CACHE = ResultCache(settings.get().cube_cache_entries)
