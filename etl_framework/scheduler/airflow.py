"""A workflow as an Airflow DAG file (``etl workflows export-airflow``), for Airflow 3.

One task per action of the workflow's triggers: ``etl crawl NAME`` for a crawler, and for a job
``etl run JOB`` (``BashOperator``) or our launcher through ``SparkSubmitOperator``. The start
trigger gives the schedule (its Glue cron in Airflow's five fields, UTC; ON_DEMAND and EVENT:
none), each CONDITIONAL trigger the upstream tasks and trigger rule of the tasks it starts::

    Glue predicate                  Airflow trigger rule
    one condition / AND, SUCCEEDED  all_success
    ANY, SUCCEEDED                  one_success
    one condition / AND, failed     all_failed
    ANY, failed                     one_failed
    success and failure mixed       all_done, after a generated check task

"failed" is any of FAILED, TIMEOUT, STOPPED (CANCELLED for crawlers): Airflow ends a task that
fails, times out or is killed in the one state ``failed``. Its failure rules also count a task that
never ran (``upstream_failed``), where Glue fires only on a run that failed, so a task under one
has a ``pre_execute`` guard that skips it unless the watched tasks really failed. The output depends only on the
definitions (sorted, no dates of the export), so a re-export changes the file only when they change.
"""

from __future__ import annotations

import keyword
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .cron import FIELDS, parse
from .definitions import Action, Condition, Definitions, Trigger, Workflow, _node

OPERATORS = ("bash", "spark-submit")
_ALL_YEARS = tuple(range(1970, 2200))  # Glue's Year field, 1970-2199: what Airflow's cron means
# spark-submit options of a profile's submit_args that SparkSubmitOperator takes as its own arguments.
_SUBMIT_OPTIONS = {
    "--archives": "archives",
    "--files": "files",
    "--jars": "jars",
    "--packages": "packages",
    "--repositories": "repositories",
    "--driver-memory": "driver_memory",
    "--executor-memory": "executor_memory",
    "--executor-cores": "executor_cores",
    "--num-executors": "num_executors",
    "--queue": "yarn_queue",
}
_SPARK_CONN = "spark_default"  # SparkSubmitOperator takes the master from an Airflow connection


class AirflowExportError(ConfigError):
    """A workflow Airflow cannot express as we export it; the message names the file, the key and why."""


@dataclass
class _Task:
    task_id: str
    trigger: Trigger
    action: Action | None = None  # None: the check task of a mixed predicate
    upstream: list[str] = field(default_factory=list)
    trigger_rule: str | None = None
    comment: str = ""
    # What glue_predicate checks (upstream id -> the Airflow states it may end in): a check task's
    # test, or a guard before a task whose rule is one_failed / all_failed.
    wanted: dict[str, list[str]] = field(default_factory=dict)


def airflow_cron(expression: str, where: str = "Schedule") -> str:
    """A Glue cron expression in Airflow's five fields (day-of-week 0-6 from Sunday, ``?`` as ``*``);
    what Airflow's cron (croniter) cannot express raises AirflowExportError naming the field.

    >>> airflow_cron("cron(0 18 ? * MON-FRI *)")
    '0 18 * * 1,2,3,4,5'
    """
    schedule = parse(expression)
    text = dict(zip(FIELDS, expression.strip()[5:-1].split(), strict=True))
    if schedule.years != _ALL_YEARS:
        raise AirflowExportError(
            f"{where}: {expression}: Year {text['Year']!r}: Airflow's cron has no Year field; export with Year *"
            " and pause or delete the DAG when its years are over"
        )
    if schedule.days == "LW":
        raise AirflowExportError(
            f"{where}: {expression}: Day-of-month 'LW': Airflow's cron (croniter) has no last weekday of the month;"
            " use L (the last day) or a weekday rule such as 6L (the last Friday)"
        )
    return schedule.croniter_form


