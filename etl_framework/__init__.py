"""etl_framework: the AWS Glue programming model on plain Apache Spark.

>>> from etl_framework import DynamicFrame, EtlContext, GlueContext, Job, get_resolved_options
"""

from .context import EtlContext
from .dynamicframe import DynamicFrame, DynamicFrameCollection, ErrorThresholdExceeded
from .errors import ConfigError, EtlError, JobArgumentError
from .job import Job
from .runtime.arguments import get_resolved_options, getResolvedOptions

# Glue scripts create GlueContext(sc); EtlContext takes a SparkContext or a SparkSession.
GlueContext = EtlContext

__all__ = [
    "ConfigError",
    "DynamicFrame",
    "DynamicFrameCollection",
    "ErrorThresholdExceeded",
    "EtlContext",
    "EtlError",
    "GlueContext",
    "Job",
    "JobArgumentError",
    "getResolvedOptions",
    "get_resolved_options",
]
__version__ = "0.1.0"
