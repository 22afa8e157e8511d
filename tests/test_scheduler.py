"""Glue's cron schedules and the trigger, workflow and job-settings files (etl_framework/scheduler)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import validate_parameters

from etl_framework.cli import main
from etl_framework.errors import ConfigError
from etl_framework.scheduler.cron import CronError, parse
from etl_framework.scheduler.definitions import load_definitions

from .conftest import run_etl


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
        "Actions: [{CrawlerName: orders}]\n"
    ),
}


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder with jobs, a crawler, a workflow, job settings and triggers; bare job and
    crawler names resolve in it."""
    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ETL_CONF_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("ETL_JOBS_DIR", str(tmp_path / "jobs"))
    return tmp_path


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
