"""Trigger, workflow and job-setting definitions as files, in the shapes of Glue's API.

::

    conf/triggers/NAME.yaml    CreateTrigger's fields (Type, Schedule, Predicate, Actions, ...)
    conf/workflows/NAME.yaml   CreateWorkflow's fields (DefaultRunProperties, MaxConcurrentRuns, ...)
    conf/jobs/NAME.yaml        CreateJob's run settings (DefaultArguments, NonOverridableArguments,
                               MaxRetries, Timeout, ExecutionProperty.MaxConcurrentRuns)

A definition's name is its file's name (a trigger or workflow may say ``Name``); a job's settings
file is named after the job's name (``--JOB_NAME``). ``to_api()`` gives the mapping Glue's
``create_trigger`` / ``create_workflow`` take unchanged. Every error names the file, the key and
the reason: an unknown key, a wrong type, a cron expression Glue refuses, an action or condition
naming a job or crawler that does not exist, a workflow that does not exist, a cycle in a workflow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Key, conf_dir, read_yaml_mapping, validate
from ..crawler.definition import crawler_path
from ..errors import ConfigError, JobNotFoundError
from ..runtime.modules import resolve_job
from .cron import CronSchedule, parse

TRIGGER_TYPES = ("SCHEDULED", "CONDITIONAL", "ON_DEMAND", "EVENT")
# "The only job states that a trigger can listen for are SUCCEEDED, STOPPED, FAILED, and TIMEOUT.
# The only crawler states ... SUCCEEDED, FAILED, and CANCELLED" (Glue's API reference).
WATCHED_JOB_STATES = ("SUCCEEDED", "STOPPED", "FAILED", "TIMEOUT")
WATCHED_CRAWL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
MAX_CONDITIONS = 500
MAX_CRAWLER_ACTIONS = 2  # "Only two crawlers can be activated by a single trigger."

_TRIGGER = {
    "Name": Key(str),
    "Description": Key(str),
    "Type": Key(str, None, TRIGGER_TYPES),
    "WorkflowName": Key(str),
    "Schedule": Key(str),
    "Predicate": Key(dict),
    "Actions": Key(list),
    "StartOnCreation": Key(bool, False),
    "EventBatchingCondition": Key(dict),
    # Ours, not Glue's (lower case: left out of to_api()): the folder whose new files are the events
    # of an EVENT trigger, the local stand-in for EventBridge.
    "watch_path": Key(str),
}
_PREDICATE = {"Logical": Key(str, None, ("AND", "ANY")), "Conditions": Key(list)}
_CONDITION = {
    "LogicalOperator": Key(str, "EQUALS", ("EQUALS",)),
    "JobName": Key(str),
    "State": Key(str, None, WATCHED_JOB_STATES),
    "CrawlerName": Key(str),
    "CrawlState": Key(str, None, WATCHED_CRAWL_STATES),
}
# Timeout is in minutes as in Glue; a fraction (0.05: 3 s) is ours, for tests and short local jobs.
_ACTION = {"JobName": Key(str), "CrawlerName": Key(str), "Arguments": Key(dict), "Timeout": Key((int, float))}
_BATCHING = {"BatchSize": Key(int), "BatchWindow": Key(int)}
_WORKFLOW = {
    "Name": Key(str),
    "Description": Key(str),
    "DefaultRunProperties": Key(dict, {}),
    "MaxConcurrentRuns": Key(int),
}
_JOB = {
    "Description": Key(str),
    "DefaultArguments": Key(dict, {}),
    "NonOverridableArguments": Key(dict, {}),
    "MaxRetries": Key(int, 0),
    "Timeout": Key((int, float)),
    "ExecutionProperty": {"MaxConcurrentRuns": Key(int, 1)},
}


class _Api:
    """Definitions whose capitalized fields are Glue API members; other fields (the source file)
    stay out of ``to_api()``."""

    def to_api(self) -> dict[str, Any]:
        """The mapping Glue's create call takes: unset members left out."""
        return _api(self)


