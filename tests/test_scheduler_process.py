"""The scheduler process (``etl scheduler``): triggers fire jobs run as real child processes, with
Glue's settings, restarts, one scheduler per state dir and SIGTERM.

The jobs are tiny Python scripts that never ask for Spark, so ``etl run`` starts no JVM for them.
Most checks call the ``etl`` command in this process (``cli.main``); what needs a scheduler to be
killed or signalled runs it as its own process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from etl_framework.cli import main
from etl_framework.runtime.history import RunHistory, RunRecord, process_alive
from etl_framework.runtime.workflow_runs import WorkflowRuns

from .conftest import ETL, ROOT, use_project

# One script for every job: --exit N exits N, --sleep S sleeps, --fail-once PATH fails the first
# time (creating PATH); every run writes its arguments, and whether a SparkContext exists, to
# out/RUN_ID.json.
JOB = """\
import json, sys, time
from pathlib import Path

from pyspark import SparkContext

opts = dict(zip(sys.argv[1::2], sys.argv[2::2]))
Path("out").mkdir(exist_ok=True)
spark = SparkContext._active_spark_context is not None
Path("out", opts["--JOB_RUN_ID"] + ".json").write_text(json.dumps({**opts, "spark started": spark}))
time.sleep(float(opts.get("--sleep", 0)))
marker = opts.get("--fail-once")
if marker and not Path(marker).exists():
    Path(marker).touch()
    sys.exit(1)
