"""Glue's cron schedules and the trigger, workflow and job-settings files (etl_framework/scheduler)."""

from __future__ import annotations

import ast
import sys
from datetime import datetime, timezone
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.validate import validate_parameters
from croniter import croniter

from etl_framework import EtlContext
from etl_framework.cli import main
from etl_framework.config import load_profile
from etl_framework.errors import ConfigError
from etl_framework.runtime.active import ActiveRun, activate
from etl_framework.runtime.submit import LAUNCHER
from etl_framework.runtime.workflow_runs import WorkflowRunError, WorkflowRuns
from etl_framework.scheduler.airflow import AirflowExportError, airflow_cron
from etl_framework.scheduler.cron import CronError, parse
from etl_framework.scheduler.definitions import load_definitions

from .conftest import ROOT, run_etl, use_project
from .moto_server import REGION, MotoServer


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


FRI = "2026-01-30T10:00"  # a Friday; 1 Feb 2026 is a Sunday, 28 Feb a Saturday

# (expression, start, the next fire times after it; None: it never fires again)
NEXT_FIRES = [
    # Glue's documented examples (Time-based schedules for jobs and crawlers)
    ("cron(0 10 * * ? *)", FRI, ["2026-01-31T10:00", "2026-02-01T10:00"]),
    ("cron(15 12 * * ? *)", FRI, ["2026-01-30T12:15", "2026-01-31T12:15"]),
    ("cron(0 18 ? * MON-FRI *)", "2026-01-30T19:00", ["2026-02-02T18:00", "2026-02-03T18:00"]),
    ("cron(0 8 1 * ? *)", FRI, ["2026-02-01T08:00", "2026-03-01T08:00"]),
    ("cron(0/15 * * * ? *)", "2026-01-30T10:50", ["2026-01-30T11:00", "2026-01-30T11:15"]),
    ("cron(0/10 * ? * MON-FRI *)", "2026-01-30T23:55", ["2026-02-02T00:00", "2026-02-02T00:10"]),
    ("cron(0/5 8-17 ? * MON-FRI *)", "2026-01-30T17:50", ["2026-01-30T17:55", "2026-02-02T08:00"]),
    # 1/10: every 10th minute from the first (Glue's wording)
    ("cron(1/10 * * * ? *)", "2026-01-30T10:55", ["2026-01-30T11:01", "2026-01-30T11:11"]),
    # an instant that is itself a fire time: the next one
    ("cron(15 12 * * ? *)", "2026-01-30T12:15", ["2026-01-31T12:15"]),
    # day-of-week 1-7 = SUN-SAT, not Unix's 0-6
    ("cron(0 8 ? * 2-6 *)", FRI, ["2026-02-02T08:00", "2026-02-03T08:00"]),
    ("cron(0 0 ? * 1 *)", FRI, ["2026-02-01T00:00", "2026-02-08T00:00"]),
    ("cron(0 0 ? * 7 *)", FRI, ["2026-01-31T00:00", "2026-02-07T00:00"]),
    ("cron(0 0 ? * L *)", FRI, ["2026-01-31T00:00", "2026-02-07T00:00"]),  # L alone: Saturday
    # month ends and leap years
    ("cron(0 18 L * ? *)", FRI, ["2026-01-31T18:00", "2026-02-28T18:00", "2026-03-31T18:00"]),
    ("cron(0 18 L * ? *)", "2028-02-01T00:00", ["2028-02-29T18:00", "2028-03-31T18:00"]),
    ("cron(0 0 29 2 ? *)", FRI, ["2028-02-29T00:00", "2032-02-29T00:00"]),
    ("cron(0 0 31 * ? *)", FRI, ["2026-01-31T00:00", "2026-03-31T00:00", "2026-05-31T00:00"]),
    ("cron(0 0 30 2 ? *)", FRI, [None]),
    # W: the weekday nearest the day, within the month
    ("cron(0 9 15W * ? *)", FRI, ["2026-02-16T09:00", "2026-03-16T09:00", "2026-04-15T09:00"]),  # Sun 15 -> Mon
    ("cron(0 0 1W * ? *)", "2026-07-15T00:00", ["2026-08-03T00:00", "2026-09-01T00:00"]),  # Sat 1 Aug -> Mon 3
    ("cron(0 0 31W * ? *)", "2026-05-01T00:00", ["2026-05-29T00:00"]),  # Sun 31 May -> Fri 29
    ("cron(0 0 31W * ? *)", "2024-11-01T00:00", ["2024-11-29T00:00"]),  # no 31 Nov: the last weekday (README)
    # LW: the month's last weekday
    ("cron(0 0 LW * ? *)", FRI, ["2026-02-27T00:00", "2026-03-31T00:00", "2026-04-30T00:00", "2026-05-29T00:00"]),
    ("cron(30 6,18 LW * ? *)", "2026-01-30T07:00", ["2026-01-30T18:30", "2026-02-27T06:30"]),
    ("cron(0 0 LW FEB ? 2027-2028)", FRI, ["2027-02-26T00:00", "2028-02-29T00:00", None]),
    # nL and #: the last / the n-th such weekday of the month
    ("cron(0 10 ? * 6L *)", FRI, ["2026-02-27T10:00", "2026-03-27T10:00"]),
    ("cron(0 10 ? * 6#3 *)", FRI, ["2026-02-20T10:00", "2026-03-20T10:00"]),
    ("cron(0 10 ? * MON#1 *)", FRI, ["2026-02-02T10:00", "2026-03-02T10:00"]),
    # names, any case, in lists and ranges
    ("cron(0 12 1 JAN,JUL ? *)", FRI, ["2026-07-01T12:00", "2027-01-01T12:00"]),
    ("cron(0 12 ? mar-apr sun *)", FRI, ["2026-03-01T12:00", "2026-03-08T12:00"]),
    # the Year field
    ("cron(0 0 1 1 ? 2027)", FRI, ["2027-01-01T00:00", None]),
    ("cron(0 0 29 FEB ? 2027-2029)", FRI, ["2028-02-29T00:00", None]),
    ("cron(0 12 1 1 ? 2030/5)", FRI, ["2030-01-01T12:00", "2035-01-01T12:00"]),
    ("cron(0 0 1 1 ? 2020)", FRI, [None]),
    ("cron(0 0 31 12 ? 2199)", FRI, ["2199-12-31T00:00", None]),
    # the 5-minute rule looks across hours and days: 23:58 then 00:58 is an hour apart
    ("cron(58 23,0 * * ? *)", FRI, ["2026-01-30T23:58", "2026-01-31T00:58"]),
]


