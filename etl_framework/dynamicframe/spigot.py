"""spigot: write a sample of a frame for inspection and pass the frame on unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from ..errors import EtlError
from ..logs import get_logger

if TYPE_CHECKING:
    from .frame import DynamicFrame

log = get_logger("spigot")


def spigot(frame: DynamicFrame, path: str, options: dict[str, Any]) -> None:
    """Write the first ``topk`` records (default 100) or each record with probability ``prob``
    (optionally with ``seed``) as JSON lines under ``path``."""
    if not path:
        raise EtlError("spigot: a path is required")
    df = frame.dataframe
    if "prob" in options:
        prob = float(options["prob"])
        if not 0 <= prob <= 1:
            raise EtlError(f"spigot: option 'prob' must be between 0 and 1, got {prob}")
        sample = df.where(F.rand(int(options.get("seed", 0))) < prob)
    else:
        sample = df.limit(int(options.get("topk", 100)))
    sample.coalesce(1).write.mode("overwrite").json(path)
    log.info("spigot wrote a sample of %s to %s", frame.name or "the frame", path)