sys.exit(int(opts.get("--exit", 0)))
"""

FILES = {
    "conf/jobs/j1.yaml": ("DefaultArguments: {--day: d0, --mode: full}\nNonOverridableArguments: {--target: prod}\n"),
    "conf/jobs/slow.yaml": "Timeout: 0.05\nExecutionProperty: {MaxConcurrentRuns: 1}\n",  # 3 seconds
    "conf/jobs/flaky.yaml": "MaxRetries: 1\n",
    "conf/triggers/nightly.yaml": (
        "Type: SCHEDULED\nSchedule: cron(0 12 * * ? *)\nStartOnCreation: true\n"
        "Actions: [{JobName: j1, Arguments: {--day: d1, --target: dev}}]\n"
    ),
    "conf/triggers/after_j1.yaml": (
        "Type: CONDITIONAL\nStartOnCreation: true\n"
        "Predicate: {Logical: AND, Conditions: [{JobName: j1, State: SUCCEEDED}]}\nActions: [{JobName: j2}]\n"
    ),
    "conf/triggers/on_failure.yaml": (
        "Type: CONDITIONAL\nStartOnCreation: true\nPredicate:\n  Logical: ANY\n  Conditions:\n"
        "    - {JobName: j1, State: FAILED}\n    - {JobName: j2, State: FAILED}\nActions: [{JobName: j3}]\n"
    ),
    "conf/triggers/paused.yaml": "Type: SCHEDULED\nSchedule: cron(0 9 * * ? *)\nActions: [{JobName: sleepy}]\n",
    "conf/triggers/manual.yaml": "Type: ON_DEMAND\nActions: [{JobName: j1, Arguments: {--exit: '1'}}]\n",
    "conf/triggers/go.yaml": (
        "Type: ON_DEMAND\nActions:\n  - {JobName: slow, Arguments: {--sleep: '30'}}\n"
        "  - {JobName: slow, Arguments: {--sleep: '30'}}\n  - {JobName: flaky, Arguments: {--fail-once: marker}}\n"
    ),
    "conf/triggers/long.yaml": "Type: ON_DEMAND\nActions: [{JobName: sleepy, Arguments: {--sleep: '3'}}]\n",
    "conf/triggers/forever.yaml": "Type: ON_DEMAND\nActions: [{JobName: sleepy, Arguments: {--sleep: '60'}}]\n",
}


@pytest.fixture
def project(tmp_path, monkeypatch) -> dict:
    """A project folder (jobs/, conf/) as the working directory, and the profile options of a
    private state dir."""
    jobs = {f"jobs/{name}.py": JOB for name in ("j1", "j2", "j3", "slow", "flaky", "sleepy")}
    use_project(tmp_path, {**jobs, **FILES}, monkeypatch)
    state = tmp_path / "state"
    opts = ["--env", str(ROOT / "conf" / "local.yaml"), "--set", f"state_dir={state}"]
    return {
        "dir": tmp_path,
        "opts": [*opts, "--set", f"warehouse_dir={tmp_path}/wh"],
        "history": RunHistory(str(state)),
    }


def runs(history: RunHistory) -> list[tuple]:
    """(job, status, trigger, attempt) of every run, oldest first."""
    return [(r.job, r.status, r.trigger_name, r.attempt) for r in reversed(history.list(limit=100))]


def job_args(project: dict, record: RunRecord) -> dict:
    return json.loads((project["dir"] / "out" / f"{record.run_id}.json").read_text())


def wait_for(check, what: str, timeout: float = 30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_scheduled_and_conditional_triggers_fire_jobs_with_merged_arguments(project, capsys):
    opts, history = project["opts"], project["history"]
    assert main(["scheduler", "--once", "--at", "2090-01-04T11:59", *opts]) == 0
    assert runs(history) == []  # cron(0 12 ...) is not due at 11:59

    assert main(["scheduler", "--once", "--at", "2090-01-04T12:00", *opts]) == 0
    assert runs(history) == [("j1", "SUCCEEDED", "nightly", 0), ("j2", "SUCCEEDED", "after_j1", 0)]
    j1 = history.list("j1")[0]
    # DefaultArguments < the action's Arguments < NonOverridableArguments
    assert {k: job_args(project, j1)[k] for k in ("--day", "--mode", "--target")} == {
        "--day": "d1",
        "--mode": "full",
        "--target": "prod",
    }
    assert job_args(project, j1)["--JOB_RUN_ID"] == j1.run_id  # the scheduler's record is the run's
    assert job_args(project, j1)["spark started"] is False  # etl run starts no JVM for a job without Spark

    assert main(["triggers", "start", "manual", *opts]) == 0
    assert "trigger manual: fire requested" in capsys.readouterr().out
    # The same instant again: nightly has fired for 12:00 already; manual's j1 fails, so the ANY
    # trigger starts j3 and the AND one (j1 SUCCEEDED) does not start j2.
    assert main(["scheduler", "--once", "--at", "2090-01-04T12:00", *opts]) == 0
    assert runs(history)[2:] == [("j1", "FAILED", "manual", 0), ("j3", "SUCCEEDED", "on_failure", 0)]
    assert history.list("j1")[0].error == "SystemExit: 1"

    # Without StartOnCreation, paused waited for `etl triggers start`; nightly is stopped. Days of
    # fire times have passed since: paused fires once, nightly not at all.
    assert main(["triggers", "stop", "nightly", *opts]) == main(["triggers", "start", "paused", *opts]) == 0
    assert capsys.readouterr().out.splitlines() == ["trigger nightly: DEACTIVATED", "trigger paused: ACTIVATED"]
    assert main(["scheduler", "--once", "--at", "2090-01-07T09:00", *opts]) == 0
    assert runs(history)[4:] == [("sleepy", "SUCCEEDED", "paused", 0)]

    assert main(["triggers", "stop", "manual", *opts]) == 1
    assert "trigger manual is ON_DEMAND: it is never activated, so there is nothing to stop" in capsys.readouterr().err
    assert main(["triggers", "start", "nope", *opts]) == 1
    assert "no trigger 'nope' in conf/triggers/" in capsys.readouterr().err

    assert main(["runs", *opts]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-3:] == ["TRIGGER", "ATTEMPT", "ERROR"]
    shown = {row[0]: (row[9], row[10]) for row in (line.split() for line in lines[1:])}  # the error is last
    assert shown == {r.run_id: (r.trigger_name, "0") for r in history.list()}


def test_concurrency_refusal_timeout_and_retry(project, capsys):
    opts, history = project["opts"], project["history"]
    assert main(["triggers", "start", "go", *opts]) == 0
    started = time.time()
    assert main(["scheduler", "--once", *opts]) == 0
    assert time.time() - started < 20  # the 30 s sleeps were stopped at their 3 s timeout

    timed_out, refused = sorted(history.list("slow"), key=lambda r: r.status, reverse=True)
    assert (timed_out.status, timed_out.error) == (
        "TIMEOUT",
        "Timeout: the run exceeded its timeout of 0.05 minutes and was stopped",
    )
    assert not process_alive(timed_out.pid, timed_out.pid_start)
    assert refused.status == "ERROR"
    assert refused.error == (
        f"ConcurrentRunsExceededException: Concurrent runs exceeded for slow (MaxConcurrentRuns 1; "
        f"running: {timed_out.run_id})"
    )
    retry, first = history.list("flaky")
    assert (first.status, first.attempt, first.previous_run_id) == ("FAILED", 0, None)
    assert (retry.status, retry.attempt, retry.previous_run_id, retry.trigger_name) == (
        "SUCCEEDED",
        1,
        first.run_id,
        "go",
    )
    assert job_args(project, retry)["--fail-once"] == "marker"  # the same arguments again


def test_restarted_scheduler_adopts_its_runs_and_one_scheduler_per_state_dir(project, capsys):
    opts, history = project["opts"], project["history"]
    main(["triggers", "start", "long", *opts])
    first = subprocess.Popen([*ETL, "scheduler", "--once", *opts], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        run = wait_for(lambda: [r for r in history.list("sleepy") if r.status == "RUNNING"], "the run to start")[0]
        capsys.readouterr()
        assert main(["scheduler", "--once", *opts]) == 1
        err = capsys.readouterr().err
        assert f"another scheduler runs on this state dir: pid {first.pid} on " in err, err
        assert "scheduler.lock" in err
    finally:
        first.kill()  # a crash: its child keeps running
        first.wait()
    assert process_alive(run.pid, run.pid_start)

    assert main(["scheduler", "--once", *opts]) == 0  # waits for the run it found, starts nothing
    assert [(r.run_id, r.status) for r in history.list("sleepy")] == [(run.run_id, "SUCCEEDED")]

    # A scheduler killed after recording a run and before starting its process: the next starts it.
    history.intend(
        RunRecord("jr_recorded", "sleepy", {}, time.time(), None, "STARTING", None, {}, trigger_name="paused")
    )
    assert main(["scheduler", "--once", *opts]) == 0
    assert (history.get("jr_recorded").status, len(history.list("sleepy"))) == ("SUCCEEDED", 2)


def test_sigterm_stops_the_runs_and_records_them_stopped(project):
    opts, history = project["opts"], project["history"]
    main(["triggers", "start", "forever", *opts])
    scheduler = subprocess.Popen([*ETL, "scheduler", *opts], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        run = wait_for(lambda: [r for r in history.list("sleepy") if r.status == "RUNNING"], "the run to start")[0]
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=20) == 0
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
    record = history.get(run.run_id)
    assert (record.status, record.error) == (
        "STOPPED",
        "stopped: the scheduler was stopped (SIGTERM) while the run was running",
    )
    assert not process_alive(run.pid, run.pid_start)
    with pytest.raises(ProcessLookupError):
        os.killpg(run.pid, 0)  # nothing of its process group is left either
    assert not Path(history.path.parent / "scheduler.lock").read_text()  # released


# A workflow's job: writes its arguments and the run properties it sees to out/RUN_ID.json, then
# puts seen_by_<job> into the run's properties; --fail-once PATH fails the first time.
WORKFLOW_JOB = """\
import json, sys
from pathlib import Path

