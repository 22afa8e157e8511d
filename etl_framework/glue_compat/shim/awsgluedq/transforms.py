"""``awsgluedq.transforms``: ``EvaluateDataQuality().process_rows(...)`` and ``EvaluateDataQuality.apply(...)``."""

from etl_framework.transforms import EvaluateDataQuality

__all__ = ["EvaluateDataQuality"]
