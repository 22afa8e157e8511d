"""What the scheduler decides: which triggers fire now, and what each of their actions runs with.

* SCHEDULED: due when the trigger's cron has a fire time after its last fire (or its activation)
  and at or before the scheduler's clock. Fire times missed while no scheduler ran are coalesced:
  the trigger fires once, and counts its next fire time from then.
* CONDITIONAL: each condition looks at the latest run of its job or crawler (a start refused with
  ``ConcurrentRunsExceededException`` is not a run); it holds when that run ended, in the named
  state, after the trigger was activated or last fired. AND: all hold; ANY: one does. A fire
  starts the count afresh, so a trigger fires once per completion of what it watches.
* Arguments: the job's DefaultArguments < the action's Arguments < the job's
  NonOverridableArguments, key by key, as Glue's StartJobRun merges them
  (``JobSettings.arguments_for``); a workflow run's jobs also get ``--WORKFLOW_NAME`` and
  ``--WORKFLOW_RUN_ID``.
* In a workflow run, a CONDITIONAL trigger of the workflow looks at the runs of that workflow run
  only, and fires at most once in it (``run_conditions_met``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..runtime.history import RunRecord
from ..runtime.modules import resolve_job
from .definitions import Action, Condition, Definitions, Trigger
from .state import TriggerState

DEFAULT_TIMEOUT_MINUTES = 480.0  # Glue 5.0's default job timeout
Latest = Callable[[str], "RunRecord | None"]  # a job's or crawler's name in the run history -> its newest run


@dataclass(frozen=True)
class Launch:
    """One run to start: a job (``etl run TARGET``) or a crawler (``etl crawl TARGET``)."""

    kind: str  # "job" or "crawler"
    name: str  # its name in the run history: the job's (its --JOB_NAME), or crawler:NAME
    target: str  # what `etl run` / `etl crawl` is given
    trigger: str | None
    arguments: dict[str, str] = field(default_factory=dict)
    timeout: float | None = None  # minutes
    max_retries: int = 0
    max_concurrent: int = 1
    attempt: int = 0
    previous_run_id: str | None = None
    workflow_run_id: str | None = None

    def argv(self) -> list[str]:
        """The job's ``--key value`` arguments (Glue's keys carry their ``--``)."""
        out: list[str] = []
        for key, value in self.arguments.items():
            out += [key if key.startswith("--") else f"--{key}", value]
        return out

    def retry(self, failed_run_id: str) -> Launch:
        """The next attempt of this launch, after the failed run ``failed_run_id``."""
        return replace(self, attempt=self.attempt + 1, previous_run_id=failed_run_id)


def launches(
    trigger: Trigger, definitions: Definitions, workflow_run_id: str | None = None, actions: list[Action] | None = None
) -> list[Launch]:
    """The runs a trigger's actions (or the ``actions`` given of them) start, in the order of its
    Actions; in workflow run ``workflow_run_id`` of the trigger's workflow."""
    chosen = trigger.Actions if actions is None else actions
    return [_launch(action, trigger, definitions, workflow_run_id) for action in chosen]


def _launch(action: Action, trigger: Trigger, definitions: Definitions, workflow_run_id: str | None) -> Launch:
    if action.CrawlerName is not None:
        name = crawl_name(action.CrawlerName)
        return Launch("crawler", name, action.CrawlerName, trigger.Name, workflow_run_id=workflow_run_id)
    settings = definitions.job_settings(action.JobName)  # type: ignore[arg-type]
    arguments = settings.arguments_for(action)
    if workflow_run_id is not None:  # as Glue passes them to a workflow's jobs
        arguments |= {"--WORKFLOW_NAME": trigger.WorkflowName or "", "--WORKFLOW_RUN_ID": workflow_run_id}
    return Launch(
        "job",
        settings.Name,
        action.JobName,  # type: ignore[arg-type]
        trigger.Name,
        arguments,
        action.Timeout or settings.Timeout or DEFAULT_TIMEOUT_MINUTES,
        settings.MaxRetries,
        settings.ExecutionProperty.MaxConcurrentRuns,
        workflow_run_id=workflow_run_id,
    )


def crawl_name(crawler: str) -> str:
    """A crawler's runs' name in the run history (``etl crawl`` records them so)."""
    return f"crawler:{crawler}"


def scheduled_due(trigger: Trigger, state: TriggerState, clock: datetime) -> bool:
    """Whether an active SCHEDULED trigger has a fire time after its last fire and by ``clock``."""
    counted_from = max((t for t in (state.last_fired, state.activated_at) if t is not None), default=None)
    if trigger.cron is None or counted_from is None:
        return False
    fire = trigger.cron.next_after(counted_from)
    return fire is not None and fire <= clock


def conditions_met(trigger: Trigger, state: TriggerState, latest: Latest) -> bool:
    """Whether an active CONDITIONAL trigger's predicate holds (see the module's text)."""
    if trigger.Predicate is None or state.since is None:
        return False
    return _predicate_holds(trigger, latest, state.since.timestamp())


def run_conditions_met(trigger: Trigger, latest_in_run: Latest) -> bool:
    """Whether a workflow's CONDITIONAL trigger's predicate holds in a workflow run, given the
    latest run of each node in that run."""
    return trigger.Predicate is not None and _predicate_holds(trigger, latest_in_run, None)


def _predicate_holds(trigger: Trigger, latest: Latest, since: float | None) -> bool:
    held = [_holds(c, since, latest) for c in trigger.Predicate.Conditions]  # type: ignore[union-attr]
    return any(held) if trigger.Predicate.Logical == "ANY" else all(held)  # type: ignore[union-attr]


def node_name(item: Action | Condition) -> str:
    """A job's or crawler's name in the run history (``resolve_job``'s name, or crawler:NAME)."""
    if item.JobName is not None:
        return resolve_job(item.JobName).name
    return crawl_name(item.CrawlerName)  # type: ignore[arg-type]


def _holds(condition: Condition, since: float | None, latest: Latest) -> bool:
    run = latest(node_name(condition))
    wanted = condition.State if condition.JobName is not None else condition.CrawlState
    ended_after = run is not None and run.ended_at is not None and (since is None or run.ended_at > since)
    return ended_after and run.status == wanted  # type: ignore[union-attr]
