"""The scheduler's own state in the profile's state dir: trigger activation and fire times, fire
requests of ON_DEMAND triggers, the files EVENT triggers have seen, and the lock that admits one
scheduler per state dir.

``<state_dir>/scheduler.db`` (SQLite, shared with ``etl triggers start|stop``, which may run
while a scheduler does) and ``<state_dir>/scheduler.lock`` (an ``fcntl`` lock holding the pid).
Instants are UTC ``datetime``; ``since`` is wall time (when the trigger was activated or last
fired: the runs a CONDITIONAL trigger reacts to ended after it), ``last_fired`` the scheduler's
clock (``--at`` in ``etl scheduler --once``), which cron times are counted from.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO

from ..errors import EtlError
from ..runtime.history import RunHistory

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS triggers (name TEXT PRIMARY KEY, active INTEGER NOT NULL, "
    "activated_at TEXT, since TEXT, last_fired TEXT)",
    "CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY AUTOINCREMENT, trigger_name TEXT NOT NULL, "
    "requested_at TEXT NOT NULL)",
    # An EVENT trigger's watched files: seen_at on the scheduler's clock; batch is the workflow run
    # they started ('' for the files that were there when the watch began).
    "CREATE TABLE IF NOT EXISTS watches (trigger_name TEXT PRIMARY KEY, since TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS events (trigger_name TEXT NOT NULL, path TEXT NOT NULL, seen_at TEXT NOT NULL, "
    "batch TEXT, PRIMARY KEY (trigger_name, path))",
)


class SchedulerLockedError(EtlError):
    """Another scheduler runs on this state dir."""


@dataclass(frozen=True)
class TriggerState:
    """A trigger as the scheduler last left it; ``activated_at`` and ``last_fired`` on its clock."""

    name: str
    active: bool
    activated_at: datetime | None = None
    since: datetime | None = None
    last_fired: datetime | None = None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class SchedulerState:
    """``scheduler.db`` under a (local) state dir."""

    def __init__(self, state_dir: str):
        self.path = RunHistory(state_dir).path.parent / "scheduler.db"  # a local state dir, as the history's

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30)
            for statement in _SCHEMA:
                conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise EtlError(f"{self.path}: cannot use the scheduler's state: {exc}") from exc
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def get(self, name: str) -> TriggerState | None:
        with self._db() as db:
            row = db.execute(
                "SELECT name, active, activated_at, since, last_fired FROM triggers WHERE name = ?", (name,)
            ).fetchone()
        if row is None:
            return None
        return TriggerState(row[0], bool(row[1]), *(_instant(v) for v in row[2:]))

    def set_active(self, name: str, active: bool, clock: datetime) -> TriggerState:
        """Activate (``etl triggers start``, or ``StartOnCreation`` on first sight) or deactivate."""
        with self._db() as db:
            db.execute(
                "INSERT INTO triggers (name, active, activated_at, since) VALUES (?, ?, ?, ?) ON CONFLICT (name) "
                "DO UPDATE SET active = excluded.active, activated_at = excluded.activated_at, since = excluded.since",
                (name, int(active), clock.isoformat(), utc_now().isoformat()),
            )
        return self.get(name)  # type: ignore[return-value]

    def fired(self, name: str, clock: datetime) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO triggers (name, active, last_fired, since) VALUES (?, 0, ?, ?) ON CONFLICT (name) "
                "DO UPDATE SET last_fired = excluded.last_fired, since = excluded.since",
                (name, clock.isoformat(), utc_now().isoformat()),
            )

    def request(self, name: str) -> None:
        """Ask the scheduler to fire ON_DEMAND trigger ``name`` (``etl triggers start``)."""
        with self._db() as db:
            db.execute("INSERT INTO requests (trigger_name, requested_at) VALUES (?, ?)", (name, utc_now().isoformat()))

    def take_requests(self) -> list[str]:
        """The triggers asked for since the last call, oldest first; each request is taken once."""
        with self._db() as db:
            rows = db.execute("SELECT id, trigger_name FROM requests ORDER BY id").fetchall()
            db.execute("DELETE FROM requests WHERE id <= ?", (rows[-1][0] if rows else 0,))
        return [name for _, name in rows]

    def see(self, name: str, files: list[str], clock: datetime) -> list[tuple[str, datetime]]:
        """Record the files an EVENT trigger's watch finds now; the events not batched yet (path,
        seen at), oldest first. The files there when the watch begins are not events."""
        with self._db() as db:
            first = db.execute("SELECT 1 FROM watches WHERE trigger_name = ?", (name,)).fetchone() is None
            if first:
                db.execute("INSERT INTO watches VALUES (?, ?)", (name, clock.isoformat()))
            db.executemany(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?)",
                [(name, path, clock.isoformat(), "" if first else None) for path in files],
            )
            rows = db.execute(
                "SELECT path, seen_at FROM events WHERE trigger_name = ? AND batch IS NULL ORDER BY seen_at, path",
                (name,),
            ).fetchall()
        return [(path, datetime.fromisoformat(seen)) for path, seen in rows]

    def batched(self, name: str, paths: list[str], run_id: str) -> None:
        """Record that ``paths`` started workflow run ``run_id``: they are never events again."""
        with self._db() as db:
            db.executemany(
                "UPDATE events SET batch = ? WHERE trigger_name = ? AND path = ?", [(run_id, name, p) for p in paths]
            )


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class SchedulerLock:
    """One scheduler per state dir: an exclusive ``fcntl`` lock on ``scheduler.lock``, which says
    which process holds it. The lock ends with the process, however it ends."""

    def __init__(self, state_dir: str):
        self.path = RunHistory(state_dir).path.parent / "scheduler.lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # held open: the lock lasts as long as the scheduler
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise SchedulerLockedError(
                f"another scheduler runs on this state dir: {holder} holds {self.path}; stop it first "
                "(one scheduler per state dir)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {utc_now():%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.seek(0)
            self._file.truncate()
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
