"""Delta Lake tables as a service: the log (versions, live files, partitions, the engine that
writes) and maintenance (history, vacuum, optimize). Works without the Delta JARs (delta-rs) and
uses delta-spark when it is on the classpath. Reading and writing ``format="delta"`` are a source
and a sink like the other formats' (``sources/delta.py``, ``sinks/delta.py``).

    >>> from etl_framework.delta import engine
    >>> engine(spark, "delta-rs")
    'delta-rs'
"""

from .maintenance import history, optimize, vacuum
from .table import DeltaConflictError, DeltaError, SchemaMismatchError, engine, native_available

__all__ = [
    "DeltaConflictError",
    "DeltaError",
    "SchemaMismatchError",
    "engine",
    "history",
    "native_available",
    "optimize",
    "vacuum",
]
