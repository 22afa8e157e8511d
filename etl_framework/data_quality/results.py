"""Data quality results kept in the state dir, one JSON line per rule and evaluation, so dynamic
rules (``RowCount > avg(last(3))``) compare with earlier runs of the same job and context.

Layout: ``<state_dir>/data_quality/<job>/<context>.jsonl``; a line holds the job, run id, context,
evaluation id and time, rule, outcome, failure reason and metrics.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from typing import Any

from ..errors import EtlError

NO_JOB = "_no_job"  # evaluations outside `etl run` (a notebook, `etl dq run`)


class ResultStore:
    """The stored results of one job and evaluation context."""

    def __init__(self, state_dir: str, job: str | None, context: str):
        safe = re.sub(r"[^\w.-]", "_", context)
        self.path = os.path.join(state_dir, "data_quality", job or NO_JOB, f"{safe}.jsonl")
        self.job, self.context = job, context

    def records(self) -> list[dict[str, Any]]:
        return _read(self.path)

    def history(self, metric: str) -> list[float]:
        """The values of ``metric`` in earlier evaluations, oldest first (one per evaluation)."""
        seen: dict[str, float] = {}
        for record in self.records():
            value = record.get("metrics", {}).get(metric)
            if value is not None:
                seen.setdefault(record["evaluation"], float(value))
        return list(seen.values())

    def add(self, evaluation: str, run_id: str | None, outcomes: list[tuple[str, str, str | None, dict]]) -> None:
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        with open(self.path, "a", encoding="utf-8") as out:
            for rule, outcome, reason, metrics in outcomes:
                record = {
                    "job": self.job,
                    "run_id": run_id,
                    "context": self.context,
                    "evaluation": evaluation,
                    "time": now,
                    "rule": rule,
                    "outcome": outcome,
                    "failure_reason": reason,
                    "metrics": metrics,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")


def stored(state_dir: str, job: str | None = None, context: str | None = None, last: int | None = None) -> list[dict]:
    """The stored results of ``job`` (every job's when None; ``NO_JOB`` for evaluations outside a
    job) and ``context``, oldest first; ``last``: only the last N evaluations."""
    root = os.path.join(state_dir, "data_quality")
    folders = [job] if job else (sorted(os.listdir(root)) if os.path.isdir(root) else [])
    out = []
    for folder in folders:
        path = os.path.join(root, folder)
        for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
            if name.endswith(".jsonl"):
                out += [r for r in _read(os.path.join(path, name)) if context is None or r.get("context") == context]
    out.sort(key=lambda r: r.get("time") or "")  # stable: an evaluation's lines keep their order
    if last is not None:
        kept = list(dict.fromkeys(r["evaluation"] for r in out))[-last:] if last > 0 else []
        out = [r for r in out if r["evaluation"] in set(kept)]
    return out


def _read(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise EtlError(f"data quality results {path} line {number}: not JSON ({exc})") from exc
    return out
