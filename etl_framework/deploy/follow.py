"""Following a submitted run to its end: a progress line per state change, then a Glue run state."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    status: str  # Glue's JobRunState: SUCCEEDED, FAILED, STOPPED or TIMEOUT
    state: str  # the service's own last state
    reason: str | None = None


def follow(
    poll: Callable[[], tuple[str, str | None]],
    ends: Mapping[str, str],
    label: str,
    poll_seconds: float,
    timeout_minutes: float | None = None,
) -> Outcome:
    """Call ``poll`` (-> service state, reason) every ``poll_seconds`` until a state of ``ends``
    (service state -> Glue state), or ``timeout_minutes`` have passed (TIMEOUT: the run is left
    running, only no longer followed)."""
    started, last = time.monotonic(), None
    while True:
        state, reason = poll()
        elapsed = time.monotonic() - started
        if state != last:
            print(f"etl: {label}: {state} ({elapsed:.0f}s)", file=sys.stderr, flush=True)
            last = state
        if state in ends:
            return Outcome(ends[state], state, reason)
        if timeout_minutes is not None and elapsed >= timeout_minutes * 60:
            return Outcome(
                "TIMEOUT", state, f"still {state} after deploy.timeout_minutes={timeout_minutes:g}; no longer followed"
            )
        time.sleep(poll_seconds)