def export_dag(
    definitions: Definitions,
    workflow: str,
    *,
    operator: str = "bash",
    profile: str = "local",
    project: Path | None = None,
) -> str:
    """The text of an Airflow DAG file for ``workflow``: tasks run ``etl`` with ``--env profile`` in
    ``project`` (default: the current folder), the folder that holds ``conf/`` and ``jobs/``."""
    if operator not in OPERATORS:
        raise AirflowExportError(f"--operator {operator!r}: one of {', '.join(OPERATORS)}")
    try:
        flow, start = definitions.workflow(workflow), definitions.start_trigger(workflow)
    except ConfigError as exc:
        raise AirflowExportError(str(exc)) from exc
    triggers = definitions.workflow_triggers(workflow)
    tasks = _tasks(start, [t for t in triggers if t is not start])
    project = (project or Path.cwd()).resolve()

    sources = [flow.path, *(t.path for t in triggers)]
    jobs = sorted({definitions.job_settings(a.JobName).Name for t in triggers for a in t.Actions if a.JobName})
    sources += [definitions.jobs[name].path for name in jobs if name in definitions.jobs]
    lines = [
        f"# Generated by `etl workflows export-airflow {workflow}` from the Glue-style definitions in",
        *(f"#   {_relative(p, project)}" for p in sources if p is not None),
        "# Edit those files and export again rather than this one.",
        f'"""Glue workflow {workflow!r} as an Airflow DAG."""',
        "",
        "from datetime import datetime, timedelta, timezone",
        "",
        *_imports({_kind(t, operator) for t in tasks}),
        "",
        f"PROJECT = {str(project)!r}  # the folder with conf/ and jobs/: every task runs etl there",
        *_spark_note(operator, profile),
        "",
        *_dag_head(flow, start),
    ]
    for task in tasks:
        lines += ["", *_task_code(task, definitions, operator, profile)]
    edges = [(up, task.task_id) for task in tasks for up in task.upstream]
    if edges:
        lines.append("")
        lines += [f"    {up} >> {down}" for up, down in edges]
    return "\n".join(lines) + "\n"


def _tasks(start: Trigger, conditional: list[Trigger]) -> list[_Task]:
    """The tasks in the order their triggers can fire (the start trigger first, then each trigger
    once every trigger starting what it watches is placed); ties by trigger name."""
    tasks: list[_Task] = []
    by_node: dict[str, list[str]] = {}  # "job X" / "crawler X" -> task ids
    used: set[str] = set()

    def add(trigger: Trigger, upstream: list[str], rule: str | None, comment: str, guard: dict | None = None) -> None:
        for action in trigger.Actions:
            node = _node(action)
            task_id = _identifier(f"crawl_{action.CrawlerName}" if action.CrawlerName else action.JobName or "")
            if task_id in used:  # the same job or crawler started by another trigger too
                task_id = _identifier(f"{task_id}__{trigger.Name}")
            used.add(task_id)
            by_node.setdefault(node, []).append(task_id)
            tasks.append(_Task(task_id, trigger, action, upstream, rule, comment, guard or {}))

    add(start, [], None, f"{start.Name}: {start.Type}")
    pending = list(conditional)
    while pending:
        later = {_node(a) for t in pending for a in t.Actions}  # started by a trigger not placed yet
        ready = [
            t for t in pending if all(_node(c) in by_node and _node(c) not in later for c in t.Predicate.Conditions)
        ]  # type: ignore[union-attr]
        if not ready:  # a watched job or crawler no trigger of the workflow starts: it never runs there
            # (the definitions have no cycle, so some pending trigger watches what nothing starts)
            trigger, missing = next(
                (t, _node(c))
                for t in pending
                for c in t.Predicate.Conditions  # type: ignore[union-attr]
                if _node(c) not in by_node and _node(c) not in later
            )
            raise AirflowExportError(
                f"{trigger.path}: key 'Predicate': {missing} is started by no trigger of workflow"
                f" {trigger.WorkflowName!r}, so this trigger never fires in its runs"
            )
        trigger = ready[0]
        pending.remove(trigger)
        conditions = trigger.Predicate.Conditions  # type: ignore[union-attr]
        upstream = []
        for cond in conditions:
            ids = by_node[_node(cond)]
            if len(ids) > 1:
                raise AirflowExportError(
                    f"{trigger.path}: key 'Predicate': {_node(cond)} is started by several triggers of the workflow"
                    f" ({', '.join(ids)}); which run the condition watches has no Airflow counterpart"
                )
            if ids[0] not in upstream:
                upstream.append(ids[0])
        logical = trigger.Predicate.Logical or "AND"  # type: ignore[union-attr]
        states = {_airflow_state(c) for c in conditions}
        comment = f"{trigger.Name}: " + f" {logical} ".join(f"{_node(c)} {_state(c)}" for c in conditions)
        wanted: dict[str, list[str]] = {}
        for cond in conditions:
            accepted = wanted.setdefault(by_node[_node(cond)][0], [])
            accepted += [] if _airflow_state(cond) in accepted else [_airflow_state(cond)]
        if states == {"success"}:
            add(trigger, upstream, f"{'one' if logical == 'ANY' else 'all'}_success", comment)
        elif states == {"failed"}:
            # Airflow's failure rules count an upstream task that never ran (upstream_failed) as
            # failed; Glue fires only on a job or crawler that ran and failed: a guard checks.
            add(trigger, upstream, f"{'one' if logical == 'ANY' else 'all'}_failed", comment, wanted)
        else:
            check = _identifier(f"check_{trigger.Name}")
            used.add(check)
            tasks.append(_Task(check, trigger, None, upstream, "all_done", comment, wanted))
            add(trigger, [check], None, comment)
    return tasks