@dataclass(frozen=True)
class Condition(_Api):
    """A job's or a crawler's end state a CONDITIONAL trigger watches."""

    LogicalOperator: str = "EQUALS"
    JobName: str | None = None
    State: str | None = None
    CrawlerName: str | None = None
    CrawlState: str | None = None


@dataclass(frozen=True)
class Predicate(_Api):
    """``Logical`` AND (all conditions hold) or ANY (one does) over ``Conditions``."""

    Conditions: tuple[Condition, ...]
    Logical: str | None = None


@dataclass(frozen=True)
class Action(_Api):
    """A job or a crawler a trigger starts; ``Arguments`` replace the job's DefaultArguments for that run."""

    JobName: str | None = None
    CrawlerName: str | None = None
    Arguments: dict[str, str] | None = None
    Timeout: float | None = None  # minutes


@dataclass(frozen=True)
class EventBatchingCondition(_Api):
    """An EVENT trigger fires after ``BatchSize`` events or ``BatchWindow`` seconds after the first."""

    BatchSize: int
    BatchWindow: int | None = None


@dataclass(frozen=True)
class Trigger(_Api):
    """A trigger definition (Glue's CreateTriggerRequest)."""

    Name: str
    Type: str
    Actions: tuple[Action, ...]
    WorkflowName: str | None = None
    Schedule: str | None = None
    Predicate: Predicate | None = None
    Description: str | None = None
    StartOnCreation: bool = False
    EventBatchingCondition: EventBatchingCondition | None = None
    watch_path: str | None = None  # EVENT: the folder watched for new files (ours; not in to_api())
    path: Path | None = field(default=None, compare=False)

    @property
    def cron(self) -> CronSchedule | None:
        """The parsed ``Schedule`` of a SCHEDULED trigger."""
        return parse(self.Schedule) if self.Schedule else None


@dataclass(frozen=True)
class Workflow(_Api):
    """A workflow definition (Glue's CreateWorkflowRequest); no MaxConcurrentRuns means no limit."""

    Name: str
    Description: str | None = None
    DefaultRunProperties: dict[str, str] = field(default_factory=dict)
    MaxConcurrentRuns: int | None = None
    path: Path | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ExecutionProperty(_Api):
    MaxConcurrentRuns: int = 1  # Glue's default


@dataclass(frozen=True)
class JobSettings(_Api):
    """A job's run settings (the members of Glue's CreateJobRequest the scheduler uses); a job
    without a settings file has Glue's defaults. No Timeout means Glue's default for the version."""

    Name: str
    Description: str | None = None
    DefaultArguments: dict[str, str] = field(default_factory=dict)
    NonOverridableArguments: dict[str, str] = field(default_factory=dict)
    MaxRetries: int = 0
    Timeout: float | None = None  # minutes
    ExecutionProperty: ExecutionProperty = field(default_factory=ExecutionProperty)
    path: Path | None = field(default=None, compare=False)

    def arguments_for(self, action: Action) -> dict[str, str]:
        """A run's arguments as Glue's StartJobRun merges them, key by key: the job's
        DefaultArguments < the action's Arguments < the job's NonOverridableArguments."""
        return {**self.DefaultArguments, **(action.Arguments or {}), **self.NonOverridableArguments}


@dataclass(frozen=True)
class Definitions:
    """Every trigger, workflow and job-settings file under a conf folder, validated together."""

    triggers: dict[str, Trigger]
    workflows: dict[str, Workflow]
    jobs: dict[str, JobSettings]

    def workflow_triggers(self, workflow: str) -> list[Trigger]:
        """The triggers of ``workflow``, in name order."""
        return [t for _, t in sorted(self.triggers.items()) if t.WorkflowName == workflow]

    def start_trigger(self, workflow: str) -> Trigger:
        """The workflow's one start trigger (SCHEDULED, ON_DEMAND or EVENT)."""
        starts = [t for t in self.workflow_triggers(workflow) if t.Type != "CONDITIONAL"]
        if len(starts) != 1:
            found = ", ".join(str(t.path) for t in starts) or "none"
            raise ConfigError(
                f"workflow {workflow!r}: a workflow has one start trigger (SCHEDULED, ON_DEMAND or EVENT) with"
                f" WorkflowName {workflow}; found {len(starts)}: {found}"
            )
        return starts[0]

    def workflow(self, name: str) -> Workflow:
        """The workflow ``name``, or an error listing those defined."""
        if name not in self.workflows:
            known = ", ".join(sorted(self.workflows)) or "none"
            raise ConfigError(f"no workflow {name!r} in conf/workflows/ (workflows: {known})")
        return self.workflows[name]

    def job_settings(self, job_name: str) -> JobSettings:
        """The settings of the job ``etl run`` resolves ``job_name`` to (Glue's defaults without a file)."""
        name = resolve_job(job_name).name
        return self.jobs.get(name) or JobSettings(name)