@pytest.mark.parametrize(("expression", "start", "expected"), NEXT_FIRES)
def test_next_fire_times(expression, start, expected):
    schedule = parse(expression)
    got, at = [], utc(start)
    for _ in expected:
        at = schedule.next_after(at)
        got.append(at.strftime("%Y-%m-%dT%H:%M") if at else None)
        if at is None:
            break
    assert got == expected
    naive = schedule.next_after(datetime.fromisoformat(start))  # naive instants are UTC
    assert naive == schedule.next_after(utc(start)) and (naive is None or naive.tzinfo == timezone.utc)


# (expression, the message Glue's refusal gives here)
REFUSALS = [
    ("cron(0 12 * * MON *)", "cron(0 12 * * MON *): Day-of-month and Day-of-week are both set; one of them must be ?"),
    ("cron(0 12 * * * *)", "Day-of-month and Day-of-week are both set"),
    ("cron(0 12 ? * ? *)", "Day-of-month and Day-of-week are both ?; exactly one of them must be ?"),
    ("0 12 * * ? *", "'0 12 * * ? *' is not a cron expression: write cron(Minutes Hours Day-of-month Month"),
    ("cron(0 12 * * ?)", "cron(0 12 * * ?): has 5 fields, Glue's cron has 6"),
    ("cron(* * * * ? *)", "fires 1 minute(s) apart; Glue does not support rates faster than every 5 minutes"),
    ("cron(0/4 * * * ? *)", "fires 4 minute(s) apart"),
    ("cron(0,58 * * * ? *)", "fires 2 minute(s) apart"),  # 10:58, then 11:00
    ("cron(0,59 23,0 * * ? *)", "fires 1 minute(s) apart"),  # 23:59, then 00:00 the next day
    ("cron(60 12 * * ? *)", "Minutes '60': 60 is out of range 0-59"),
    ("cron(0 24 * * ? *)", "Hours '24': 24 is out of range 0-23"),
    ("cron(0 12 32 * ? *)", "Day-of-month '32': 32 is out of range 1-31"),
    ("cron(0 12 ? * 0 *)", "Day-of-week '0': 0 is out of range 1-7"),
    ("cron(0 12 ? * 8 *)", "Day-of-week '8': 8 is out of range 1-7"),
    ("cron(0 12 * 13 ? *)", "Month '13': 13 is out of range 1-12"),
    ("cron(0 12 * * ? 1969)", "Year '1969': 1969 is out of range 1970-2199"),
    ("cron(0 12 ? * FUN *)", "Day-of-week 'FUN': 'FUN' is not a value of this field (1-7 or SUN-SAT;"),
    ("cron(0 12 1 JUNE ? *)", "Month 'JUNE': 'JUNE' is not a value"),
    ("cron(? 12 * * ? *)", "Minutes '?': '?' is not a value of this field (0-59; wildcards , - * /)"),
    ("cron(0 12 * L ? *)", "Month 'L': 'L' is not a value"),
    ("cron(0 12 ? * 2W *)", "Day-of-week '2W': '2W' is not a value"),
    ("cron(0 12 1-5W * ? *)", "Day-of-month '1-5W': '1-5' is not a value"),
    ("cron(0 12 ? * 2#6 *)", "Day-of-week '2#6': the number after # must be 1-5"),
    ("cron(0 12 20-10 * ? *)", "Day-of-month '20-10': the range 20-10 runs backwards"),
    ("cron(0/0 12 * * ? *)", "Minutes '0/0': the increment after / must be a whole number of at least 1"),
]


@pytest.mark.parametrize(("expression", "message"), REFUSALS)
def test_refusals_name_the_field_and_the_reason(expression, message):
    with pytest.raises(CronError) as err:
        parse(expression)
    assert message in str(err.value)


