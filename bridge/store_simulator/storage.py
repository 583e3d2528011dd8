"""The simulator's own state: webservice objects, effect counters and a request log, in SQLite (stdlib sqlite3).

Objects are stored as JSON documents keyed by (resource, id), in the wire shape described in ``resources.py``.
One connection is shared by the server thread and by tests that construct the app, hence the lock.

Performance (the simulator must not be the bottleneck of a benchmark): the fields the webservice filters on in
every bridge call (``LOOKUP_FIELDS``: a product's reference, a stock row's product, a configuration's name...)
are copied, lower-cased, into the indexed ``lookups`` table on every write, so ``filter[reference]=[X]`` reads
the matching rows instead of JSON-decoding every product (and, per product, every stock row). A file store runs
in WAL mode with ``synchronous=NORMAL``: a commit is no longer an fsync (the simulator logs every request).
Measured during a 10-batch import (500 products, 20 ms injected latency) before the index: 94 % of the
simulator's CPU went to decoding every object of a list GET, and the import ran at 3 items/s.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    resource TEXT NOT NULL,
    id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (resource, id)
);
CREATE TABLE IF NOT EXISTS lookups (
    resource TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (resource, field, value, id)
);
CREATE INDEX IF NOT EXISTS lookups_by_object ON lookups (resource, id);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (name, key)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    content_type TEXT,
    body_kind TEXT NOT NULL,
    status INTEGER
);
"""


LOOKUP_FIELDS: dict[str, tuple[str, ...]] = {
    "products": ("reference",),
    "stock_availables": ("id_product",),
    "configurations": ("name",),
    "order_carriers": ("id_order",),
    "order_histories": ("id_order",),
}
"""Scalar fields kept in ``lookups`` (lower-cased ``str(value)``, the form the webservice's filters compare)."""


def lookup_value(value: Any) -> str:
    return str(value).lower()