def load_definitions(conf: Path | None = None) -> Definitions:
    """Read and validate ``triggers/``, ``workflows/`` and ``jobs/`` under ``conf`` (default: the
    conf folder, ``$ETL_CONF_DIR`` or ``./conf``)."""
    conf = conf_dir() if conf is None else conf
    workflows = _by_name(conf / "workflows", _load_workflow)
    jobs = _by_name(conf / "jobs", _load_job)
    triggers = _by_name(conf / "triggers", lambda path: _load_trigger(path, workflows))
    for workflow in workflows.values():
        _check_acyclic(workflow, [t for t in triggers.values() if t.WorkflowName == workflow.Name])
    return Definitions(triggers, workflows, jobs)


def _by_name(folder: Path, load: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        item = load(path)
        if item.Name in out:
            raise ConfigError(f"{path}: key 'Name': {item.Name!r} is also the name in {out[item.Name].path}")
        out[item.Name] = item
    return out


def _load_workflow(path: Path) -> Workflow:
    where = str(path)
    data = validate(read_yaml_mapping(path, "workflow"), _WORKFLOW, where)
    _positive(data, "MaxConcurrentRuns", where)
    return Workflow(
        Name=data["Name"] or path.stem,
        Description=data["Description"],
        DefaultRunProperties=_strings(data["DefaultRunProperties"], where, "DefaultRunProperties"),
        MaxConcurrentRuns=data["MaxConcurrentRuns"],
        path=path,
    )


def _load_job(path: Path) -> JobSettings:
    where = str(path)
    data = validate(read_yaml_mapping(path, "job settings"), _JOB, where)
    _minutes(data, "Timeout", where)
    _positive(data["ExecutionProperty"], "MaxConcurrentRuns", where, "ExecutionProperty.")
    if data["MaxRetries"] < 0:
        raise ConfigError(f"{where}: key 'MaxRetries' must be 0 or more, got {data['MaxRetries']}")
    return JobSettings(
        Name=path.stem,
        Description=data["Description"],
        DefaultArguments=_strings(data["DefaultArguments"], where, "DefaultArguments"),
        NonOverridableArguments=_strings(data["NonOverridableArguments"], where, "NonOverridableArguments"),
        MaxRetries=data["MaxRetries"],
        Timeout=data["Timeout"],
        ExecutionProperty=ExecutionProperty(data["ExecutionProperty"]["MaxConcurrentRuns"]),
        path=path,
    )


def _load_trigger(path: Path, workflows: dict[str, Workflow]) -> Trigger:
    where = str(path)
    data = validate(read_yaml_mapping(path, "trigger"), _TRIGGER, where)
    kind = data["Type"]
    if kind is None:
        raise ConfigError(f"{where}: key 'Type' is required (one of {', '.join(TRIGGER_TYPES)})")
    required = {"SCHEDULED": "Schedule", "CONDITIONAL": "Predicate"}.get(kind)
    if required and data[required] is None:
        raise ConfigError(f"{where}: key '{required}' is required for a {kind} trigger")
    # Each type has its own member; Glue refuses the others' (InvalidInputException).
    members = (("Schedule", "SCHEDULED"), ("Predicate", "CONDITIONAL"), ("EventBatchingCondition", "EVENT"))
    for key, owner in (*members, ("watch_path", "EVENT")):
        if kind != owner and data[key] is not None:
            raise ConfigError(f"{where}: key '{key}' is only for {owner} triggers, this one is {kind}")
    if data["Schedule"] is not None:
        try:
            parse(data["Schedule"])
        except ConfigError as exc:
            raise ConfigError(f"{where}: key 'Schedule': {exc}") from exc
    if kind == "ON_DEMAND" and data["StartOnCreation"]:
        raise ConfigError(f"{where}: key 'StartOnCreation': true is not supported for ON_DEMAND triggers")
    name = data["WorkflowName"]
    if name is not None and name not in workflows:
        known = ", ".join(sorted(workflows)) or "none"
        raise ConfigError(f"{where}: key 'WorkflowName': no workflow {name!r} in conf/workflows/ (workflows: {known})")
    if kind == "EVENT" and name is None:
        raise ConfigError(f"{where}: key 'WorkflowName' is required: an EVENT trigger starts a workflow")
    return Trigger(
        Name=data["Name"] or path.stem,
        Type=kind,
        Actions=_actions(data["Actions"], where),
        WorkflowName=name,
        Schedule=data["Schedule"],
        Predicate=_predicate(data["Predicate"], where) if data["Predicate"] is not None else None,
        Description=data["Description"],
        StartOnCreation=data["StartOnCreation"],
        EventBatchingCondition=_batching(data["EventBatchingCondition"], where),
        watch_path=data["watch_path"],
        path=path,
    )


def _actions(items: list[Any] | None, where: str) -> tuple[Action, ...]:
    if not items:
        raise ConfigError(f"{where}: key 'Actions' is required: a list of {{JobName | CrawlerName, ...}}")
    actions = []
    for i, item in enumerate(items):
        key = f"Actions[{i}]"
        data = validate(_mapping(item, where, key), _ACTION, where, f"{key}.")
        _one_target(data, where, key)
        if data["CrawlerName"] is not None and (data["Arguments"] is not None or data["Timeout"] is not None):
            raise ConfigError(f"{where}: key '{key}': Arguments and Timeout are for job actions, not crawlers")
        _minutes(data, "Timeout", where, f"{key}.")
        arguments = None if data["Arguments"] is None else _strings(data["Arguments"], where, f"{key}.Arguments")
        actions.append(Action(data["JobName"], data["CrawlerName"], arguments, data["Timeout"]))
    if sum(a.CrawlerName is not None for a in actions) > MAX_CRAWLER_ACTIONS:
        raise ConfigError(f"{where}: key 'Actions': Glue starts at most {MAX_CRAWLER_ACTIONS} crawlers per trigger")
    return tuple(actions)


def _predicate(value: Any, where: str) -> Predicate:
    data = validate(_mapping(value, where, "Predicate"), _PREDICATE, where, "Predicate.")
    items = data["Conditions"] or []
    if not items:
        raise ConfigError(f"{where}: key 'Predicate.Conditions' is required: the job or crawler states to watch")
    if len(items) > MAX_CONDITIONS:
        raise ConfigError(f"{where}: key 'Predicate.Conditions': at most {MAX_CONDITIONS}, got {len(items)}")
    if len(items) > 1 and data["Logical"] is None:
        raise ConfigError(f"{where}: key 'Predicate.Logical' is required with several conditions (AND or ANY)")
    conditions = []
    for i, item in enumerate(items):
        key = f"Predicate.Conditions[{i}]"
        cond = validate(_mapping(item, where, key), _CONDITION, where, f"{key}.")
        _one_target(cond, where, key)
        state = "State" if cond["JobName"] is not None else "CrawlState"
        if cond[state] is None:
            raise ConfigError(f"{where}: key '{key}.{state}' is required: the end state to watch for")
        conditions.append(Condition(**cond))
    return Predicate(tuple(conditions), data["Logical"])


def _one_target(data: dict[str, Any], where: str, key: str) -> None:
    """Exactly one of JobName and CrawlerName, naming a job ``etl run`` accepts or a crawler
    definition (``conf/crawlers/NAME.yaml``), with the state key of its kind only."""
    job, crawler = data["JobName"], data["CrawlerName"]
    if (job is None) == (crawler is None):
        raise ConfigError(f"{where}: key '{key}' needs exactly one of JobName and CrawlerName")
    if job is not None:
        if data.get("CrawlState") is not None:
            raise ConfigError(f"{where}: key '{key}.CrawlState' is for crawlers; a job's condition uses State")
        try:
            resolve_job(job)
        except JobNotFoundError as exc:
            raise ConfigError(f"{where}: key '{key}.JobName': {exc}") from exc
        return
    if data.get("State") is not None:
        raise ConfigError(f"{where}: key '{key}.State' is for jobs; a crawler's condition uses CrawlState")
    path = crawler_path(crawler)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml"))) or "none"
        raise ConfigError(f"{where}: key '{key}.CrawlerName': no crawler definition {path} (crawlers: {known})")


def _batching(value: Any, where: str) -> EventBatchingCondition | None:
    if value is None:
        return None
    key = "EventBatchingCondition"
    data = validate(_mapping(value, where, key), _BATCHING, where, f"{key}.")
    size, window = data["BatchSize"], data["BatchWindow"]
    if size is None or not 1 <= size <= 100:
        raise ConfigError(f"{where}: key '{key}.BatchSize' must be 1-100 (events per batch), got {size!r}")
    if window is not None and not 1 <= window <= 900:
        raise ConfigError(f"{where}: key '{key}.BatchWindow' must be 1-900 (seconds), got {window}")
    return EventBatchingCondition(size, window)


def _check_acyclic(workflow: Workflow, triggers: list[Trigger]) -> None:
    """A workflow's graph (trigger -> the jobs and crawlers it starts -> the triggers watching
    them) must have no cycle: a run would never end."""
    watching: dict[str, list[Trigger]] = {}
    for trigger in triggers:
        for cond in trigger.Predicate.Conditions if trigger.Predicate else ():
            watching.setdefault(_node(cond), []).append(trigger)
    done: set[str] = set()

    def walk(trigger: Trigger, path: list[str]) -> None:
        if trigger.Name in path:
            cycle = " -> ".join([*path[path.index(trigger.Name) :], trigger.Name])
            raise ConfigError(
                f"{trigger.path}: key 'Predicate': workflow {workflow.Name!r} has a cycle: {cycle}"
                " (a trigger may not, through its jobs and crawlers, fire itself again)"
            )
        if trigger.Name in done:
            return
        for action in trigger.Actions:
            node = _node(action)
            for nxt in watching.get(node, []):
                walk(nxt, [*path, trigger.Name, node])
        done.add(trigger.Name)

    for trigger in triggers:
        walk(trigger, [])


def _node(item: Action | Condition) -> str:
    return f"job {item.JobName}" if item.JobName is not None else f"crawler {item.CrawlerName}"


def _mapping(value: Any, where: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: key '{key}' must be a mapping, got {type(value).__name__} ({value!r})")
    return value


def _strings(value: dict[Any, Any], where: str, key: str) -> dict[str, str]:
    """A map of Glue's string arguments: numbers become text, anything else is an error."""
    out = {}
    for name, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ConfigError(f"{where}: key '{key}.{name}' must be text (quote it), got {type(item).__name__}")
        out[str(name)] = str(item)
    return out


def _positive(data: dict[str, Any], name: str, where: str, prefix: str = "") -> None:
    if data[name] is not None and data[name] < 1:
        raise ConfigError(f"{where}: key '{prefix}{name}' must be 1 or more, got {data[name]}")


def _minutes(data: dict[str, Any], name: str, where: str, prefix: str = "") -> None:
    if data[name] is not None and data[name] <= 0:
        raise ConfigError(f"{where}: key '{prefix}{name}' must be more than 0 (minutes), got {data[name]}")


def _api(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {
            f.name: _api(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name[0].isupper() and getattr(value, f.name) is not None
        }
    if isinstance(value, (list, tuple)):
        return [_api(v) for v in value]
    if isinstance(value, dict):
        return {k: _api(v) for k, v in value.items()}
    return value