def _kind(task: _Task, operator: str) -> str:
    """The operator class of a task."""
    if task.action is None:
        return "PythonOperator"
    if task.action.JobName and operator == "spark-submit":
        return "SparkSubmitOperator"
    return "BashOperator"


def _imports(kinds: set[str]) -> list[str]:
    check = "PythonOperator" in kinds
    out = []
    if "SparkSubmitOperator" in kinds:
        out.append("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator")
    if "BashOperator" in kinds:
        out.append("from airflow.providers.standard.operators.bash import BashOperator")
    if check:
        out.append("from airflow.providers.standard.operators.python import PythonOperator")
    out.append("from airflow.sdk import DAG")
    if check:
        out.append("from airflow.sdk.exceptions import AirflowSkipException")
    out.append("from airflow.timetables.trigger import CronTriggerTimetable")
    if check:
        out += [
            "",
            "",
            "def glue_predicate(logical: str, wanted: dict[str, list[str]], ti) -> None:",
            '    """Skip the task (and what follows it) unless the tasks in ``wanted`` ended as a Glue',
            "    predicate wants: AND, each in one of its states; ANY, one of them. A task that did not run",
            '    (upstream_failed, skipped) matches no state, as in Glue."""',
            "    states = ti.get_task_states(dag_id=ti.dag_id, task_ids=list(wanted), run_ids=[ti.run_id])[ti.run_id]",
            "    held = [states.get(task) in accepted for task, accepted in wanted.items()]",
            '    if not (all(held) if logical == "AND" else any(held)):',
            '        raise AirflowSkipException(f"Glue predicate not met: {states}")',
            "",
        ]
    return out


def _spark_note(operator: str, profile: str) -> list[str]:
    if operator != "spark-submit":
        return []
    from ..config import load_profile

    master = load_profile(profile).spark.master
    return [f"# SparkSubmitOperator takes the master from the Airflow connection {_SPARK_CONN!r}: point it at {master}"]


def _dag_head(flow: Workflow, start: Trigger) -> list[str]:
    if start.Type == "SCHEDULED":
        cron = airflow_cron(start.Schedule or "", f"{start.path}: key 'Schedule'")
        schedule = f"CronTriggerTimetable({cron!r}, timezone='UTC'),  # {start.Name}: {start.Schedule}"
    else:
        schedule = f"None,  # {start.Name}: {start.Type}, run with `airflow dags trigger {flow.Name}`"
    lines = [
        "with DAG(",
        f"    dag_id={flow.Name!r},",
        f"    schedule={schedule}",
        "    start_date=datetime(2020, 1, 1, tzinfo=timezone.utc),",
        "    catchup=False,  # Glue does not run the fire times before a trigger existed",
    ]
    if flow.Description:
        lines.append(f"    description={flow.Description!r},")
    if flow.MaxConcurrentRuns is not None:
        lines.append(f"    max_active_runs={flow.MaxConcurrentRuns},  # MaxConcurrentRuns")
    if flow.DefaultRunProperties:
        lines.append(f"    params={dict(sorted(flow.DefaultRunProperties.items()))!r},  # DefaultRunProperties")
    return [*lines, "    tags=['glue-workflow'],", ") as dag:"]