PROJECT = {
    "jobs/load.py": "print('load')\n",
    "jobs/report.py": "print('report')\n",
    "jobs/alert.py": "print('alert')\n",
    "conf/crawlers/orders.yaml": "database: sales\ntargets: [data/orders]\n",
    "conf/workflows/nightly.yaml": "DefaultRunProperties: {target: s3://bucket/out, days: 3}\nMaxConcurrentRuns: 1\n",
    "conf/jobs/load.yaml": (
        "DefaultArguments: {--mode: full}\nNonOverridableArguments: {--env: prod}\n"
        "MaxRetries: 2\nTimeout: 60\nExecutionProperty: {MaxConcurrentRuns: 3}\n"
    ),
    "conf/triggers/start.yaml": (
        "Type: SCHEDULED\nSchedule: cron(0 2 ? * MON-FRI *)\nWorkflowName: nightly\nStartOnCreation: true\n"
        "Actions: [{CrawlerName: orders}]\n"
    ),
    "conf/triggers/after_crawl.yaml": (
        "Type: CONDITIONAL\nWorkflowName: nightly\n"
        "Predicate: {Conditions: [{CrawlerName: orders, CrawlState: SUCCEEDED}]}\n"
        'Actions: [{JobName: load, Arguments: {--day: "2026-01-01", --n: 5}, Timeout: 30}]\n'
    ),
    "conf/triggers/after_load.yaml": (
        "Type: CONDITIONAL\nWorkflowName: nightly\n"
        "Predicate:\n  Logical: ANY\n  Conditions:\n"
        "    - {JobName: load, State: FAILED}\n    - {JobName: load, LogicalOperator: EQUALS, State: TIMEOUT}\n"
        "Actions: [{JobName: alert}]\n"
    ),
    "conf/triggers/adhoc.yaml": "Name: report-now\nType: ON_DEMAND\nActions: [{JobName: report}]\n",
    "conf/triggers/landing.yaml": (
        "Type: EVENT\nWorkflowName: nightly\nEventBatchingCondition: {BatchSize: 10, BatchWindow: 300}\n"
        "watch_path: landing/\nActions: [{CrawlerName: orders}]\n"
    ),
}


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder with jobs, a crawler, a workflow, job settings and triggers; bare job and
    crawler names resolve in it."""
    return use_project(tmp_path, PROJECT, monkeypatch)


def test_definitions_load_in_glue_shapes_and_are_valid_glue_requests(project):
    found = load_definitions()
    assert sorted(found.triggers) == ["after_crawl", "after_load", "landing", "report-now", "start"]
    assert found.triggers["after_crawl"].to_api() == {
        "Name": "after_crawl",
        "Type": "CONDITIONAL",
        "Actions": [{"JobName": "load", "Arguments": {"--day": "2026-01-01", "--n": "5"}, "Timeout": 30}],
        "WorkflowName": "nightly",
        "Predicate": {
            "Conditions": [{"LogicalOperator": "EQUALS", "CrawlerName": "orders", "CrawlState": "SUCCEEDED"}]
        },
        "StartOnCreation": False,
    }
    assert found.triggers["start"].cron.next_after(utc(FRI)) == utc("2026-02-02T02:00")
    assert found.workflows["nightly"].to_api() == {
        "Name": "nightly",
        "DefaultRunProperties": {"target": "s3://bucket/out", "days": "3"},
        "MaxConcurrentRuns": 1,
    }
    load = found.job_settings("load")
    assert (load.MaxRetries, load.Timeout, load.ExecutionProperty.MaxConcurrentRuns) == (2, 60, 3)
    assert (load.DefaultArguments, load.NonOverridableArguments) == ({"--mode": "full"}, {"--env": "prod"})
    assert found.job_settings(str(project / "jobs" / "report.py")).to_api() == {  # Glue's defaults
        "Name": "report",
        "DefaultArguments": {},
        "NonOverridableArguments": {},
        "MaxRetries": 0,
        "ExecutionProperty": {"MaxConcurrentRuns": 1},
    }
    assert found.triggers["landing"].watch_path == "landing/"  # ours: not sent to Glue
    assert "watch_path" not in found.triggers["landing"].to_api()
    # The same mappings are what boto3's Glue client accepts (botocore's own model and validator).
    glue = botocore.session.get_session().get_service_model("glue")
    for trigger in found.triggers.values():
        validate_parameters(trigger.to_api(), glue.operation_model("CreateTrigger").input_shape)
    validate_parameters(found.workflows["nightly"].to_api(), glue.operation_model("CreateWorkflow").input_shape)
    job = {"Role": "arn:aws:iam::123456789012:role/etl", "Command": {"Name": "glueetl"}}
    validate_parameters({**load.to_api(), **job}, glue.operation_model("CreateJob").input_shape)


# (file, its new text, the error); each case changes one file of PROJECT
INVALID = [
    ("conf/triggers/adhoc.yaml", "Type: ON_DEMAND\nAction: []\n", "adhoc.yaml: unknown key 'Action' (allowed here:"),
    ("conf/triggers/adhoc.yaml", "Actions: [{JobName: report}]\n", "adhoc.yaml: key 'Type' is required"),
    ("conf/triggers/adhoc.yaml", "Type: LATER\nActions: [{JobName: report}]\n", "key 'Type' must be one of SCHEDULED"),
    ("conf/triggers/adhoc.yaml", "Type: ON_DEMAND\n", "adhoc.yaml: key 'Actions' is required"),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nStartOnCreation: yes please\nActions: [{JobName: report}]\n",
        "adhoc.yaml: key 'StartOnCreation' must be bool, got str",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nStartOnCreation: true\nActions: [{JobName: report}]\n",
        "adhoc.yaml: key 'StartOnCreation': true is not supported for ON_DEMAND triggers",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nSchedule: cron(0 2 * * ? *)\nActions: [{JobName: report}]\n",
        "adhoc.yaml: key 'Schedule' is only for SCHEDULED triggers, this one is ON_DEMAND",
    ),
    ("conf/triggers/adhoc.yaml", "Type: SCHEDULED\nActions: [{JobName: report}]\n", "key 'Schedule' is required"),
    (
        "conf/triggers/adhoc.yaml",
        "Type: SCHEDULED\nSchedule: cron(0 2 * * MON *)\nActions: [{JobName: report}]\n",
        "adhoc.yaml: key 'Schedule': cron(0 2 * * MON *): Day-of-month and Day-of-week are both set",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: SCHEDULED\nSchedule: cron(*/2 * * * ? *)\nActions: [{JobName: report}]\n",
        "adhoc.yaml: key 'Schedule': cron(*/2 * * * ? *): fires 2 minute(s) apart",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nActions: [{JobName: reprot}]\n",
        "adhoc.yaml: key 'Actions[0].JobName': job 'reprot': no file",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nActions: [{JobName: report, CrawlerName: orders}]\n",
        "adhoc.yaml: key 'Actions[0]' needs exactly one of JobName and CrawlerName",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nActions: [{JobName: report, Arguments: {--full: true}}]\n",
        "adhoc.yaml: key 'Actions[0].Arguments.--full' must be text (quote it), got bool",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nActions: [{JobName: report, Timeout: 0}]\n",
        "adhoc.yaml: key 'Actions[0].Timeout' must be more than 0 (minutes), got 0",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nActions: [{CrawlerName: ordres}]\n",
        "adhoc.yaml: key 'Actions[0].CrawlerName': no crawler definition",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nActions: [{CrawlerName: orders}, {CrawlerName: orders}, {CrawlerName: orders}]\n",
        "adhoc.yaml: key 'Actions': Glue starts at most 2 crawlers per trigger",
    ),
    (
        "conf/triggers/after_load.yaml",
        "Type: CONDITIONAL\nPredicate: {Conditions: [{JobName: load, State: RUNNING}]}\nActions: [{JobName: alert}]\n",
        "after_load.yaml: key 'Predicate.Conditions[0].State' must be one of SUCCEEDED, STOPPED, FAILED, TIMEOUT",
    ),
    (
        "conf/triggers/after_load.yaml",
        "Type: CONDITIONAL\nPredicate: {Conditions: [{JobName: load, CrawlState: FAILED}]}\n"
        "Actions: [{JobName: alert}]\n",
        "after_load.yaml: key 'Predicate.Conditions[0].CrawlState' is for crawlers; a job's condition uses State",
    ),
    (
        "conf/triggers/after_load.yaml",
        "Type: CONDITIONAL\nPredicate: {Conditions: [{JobName: load, State: FAILED}, {JobName: report, State: FAILED}]}"
        "\nActions: [{JobName: alert}]\n",
        "after_load.yaml: key 'Predicate.Logical' is required with several conditions (AND or ANY)",
    ),
    (
        "conf/triggers/after_load.yaml",
        "Type: CONDITIONAL\nPredicate: {Conditions: [{JobName: lode, State: FAILED}]}\nActions: [{JobName: alert}]\n",
        "after_load.yaml: key 'Predicate.Conditions[0].JobName': job 'lode': no file",
    ),
    (
        "conf/triggers/after_load.yaml",
        "Type: CONDITIONAL\nWorkflowName: nightly\nPredicate: {Conditions: [{JobName: load, State: FAILED}]}\n"
        "Actions: [{CrawlerName: orders}]\n",  # orders -> after_crawl -> load -> after_load -> orders
        "after_crawl.yaml: key 'Predicate': workflow 'nightly' has a cycle: "
        "after_crawl -> job load -> after_load -> crawler orders -> after_crawl",
    ),
    (
        "conf/triggers/landing.yaml",
        "Type: EVENT\nWorkflowName: daily\nActions: [{CrawlerName: orders}]\n",
        "landing.yaml: key 'WorkflowName': no workflow 'daily' in conf/workflows/ (workflows: nightly)",
    ),
    (
        "conf/triggers/landing.yaml",
        "Type: EVENT\nActions: [{CrawlerName: orders}]\n",
        "landing.yaml: key 'WorkflowName' is required: an EVENT trigger starts a workflow",
    ),
    (
        "conf/triggers/landing.yaml",
        "Type: EVENT\nWorkflowName: nightly\nEventBatchingCondition: {BatchSize: 101}\n"
        "Actions: [{CrawlerName: orders}]\n",
        "landing.yaml: key 'EventBatchingCondition.BatchSize' must be 1-100 (events per batch), got 101",
    ),
    (
        "conf/triggers/landing.yaml",
        "Name: start\nType: ON_DEMAND\nActions: [{CrawlerName: orders}]\n",
        "start.yaml: key 'Name': 'start' is also the name in",
    ),
    (
        "conf/triggers/adhoc.yaml",
        "Type: ON_DEMAND\nwatch_path: in/\nActions: [{JobName: report}]\n",
        "adhoc.yaml: key 'watch_path' is only for EVENT triggers, this one is ON_DEMAND",
    ),
    (
        "conf/workflows/nightly.yaml",
        "MaxConcurrentRuns: 0\n",
        "nightly.yaml: key 'MaxConcurrentRuns' must be 1 or more",
    ),
    (
        "conf/workflows/nightly.yaml",
        "DefaultRunProperties: [a, b]\n",
        "nightly.yaml: key 'DefaultRunProperties' must be dict, got list",
    ),
    ("conf/jobs/load.yaml", "MaxRetries: -1\n", "load.yaml: key 'MaxRetries' must be 0 or more, got -1"),
    (
        "conf/jobs/load.yaml",
        "ExecutionProperty: {MaxConcurentRuns: 2}\n",
        "load.yaml: unknown key 'ExecutionProperty.MaxConcurentRuns' (allowed here: ExecutionProperty.MaxConcurrent",
    ),
    ("conf/jobs/load.yaml", "Timeout: ten\n", "load.yaml: key 'Timeout' must be int/float, got str ('ten')"),
]


@pytest.mark.parametrize(("name", "text", "message"), INVALID)
def test_invalid_definitions_name_the_file_the_key_and_the_reason(project, name, text, message):
    (project / name).write_text(text)
    with pytest.raises(ConfigError) as err:
        load_definitions()
    assert message in str(err.value)
    assert str(project / "conf") in str(err.value)  # the file's path leads the message


def test_etl_triggers_list_and_show(project, capsys):
    assert main(["triggers", "list", "--at", "2026-01-30T10:00"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "NAME         TYPE         SCHEDULE                 NEXT FIRE (UTC)   WORKFLOW",
        "after_crawl  CONDITIONAL  -                        -                 nightly",
        "after_load   CONDITIONAL  -                        -                 nightly",
        "landing      EVENT        -                        -                 nightly",
        "report-now   ON_DEMAND    -                        -                 -",
        "start        SCHEDULED    cron(0 2 ? * MON-FRI *)  2026-02-02 02:00  nightly",
    ]
    assert main(["triggers", "show", "after_load"]) == 0
    assert capsys.readouterr().out == (
        "Name: after_load\nType: CONDITIONAL\nActions:\n- JobName: alert\nWorkflowName: nightly\nPredicate:\n"
        "  Conditions:\n  - LogicalOperator: EQUALS\n    JobName: load\n    State: FAILED\n"
        "  - LogicalOperator: EQUALS\n    JobName: load\n    State: TIMEOUT\n  Logical: ANY\nStartOnCreation: false\n"
    )
    assert main(["triggers", "show", "nope"]) == 1
    assert "no trigger 'nope' in conf/triggers/ (triggers: after_crawl, after_load, landing, report-now, start)" in (
        capsys.readouterr().err
    )


def test_etl_triggers_exits_1_naming_the_invalid_file(project):
    (project / "conf/triggers/start.yaml").write_text(
        "Type: SCHEDULED\nSchedule: cron(0 2 * * ? *)\nActions: [{JobName: lode}]\n"
    )
    result = run_etl("triggers", "list", cwd=project)
    assert result.code == 1 and result.stdout == ""
    assert f"etl: error: {project}/conf/triggers/start.yaml: key 'Actions[0].JobName': job 'lode': no file" in (
        result.stderr
    )


# --- Airflow export (etl workflows export-airflow) ---------------------------------------------------

# (Glue cron, Airflow's five fields): day-of-week from 0 = Sunday, ? as *, L / nW / nL / # as croniter spells them
AIRFLOW_CRON = [
    ("cron(0 18 ? * MON-FRI *)", "0 18 * * 1,2,3,4,5"),
    ("cron(0 0 ? * 1 *)", "0 0 * * 0"),
    ("cron(0/15 * * * ? *)", "0,15,30,45 * * * *"),
    ("cron(0 12 1 JAN,JUL ? *)", "0 12 1 1,7 *"),
    ("cron(0 18 L * ? *)", "0 18 L * *"),
    ("cron(0 9 15W * ? *)", "0 9 15W * *"),
    ("cron(0 10 ? * 6L *)", "0 10 * * L5"),
    ("cron(0 10 ? * 6#3 *)", "0 10 * * 5#3"),
    ("cron(0 0 1 1 ? 1970-2199)", "0 0 1 1 *"),
]


@pytest.mark.parametrize(("expression", "expected"), AIRFLOW_CRON)
def test_airflow_cron_fires_when_glue_does(expression, expected):
    assert airflow_cron(expression) == expected
    # Airflow's cron is croniter's: the same fire times as Glue's schedule.
    glue, at = parse(expression), utc(FRI)
    airflow = croniter(expected, at)
    for _ in range(4):
        at = glue.next_after(at)
        assert airflow.get_next(datetime) == at


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 0 1 1 ? 2027)", "cron(0 0 1 1 ? 2027): Year '2027': Airflow's cron has no Year field"),
        ("cron(0 12 1 1 ? 2030/5)", "Year '2030/5': Airflow's cron has no Year field"),
        ("cron(0 0 LW * ? *)", "cron(0 0 LW * ? *): Day-of-month 'LW': Airflow's cron (croniter) has no last weekday"),
    ],
)
def test_airflow_cron_refuses_what_airflow_cannot_express(expression, message):
    with pytest.raises(AirflowExportError) as err:
        airflow_cron(expression)
    assert message in str(err.value)


# PROJECT's workflow nightly (crawl orders, then load; alert when load fails or times out) with
# report when load succeeds and notify on a mixed predicate (report SUCCEEDED and alert FAILED).
AIRFLOW_PROJECT = {
    "jobs/notify.py": "print('notify')\n",
    "conf/triggers/on_load.yaml": (
        "Type: CONDITIONAL\nWorkflowName: nightly\nPredicate: {Conditions: [{JobName: load, State: SUCCEEDED}]}\n"
        "Actions: [{JobName: report}]\n"
    ),
    "conf/triggers/mixed.yaml": (
        "Type: CONDITIONAL\nWorkflowName: nightly\nPredicate:\n  Logical: AND\n  Conditions:\n"
        "    - {JobName: report, State: SUCCEEDED}\n    - {JobName: alert, State: FAILED}\n"
        "Actions: [{JobName: notify}]\n"
    ),
}


@pytest.fixture
def airflow_project(project) -> Path:
    for name, text in AIRFLOW_PROJECT.items():
        (project / name).write_text(text)
    (project / "conf/triggers/landing.yaml").unlink()  # a second start trigger of nightly
    return project


def dag_graph(text: str) -> dict:
    """What a DAG file says, read with ``ast``: the DAG's arguments, each task's operator and
    arguments (literals as values, other expressions as their source) and the ``a >> b`` edges."""
    tree = ast.parse(text)

    def value(node: ast.expr):
        try:
            return ast.literal_eval(node)
        except ValueError:
            return ast.get_source_segment(text, node)

    (with_dag,) = [n for n in tree.body if isinstance(n, ast.With)]
    dag_call = with_dag.items[0].context_expr
    out = {"dag": {kw.arg: value(kw.value) for kw in dag_call.keywords}, "tasks": {}, "edges": set()}
    out["functions"] = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    for stmt in with_dag.body:
        if isinstance(stmt, ast.Assign):
            call = stmt.value
            out["tasks"][stmt.targets[0].id] = (call.func.id, {kw.arg: value(kw.value) for kw in call.keywords})
        else:
            out["edges"].add((stmt.value.left.id, stmt.value.right.id))
    return out


WORKFLOW_ARGS = "--WORKFLOW_NAME '{{ dag.dag_id }}' --WORKFLOW_RUN_ID '{{ run_id }}'"


def test_export_airflow_writes_the_workflow_as_a_dag(airflow_project, capsys):
    out = airflow_project / "dags/nightly.py"
    assert main(["workflows", "export-airflow", "nightly", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}: the Airflow DAG 'nightly'\n"
    text = out.read_text()
    assert text.startswith(
        "# Generated by `etl workflows export-airflow nightly` from the Glue-style definitions in\n"
        "#   conf/workflows/nightly.yaml\n#   conf/triggers/after_crawl.yaml\n#   conf/triggers/after_load.yaml\n"
        "#   conf/triggers/mixed.yaml\n#   conf/triggers/on_load.yaml\n#   conf/triggers/start.yaml\n"
        "#   conf/jobs/load.yaml\n"
    )
    graph = dag_graph(text)
    assert graph["dag"] == {
        "dag_id": "nightly",
        "schedule": "CronTriggerTimetable('0 2 * * 1,2,3,4,5', timezone='UTC')",  # cron(0 2 ? * MON-FRI *)
        "start_date": "datetime(2020, 1, 1, tzinfo=timezone.utc)",
        "catchup": False,
        "max_active_runs": 1,
        "params": {"days": "3", "target": "s3://bucket/out"},
        "tags": ["glue-workflow"],
    }
    bash = {"cwd": "PROJECT"}
    guard = "lambda context: glue_predicate('ANY', {'load': ['failed']}, context['ti'])"
    assert graph["tasks"] == {
        "crawl_orders": (
            "BashOperator",
            {"task_id": "crawl_orders", "bash_command": "etl crawl orders --env local", **bash},
        ),
        "load": (
            "BashOperator",
            {
                "task_id": "load",
                # defaults < the trigger's arguments < the non-overridable ones, after "--" for the job
                "bash_command": "etl run load --env local -- --mode full --day 2026-01-01 --n 5 --env prod "
                + WORKFLOW_ARGS,
                **bash,
                "retries": 2,  # MaxRetries
                "execution_timeout": "timedelta(minutes=30)",  # the action's Timeout over the job's 60
                "trigger_rule": "all_success",
            },
        ),
        "alert": (  # ANY of load FAILED, TIMEOUT: both are Airflow's failed
            "BashOperator",
            {
                "task_id": "alert",
                "bash_command": f"etl run alert --env local -- {WORKFLOW_ARGS}",
                **bash,
                "trigger_rule": "one_failed",
                "pre_execute": guard,  # load ran and failed: not upstream_failed after a failed crawl
            },
        ),
        "report": (
            "BashOperator",
            {"task_id": "report", "bash_command": f"etl run report --env local -- {WORKFLOW_ARGS}", **bash}
            | {"trigger_rule": "all_success"},
        ),
        "check_mixed": (
            "PythonOperator",
            {
                "task_id": "check_mixed",
                "python_callable": "glue_predicate",
                "op_kwargs": {"logical": "AND", "wanted": {"report": ["success"], "alert": ["failed"]}},
                "trigger_rule": "all_done",
            },
        ),
        "notify": (
            "BashOperator",
            {"task_id": "notify", "bash_command": f"etl run notify --env local -- {WORKFLOW_ARGS}", **bash},
        ),
    }
    assert graph["edges"] == {
        ("crawl_orders", "load"),
        ("load", "alert"),
        ("load", "report"),
        ("report", "check_mixed"),
        ("alert", "check_mixed"),
        ("check_mixed", "notify"),
    }
    assert graph["functions"] == ["glue_predicate"]
    assert f"PROJECT = {str(airflow_project)!r}" in text
    # Deterministic: the same definitions give the same bytes.
    assert main(["workflows", "export-airflow", "nightly", "-o", str(airflow_project / "again.py")]) == 0
    assert (airflow_project / "again.py").read_text() == text
    # An ON_DEMAND (or EVENT) start: no schedule; the workflow's Description, quotes and all.
    (airflow_project / "conf/triggers/start.yaml").write_text(
        "Type: ON_DEMAND\nWorkflowName: nightly\nActions: [{CrawlerName: orders}]\n"
    )
    (airflow_project / "conf/workflows/nightly.yaml").write_text("Description: 'the \"\"\" nightly ''run'''\n")
    assert main(["workflows", "export-airflow", "nightly", "-o", str(out)]) == 0
    dag = dag_graph(out.read_text())["dag"]
    assert (dag["schedule"], dag["description"], "max_active_runs" in dag) == (None, 'the """ nightly \'run\'', False)


