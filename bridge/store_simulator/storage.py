"""The simulator's own state: webservice objects, effect counters and a request log, in SQLite (stdlib sqlite3).

Objects are stored as JSON documents keyed by (resource, id), in the wire shape described in ``resources.py``.
One connection is shared by the server thread and by tests that construct the app, hence the lock.
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


class SimulatorStorage:
    """Objects, counters, events (e-mails sent) and the request log of one simulated store."""

    def __init__(self, db_path: str = ":memory:") -> None:
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._conn.executescript(_SCHEMA)

    # objects -------------------------------------------------------------------------------------------------
    def get(self, resource: str, object_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM objects WHERE resource = ? AND id = ?", (resource, object_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

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
            self._conn.execute(
                "INSERT INTO objects (resource, id, data) VALUES (?, ?, ?)", (resource, data["id"], json.dumps(data))
            )
        return int(object_id)

    def replace(self, resource: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE objects SET data = ? WHERE resource = ? AND id = ?", (json.dumps(data), resource, data["id"])
            )

    def delete(self, resource: str, object_id: int) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM objects WHERE resource = ? AND id = ?", (resource, object_id))
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
            for table in ("objects", "counters", "events", "requests"):
                self._conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
