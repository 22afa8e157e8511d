"""EVENT triggers, a local stand-in for Amazon EventBridge: each new file under the trigger's
``watch_path`` is one event. ``EventBatchingCondition`` as Glue applies it: the trigger fires when
``BatchSize`` events have arrived, or with fewer when ``BatchWindow`` seconds (default 900) have
passed since the first event not yet batched; without a condition every event fires it. Each fire
starts a run of the trigger's workflow with the batch's files in the run property
``aws:eventIds`` (a JSON list), and the condition that fired in ``StartingEventBatchCondition``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .definitions import Trigger

DEFAULT_WINDOW_SECONDS = 900  # Glue's default and maximum BatchWindow
EVENT_IDS = "aws:eventIds"  # the run property Glue lists a batch's EventBridge event ids in


@dataclass(frozen=True)
class Batch:
    files: list[str]
    condition: dict[str, int]  # Glue's StartingEventBatchCondition: BatchSize or BatchWindow


def watched_files(trigger: Trigger) -> list[str]:
    """The files under the trigger's ``watch_path`` (absolute, sorted); hidden ones (``.name``) are
    files being written, not events."""
    root = Path(trigger.watch_path or "").resolve()
    if not root.is_dir():
        return []
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.parts))


def due_batch(trigger: Trigger, pending: list[tuple[str, datetime]], clock: datetime) -> Batch | None:
    """The batch that fires now, from the trigger's events not batched yet (oldest first)."""
    condition = trigger.EventBatchingCondition
    size = condition.BatchSize if condition else 1
    window = (condition.BatchWindow if condition else None) or DEFAULT_WINDOW_SECONDS
    if len(pending) >= size:
        return Batch([path for path, _ in pending[:size]], {"BatchSize": size})
    if pending and (clock - pending[0][1]).total_seconds() >= window:
        return Batch([path for path, _ in pending], {"BatchWindow": window})
    return None
