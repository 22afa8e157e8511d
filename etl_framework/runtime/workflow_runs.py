"""Workflow runs: their status, run properties and the triggers fired in each, in
``<state_dir>/workflow_runs.db`` (SQLite, shared by the scheduler, ``etl workflows`` and the jobs
of a run, which read and put the run's properties).

A run is Glue's ``WorkflowRun``: an id ``wr_<64 hex>``, ``Status`` RUNNING, STOPPING, STOPPED,
COMPLETED or ERROR, ``WorkflowRunProperties`` (the workflow's DefaultRunProperties merged with the
properties it was started with), ``PreviousRunId`` for a resumed run. A job reads and changes the
properties of the run it is part of (``--WORKFLOW_NAME`` / ``--WORKFLOW_RUN_ID``) with
``workflow_run_properties()`` / ``put_workflow_run_properties()``, Glue's
``get_workflow_run_properties`` / ``put_workflow_run_properties``: a put merges into that run only.

    >>> from etl_framework.runtime.workflow_runs import WorkflowRuns
    >>> runs = WorkflowRuns(f"{tmp}/state")
    >>> run = runs.start("nightly", {"day": "d1"})
    >>> runs.put_properties("nightly", run.run_id, {"rows": "3"})
    >>> runs.properties("nightly", run.run_id)
    {'day': 'd1', 'rows': '3'}
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import EtlError
from .active import active_run
from .history import RunHistory

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS runs (run_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, "
    "started_at REAL NOT NULL, completed_at REAL, previous_run_id TEXT, properties TEXT NOT NULL, error TEXT, "
    "resume_nodes TEXT, batch TEXT)",
    "CREATE TABLE IF NOT EXISTS fired (run_id TEXT NOT NULL, trigger_name TEXT NOT NULL, "
    "PRIMARY KEY (run_id, trigger_name))",
)
_COLUMNS = "run_id, name, status, started_at, completed_at, previous_run_id, properties, error, resume_nodes, batch"
OPEN = ("RUNNING", "STOPPING")  # a run not ended yet


class WorkflowRunError(EtlError):
    """A workflow run that does not exist, or is in a state that does not allow the operation."""


@dataclass(frozen=True)
class WorkflowRun:
    """Glue's ``WorkflowRun`` (without its graph and statistics, which come from the run history)."""

    run_id: str
    name: str
    status: str
    started_at: float
    completed_at: float | None
    previous_run_id: str | None
    properties: dict[str, str]
    error: str | None = None
    resume_nodes: tuple[str, ...] = ()  # the nodes a resumed run starts with, instead of the start trigger
    batch: dict[str, int] | None = None  # StartingEventBatchCondition of a run an EVENT trigger started


def new_workflow_run_id() -> str:
    """Glue's shape: ``wr_`` and 64 hex digits."""
    return f"wr_{secrets.token_hex(32)}"


