"""``awsglue.context``: ``GlueContext(sc)`` is etl_framework's EtlContext."""

from etl_framework.context import EtlContext

GlueContext = EtlContext

__all__ = ["GlueContext"]