# (file, its new text, the error); each case changes one file of airflow_project
EXPORT_REFUSALS = [
    (
        "conf/triggers/start.yaml",
        "Type: SCHEDULED\nSchedule: cron(0 2 ? * MON-FRI 2027)\nWorkflowName: nightly\n"
        "Actions: [{CrawlerName: orders}]\n",
        "conf/triggers/start.yaml: key 'Schedule': cron(0 2 ? * MON-FRI 2027): Year '2027': Airflow's cron has no"
        " Year field",
    ),
    (
        "conf/triggers/landing.yaml",
        "Type: EVENT\nWorkflowName: nightly\nActions: [{CrawlerName: orders}]\n",
        "workflow 'nightly': a workflow has one start trigger (SCHEDULED, ON_DEMAND or EVENT) with WorkflowName "
        "nightly; found 2: ",
    ),
    (
        "conf/triggers/start.yaml",
        "Type: ON_DEMAND\nWorkflowName: nightly\nActions: [{JobName: report}]\n",
        "conf/triggers/after_crawl.yaml: key 'Predicate': crawler orders is started by no trigger of workflow"
        " 'nightly', so this trigger never fires in its runs",
    ),
    (
        "conf/triggers/again.yaml",
        "Type: CONDITIONAL\nWorkflowName: nightly\nPredicate: {Conditions: [{JobName: alert, State: SUCCEEDED}]}\n"
        "Actions: [{JobName: report}]\n",
        "conf/triggers/mixed.yaml: key 'Predicate': job report is started by several triggers of the workflow"
        " (report, report__on_load)",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), EXPORT_REFUSALS)
