"""Counters a run reports in its summary: records read, written and in error."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class RunMetrics:
    """Mutable counters shared by the readers, writers and transforms of one run.

    >>> m = RunMetrics()
    >>> m.add(read=10, errors=1)
    >>> m.as_dict()
    {'read': 10, 'written': 0, 'errors': 1}
    """

    read: int = 0
    written: int = 0
    errors: int = 0

    def add(self, read: int = 0, written: int = 0, errors: int = 0) -> None:
        self.read += read
        self.written += written
        self.errors += errors

    def as_dict(self) -> dict[str, int]:
        return asdict(self)
