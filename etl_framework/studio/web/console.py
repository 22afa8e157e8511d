"""The console's read side: the lists a Glue user finds in the AWS console, as JSON-ready dicts,
read from the profile's state dir (run history, bookmarks, workflow runs, scheduler logs), the
conf folder (crawlers, triggers, workflows) and the data catalog.

Only the catalog needs Spark (the embedded catalog is a Derby metastore in Spark's session
catalog): the session is started on the first catalog request, as ``etl catalog`` starts it, and
kept for the server's life.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...bookmarks.admin import describe_source
from ...bookmarks.store import BookmarkError, BookmarkStore
from ...catalog import Catalog, catalog_for
from ...catalog.model import Table
from ...config import Profile, conf_dir
from ...runtime.history import RunHistory, RunRecord
from ...runtime.workflow_runs import WorkflowRuns

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CRAWLER_PREFIX = "crawler:"  # a crawler's runs are recorded under this name (crawler/crawl.py)
LOG_DIRS = ("scheduler-logs", "studio-logs")  # the runs' output: the scheduler's children, the Studio's runs
LOG_TAIL_LINES = 200


def run_dict(record: RunRecord) -> dict[str, Any]:
    """A run as the console lists it: Glue's JobRun fields that matter, and the run's counts."""
    m = record.metrics
    return {
        "run_id": record.run_id,
        "job": record.job,
        "status": record.status,
        "started_at": record.started_at,
        "ended_at": record.ended_at,
        "duration": record.duration,
        "read": m.get("read", 0),
        "written": m.get("written", 0),
        "errors": m.get("errors", 0),
        "error": record.error,
        "trigger": record.trigger_name,
        "attempt": record.attempt,
        "workflow_run_id": record.workflow_run_id,
        "metrics": m,
    }


class Console:
    """The console of one profile; ``spark`` makes the session the catalog needs (called once)."""

    def __init__(self, profile: Profile, spark: Callable[[], SparkSession]):
        self.profile = profile
        self.state_dir = Path(profile.state_dir.removeprefix("file://"))
        self.history = RunHistory(profile.state_dir)
        self._spark = spark
        self._catalog: Catalog | None = None
        self._lock = threading.Lock()

    # --- jobs and runs ---------------------------------------------------------------------------

    def jobs(self) -> list[dict[str, Any]]:
        """Each job with runs, newest run first: its latest run and how many runs are kept."""
        out: dict[str, dict[str, Any]] = {}
        for record in self.history.list(limit=10_000):
            if record.job.startswith(CRAWLER_PREFIX):
                continue
            entry = out.setdefault(record.job, {"job": record.job, "runs": 0, "latest": run_dict(record)})
            entry["runs"] += 1
        return list(out.values())

    def runs(self, job: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        return [run_dict(r) for r in self.history.list(job, limit)]

    def run(self, run_id: str) -> dict[str, Any]:
        """One run with the tail of its log (when a scheduler or the Studio started it)."""
        try:
            record = self.history.get(run_id)
        except KeyError:
            raise LookupError(f"no run {run_id!r} in {self.history.path}") from None
        return {**run_dict(record), "args": record.args, "log": self.log_tail(run_id)}

    def log_tail(self, run_id: str, lines: int = LOG_TAIL_LINES) -> str | None:
        """The last lines of the run's output, or None when no log was kept."""
        if "/" in run_id or run_id.startswith("."):
            return None
        for folder in LOG_DIRS:
            path = self.state_dir / folder / f"{run_id}.log"
            if path.is_file():
                return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        return None

    # --- bookmarks -------------------------------------------------------------------------------

    def bookmarks(self) -> list[dict[str, Any]]:
        """Each job's latest bookmark version: per source (transformation_ctx) its state, described
        as ``etl bookmarks show`` describes it."""
        store = BookmarkStore(self.profile.state_dir)
        out = []
        for job in store.files.children(store.root):
            try:
                latest = store.latest(job)
            except BookmarkError as exc:
                out.append({"job": job, "error": str(exc), "sources": []})
                continue
            if latest is None:
                continue
            sources = [
                {"ctx": ctx, "type": state.get("type"), "state": describe_source(state)}
                for ctx, state in sorted(latest.sources.items())
            ]
            out.append(
                {
                    "job": job,
                    "version": latest.version,
                    "run_id": latest.run_id,
                    "committed_at": latest.committed_at,
                    "note": latest.note,
                    "sources": sources,
                }
            )
        return out

    # --- the data catalog ------------------------------------------------------------------------

    def catalog(self) -> Catalog:
        with self._lock:
            if self._catalog is None:
                spark = None if self.profile.catalog.backend == "glue" else self._spark()
                self._catalog = catalog_for(self.profile, spark)
            return self._catalog

    def databases(self) -> list[dict[str, Any]]:
        catalog = self.catalog()
        return [
            {"name": d.name, "description": d.description, "location": d.location_uri,
             "tables": [t.name for t in catalog.list_tables(d.name)]}
            for d in catalog.list_databases()
        ]  # fmt: skip

    def table(self, database: str, name: str) -> dict[str, Any]:
        """A table's columns, partition keys, location, format and partitions."""
        catalog = self.catalog()
        t: Table = catalog.get_table(database, name)
        partitions = catalog.list_partitions(database, name) if t.partition_keys else []
        return {
            "database": t.database,
            "name": t.name,
            "location": t.location,
            "format": t.classification,
            "description": t.description,
            "columns": [{"name": c.name, "type": c.type, "comment": c.comment} for c in t.columns],
            "partition_keys": [{"name": c.name, "type": c.type} for c in t.partition_keys],
            "partitions": [{"values": p.values, "location": p.location} for p in partitions],
            "parameters": t.parameters,
        }

    # --- crawlers, triggers, workflows -------------------------------------------------------------

    def crawlers(self) -> list[dict[str, Any]]:
        """The crawlers of ``conf/crawlers/`` and those with runs, each with its last crawl."""
        folder = conf_dir() / "crawlers"
        names = {p.stem for p in folder.glob("*.yaml")} if folder.is_dir() else set()
        runs = [r for r in self.history.list(limit=10_000) if r.job.startswith(CRAWLER_PREFIX)]
        names |= {r.job.removeprefix(CRAWLER_PREFIX) for r in runs}
        out = []
        for name in sorted(names):
            mine = [r for r in runs if r.job == CRAWLER_PREFIX + name]
            out.append(
                {
                    "name": name,
                    "defined": (folder / f"{name}.yaml").is_file(),
                    "crawls": len(mine),
                    "last_crawl": run_dict(mine[0]) if mine else None,
                }
            )
        return out

    def workflows(self) -> dict[str, Any]:
        """The triggers and workflows of the conf folder, each workflow with its runs."""
        from ...scheduler.definitions import load_definitions

        definitions = load_definitions()
        runs = WorkflowRuns(self.profile.state_dir)
        return {
            "triggers": [
                {"name": t.Name, "type": t.Type, "workflow": t.WorkflowName, "definition": t.to_api()}
                for _, t in sorted(definitions.triggers.items())
            ],
            "workflows": [
                {
                    "name": name,
                    "runs": [
                        {
                            "run_id": r.run_id,
                            "status": r.status,
                            "started_at": r.started_at,
                            "completed_at": r.completed_at,
                            "error": r.error,
                        }
                        for r in runs.list(name)
                    ],
                }  # fmt: skip
                for name in sorted(definitions.workflows)
            ],
        }

    def workflow_run(self, name: str, run_id: str | None) -> dict[str, Any]:
        """A workflow run's graph (Glue's WorkflowGraph: nodes with their state in the run, edges) and
        Statistics, as ``etl workflows show`` prints them; the latest run when ``run_id`` is None."""
        from ...scheduler.definitions import load_definitions
        from ...scheduler.workflows import run_view

        definitions = load_definitions()
        definitions.workflow(name)
        runs = WorkflowRuns(self.profile.state_dir)
        if run_id is None:
            found = runs.list(name)
            if not found:
                raise LookupError(f"workflow {name} has no runs yet")
            run_id = found[0].run_id
        view = run_view(definitions, runs, self.history, name, run_id)
        run = view.run
        return {
            "name": run.name,
            "run_id": run.run_id,
            "status": run.status,
            "started_at": run.started_at,
            "completed_at": run.completed_at,
            "error": run.error,
            "properties": run.properties,
            "previous_run_id": run.previous_run_id,
            "nodes": [
                {
                    "id": n.id,
                    "type": n.type,
                    "name": n.name,
                    "state": view.states[n.id][0],
                    "run_id": view.states[n.id][1],
                }
                for n in view.graph.nodes
            ],  # fmt: skip
            "edges": [{"source": s, "target": d} for s, d in view.graph.edges],
            "statistics": view.statistics,
        }