class WorkflowRuns:
    """``workflow_runs.db`` under a (local) state dir."""

    def __init__(self, state_dir: str):
        self.path = RunHistory(state_dir).path.parent / "workflow_runs.db"  # local, as the run history

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            for statement in _SCHEMA:
                conn.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise EtlError(f"{self.path}: cannot use the workflow runs: {exc}") from exc
        try:
            conn.execute("BEGIN IMMEDIATE")  # a check and its write in one transaction (concurrency limit)
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def start(
        self,
        name: str,
        properties: Mapping[str, str],
        max_concurrent: int | None = None,
        previous_run_id: str | None = None,
        resume_nodes: tuple[str, ...] = (),
        batch: dict[str, int] | None = None,
    ) -> WorkflowRun:
        """A new RUNNING run of workflow ``name``; beyond ``max_concurrent`` open runs, a run with
        status ERROR and Glue's message instead."""
        run_id = new_workflow_run_id()
        with self._db() as db:
            running = db.execute(
                "SELECT count(*) FROM runs WHERE name = ? AND status IN ('RUNNING', 'STOPPING')", (name,)
            ).fetchone()[0]
            refused = max_concurrent is not None and running >= max_concurrent
            status, error = (
                ("ERROR", f"Concurrent runs exceeded for workflow: {name}.") if refused else ("RUNNING", None)
            )
            now = time.time()
            db.execute(
                f"INSERT INTO runs ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    name,
                    status,
                    now,
                    now if refused else None,
                    previous_run_id,
                    json.dumps(dict(properties)),
                    error,
                    json.dumps(list(resume_nodes)),
                    json.dumps(batch) if batch else None,
                ),
            )
        return self.get(run_id)

    def get(self, run_id: str, name: str | None = None) -> WorkflowRun:
        """The run ``run_id`` (of workflow ``name``, when given); Glue's EntityNotFoundException otherwise."""
        with self._db() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None or (name is not None and row[1] != name):
            of = f" of workflow {name}" if name else ""
            raise WorkflowRunError(f"EntityNotFoundException: no workflow run {run_id}{of} in {self.path}")
        return _run(row)

    def list(self, name: str | None = None, status: tuple[str, ...] | None = None) -> list[WorkflowRun]:
        """Newest first."""
        clauses, params = [], []
        if name is not None:
            clauses.append("name = ?")
            params.append(name)
        if status:
            clauses.append(f"status IN ({', '.join('?' for _ in status)})")
            params += status
        where = f"WHERE {' AND '.join(clauses)} " if clauses else ""
        with self._db() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM runs {where}ORDER BY started_at DESC", params).fetchall()
        return [_run(row) for row in rows]

    def set_status(self, run_id: str, status: str) -> None:
        """STOPPING, or an end state (STOPPED, COMPLETED), which records the completion time."""
        ended = None if status in OPEN else time.time()
        with self._db() as db:
            db.execute("UPDATE runs SET status = ?, completed_at = ? WHERE run_id = ?", (status, ended, run_id))

    def properties(self, name: str, run_id: str) -> dict[str, str]:
        """Glue's GetWorkflowRunProperties."""
        return self.get(run_id, name).properties

    def put_properties(self, name: str, run_id: str, properties: Mapping[str, str]) -> None:
        """Glue's PutWorkflowRunProperties: each property is added or overrides its value in this run."""
        for key, value in properties.items():
            if not isinstance(key, str) or not 1 <= len(key) <= 255 or not isinstance(value, str):
                raise WorkflowRunError(
                    f"InvalidInputException: run property {key!r}: keys are 1-255 characters and values are "
                    f"strings, got {type(value).__name__}"
                )
        with self._db() as db:
            row = db.execute("SELECT name, properties FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None or row[0] != name:
                raise WorkflowRunError(f"EntityNotFoundException: no workflow run {run_id} of workflow {name}")
            merged = {**json.loads(row[1]), **properties}
            db.execute("UPDATE runs SET properties = ? WHERE run_id = ?", (json.dumps(merged), run_id))

    def fire(self, run_id: str, trigger: str) -> bool:
        """Record that ``trigger`` fired in the run; False when it had already (a trigger fires once
        per run, restarts of the scheduler included)."""
        with self._db() as db:
            cursor = db.execute("INSERT OR IGNORE INTO fired VALUES (?, ?)", (run_id, trigger))
            return cursor.rowcount == 1

    def fired(self, run_id: str) -> set[str]:
        with self._db() as db:
            return {row[0] for row in db.execute("SELECT trigger_name FROM fired WHERE run_id = ?", (run_id,))}


def _run(row: tuple) -> WorkflowRun:
    run_id, name, status, started, completed, previous, properties, error, nodes, batch = row
    return WorkflowRun(
        run_id,
        name,
        status,
        started,
        completed,
        previous,
        json.loads(properties),
        error,
        tuple(json.loads(nodes or "[]")),
        json.loads(batch) if batch else None,
    )


def _current(name: str | None, run_id: str | None) -> tuple[WorkflowRuns, str, str]:
    run = active_run()
    name = name or (run.workflow_name if run else None)
    run_id = run_id or (run.workflow_run_id if run else None)
    if run is None or not name or not run_id:
        job = f"job {run.job}" if run else "this code"
        raise WorkflowRunError(
            f"{job} is not part of a workflow run (no --WORKFLOW_NAME and --WORKFLOW_RUN_ID arguments): a workflow "
            "run's jobs get them (etl workflows run NAME)"
        )
    return WorkflowRuns(run.profile.state_dir), name, run_id


def workflow_run_properties(name: str | None = None, run_id: str | None = None) -> dict[str, str]:
    """The run properties of the workflow run this job is part of (or of ``name`` / ``run_id``)."""
    runs, name, run_id = _current(name, run_id)
    return runs.properties(name, run_id)


def put_workflow_run_properties(
    properties: Mapping[str, str], name: str | None = None, run_id: str | None = None
) -> None:
    """Add or override run properties of the workflow run this job is part of: the jobs that start
    after it in that run see them; other runs and the workflow's DefaultRunProperties do not change."""
    runs, name, run_id = _current(name, run_id)
    runs.put_properties(name, run_id, properties)
