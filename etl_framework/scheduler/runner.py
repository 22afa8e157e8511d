"""The scheduler's child processes: ``python -m etl_framework run|crawl ...`` with the profile's
options, each in its own process group (stopping it stops what it started, a JVM included, and
a scheduler stopped by Ctrl-C in a terminal does not take its children with it silently), with
its output in ``<state_dir>/scheduler-logs/RUN_ID.log``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..runtime.history import RUN_ID_VARIABLE, process_alive, process_start
from .engine import Launch

STOP_GRACE_SECONDS = 10.0  # after SIGTERM, a child has this long before SIGKILL


def command(launch: Launch, profile_options: list[str]) -> list[str]:
    """``etl run TARGET [profile options] -- ARGS`` or ``etl crawl TARGET [profile options]``."""
    etl = [sys.executable, "-m", "etl_framework"]
    if launch.kind == "crawler":
        return [*etl, "crawl", launch.target, *profile_options]
    return [*etl, "run", launch.target, *profile_options, "--", *launch.argv()]


@dataclass
class Child:
    """A run in a process: the scheduler's own child (``popen``), or one a previous scheduler
    started and this one adopted after a restart (only its pid)."""

    run_id: str
    launch: Launch
    pid: int
    deadline: float | None  # wall time of its Timeout
    popen: subprocess.Popen | None = None
    stop_reason: str | None = None  # TIMEOUT or STOPPED once the scheduler stops it
    signalled_at: float | None = None
    started: str | None = None  # its process's start time: a later process may reuse the pid

    def exit_code(self) -> int | None:
        """Its exit code once it has ended (an adopted child's is unknown: -1), else None."""
        if self.popen is not None:
            return self.popen.poll()
        return None if process_alive(self.pid, self.started) else -1

    def __post_init__(self) -> None:
        self.started = self.started or process_start(self.pid)

    def stop(self, reason: str) -> None:
        """SIGTERM to its process group now, SIGKILL once the grace time is over (``escalate``)."""
        if self.stop_reason is None:
            self.stop_reason, self.signalled_at = reason, time.time()
            _signal_group(self.pid, signal.SIGTERM)

    def escalate(self) -> None:
        if self.signalled_at is not None and time.time() - self.signalled_at > STOP_GRACE_SECONDS:
            _signal_group(self.pid, signal.SIGKILL)


def spawn(launch: Launch, run_id: str, profile_options: list[str], log_dir: Path) -> subprocess.Popen:
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"{run_id}.log", "ab") as out:
        return subprocess.Popen(
            command(launch, profile_options),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, RUN_ID_VARIABLE: run_id},
            start_new_session=True,
        )


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
