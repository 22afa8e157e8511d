"""Framework logging: one readable line per event on stderr, tagged with the job and run id."""

from __future__ import annotations

import logging
import sys

_FORMAT = "%(asctime)s %(levelname)-5s [%(name)s] %(message)s"


class _CurrentStderr(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is at each record, not as it was at set-up: a notebook, a
    test's capture or a caller may replace it between runs in one process."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup_logging(level: str = "INFO") -> None:
    """Configure the ``etl`` logger tree once (idempotent)."""
    root = logging.getLogger("etl")
    if not any(getattr(h, "_etl", False) for h in root.handlers):
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter(_FORMAT, "%H:%M:%S"))
        handler._etl = True  # type: ignore[attr-defined]
        root.addHandler(handler)
        root.propagate = False
    root.setLevel(level)


def get_logger(name: str = "") -> logging.Logger:
    """A logger under ``etl`` (``get_logger("orders")`` logs as ``etl.orders``)."""
    return logging.getLogger(f"etl.{name}" if name else "etl")
