"""kv: small named JSON documents (learned model state, index manifests, UI state)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .codec import dumps, now

if TYPE_CHECKING:
    from .db import Library


class KVStore:
    def __init__(self, lib: "Library"):
        self.lib = lib

    def get(self, key: str, default: Any = None) -> Any:
        row = self.lib.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set(self, key: str, value: Any) -> None:
        with self.lib.transaction() as c:
            c.execute("INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                      (key, dumps(value), now()))

    def delete(self, key: str) -> None:
        with self.lib.transaction() as c:
            c.execute("DELETE FROM kv WHERE key = ?", (key,))
