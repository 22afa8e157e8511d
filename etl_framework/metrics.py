"""Counters a run reports in its summary: records read, written and in error, and the data quality
rules that passed and failed when the run evaluated any.

Sources register a Spark ``Observation`` (filled by the first action that reads them, at no extra
cost); sinks add what they wrote. Observations that no action ever reached are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import Observation


def _completed(observation: Observation) -> bool:
    # Observation.get blocks until an action has run; ask the JVM side whether one has.
    jo = getattr(observation, "_jo", None)
    return jo is not None and jo.future().isCompleted()


@dataclass
class RunMetrics:
    """Counters shared by the readers, writers and transforms of one run.

    >>> m = RunMetrics()
    >>> m.add(read=10, errors=1)
    >>> m.as_dict()
    {'read': 10, 'written': 0, 'errors': 1}
    >>> m.add_rules(passed=12, failed=1)
    >>> m.as_dict()
    {'read': 10, 'written': 0, 'errors': 1, 'dq_rules_passed': 12, 'dq_rules_failed': 1}
    """

    read: int = 0
    written: int = 0
    errors: int = 0
    observations: list[Observation] = field(default_factory=list)
    rules: tuple[int, int] | None = None  # (passed, failed) over the run's rulesets; None: none evaluated

    def add(self, read: int = 0, written: int = 0, errors: int = 0) -> None:
        self.read += read
        self.written += written
        self.errors += errors

    def add_rules(self, passed: int, failed: int) -> None:
        """Count the outcomes of an evaluated ruleset."""
        before = self.rules or (0, 0)
        self.rules = (before[0] + passed, before[1] + failed)

    def watch(self, observation: Observation) -> None:
        """Add an observation with ``read`` and ``errors`` metrics once its first action has run."""
        self.observations.append(observation)

    def as_dict(self) -> dict[str, int]:
        out = {"read": self.read, "written": self.written, "errors": self.errors}
        for observation in self.observations:
            if _completed(observation):
                values = observation.get
                out["read"] += int(values.get("read") or 0)
                out["errors"] += int(values.get("errors") or 0)
        if self.rules is not None:
            out["dq_rules_passed"], out["dq_rules_failed"] = self.rules
        return out