def test_export_airflow_refusals_name_the_file_and_the_reason(airflow_project, capsys, name, text, message):
    (airflow_project / name).write_text(text)
    assert main(["workflows", "export-airflow", "nightly", "-o", "dags/nightly.py"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("etl: error: ") and message in err
    assert not (airflow_project / "dags").exists()


def test_export_airflow_spark_submit_runs_the_launcher_with_the_profiles_command(airflow_project, capsys):
    cluster = airflow_project / "conf/cluster.yaml"
    cluster.write_text(
        "spark:\n  master: spark://spark-host:7077\n  conf: {spark.executor.memory: 2g}\n"
        "  submit_args: [--archives, env.tar.gz#env]\n"
    )
    (airflow_project / "conf/local.yaml").write_text("spark:\n  master: local[2]\n")
    out = airflow_project / "dags/nightly.py"
    assert main(["workflows", "export-airflow", "nightly", "-o", str(out), "--operator", "spark-submit"]) == 1
    assert "--operator spark-submit: profile 'local' runs Spark in-process (master local[2]); give a cluster" in (
        capsys.readouterr().err
    )
    assert (
        main(
            ["workflows", "export-airflow", "nightly", "-o", str(out), "--operator", "spark-submit"]
            + ["--env", "cluster"]
        )
        == 0
    )
    text = out.read_text()
    assert "connection 'spark_default': point it at spark://spark-host:7077" in text
    tasks = dag_graph(text)["tasks"]
    kind, load = tasks["load"]
    assert kind == "SparkSubmitOperator"
    assert load["application"] == str(LAUNCHER)
    assert load["application_args"] == [
        "--env",
        str(cluster),
        str(airflow_project / "jobs/load.py"),
        "--",
        *("--mode", "full", "--day", "2026-01-01", "--n", "5", "--env", "prod"),
        *("--WORKFLOW_NAME", "{{ dag.dag_id }}", "--WORKFLOW_RUN_ID", "{{ run_id }}"),
    ]
    assert load["py_files"].split(",")[1] == str(airflow_project / "jobs/load.py")
    assert (load["name"], load["deploy_mode"], load["conn_id"], load["archives"]) == (
        "load",
        "client",
        "spark_default",
        "env.tar.gz#env",
    )
    assert load["conf"]["spark.executor.memory"] == "2g" and load["conf"]["spark.pyspark.python"] == sys.executable
    assert (load["retries"], load["execution_timeout"], load["trigger_rule"]) == (
        2,
        "timedelta(minutes=30)",
        "all_success",
    )
    assert tasks["crawl_orders"][0] == "BashOperator"  # crawlers run etl crawl in either case
    # A spark-submit option SparkSubmitOperator has no argument for is refused, naming it.
    cluster.write_text("spark:\n  master: spark://spark-host:7077\n  submit_args: [--supervise, 'true']\n")
    assert (
        main(
            ["workflows", "export-airflow", "nightly", "-o", str(out), "--operator", "spark-submit"]
            + ["--env", "cluster"]
        )
        == 1
    )
    assert "job 'load': profile 'cluster' key 'spark.submit_args': --supervise has no SparkSubmitOperator argument" in (
        capsys.readouterr().err
    )


# --- etl triggers push: the definitions in a Glue account (moto in server mode) ---------------------


def test_etl_triggers_push_creates_then_updates_the_definitions_in_glue(project, capsys, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    (project / "conf/local.yaml").write_text("spark:\n  master: local[2]\n")
    # moto's CreateTrigger needs Logical even with one condition (Glue does not): say it.
    after_crawl = project / "conf/triggers/after_crawl.yaml"
    after_crawl.write_text(
        after_crawl.read_text().replace("Predicate: {Conditions", "Predicate: {Logical: AND, Conditions")
    )
    server = MotoServer().start()
    try:
        push = ["triggers", "push", "--endpoint-url", server.url, "--region", REGION]
        glue = boto3.client("glue", endpoint_url=server.url, region_name=REGION)
        assert main(push) == 0
        names = ["after_crawl", "after_load", "landing", "report-now", "start"]
        assert capsys.readouterr().out.splitlines() == [
            "created workflow nightly",
            *(f"created trigger {n}" for n in names),
        ]
        found = load_definitions()
        for name in names:
            api = found.triggers[name].to_api()
            del api["StartOnCreation"]  # a creation option: Glue's Trigger has State instead
            got = glue.get_trigger(Name=name)["Trigger"]
            assert {key: got.get(key) for key in api} == api
        workflow = glue.get_workflow(Name="nightly")["Workflow"]
        assert (workflow["DefaultRunProperties"], workflow["MaxConcurrentRuns"]) == (
            {"target": "s3://bucket/out", "days": "3"},
            1,
        )

        # Pushed again: nothing to do, no AlreadyExists; a changed workflow is updated in place.
        assert main(push) == 0
        assert capsys.readouterr().out.splitlines() == [
            "unchanged workflow nightly",
            *(f"unchanged trigger {n}" for n in names),
        ]
        (project / "conf/workflows/nightly.yaml").write_text(
            "DefaultRunProperties: {target: s3://bucket/v2}\nMaxConcurrentRuns: 2\n"
        )
        assert main(push) == 0
        assert capsys.readouterr().out.splitlines()[0] == "updated workflow nightly"
        workflow = glue.get_workflow(Name="nightly")["Workflow"]
        assert (workflow["DefaultRunProperties"], workflow["MaxConcurrentRuns"]) == ({"target": "s3://bucket/v2"}, 2)

        # What Glue cannot update is refused, naming the file and the key.
        (project / "conf/triggers/adhoc.yaml").write_text(
            "Name: report-now\nType: SCHEDULED\nSchedule: cron(0 3 * * ? *)\nActions: [{JobName: report}]\n"
        )
        assert main(push) == 1
        assert (
            f"etl: error: {project}/conf/triggers/adhoc.yaml: key 'Type': trigger 'report-now' is 'ON_DEMAND' in Glue"
            " and 'SCHEDULED' here; Glue cannot change a trigger's Type: delete the trigger there first"
        ) in capsys.readouterr().err
    finally:
        server.stop()


def test_run_properties_through_the_context_and_workflow_commands(project, spark_session, capsys):
    """A job's ``ctx.workflow_run_properties()`` / ``ctx.put_workflow_run_properties()`` read and
    merge the properties of its own workflow run only; ``etl workflows`` lists, stops and refuses."""
    opts = ["--env", str(ROOT / "conf" / "local.yaml"), "--set", f"state_dir={project}/state"]
    profile = load_profile(opts[1], sets=[opts[3]])
    runs = WorkflowRuns(profile.state_dir)
    mine, other = runs.start("nightly", {"day": "d1"}), runs.start("nightly", {"day": "d2"})
    with activate(ActiveRun("load", "jr_1", profile, {}, workflow_name="nightly", workflow_run_id=mine.run_id)):
        ctx = EtlContext(spark_session)
        assert ctx.workflow_run_properties() == {"day": "d1"}
        ctx.put_workflow_run_properties({"rows": "3", "day": "d9"})
        assert ctx.workflow_run_properties() == {"day": "d9", "rows": "3"}
        with pytest.raises(WorkflowRunError, match="InvalidInputException: run property 'n': .* got int"):
            ctx.put_workflow_run_properties({"n": 3})
        assert ctx.workflow_run_properties(run_id=other.run_id) == {"day": "d2"}  # Glue's RunId=...
    with activate(ActiveRun("load", "jr_2", profile, {})):
        with pytest.raises(WorkflowRunError, match="job load is not part of a workflow run"):
            EtlContext(spark_session).workflow_run_properties()

    assert main(["workflows", "stop", "nightly", mine.run_id, *opts]) == 0  # nothing running: stopped at once
    assert capsys.readouterr().out == f"workflow nightly run {mine.run_id}: STOPPED\n"
    assert runs.get(mine.run_id).status == "STOPPED"
    assert main(["workflows", "list", *opts]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == [
        "nightly", "landing", "(EVENT),", "start", "(SCHEDULED)", "1", other.run_id, "RUNNING"
    ]  # fmt: skip
    assert main(["workflows", "show", "nightly", "wr_nope", *opts]) == 1
    assert "EntityNotFoundException: no workflow run wr_nope of workflow nightly" in capsys.readouterr().err
    assert main(["workflows", "run", "nope", *opts]) == 1
    assert "no workflow 'nope' in conf/workflows/ (workflows: nightly)" in capsys.readouterr().err
    assert main(["triggers", "start", "after_crawl", *opts]) == 1
    assert "fires within the workflow's runs; start one with etl workflows run nightly" in capsys.readouterr().err
    assert main(["triggers", "start", "start", *opts]) == 0  # a workflow's SCHEDULED start trigger
    assert capsys.readouterr().out == "trigger start: ACTIVATED\n"
