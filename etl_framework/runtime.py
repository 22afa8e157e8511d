"""The run in progress: its profile, job name, run id and metrics.

The launcher opens a run before executing a job module, so that an ``EtlContext`` created by the
job (``main(ctx, args)`` or a Glue-style script's own ``EtlContext(sc)``) finds the profile's
warehouse and state directories and reports its counts into the run summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .config import Profile
from .metrics import RunMetrics


@dataclass
class ActiveRun:
    job: str
    run_id: str
    profile: Profile
    args: dict[str, str]
    metrics: RunMetrics = field(default_factory=RunMetrics)


_active: ActiveRun | None = None


def active_run() -> ActiveRun | None:
    """The run being executed in this process, if any."""
    return _active


@contextmanager
def activate(run: ActiveRun) -> Iterator[ActiveRun]:
    global _active
    previous, _active = _active, run
    try:
        yield run
    finally:
        _active = previous
