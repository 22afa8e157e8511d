"""Run history: one record per job or crawler run (job, run id, args, start, end, status, error,
counts, and for runs the scheduler starts: trigger, attempt, previous run id, workflow run id).

Kept in ``<state_dir>/runs.db`` (SQLite from the standard library), so the history of a laptop or
of a cluster's driver node survives the process and ``etl runs`` can list it. A run records the
process and host that run it: a run still ``RUNNING`` whose process on this host is gone (killed,
or its machine rebooted) is marked ``FAILED`` when the history is read. Error messages are stored
without credentials (``redaction.redact``).

The scheduler records a run as ``STARTING`` before it starts the child process (so that a
restarted scheduler never starts it twice); ``etl run`` or ``etl crawl`` in that child, given the
run id in ``$ETL_RUN_ID``, takes that record over instead of making its own.

    >>> from etl_framework.runtime.history import RunHistory
    >>> history = RunHistory(f"{tmp}/state")
    >>> run = history.start("orders", {"JOB_NAME": "orders"})
    >>> run = history.finish(run, "SUCCEEDED")
    >>> history.list("orders")[0].status
    'SUCCEEDED'
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..errors import ConfigError, EtlError
from ..redaction import redact

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id     TEXT PRIMARY KEY,
    job        TEXT NOT NULL,
    args       TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at   REAL,
    status     TEXT NOT NULL,
    error      TEXT,
    metrics    TEXT,
    pid        INTEGER,
    pid_start  TEXT,
    host       TEXT,
    exit_code  INTEGER,
    trigger_name TEXT,
    attempt    INTEGER,
    previous_run_id TEXT,
    workflow_run_id TEXT
)
"""
# Columns added after the first release, added to older files when they are opened.
_ADDED_COLUMNS = {"pid": "INTEGER", "pid_start": "TEXT", "host": "TEXT", "exit_code": "INTEGER"}
_ADDED_COLUMNS |= {
    "trigger_name": "TEXT",
    "attempt": "INTEGER",
    "previous_run_id": "TEXT",
    "workflow_run_id": "TEXT",
}
_COLUMNS = (
    "run_id, job, args, started_at, ended_at, status, error, metrics, pid, pid_start, host, exit_code, "
    "trigger_name, attempt, previous_run_id, workflow_run_id"
)
RUN_ID_VARIABLE = "ETL_RUN_ID"  # the scheduler's STARTING record an `etl run` or `etl crawl` child takes over
ACTIVE = ("STARTING", "RUNNING")  # a run not ended yet
_ACTIVE_SQL = "(" + ", ".join(f"'{state}'" for state in ACTIVE) + ")"


