"""A workflow as Glue's ``WorkflowGraph`` (trigger, job and crawler nodes; edges trigger -> the
jobs and crawlers it starts -> the triggers watching them), and what a run of it looks like: each
node's latest run, the run's ``Statistics``, and the nodes a resume starts again.

Node ids are ``trigger:NAME``, ``job:NAME`` (the job's name in the run history) and
``crawler:NAME``; ``etl workflows resume`` also takes a bare job or crawler name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import ConfigError
from ..logs import get_logger
from ..runtime.history import RunHistory, RunRecord
from ..runtime.workflow_runs import WorkflowRun, WorkflowRuns
from .definitions import Action, Definitions, Trigger
from .engine import Latest, node_name

log = get_logger("scheduler")

# Glue's WorkflowRunStatistics, from the states of the runs of a workflow run.
STATISTICS = (
    "TotalActions",
    "TimeoutActions",
    "FailedActions",
    "StoppedActions",
    "SucceededActions",
    "RunningActions",
    "ErroredActions",
    "WaitingActions",
)
_COUNTED = {
    "TIMEOUT": "TimeoutActions",
    "FAILED": "FailedActions",
    "STOPPED": "StoppedActions",
    "CANCELLED": "StoppedActions",
    "SUCCEEDED": "SucceededActions",
    "STARTING": "RunningActions",
    "RUNNING": "RunningActions",
    "ERROR": "ErroredActions",
}


@dataclass(frozen=True)
class Node:
    id: str  # trigger:NAME, job:NAME or crawler:NAME
    type: str  # Glue's TRIGGER, JOB or CRAWLER
    name: str  # a trigger's name, or the job's or crawler's name in the run history (crawler:NAME)


@dataclass(frozen=True)
class Graph:
    """A workflow's nodes (its start trigger, then the others in name order, each followed by what
    it starts) and edges."""

    workflow: str
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]  # (SourceId, DestinationId)
    triggers: tuple[Trigger, ...]

    def node(self, text: str) -> Node:
        """The job or crawler node ``text`` names: its id, or a bare job or crawler name."""
        found = [
            n for n in self.nodes if n.type != "TRIGGER" and text in (n.id, n.name, n.name.removeprefix("crawler:"))
        ]
        if len(found) != 1:
            known = ", ".join(n.id for n in self.nodes if n.type != "TRIGGER")
            why = "names both a job and a crawler" if found else "is no job or crawler"
            raise ConfigError(f"node {text!r} {why} of workflow {self.workflow} (nodes: {known})")
        return found[0]

    def starter(self, node: Node) -> tuple[Trigger, Action]:
        """The trigger (and its action) that starts ``node`` in a run."""
        for trigger in self.triggers:
            for action in trigger.Actions:
                if _id(action) == node.id:
                    return trigger, action
        raise ConfigError(f"node {node.id}: no trigger of workflow {self.workflow} starts it")

    def downstream(self, nodes: Iterable[Node]) -> set[str]:
        """The triggers that, through the runs of ``nodes``, may fire (Glue's resume closure)."""
        out: set[str] = set()
        todo = [n.id for n in nodes]
        while todo:
            source = todo.pop()
            for src, dst in self.edges:
                if src == source and dst not in out:
                    if dst.startswith("trigger:"):
                        out.add(dst.removeprefix("trigger:"))
                    todo.append(dst)
        return out


def start_workflow_run(
    definitions: Definitions,
    runs: WorkflowRuns,
    workflow: str,
    properties: Mapping[str, str] | None = None,
    previous: WorkflowRun | None = None,
    resume_nodes: tuple[str, ...] = (),
    batch: dict[str, int] | None = None,
) -> WorkflowRun:
    """Glue's StartWorkflowRun (or, with ``previous``, ResumeWorkflowRun): a new run whose
    properties are the workflow's DefaultRunProperties (a resumed run: the previous run's) merged
    with ``properties``; refused with status ERROR beyond the workflow's MaxConcurrentRuns. The
    scheduler starts its nodes at its next tick."""
    flow = definitions.workflow(workflow)
    if not resume_nodes:
        definitions.start_trigger(workflow)
    base = previous.properties if previous else flow.DefaultRunProperties
    run = runs.start(
        workflow,
        {**base, **(properties or {})},
        flow.MaxConcurrentRuns,
        previous.run_id if previous else None,
        resume_nodes,
        batch,
    )
    if run.status == "ERROR":
        log.warning("workflow %s run %s not started: %s", workflow, run.run_id, run.error)
    return run


def graph(definitions: Definitions, workflow: str) -> Graph:
    """The graph of ``workflow`` (which must be defined)."""
    definitions.workflow(workflow)
    # The start trigger first, then the CONDITIONAL ones in name order.
    triggers = sorted(definitions.workflow_triggers(workflow), key=lambda t: t.Type == "CONDITIONAL")
    nodes: dict[str, Node] = {}
    edges: list[tuple[str, str]] = []
    for trigger in triggers:
        tid = f"trigger:{trigger.Name}"
        nodes[tid] = Node(tid, "TRIGGER", trigger.Name)
        for cond in trigger.Predicate.Conditions if trigger.Predicate else ():
            edges.append((_id(cond), tid))
        for action in trigger.Actions:
            nid = _id(action)
            nodes.setdefault(nid, Node(nid, "CRAWLER" if action.CrawlerName else "JOB", node_name(action)))
            edges.append((tid, nid))
    for src, _ in edges:  # a watched node no trigger of the workflow starts is still a node
        kind = "CRAWLER" if src.startswith("crawler:") else "JOB"
        nodes.setdefault(src, Node(src, kind, src if kind == "CRAWLER" else src.removeprefix("job:")))
    return Graph(workflow, tuple(nodes.values()), tuple(dict.fromkeys(edges)), tuple(triggers))


def _id(item: object) -> str:
    name = node_name(item)  # type: ignore[arg-type]
    return name if name.startswith("crawler:") else f"job:{name}"


def latest_in(chains: list[list[RunRecord]]) -> Latest:
    """The latest run of each node in a workflow run, given the runs of that run first and then,
    for a resumed run, those of the runs it resumes (a node not run again keeps its state)."""

    def latest(name: str) -> RunRecord | None:
        for records in chains:
            mine = [r for r in records if r.job == name]
            if mine:
                return max(mine, key=lambda r: r.started_at)
        return None

    return latest


def statistics(records: Iterable[RunRecord]) -> dict[str, int]:
    """Glue's ``Statistics`` of a workflow run from its job and crawler runs (each attempt counts)."""
    out = dict.fromkeys(STATISTICS, 0)
    for record in records:
        out["TotalActions"] += 1
        out[_COUNTED.get(record.status, "ErroredActions")] += 1
    return out


@dataclass(frozen=True)
class RunView:
    """A workflow run as ``etl workflows show`` and the Studio's console show it: the run, its
    workflow's graph, each node's state in the run (trigger: FIRED / NOT FIRED; job or crawler: its
    latest run's status and run id, or NOT STARTED) and Glue's ``Statistics``."""

    run: WorkflowRun
    graph: Graph
    states: dict[str, tuple[str, str | None]]  # node id -> (state, run id)
    statistics: dict[str, int]


def run_view(definitions: Definitions, runs: WorkflowRuns, history: RunHistory, name: str, run_id: str) -> RunView:
    """The run ``run_id`` of workflow ``name`` with its graph's states and statistics."""
    run = runs.get(run_id, name)
    records = history.in_workflow_run(run.run_id)
    latest = {r.job: r for r in records}  # oldest first: the last one stays
    fired = runs.fired(run.run_id)
    flow = graph(definitions, run.name)
    states: dict[str, tuple[str, str | None]] = {}
    for node in flow.nodes:
        if node.type == "TRIGGER":
            states[node.id] = ("FIRED" if node.name in fired else "NOT FIRED", None)
        else:
            record = latest.get(node.name)
            states[node.id] = (record.status, record.run_id) if record else ("NOT STARTED", None)
    return RunView(run, flow, states, statistics(records))
