"""The run in progress: its profile, job name, run id and metrics.

The launcher opens a run before executing a job module, so that an ``EtlContext`` created by the
job (``main(ctx, args)`` or a Glue-style script's own ``EtlContext(sc)``) finds the profile's
warehouse and state directories and reports its counts into the run summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..config import Profile
from ..metrics import RunMetrics


@dataclass
class ActiveRun:
    job: str
    run_id: str
    profile: Profile
    args: dict[str, str]
    metrics: RunMetrics = field(default_factory=RunMetrics)
    workflow_name: str | None = None  # --WORKFLOW_NAME / --WORKFLOW_RUN_ID of a workflow run's job
    workflow_run_id: str | None = None
    # Called when the job's code has ended well (a ``sys.exit(0)`` included), before the summary.
    on_success: list[Callable[[], None]] = field(default_factory=list)


_active: ActiveRun | None = None


def active_run() -> ActiveRun | None:
    """The run being executed in this process, if any."""
    return _active


@contextmanager
def activate(run: ActiveRun) -> Iterator[ActiveRun]:
    global _active
    previous, _active = _active, run
    try:
        try:
            yield run
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise
            _succeeded(run)
            raise
        _succeeded(run)
    finally:
        _active = previous


def _succeeded(run: ActiveRun) -> None:
    for callback in run.on_success:
        callback()