class RunHistoryError(EtlError):
    """``runs.db`` cannot be read or written."""


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
    pid: int | None = None
    pid_start: str | None = None  # the process's start time, to tell it from a later one with its pid
    host: str | None = None
    exit_code: int | None = None
    trigger_name: str | None = None  # Glue's JobRun.TriggerName
    attempt: int = 0  # Glue's JobRun.Attempt: 0, then 1, 2, ... for each retry
    previous_run_id: str | None = None  # the failed attempt this one retries
    workflow_run_id: str | None = None  # Glue's workflow run id (wr_...) of a workflow's node run

    @property
    def duration(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


def scheduled_run_id() -> str | None:
    """The run id the scheduler gave this process (``$ETL_RUN_ID``), taken once: the run's own
    child processes are other runs."""
    return os.environ.pop(RUN_ID_VARIABLE, None)


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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise RunHistoryError(f"{self.path}: cannot open the run history: {exc}") from exc
        try:
            conn.execute(_SCHEMA)
            present = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in present:
                    conn.execute(f"ALTER TABLE runs ADD COLUMN {column} {kind}")
            with conn:
                yield conn
        except sqlite3.OperationalError as exc:  # locked, read-only, disk full: the file itself is fine
            raise RunHistoryError(f"{self.path}: cannot use the run history: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise RunHistoryError(
                f"{self.path}: the run history is damaged ({exc}); move it aside to start a new one "
                f"(mv {self.path} {self.path}.damaged) and run again"
            ) from exc
        finally:
            conn.close()

    def start(self, job: str, args: dict, run_id: str | None = None) -> str:
        """Record a run as RUNNING in this process on this host; ``args`` must hold no secrets. A
        STARTING record of ``run_id`` (the scheduler's) is taken over, its trigger and attempt kept."""
        run_id, pid = run_id or new_run_id(), os.getpid()
        with self._db() as db:
            db.execute(
                "INSERT INTO runs (run_id, job, args, started_at, status, pid, pid_start, host) "
                "VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET status = 'RUNNING', "
                "args = excluded.args, pid = excluded.pid, pid_start = excluded.pid_start, host = excluded.host "
                "WHERE status = 'STARTING'",
                (run_id, job, json.dumps(args), time.time(), pid, process_start(pid), socket.gethostname()),
            )
        return run_id

    def intend(self, record: RunRecord) -> None:
        """Record a run the scheduler is about to start (status STARTING, no process yet), or one
        whose start it refused (status ERROR, ended)."""
        with self._db() as db:
            db.execute(
                "INSERT INTO runs (run_id, job, args, started_at, ended_at, status, error, trigger_name, attempt, "
                "previous_run_id, workflow_run_id, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.run_id,
                    record.job,
                    json.dumps(record.args),
                    record.started_at,
                    record.ended_at,
                    record.status,
                    record.error,
                    record.trigger_name,
                    record.attempt,
                    record.previous_run_id,
                    record.workflow_run_id,
                    socket.gethostname(),
                ),
            )

    def started(self, run_id: str, pid: int) -> None:
        """Record the process a STARTING run runs in (the scheduler's child)."""
        with self._db() as db:
            db.execute(
                "UPDATE runs SET pid = ?, pid_start = ? WHERE run_id = ? AND pid IS NULL",
                (pid, process_start(pid), run_id),
            )

    def finish(
        self,
        run_id: str,
        status: str,
        error: str | None = None,
        metrics: dict | None = None,
        exit_code: int | None = None,
    ) -> RunRecord:
        """Record the end of a run; credentials in ``error`` are redacted."""
        with self._db() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, status = ?, error = ?, metrics = ?, exit_code = ? WHERE run_id = ?",
                (
                    time.time(),
                    status,
                    None if error is None else redact(error),
                    json.dumps(metrics or {}),
                    exit_code,
                    run_id,
                ),
            )
        return self.get(run_id)

    def get(self, run_id: str, settle: bool = True) -> RunRecord:
        """The run ``run_id``; ``settle=False`` as recorded, a RUNNING run of a dead process included."""
        records = self._select("WHERE run_id = ?", (run_id,), settle)
        if not records:
            raise KeyError(f"no run {run_id!r} in {self.path}")
        return records[0]

    def list(self, job: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Newest first."""
        where, params = ("WHERE job = ? ", (job,)) if job else ("", ())
        return self._select(where + "ORDER BY started_at DESC LIMIT ?", (*params, limit))

    def active(self, job: str | None = None) -> list[RunRecord]:
        """The runs (of ``job``) STARTING or RUNNING, oldest first."""
        where, params = ("AND job = ? ", (job,)) if job else ("", ())
        records = self._select(f"WHERE status IN {_ACTIVE_SQL} {where}ORDER BY started_at", params)
        return [r for r in records if r.status in ACTIVE]

    def in_workflow_run(self, workflow_run_id: str) -> list[RunRecord]:
        """The job and crawler runs of a workflow run, oldest first (refused starts included)."""
        return self._select("WHERE workflow_run_id = ? ORDER BY started_at", (workflow_run_id,))

    def latest(self, job: str) -> RunRecord | None:
        """The newest run of ``job``; a start that was refused (status ERROR) is not a run."""
        found = self._select("WHERE job = ? AND status != 'ERROR' ORDER BY started_at DESC LIMIT 1", (job,))
        return found[0] if found else None

    def _select(self, clause: str, params: tuple, settle: bool = True) -> list[RunRecord]:
        with self._db() as db:
            records = [_record(r) for r in db.execute(f"SELECT {_COLUMNS} FROM runs {clause}", params).fetchall()]
            return [self._settle(db, r) for r in records] if settle else records

    @staticmethod
    def _settle(db: sqlite3.Connection, record: RunRecord) -> RunRecord:
        """A RUNNING run whose process on this host has ended without recording its end is FAILED.
        A run on another host cannot be checked and stays RUNNING."""
        if record.status not in ACTIVE or record.pid is None or record.host != socket.gethostname():
            return record
        if process_alive(record.pid, record.pid_start):
            return record
        error = f"abandoned: process {record.pid} on {record.host} ended without recording the run's end (killed?)"
        db.execute(
            f"UPDATE runs SET status = 'FAILED', error = ?, ended_at = ? WHERE run_id = ? AND status IN {_ACTIVE_SQL}",
            (error, ended := time.time(), record.run_id),
        )
        return replace(record, status="FAILED", error=error, ended_at=ended)


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), None when unknown; ``None``
    also for a zombie (ended, not reaped yet)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] == "Z" else fields[19]


def process_alive(pid: int, started: str | None) -> bool:
    """Whether process ``pid`` is still the one that recorded a run; a process that reuses the id
    has another start time."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return started is None or process_start(pid) == started


def _record(row: tuple) -> RunRecord:
    run_id, job, args, started, ended, status, error, metrics, pid, pid_start, host, exit_code, *sched = row
    trigger, attempt, previous, workflow_run = sched
    return RunRecord(
        run_id,
        job,
        json.loads(args),
        started,
        ended,
        status,
        error,
        json.loads(metrics or "{}"),
        pid,
        pid_start,
        host,
        exit_code,
        trigger,
        attempt or 0,
        previous,
        workflow_run,
    )