from etl_framework.runtime.workflow_runs import put_workflow_run_properties, workflow_run_properties

opts = dict(zip(sys.argv[1::2], sys.argv[2::2]))
Path("out").mkdir(exist_ok=True)
seen = workflow_run_properties()
Path("out", opts["--JOB_RUN_ID"] + ".json").write_text(json.dumps({**opts, "properties": seen}))
put_workflow_run_properties({"seen_by_" + opts["--JOB_NAME"]: "yes"})
marker = opts.get("--fail-once")
if marker and not Path(marker).exists():
    Path(marker).touch()
    sys.exit(1)
"""

WORKFLOW_FILES = {
    "data/landing/a.json": '{"id": 1}\n',
    "conf/crawlers/landing.yaml": "database: wf_db\ntargets: [{path: data/landing}]\n",
    "conf/workflows/flow.yaml": "DefaultRunProperties: {day: d0, target: t0}\nMaxConcurrentRuns: 1\n",
    "conf/triggers/flow_start.yaml": "Type: ON_DEMAND\nWorkflowName: flow\nActions: [{CrawlerName: landing}]\n",
    "conf/triggers/flow_crawled.yaml": (
        "Type: CONDITIONAL\nWorkflowName: flow\n"
        "Predicate: {Conditions: [{CrawlerName: landing, CrawlState: SUCCEEDED}]}\n"
        "Actions: [{JobName: wj1, Arguments: {--fail-once: marker}}]\n"
    ),
    "conf/triggers/flow_ok.yaml": (
        "Type: CONDITIONAL\nWorkflowName: flow\nPredicate: {Conditions: [{JobName: wj1, State: SUCCEEDED}]}\n"
        "Actions: [{JobName: wj2}]\n"
    ),
    "conf/triggers/flow_failed.yaml": (
        "Type: CONDITIONAL\nWorkflowName: flow\nPredicate:\n  Logical: ANY\n  Conditions:\n"
        "    - {JobName: wj1, State: FAILED}\n    - {JobName: wj2, State: FAILED}\nActions: [{JobName: wj3}]\n"
    ),
    "conf/workflows/drop.yaml": "{}\n",
    "conf/triggers/drop_files.yaml": (
        "Type: EVENT\nWorkflowName: drop\nStartOnCreation: true\nwatch_path: data/inbox\n"
        "EventBatchingCondition: {BatchSize: 3, BatchWindow: 60}\nActions: [{JobName: wj2}]\n"
    ),
    "data/inbox/old.json": "{}\n",
}


@pytest.fixture
def workflow_project(tmp_path, monkeypatch) -> dict:
    jobs = {f"jobs/{name}.py": WORKFLOW_JOB for name in ("wj1", "wj2", "wj3")}
    use_project(tmp_path, {**jobs, **WORKFLOW_FILES}, monkeypatch)
    state = tmp_path / "state"
    sets = ["--set", f"state_dir={state}", "--set", f"warehouse_dir={tmp_path}/wh"]
    return {
        "dir": tmp_path,
        "opts": ["--env", str(ROOT / "conf" / "local.yaml"), *sets],
        "history": RunHistory(str(state)),
        "runs": WorkflowRuns(str(state)),
    }


def node_states(out: str) -> dict[str, str]:
    """NODE -> STATE from `etl workflows show`'s table."""
    rows = [line.split() for line in out.splitlines() if line.startswith("  ") and ":" in line.split()[0]]
    return {row[0]: " ".join(row[2:-1]) for row in rows if row[1] in ("TRIGGER", "JOB", "CRAWLER")}