def _task_code(task: _Task, definitions: Definitions, operator: str, profile: str) -> list[str]:
    args: list[str] = [f"task_id={task.task_id!r}"]
    action = task.action
    logical = task.trigger.Predicate.Logical or "AND" if task.trigger.Predicate else None
    if action is None:
        args += ["python_callable=glue_predicate", f"op_kwargs={{'logical': {logical!r}, 'wanted': {task.wanted!r}}}"]
    elif action.CrawlerName:
        args += [f"bash_command={shlex.join(['etl', 'crawl', action.CrawlerName, '--env', profile])!r}", "cwd=PROJECT"]
    else:
        settings = definitions.job_settings(action.JobName or "")
        job_args = [item for pair in settings.arguments_for(action).items() for item in pair]
        workflow = ["--WORKFLOW_NAME", "{{ dag.dag_id }}", "--WORKFLOW_RUN_ID", "{{ run_id }}"]
        if operator == "bash":
            command = shlex.join(["etl", "run", action.JobName or "", "--env", profile, "--", *job_args, *workflow])
            args += [f"bash_command={command!r}", "cwd=PROJECT"]
        else:
            args += _spark_submit_args(action.JobName or "", profile, [*job_args, *workflow], task.trigger)
        if settings.MaxRetries:
            args.append(f"retries={settings.MaxRetries}")  # MaxRetries
        timeout = action.Timeout or settings.Timeout
        if timeout:
            args.append(f"execution_timeout=timedelta(minutes={timeout})")  # Timeout
    if task.trigger_rule:
        args.append(f"trigger_rule={task.trigger_rule!r}")
    if action is not None and task.wanted:
        args.append(f"pre_execute=lambda context: glue_predicate({logical!r}, {task.wanted!r}, context['ti'])")
    kind = _kind(task, operator)
    return [f"    # {task.comment}", f"    {task.task_id} = {kind}(", *(f"        {a}," for a in args), "    )"]


def _spark_submit_args(job: str, profile: str, job_args: list[str], trigger: Trigger) -> list[str]:
    """SparkSubmitOperator's arguments for the spark-submit command ``etl run`` builds on a cluster
    profile (runtime/submit.py); its master and deploy mode go to the Spark connection instead."""
    from ..config import load_profile
    from ..runtime.launcher import parse_run_request
    from ..runtime.submit import spark_submit_command

    loaded = load_profile(profile)
    if loaded.spark.master.startswith("local"):
        raise AirflowExportError(
            f"--operator spark-submit: profile {profile!r} runs Spark in-process (master {loaded.spark.master});"
            " give a cluster profile (--env standalone, emr, ...) or --operator bash"
        )
    cmd = spark_submit_command(parse_run_request([job, "--env", profile, "--", *job_args]), loaded)
    name, i, conf, extra = cmd[cmd.index("--name") + 1], cmd.index("--name") + 2, {}, {}
    while cmd[i] != "--py-files":
        option = cmd[i]
        if option == "--conf":
            key, _, value = cmd[i + 1].partition("=")
            conf[key] = value
        elif option in _SUBMIT_OPTIONS:
            extra[_SUBMIT_OPTIONS[option]] = cmd[i + 1]
        else:
            raise AirflowExportError(
                f"{trigger.path}: job {job!r}: profile {profile!r} key 'spark.submit_args': {option} has no"
                f" SparkSubmitOperator argument (supported: {', '.join(_SUBMIT_OPTIONS)})"
            )
        i += 2
    py_files, application = cmd[i + 1], cmd[i + 2]
    out = [
        f"application={application!r}",
        f"application_args={cmd[i + 3 :]!r}",
        f"py_files={py_files!r}",
        f"name={name!r}",
        f"conf={dict(sorted(conf.items()))!r}",
        f"deploy_mode={loaded.spark.deploy_mode!r}",
        f"conn_id={_SPARK_CONN!r}",
    ]
    return out + [f"{key}={value!r}" for key, value in sorted(extra.items())]


def _state(cond: Condition) -> str:
    return cond.State or cond.CrawlState or ""


def _airflow_state(cond: Condition) -> str:
    """The Airflow task state a Glue end state is (a timeout or a stop is a failure there)."""
    return "success" if _state(cond) == "SUCCEEDED" else "failed"


def _identifier(text: str) -> str:
    """A task id that is also a Python name (the file refers to tasks by variable)."""
    name = re.sub(r"\W", "_", text)
    name = name if name and not name[0].isdigit() else f"_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def _relative(path: Path, project: Path) -> str:
    try:
        return str(path.resolve().relative_to(project))
    except ValueError:
        return str(path)
