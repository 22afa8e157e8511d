"""A job started by ``etl scheduler`` (an ON_DEMAND trigger fired, the job run as a child process),
against the same job started directly with ``etl run``, as a crontab line would.

The job is a plain script that never starts Spark: the cost is the scheduler's own (reading the
definitions, recording the fire and the run, spawning and reaping the child) on top of the child's
(an interpreter and ``etl run``). Each framework run asks for the trigger (``etl triggers start``'s
request), then runs ``Scheduler.run(once=True)``, which fires it, starts the job and waits for it.
``scheduler_fire_to_start`` times, on its own, the request to the moment the job's code starts
(the job writes the time as its first statement): the delay a user waits for, across 50 firings.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from etl_framework.config import load_profile
from etl_framework.scheduler.definitions import load_definitions
from etl_framework.scheduler.loop import Scheduler
from etl_framework.scheduler.state import SchedulerState

from ..core import Benchmark, Env, Limit

JOB = "import sys, time\nstarted = time.time()\nopen(sys.argv[sys.argv.index('--out') + 1], 'w').write(repr(started))\n"
TRIGGER = "Type: ON_DEMAND\nActions:\n  - JobName: {job}\n    Arguments: {{'--out': '{out}'}}\n"


class SchedulerOverhead(Benchmark):
    name = "scheduler_overhead"
    target = 1.3
    sized = False
    warm_up = False  # every firing starts a new process
    repetitions = 50

    def _project(self, env: Env) -> tuple[Path, Path, list[str]]:
        """The job, the file it writes, and the profile options every run gets."""
        job, out = env.work / "tick.py", env.work / "started.txt"
        if not job.exists():
            job.write_text(JOB)
            (env.work / "conf" / "triggers").mkdir(parents=True)
            (env.work / "conf" / "triggers" / "tick.yaml").write_text(TRIGGER.format(job=job, out=out))
        return job, out, ["--set", f"state_dir={env.work / 'state'}", "--set", f"warehouse_dir={env.work / 'wh'}"]

    def _fire(self, env: Env) -> float:
        """Fire the trigger and wait for its run; the seconds from the request to the job's start."""
        _, out, options = self._project(env)
        profile = load_profile("local", sets=[options[1], options[3]])
        scheduler = Scheduler(profile, ["--env", "local", *options], load_definitions(env.work / "conf"))
        requested = time.time()
        SchedulerState(profile.state_dir).request("tick")
        scheduler.run(once=True)
        return float(out.read_text()) - requested

    def framework(self, env: Env) -> None:
        self._fire(env)

    def baseline(self, env: Env) -> None:
        job, out, options = self._project(env)
        cmd = [sys.executable, "-m", "etl_framework", "run", str(job), "--env", "local", *options, "--out", str(out)]
        done = subprocess.run(cmd, cwd=env.root, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"etl run {job} exited {done.returncode}:\n{done.stdout}{done.stderr}")

    def limits(self) -> list[Limit]:
        return [Limit("scheduler_fire_to_start", 3.0, self._fire)]


BENCHMARK = SchedulerOverhead()
