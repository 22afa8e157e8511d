"""Delta Lake tables: a sink and a source for ``format="delta"``, exactly-once writes with job
bookmarks, and maintenance. Works without the Delta JARs (Spark writes Parquet, delta-rs commits)
and uses delta-spark when it is on the classpath.

    >>> from etl_framework.delta import engine, history, optimize, read_delta, vacuum, write_delta
    >>> engine(spark, "delta-rs")
    'delta-rs'
"""

from .maintenance import history, optimize, vacuum
from .sink import merge_delta, write_delta
from .source import read_delta
from .table import DeltaConflictError, DeltaError, SchemaMismatchError, engine, native_available

__all__ = [
    "DeltaConflictError",
    "DeltaError",
    "SchemaMismatchError",
    "engine",
    "history",
    "merge_delta",
    "native_available",
    "optimize",
    "read_delta",
    "vacuum",
    "write_delta",
]