def test_workflow_run_fails_is_refused_a_second_run_and_resumes(workflow_project, capsys):
    opts, history, runs = workflow_project["opts"], workflow_project["history"], workflow_project["runs"]
    first = subprocess.Popen(
        [*ETL, "workflows", "run", "flow", "--property", "day=d1", *opts],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        (run,) = wait_for(lambda: runs.list("flow"), "the workflow run to start")
        assert run.run_id.startswith("wr_") and len(run.run_id) == 67
        # MaxConcurrentRuns 1: a second run is refused with Glue's error, and recorded ERROR
        assert main(["workflows", "run", "flow", *opts]) == 1
        err = capsys.readouterr().err
        assert "ConcurrentRunsExceededException: Concurrent runs exceeded for workflow: flow." in err, err
        out, err = first.communicate(timeout=300)  # a bound, not a wait: the crawl starts a JVM
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 1, err  # wj1 failed
    assert f"workflow flow run {run.run_id}: COMPLETED" in out
    refused = runs.list("flow")[0]
    assert (refused.status, refused.error) == ("ERROR", "Concurrent runs exceeded for workflow: flow.")

    in_run = history.in_workflow_run(run.run_id)
    assert [(r.job, r.status, r.trigger_name) for r in in_run] == [
        ("crawler:landing", "SUCCEEDED", "flow_start"),
        ("wj1", "FAILED", "flow_crawled"),
        ("wj3", "SUCCEEDED", "flow_failed"),
    ]
    wj1, wj3 = (job_args(workflow_project, r) for r in in_run[1:])
    assert (wj1["--WORKFLOW_NAME"], wj1["--WORKFLOW_RUN_ID"]) == ("flow", run.run_id)
    assert wj1["properties"] == {"day": "d1", "target": "t0"}  # DefaultRunProperties < --property
    assert wj3["properties"] == {"day": "d1", "target": "t0", "seen_by_wj1": "yes"}  # wj1's put, in this run

    assert main(["workflows", "show", "flow", run.run_id, *opts]) == 0
    out = capsys.readouterr().out
    assert node_states(out) == {
        "trigger:flow_crawled": "FIRED",
        "crawler:landing": "SUCCEEDED",
        "trigger:flow_failed": "FIRED",
        "job:wj3": "SUCCEEDED",
        "trigger:flow_ok": "NOT FIRED",
        "job:wj2": "NOT STARTED",
        "trigger:flow_start": "FIRED",
        "job:wj1": "FAILED",
    }
    assert "crawler:landing -> trigger:flow_crawled, trigger:flow_crawled -> job:wj1" in out
    assert (
        "Statistics: TotalActions=3 TimeoutActions=0 FailedActions=1 StoppedActions=0 SucceededActions=2 "
        "RunningActions=0 ErroredActions=0 WaitingActions=0" in out
    )
    assert "run properties: day=d1, seen_by_wj1=yes, seen_by_wj3=yes, target=t0" in out

    # Resume from wj1 (its marker makes it succeed now): a new run, the crawler is not run again.
    assert main(["workflows", "resume", "flow", run.run_id, "wj1", *opts]) == 0
    out = capsys.readouterr().out
    resumed = runs.list("flow")[0]
    assert (resumed.status, resumed.previous_run_id, resumed.resume_nodes) == ("COMPLETED", run.run_id, ("job:wj1",))
    assert f"resuming run {run.run_id} as run {resumed.run_id} from job:wj1" in out
    assert [(r.job, r.status) for r in history.in_workflow_run(resumed.run_id)] == [
        ("wj1", "SUCCEEDED"),
        ("wj2", "SUCCEEDED"),
    ]
    wj2 = job_args(workflow_project, history.in_workflow_run(resumed.run_id)[1])
    # the original run's properties, then the resumed wj1's put
    assert wj2["properties"] == {"day": "d1", "target": "t0", "seen_by_wj1": "yes", "seen_by_wj3": "yes"}
    assert runs.properties("flow", run.run_id).get("seen_by_wj2") is None  # never seen by the other run
    assert main(["workflows", "resume", "flow", run.run_id, "wj2", *opts]) == 1
    assert "node job:wj2 did not run in workflow run" in capsys.readouterr().err
    assert main(["workflows", "stop", "flow", run.run_id, *opts]) == 1
    assert "IllegalWorkflowStateException" in capsys.readouterr().err


def test_event_trigger_starts_workflow_runs_in_batches(workflow_project, capsys):
    opts, history, runs = workflow_project["opts"], workflow_project["history"], workflow_project["runs"]
    inbox = workflow_project["dir"] / "data" / "inbox"

    def once(at: str) -> list:
        assert main(["scheduler", "--once", "--at", f"2090-01-01T{at}", *opts]) == 0
        return runs.list("drop")

    assert once("00:00:00") == []  # old.json was there when the watch began: not an event
    for name in ("a.json", "b.json"):
        (inbox / name).write_text("{}")
    assert once("00:00:10") == []  # 2 of BatchSize 3, BatchWindow 60 s not over
    (by_window,) = once("00:01:10")
    for name in ("c.json", "d.json", "e.json"):
        (inbox / name).write_text("{}")
    by_size = once("00:01:15")[0]
    assert once("00:05:00")[0] == by_size  # a restarted scheduler fires nothing twice
    assert (by_window.batch, by_size.batch) == ({"BatchWindow": 60}, {"BatchSize": 3})
    for run, names in ((by_window, "ab"), (by_size, "cde")):
        (record,) = history.in_workflow_run(run.run_id)
        assert (record.job, record.status, runs.get(run.run_id).status) == ("wj2", "SUCCEEDED", "COMPLETED")
        events = json.loads(job_args(workflow_project, record)["properties"]["aws:eventIds"])
        assert events == [str(inbox / f"{n}.json") for n in names]
