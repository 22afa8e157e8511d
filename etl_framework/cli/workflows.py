"""``etl workflows list | run NAME [--property K=V] | show NAME [RUN_ID] | resume NAME RUN_ID NODE... |
stop NAME RUN_ID | export-airflow NAME -o FILE``: the workflows of ``conf/workflows/`` and their runs.

``run`` and ``resume`` start a workflow run (Glue's StartWorkflowRun / ResumeWorkflowRun). With no
scheduler on the state dir they run it in the foreground to its end, logging each node's start
and end, then print the run's graph and statistics: exit 0 when every node run succeeded, 1
otherwise. With a scheduler running, that scheduler runs it and the command returns at once.
Invalid definitions, a workflow run refused (MaxConcurrentRuns) or an unknown run exit 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError, EtlError
from ..logs import setup_logging
from .options import add_actions, child_options, profile_of

if TYPE_CHECKING:
    from ..runtime.workflow_runs import WorkflowRun
    from ..scheduler.definitions import Definitions

_UNSUCCESSFUL = ("TimeoutActions", "FailedActions", "StoppedActions", "ErroredActions")


def cmd_workflows(ns: argparse.Namespace) -> int:
    from ..scheduler.definitions import load_definitions

    try:
        definitions = load_definitions()
        if ns.action == "export-airflow":
            return _export(ns, definitions)
        if ns.action == "list":
            _list(ns, definitions)
            return 0
        definitions.workflow(ns.name)
        return {"run": _run, "resume": _resume, "show": _show, "stop": _stop}[ns.action](ns, definitions)
    except (EtlError, OSError) as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 1


def _export(ns: argparse.Namespace, definitions: Definitions) -> int:
    from ..scheduler.airflow import export_dag

    text = export_dag(definitions, ns.name, operator=ns.operator, profile=ns.env)
    out = Path(ns.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: the Airflow DAG {ns.name!r}")
    return 0


def _runs(ns: argparse.Namespace):
    from ..runtime.history import RunHistory
    from ..runtime.workflow_runs import WorkflowRuns

    state_dir = profile_of(ns).state_dir
    return WorkflowRuns(state_dir), RunHistory(state_dir)


def _run(ns: argparse.Namespace, definitions: Definitions) -> int:
    from ..scheduler.workflows import start_workflow_run

    properties = {}
    for item in ns.properties:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"--property {item!r}: expected KEY=VALUE")
        properties[key] = value
    runs, _ = _runs(ns)
    return _follow(ns, definitions, start_workflow_run(definitions, runs, ns.name, properties))


def _resume(ns: argparse.Namespace, definitions: Definitions) -> int:
    from ..runtime.workflow_runs import OPEN, WorkflowRunError
    from ..scheduler.workflows import graph, start_workflow_run

    runs, history = _runs(ns)
    previous = runs.get(ns.run_id, ns.name)
    if previous.status in OPEN:
        raise WorkflowRunError(
            f"IllegalWorkflowStateException: workflow run {previous.run_id} is {previous.status}: only an ended run "
            "can be resumed (stop it first: etl workflows stop)"
        )
    flow, ran = graph(definitions, ns.name), {r.job for r in history.in_workflow_run(previous.run_id)}
    nodes = [flow.node(text) for text in ns.nodes]
    for node in nodes:
        if node.name not in ran:
            raise WorkflowRunError(
                f"InvalidInputException: node {node.id} did not run in workflow run {previous.run_id}: only nodes "
                "with a run attempt in the original run can be resumed"
            )
    ids = tuple(dict.fromkeys(n.id for n in nodes))
    run = start_workflow_run(definitions, runs, ns.name, previous=previous, resume_nodes=ids)
    print(f"workflow {ns.name}: resuming run {previous.run_id} as run {run.run_id} from {', '.join(ids)}")
    return _follow(ns, definitions, run)


def _follow(ns: argparse.Namespace, definitions: Definitions, run: WorkflowRun) -> int:
    """Run a new workflow run to its end in the foreground, or leave it to the running scheduler."""
    from ..scheduler.loop import Scheduler
    from ..scheduler.state import SchedulerLockedError

    if run.status == "ERROR":
        print(f"etl: error: ConcurrentRunsExceededException: {run.error} (run {run.run_id})", file=sys.stderr)
        return 1
    print(f"workflow {run.name} run {run.run_id}: RUNNING", flush=True)
    profile = profile_of(ns)
    setup_logging(profile.log_level)
    try:
        Scheduler(profile, child_options(ns), definitions, workflows_only=True).run(once=True)
    except SchedulerLockedError as exc:
        print(f"{exc}: that scheduler runs it; see etl workflows show {run.name} {run.run_id}")
        return 0
    counts = _print_run(ns, definitions, run.run_id)
    return 1 if any(counts[key] for key in _UNSUCCESSFUL) else 0


def _show(ns: argparse.Namespace, definitions: Definitions) -> int:
    from ..runtime.workflow_runs import WorkflowRunError

    runs, _ = _runs(ns)
    run_id = ns.run_id
    if run_id is None:
        found = runs.list(ns.name)
        if not found:
            raise WorkflowRunError(f"workflow {ns.name} has no runs yet (etl workflows run {ns.name})")
        run_id = found[0].run_id
    _print_run(ns, definitions, run_id)
    return 0


def _print_run(ns: argparse.Namespace, definitions: Definitions, run_id: str) -> dict[str, int]:
    """The run's status, properties, graph with each node's state in it, and Statistics."""
    from ..scheduler.workflows import run_view

    runs, history = _runs(ns)
    view = run_view(definitions, runs, history, ns.name, run_id)
    run = view.run
    ended = f", completed {_when(run.completed_at)}" if run.completed_at else ""
    print(f"workflow {run.name} run {run.run_id}: {run.status} (started {_when(run.started_at)}{ended})")
    if run.previous_run_id:
        print(f"  resumes run {run.previous_run_id} from {', '.join(run.resume_nodes)}")
    if run.batch:
        print("  started by an event batch: " + ", ".join(f"{k}={v}" for k, v in run.batch.items()))
    if run.error:
        print(f"  error: {run.error}")
    print("  run properties: " + (", ".join(f"{k}={v}" for k, v in sorted(run.properties.items())) or "none"))
    rows = [("NODE", "TYPE", "STATE", "RUN ID")]
    for node in view.graph.nodes:
        state, node_run = view.states[node.id]
        rows.append((node.id, node.type, state, node_run or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[3])
    print("  edges: " + ", ".join(f"{src} -> {dst}" for src, dst in view.graph.edges))
    print("  Statistics: " + " ".join(f"{k}={v}" for k, v in view.statistics.items()))
    return view.statistics


def _stop(ns: argparse.Namespace, definitions: Definitions) -> int:
    from ..runtime.history import ACTIVE
    from ..runtime.workflow_runs import WorkflowRunError

    runs, history = _runs(ns)
    run = runs.get(ns.run_id, ns.name)
    if run.status != "RUNNING":
        raise WorkflowRunError(
            f"IllegalWorkflowStateException: workflow run {run.run_id} is {run.status}: only a RUNNING run"
            " can be stopped"
        )
    running = [r for r in history.in_workflow_run(run.run_id) if r.status in ACTIVE]
    runs.set_status(run.run_id, "STOPPING" if running else "STOPPED")
    then = "; the scheduler stops its running jobs and crawlers" if running else ""
    print(f"workflow {run.name} run {run.run_id}: {'STOPPING' if running else 'STOPPED'}{then}")
    return 0


def _list(ns: argparse.Namespace, definitions: Definitions) -> None:
    runs, _ = _runs(ns)
    rows = [("NAME", "START TRIGGER", "MAX RUNS", "LATEST RUN", "STATUS")]
    for name, flow in sorted(definitions.workflows.items()):
        starts = [t for t in definitions.workflow_triggers(name) if t.Type != "CONDITIONAL"]
        start = ", ".join(f"{t.Name} ({t.Type})" for t in starts) or "none"
        latest = runs.list(name)[:1]
        rows.append(
            (
                name,
                start,
                str(flow.MaxConcurrentRuns or "no limit"),
                latest[0].run_id if latest else "-",
                latest[0].status if latest else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[4])


def _when(instant: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(instant))


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_actions(
        sub,
        "workflows",
        "run, show, resume and stop the workflows in conf/workflows/, or export one to Airflow",
        {
            "list": "each workflow, its start trigger and its latest run",
            "run": "start a workflow run (in the foreground when no scheduler is running)",
            "show": "a workflow run's graph, with each node's state, and its statistics (default: the latest run)",
            "resume": "run the given nodes of an ended run, and all downstream of them, as a new run",
            "stop": "stop a workflow run: its running jobs and crawlers are stopped, nothing more starts",
            "export-airflow": "write a workflow and its triggers as an Airflow DAG file",
        },
        cmd_workflows,
    )
    for action in ("run", "show", "resume", "stop", "export-airflow"):
        actions[action].add_argument("name", help="the workflow's name (conf/workflows/NAME.yaml)")
    actions["run"].add_argument(
        "--property",
        dest="properties",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a run property (over the workflow's DefaultRunProperties); may be repeated",
    )
    actions["show"].add_argument("run_id", nargs="?", help="the workflow run (default: the latest)")
    for action in ("resume", "stop"):
        actions[action].add_argument("run_id", help="the workflow run (wr_...)")
    actions["resume"].add_argument(
        "nodes", nargs="+", metavar="NODE", help="a job or crawler of the run (its name, or job:NAME / crawler:NAME)"
    )
    export = actions["export-airflow"]
    export.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the DAG file to write, e.g. dags/NAME.py"
    )
    export.add_argument(
        "--operator",
        default="bash",
        metavar="bash|spark-submit",  # checked by export_dag
        help="how job tasks run: `etl run` through BashOperator (default), or the launcher through"
        " SparkSubmitOperator (cluster profiles: --env standalone, emr, ...)",
    )