class SimulatorStorage:
    """Objects, counters, events (e-mails sent) and the request log of one simulated store."""

    def __init__(self, db_path: str = ":memory:") -> None:
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        if db_path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._rebuild_lookups()

    def _rebuild_lookups(self) -> None:
        """Derive ``lookups`` from ``objects`` (a store file written before the table existed gets it here)."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.execute("DELETE FROM lookups")
                for resource in LOOKUP_FIELDS:
                    rows = self._conn.execute("SELECT data FROM objects WHERE resource = ?", (resource,)).fetchall()
                    for (data,) in rows:
                        self._index(resource, json.loads(data))
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def _index(self, resource: str, data: dict[str, Any]) -> None:
        """(Re)write the lookup rows of one object; the caller holds the lock."""
        fields = LOOKUP_FIELDS.get(resource)
        if not fields:
            return
        self._conn.execute("DELETE FROM lookups WHERE resource = ? AND id = ?", (resource, int(data["id"])))
        self._conn.executemany(
            "INSERT OR IGNORE INTO lookups (resource, field, value, id) VALUES (?, ?, ?, ?)",
            [(resource, name, lookup_value(data.get(name)), int(data["id"])) for name in fields],
        )

    # objects -------------------------------------------------------------------------------------------------
    def get(self, resource: str, object_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM objects WHERE resource = ? AND id = ?", (resource, object_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def get_many(self, resource: str, object_ids: list[int]) -> list[dict[str, Any]]:
        """The objects with these ids, by id (missing ids are skipped)."""
        if not object_ids:
            return []
        found: list[dict[str, Any]] = []
        with self._lock:
            for start in range(0, len(object_ids), 500):
                chunk = object_ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found += [json.loads(r[0]) for r in self._conn.execute(
                    f"SELECT data FROM objects WHERE resource = ? AND id IN ({marks})", (resource, *chunk)
                ).fetchall()]
        return sorted(found, key=lambda o: int(o["id"]))

    def is_indexed(self, resource: str, field: str) -> bool:
        return field in LOOKUP_FIELDS.get(resource, ())

    def find_ids(self, resource: str, field: str, values: list[str]) -> list[int]:
        """Ids of the objects whose ``field`` equals one of ``values`` case-insensitively (an indexed field)."""
        if not self.is_indexed(resource, field):
            raise ValueError(f"{resource}.{field} is not an indexed field")
        wanted = sorted({lookup_value(v) for v in values})
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        with self._lock:
            rows = self._conn.execute(
                f"SELECT DISTINCT id FROM lookups WHERE resource = ? AND field = ? AND value IN ({marks}) ORDER BY id",
                (resource, field, *wanted),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def find(self, resource: str, field: str, value: str) -> list[dict[str, Any]]:
        """The objects whose ``field`` is exactly ``value`` (case-sensitive, like Python ``==`` on str), by id."""
        return [o for o in self.get_many(resource, self.find_ids(resource, field, [value])) if str(o.get(field)) == value]

    def all(self, resource: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute("SELECT data FROM objects WHERE resource = ? ORDER BY id", (resource,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def insert(self, resource: str, data: dict[str, Any]) -> int:
        """Store a new object; its id is ``data["id"]`` when given, else the next free id (AUTO_INCREMENT-like)."""
        with self._lock:
            object_id = data.get("id")
            if not object_id:
                row = self._conn.execute("SELECT MAX(id) FROM objects WHERE resource = ?", (resource,)).fetchone()
                object_id = (row[0] or 0) + 1
            data = {**data, "id": int(object_id)}
            self._conn.execute("BEGIN")
            try:
                self._conn.execute(
                    "INSERT INTO objects (resource, id, data) VALUES (?, ?, ?)",
                    (resource, data["id"], json.dumps(data)),
                )
                self._index(resource, data)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return int(object_id)

    def replace(self, resource: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                cur = self._conn.execute(
                    "UPDATE objects SET data = ? WHERE resource = ? AND id = ?",
                    (json.dumps(data), resource, data["id"]),
                )
                if cur.rowcount:
                    self._index(resource, data)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def delete(self, resource: str, object_id: int) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM objects WHERE resource = ? AND id = ?", (resource, object_id))
            self._conn.execute("DELETE FROM lookups WHERE resource = ? AND id = ?", (resource, object_id))
        return cur.rowcount > 0

    # counters and events -------------------------------------------------------------------------------------
    def bump(self, name: str, key: str = "", by: int = 1) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO counters (name, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (name, key) DO UPDATE SET value = value + excluded.value",
                (name, key, by),
            )

    def counters(self) -> dict[str, dict[str, int]]:
        with self._lock:
            rows = self._conn.execute("SELECT name, key, value FROM counters ORDER BY name, key").fetchall()
        result: dict[str, dict[str, int]] = {}
        for name, key, value in rows:
            result.setdefault(name, {})[key] = value
        return result

    def add_event(self, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute("INSERT INTO events (kind, data) VALUES (?, ?)", (kind, json.dumps(data)))

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            if kind is None:
                rows = self._conn.execute("SELECT kind, data FROM events ORDER BY seq").fetchall()
            else:
                rows = self._conn.execute("SELECT kind, data FROM events WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
        return [{"kind": k, **json.loads(d)} for k, d in rows]

    # request log ---------------------------------------------------------------------------------------------
    def log_request(self, method: str, path: str, query: str, content_type: str | None, body_kind: str) -> int:
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO requests (method, path, query, content_type, body_kind) VALUES (?, ?, ?, ?, ?)",
                (method, path, query, content_type, body_kind),
            )
        return int(cur.lastrowid or 0)

    def set_request_status(self, seq: int, status: int) -> None:
        with self._lock:
            self._conn.execute("UPDATE requests SET status = ? WHERE seq = ?", (status, seq))

    def request_log(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT method, path, query, content_type, body_kind, status FROM requests ORDER BY seq"
            ).fetchall()
        return [
            {"method": m, "path": p, "query": q, "content_type": c, "body_kind": b, "status": s}
            for m, p, q, c, b, s in rows
        ]

    # whole store ---------------------------------------------------------------------------------------------
    def clear(self) -> None:
        with self._lock:
            for table in ("objects", "lookups", "counters", "events", "requests"):
                self._conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
