"""Run history: one record per job run (job, run id, args, start, end, status, error, counts).

Kept in ``<state_dir>/runs.db`` (SQLite from the standard library), so the history of a laptop or
of a cluster's driver node survives the process and ``etl runs`` can list it.

    >>> from etl_framework.runs import RunHistory
    >>> history = RunHistory("/tmp/etl-doc-state")
    >>> run = history.start("orders", {"JOB_NAME": "orders"})
    >>> history.finish(run, "SUCCEEDED")
    >>> history.list("orders")[0].status
    'SUCCEEDED'
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .errors import ConfigError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY,
    job        TEXT NOT NULL,
    args       TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at   REAL,
    status     TEXT NOT NULL,
    error      TEXT,
    metrics    TEXT
)
"""


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    job: str
    args: dict
    started_at: float
    ended_at: float | None
    status: str
    error: str | None
    metrics: dict

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


def new_run_id() -> str:
    """Glue-style run id (``jr_`` + sortable UTC time + random suffix)."""
    return f"jr_{datetime.now(timezone.utc):%Y%m%dT%H%M%S}_{secrets.token_hex(4)}"


class RunHistory:
    """SQLite-backed history of job runs under a state directory."""

    def __init__(self, state_dir: str):
        local = state_dir[len("file://") :] if state_dir.startswith("file://") else state_dir
        if "://" in local:
            raise ConfigError(
                f"state_dir {state_dir!r}: the run history needs a local directory on the driver "
                "(use client deploy mode and a local state_dir)"
            )
        self.path = Path(local) / "runs.db"

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.execute(_SCHEMA)
            with conn:
                yield conn
        finally:
            conn.close()

    def start(self, job: str, args: dict, run_id: str | None = None) -> str:
        run_id = run_id or new_run_id()
        with self._db() as db:
            db.execute(
                "INSERT INTO runs (run_id, job, args, started_at, status) VALUES (?, ?, ?, ?, 'RUNNING')",
                (run_id, job, json.dumps(args), time.time()),
            )
        return run_id

    def finish(self, run_id: str, status: str, error: str | None = None, metrics: dict | None = None) -> RunRecord:
        with self._db() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, status = ?, error = ?, metrics = ? WHERE run_id = ?",
                (time.time(), status, error, json.dumps(metrics or {}), run_id),
            )
        return self.get(run_id)

    def get(self, run_id: str) -> RunRecord:
        with self._db() as db:
            row = db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id!r} in {self.path}")
        return _record(row)

    def list(self, job: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Newest first."""
        query = "SELECT * FROM runs" + (" WHERE job = ?" if job else "") + " ORDER BY started_at DESC LIMIT ?"
        params = (job, limit) if job else (limit,)
        with self._db() as db:
            return [_record(r) for r in db.execute(query, params).fetchall()]


def _record(row: tuple) -> RunRecord:
    run_id, job, args, started, ended, status, error, metrics = row
    return RunRecord(run_id, job, json.loads(args), started, ended, status, error, json.loads(metrics or "{}"))
