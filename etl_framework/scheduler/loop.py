"""The scheduler process: fires triggers (``engine``), runs their jobs and crawlers as child
processes (``runner``) and records every run in the run history.

Workflow runs (``runtime/workflow_runs.py``) are advanced at every tick: a new run fires its
start trigger's actions (a resumed run, the nodes it resumes), then each CONDITIONAL trigger of
the workflow fires at most once in it, when its predicate holds over that run's node runs; a run
with no node running and nothing left to fire is COMPLETED, a run being stopped stops its nodes
and ends STOPPED. A workflow's SCHEDULED start trigger starts a run when due, its EVENT start
trigger when a batch of new files is complete (``events``); ``etl workflows run`` starts one on
demand and, when no scheduler is running, runs it in the foreground (``workflows_only``).

A fire is recorded (``state``) before its runs, and each run as ``STARTING`` before its process
starts: a scheduler restarted after a crash neither fires a trigger twice nor starts a run twice;
it adopts the runs its predecessor left running (waits for them, enforces their timeout) and
starts those it had recorded but not started. SIGTERM (or Ctrl-C) stops the children, recording
them STOPPED (a crawl CANCELLED), then the scheduler exits.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from dataclasses import replace
from datetime import datetime
from types import FrameType

from ..config import Profile
from ..errors import ConfigError
from ..logs import get_logger
from ..redaction import mask_argv
from ..runtime.history import ACTIVE, RunHistory, RunRecord, new_run_id
from ..runtime.workflow_runs import OPEN, WorkflowRun, WorkflowRuns
from .definitions import Action, Definitions, Trigger
from .engine import Launch, conditions_met, launches, run_conditions_met, scheduled_due
from .events import EVENT_IDS, due_batch, watched_files
from .runner import Child, spawn
from .state import SchedulerLock, SchedulerState, TriggerState, utc_now
from .workflows import Graph, graph, latest_in, start_workflow_run, statistics

log = get_logger("scheduler")
POLL_SECONDS = 0.25


class Scheduler:
    """One scheduler on a profile's state dir; ``profile_options`` are passed on to the children
    (``--env``, ``--set``, ``--conf``) so that they run with the same profile."""

    def __init__(
        self, profile: Profile, profile_options: list[str], definitions: Definitions, workflows_only: bool = False
    ):
        self.profile, self.options, self.definitions = profile, profile_options, definitions
        self.workflows_only = workflows_only  # `etl workflows run` in the foreground: no other trigger fires
        self.history = RunHistory(profile.state_dir)
        self.workflow_runs = WorkflowRuns(profile.state_dir)
        self.state = SchedulerState(profile.state_dir)
        self.lock = SchedulerLock(profile.state_dir)
        self.log_dir = self.history.path.parent / "scheduler-logs"
        self.children: dict[str, Child] = {}
        self.stopping = 0  # the signal that stops the scheduler

    def run(self, once: bool = False, at: datetime | None = None) -> None:
        """Fire triggers until SIGTERM; with ``once``, what is due at ``at`` (default now) and what
        fires as those runs end, then return when no run is left."""
        self.lock.acquire()
        saved = {}
        try:
            saved = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
            for trigger in self.definitions.triggers.values():
                if trigger.Type == "EVENT" and trigger.watch_path is None and not self.workflows_only:
                    log.warning("EVENT trigger %s has no watch_path: it never fires here", trigger.Name)
            self._resume()
            while True:
                self._reap()
                if self.stopping:
                    log.info("scheduler: %s received, stopping its runs", signal.Signals(self.stopping).name)
                    break
                fired = self._fire_due(at or utc_now())
                if once and not fired and not self.children:
                    break
                time.sleep(POLL_SECONDS)
        finally:
            self._stop_children()
            for sig, handler in saved.items():
                signal.signal(sig, handler)
            self.lock.release()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = signum  # the loop stops at its next tick (no logging inside a signal handler)

    # -- firing ---------------------------------------------------------------------------------

    def _fire_due(self, clock: datetime) -> bool:
        fired = False
        if not self.workflows_only:
            fired = self._fire_triggers(clock)
        for run in reversed(self.workflow_runs.list(status=OPEN)):  # oldest first
            fired = self._advance(run) or fired
        return fired

    def _fire_triggers(self, clock: datetime) -> bool:
        fired = False
        for name in self.state.take_requests():  # `etl triggers start` of ON_DEMAND triggers
            if name in self.definitions.triggers:
                fired = self._fire(self.definitions.triggers[name], clock) or fired
            else:
                log.warning("trigger %s was started but is no longer defined in conf/triggers/", name)
        for trigger in self.definitions.triggers.values():
            state = self._state(trigger, clock)
            if state is None or not state.active:
                continue
            if trigger.WorkflowName is not None:
                fired = self._start_workflow(trigger, state, clock) or fired
            elif (trigger.Type == "SCHEDULED" and scheduled_due(trigger, state, clock)) or (
                trigger.Type == "CONDITIONAL" and conditions_met(trigger, state, self.history.latest)
            ):
                fired = self._fire(trigger, clock) or fired
        return fired

    def _state(self, trigger: Trigger, clock: datetime) -> TriggerState | None:
        """A SCHEDULED or CONDITIONAL trigger outside a workflow, or the SCHEDULED or EVENT start
        trigger of a workflow, as activated; StartOnCreation activates it the first time a scheduler
        sees it. (A workflow's CONDITIONAL triggers fire within its runs.)"""
        kinds = ("SCHEDULED", "CONDITIONAL") if trigger.WorkflowName is None else ("SCHEDULED", "EVENT")
        if trigger.Type not in kinds:
            return None
        state = self.state.get(trigger.Name)
        if state is None and trigger.StartOnCreation:
            state = self.state.set_active(trigger.Name, True, clock)
        return state

    def _fire(self, trigger: Trigger, clock: datetime) -> bool:
        log.info("trigger %s fires (%s)", trigger.Name, trigger.Type)
        self.state.fired(trigger.Name, clock)  # first: a restart must not fire it again
        for launch in launches(trigger, self.definitions):
            self._start(launch)
        return True

    # -- workflow runs ---------------------------------------------------------------------------

    def _start_workflow(self, trigger: Trigger, state: TriggerState, clock: datetime) -> bool:
        """A workflow run, when the workflow's SCHEDULED start trigger is due or its EVENT start
        trigger has a batch of new files."""
        workflow = trigger.WorkflowName or ""
        if trigger.Type == "SCHEDULED":
            if not scheduled_due(trigger, state, clock):
                return False
            self.state.fired(trigger.Name, clock)
            log.info("trigger %s fires (SCHEDULED): a run of workflow %s", trigger.Name, workflow)
            start_workflow_run(self.definitions, self.workflow_runs, workflow)
            return True
        if trigger.watch_path is None:
            return False
        batch = due_batch(trigger, self.state.see(trigger.Name, watched_files(trigger), clock), clock)
        if batch is None:
            return False
        self.state.fired(trigger.Name, clock)
        log.info(
            "trigger %s fires (EVENT, %d new files): a run of workflow %s", trigger.Name, len(batch.files), workflow
        )
        events = {EVENT_IDS: json.dumps(batch.files)}
        run = start_workflow_run(self.definitions, self.workflow_runs, workflow, events, batch=batch.condition)
        self.state.batched(trigger.Name, batch.files, run.run_id)
        return True

    def _advance(self, run: WorkflowRun) -> bool:
        """Start, fire within, stop or complete an open workflow run; whether it started runs."""
        records = self.history.in_workflow_run(run.run_id)
        active = [r for r in records if r.status in ACTIVE]
        if run.status == "STOPPING":
            for child in self.children.values():
                if child.launch.workflow_run_id == run.run_id:
                    child.stop("STOPPED")
            if not active:
                self.workflow_runs.set_status(run.run_id, "STOPPED")
                log.info("workflow %s run %s STOPPED", run.name, run.run_id)
            return False
        try:
            flow = graph(self.definitions, run.name)
            fired = self._fire_in_run(run, flow, records)
        except ConfigError as exc:  # its definitions changed since the run began
            log.error("workflow %s run %s cannot go on: %s", run.name, run.run_id, exc)
            fired = False
        if not fired and not active:
            self.workflow_runs.set_status(run.run_id, "COMPLETED")
            counts = " ".join(f"{k}={v}" for k, v in statistics(records).items())
            log.info("workflow %s run %s COMPLETED: %s", run.name, run.run_id, counts)
        return fired

    def _fire_in_run(self, run: WorkflowRun, flow: Graph, records: list[RunRecord]) -> bool:
        done = self.workflow_runs.fired(run.run_id)
        if not done:  # a new run: its start trigger, or the nodes it resumes
            if not run.resume_nodes:
                return self._fire_once(run, self.definitions.start_trigger(run.name))
            nodes = [flow.node(n) for n in run.resume_nodes]
            chosen: dict[str, tuple[Trigger, list[Action]]] = {}
            for trigger, action in map(flow.starter, nodes):
                chosen.setdefault(trigger.Name, (trigger, []))[1].append(action)
            return any([self._fire_once(run, trigger, actions) for trigger, actions in chosen.values()])
        allowed = flow.downstream(flow.node(n) for n in run.resume_nodes) if run.resume_nodes else None
        latest = latest_in(self._chains(run, records))
        fired = False
        for trigger in flow.triggers:
            if (
                trigger.Type != "CONDITIONAL"
                or trigger.Name in done
                or (allowed is not None and trigger.Name not in allowed)
            ):
                continue
            if run_conditions_met(trigger, latest):
                fired = self._fire_once(run, trigger) or fired
        return fired

    def _fire_once(self, run: WorkflowRun, trigger: Trigger, actions: list[Action] | None = None) -> bool:
        if not self.workflow_runs.fire(run.run_id, trigger.Name):  # first: a restart must not fire it again
            return False
        log.info("trigger %s fires in workflow %s run %s", trigger.Name, run.name, run.run_id)
        for launch in launches(trigger, self.definitions, run.run_id, actions):
            self._start(launch)
        return True

    def _chains(self, run: WorkflowRun, records: list[RunRecord]) -> list[list[RunRecord]]:
        """The node runs of ``run``, then of each run it resumes (its PreviousRunId), newest first."""
        chains, previous = [records], run.previous_run_id
        while previous:
            chains.append(self.history.in_workflow_run(previous))
            previous = self.workflow_runs.get(previous).previous_run_id
        return chains

    # -- the runs -------------------------------------------------------------------------------

    def _start(self, launch: Launch) -> None:
        """Record the run STARTING (or its start refused), then start its process."""
        record = RunRecord(
            new_run_id(),
            launch.name,
            {"job": launch.target, "argv": mask_argv(launch.argv(), self.profile.secret_names)},
            time.time(),
            None,
            "STARTING",
            None,
            {},
            trigger_name=launch.trigger,
            attempt=launch.attempt,
            previous_run_id=launch.previous_run_id,
            workflow_run_id=launch.workflow_run_id,
        )
        refusal = self._refusal(launch)
        if refusal:
            log.warning("%s %s not started: %s", launch.kind, launch.name, refusal)
            self.history.intend(replace(record, status="ERROR", ended_at=record.started_at, error=refusal))
            return
        self.history.intend(record)
        self._spawn(launch, record.run_id)

    def _spawn(self, launch: Launch, run_id: str) -> None:
        """Start the process of a run recorded STARTING."""
        popen = spawn(launch, run_id, self.options, self.log_dir)
        self.history.started(run_id, popen.pid)
        deadline = time.time() + launch.timeout * 60 if launch.timeout else None
        self.children[run_id] = Child(run_id, launch, popen.pid, deadline, popen)
        log.info(
            "%s %s run %s started (attempt %d%s, log %s)",
            launch.kind,
            launch.name,
            run_id,
            launch.attempt,
            f", workflow run {launch.workflow_run_id}" if launch.workflow_run_id else "",
            self.log_dir / f"{run_id}.log",
        )

    def _refusal(self, launch: Launch) -> str | None:
        """Glue's error when the run may not start now."""
        running = self.history.active(launch.name)
        if launch.kind == "crawler":
            crawler = launch.target
            return f"CrawlerRunningException: Crawler with name {crawler} has already started" if running else None
        if len(running) < launch.max_concurrent:
            return None
        return (
            f"ConcurrentRunsExceededException: Concurrent runs exceeded for {launch.name} (MaxConcurrentRuns "
            f"{launch.max_concurrent}; running: {', '.join(r.run_id for r in running)})"
        )

    def _reap(self) -> None:
        """Record the runs that ended, stop those past their timeout, retry failed jobs."""
        now = time.time()
        for run_id, child in list(self.children.items()):
            code = child.exit_code()
            if code is None:
                if child.deadline is not None and now > child.deadline:
                    child.stop("TIMEOUT")
                child.escalate()
                continue
            del self.children[run_id]
            record = self._record_end(child, code)
            log.info("%s %s run %s ended %s", child.launch.kind, child.launch.name, run_id, record.status)
            if record.status == "FAILED" and child.launch.kind == "job" and record.attempt < child.launch.max_retries:
                self._start(child.launch.retry(run_id))

    def _record_end(self, child: Child, code: int) -> RunRecord:
        """The run's end state: the scheduler's when it stopped the run, the job's own otherwise."""
        record = self.history.get(child.run_id, settle=False)  # its exit code says more than "abandoned"
        minutes = child.launch.timeout
        crawl = child.launch.kind == "crawler"
        if child.stop_reason == "TIMEOUT":
            message = f"Timeout: the run exceeded its timeout of {minutes:g} minutes and was stopped"
            return self.history.finish(child.run_id, "TIMEOUT", message, record.metrics, code)
        if child.stop_reason == "STOPPED":
            cause = signal.Signals(self.stopping).name if self.stopping else "an error"
            message = f"stopped: the scheduler was stopped ({cause}) while the run was running"
            return self.history.finish(child.run_id, "CANCELLED" if crawl else "STOPPED", message, record.metrics, code)
        if record.status in ("STARTING", "RUNNING"):  # ended before `etl run` / `etl crawl` recorded the end
            message = (
                f"etl {'crawl' if crawl else 'run'} exited with {code} before recording the run's end; "
                f"see {self.log_dir / child.run_id}.log"
            )
            return self.history.finish(child.run_id, "FAILED", message, record.metrics, code)
        return record

    def _resume(self) -> None:
        """After a restart: adopt the runs a previous scheduler left running on this host, and start
        those it recorded but had not started."""
        for record in self.history.active():
            if record.trigger_name is None or record.host != socket.gethostname():
                continue  # `etl run` by hand, or another host's
            if self.workflows_only and record.workflow_run_id is None:
                continue  # left to `etl scheduler`
            launch = self._launch_of(record)
            if record.pid is None and launch is not None:
                log.info("run %s was recorded but not started by the previous scheduler: starting it", record.run_id)
                self._spawn(launch, record.run_id)
            elif record.pid is not None:
                timeout = launch.timeout if launch else None
                deadline = record.started_at + timeout * 60 if timeout else None
                child = Child(record.run_id, launch or _unknown(record), record.pid, deadline, started=record.pid_start)
                self.children[record.run_id] = child
                log.info("run %s (pid %d) is still running: waiting for it", record.run_id, record.pid)
            else:
                self.history.finish(record.run_id, "FAILED", f"trigger {record.trigger_name} is no longer defined")

    def _launch_of(self, record: RunRecord) -> Launch | None:
        """The launch that made ``record``, from its trigger's definition (None if it is gone)."""
        trigger = self.definitions.triggers.get(record.trigger_name or "")
        for launch in launches(trigger, self.definitions, record.workflow_run_id) if trigger else ():
            if launch.name == record.job:
                return replace(launch, attempt=record.attempt, previous_run_id=record.previous_run_id)
        return None

    def _stop_children(self) -> None:
        """Stop every run still going and record it; SIGKILL after the grace time."""
        for child in self.children.values():
            child.stop("STOPPED")
        while self.children:
            self._reap()
            if self.children:
                time.sleep(POLL_SECONDS)


def _unknown(record: RunRecord) -> Launch:
    """A run whose trigger is no longer defined: waited for, never retried."""
    kind = "crawler" if record.job.startswith("crawler:") else "job"
    return Launch(kind, record.job, record.job, record.trigger_name, attempt=record.attempt)
