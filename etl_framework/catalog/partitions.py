"""Partition pruning: a Spark SQL predicate on partition keys, evaluated on the registered partitions.

The predicate runs on a small DataFrame of partition values (one row per partition, each key cast
to its catalog type), never on the data, so a job lists and reads only the partitions it selects.

>>> select_partitions(spark, table, partitions, ["order_date >= '2026-01-02'"])  # doctest: +SKIP
[Partition(values=['2026-01-02'], location='file:/lake/orders/order_date=2026-01-02', parameters={})]
"""

from __future__ import annotations

from pyspark.errors import AnalysisException
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from .model import CatalogError, Partition, Table
from .spark import literal, quote

_INDEX = "__etl_partition_index"


def select_partitions(
    spark: SparkSession, table: Table, partitions: list[Partition], predicates: list[str]
) -> list[Partition]:
    """The partitions of ``table`` for which every predicate holds."""
    if not predicates:
        return partitions
    keys = table.partition_keys
    if not keys:
        raise CatalogError(
            f"push_down_predicate {predicates[0]!r}: table {table.qualified_name} has no partition keys; "
            "filter the frame instead"
        )
    if partitions:
        # Inline VALUES are a local relation: Spark filters it on the driver, with no job to run.
        rows = ", ".join(f"({i}, {', '.join(literal(str(v)) for v in p.values)})" for i, p in enumerate(partitions))
        columns = ", ".join([_INDEX, *(quote(k.name) for k in keys)])
        values = spark.sql(f"SELECT * FROM VALUES {rows} AS t({columns})")
    else:
        values = spark.createDataFrame([], ", ".join([f"{_INDEX} int", *(f"{quote(k.name)} string" for k in keys)]))
    df = values.select(_INDEX, *[F.col(quote(k.name)).cast(k.type).alias(k.name) for k in keys])
    names = ", ".join(k.name for k in keys)
    for predicate in predicates:
        try:
            df = df.where(predicate)
        except AnalysisException as exc:
            if (exc.getCondition() or "").startswith("UNRESOLVED_COLUMN"):
                column = (exc.getMessageParameters() or {}).get("objectName", "?")
                raise CatalogError(
                    f"push_down_predicate {predicate!r} on table {table.qualified_name}: {column} is not a "
                    f"partition key (partition keys: {names}); a partition predicate can only name partition keys"
                ) from exc
            raise CatalogError(
                f"push_down_predicate {predicate!r} on table {table.qualified_name} is not a valid Spark SQL "
                f"condition on the partition keys ({names}): {str(exc).strip().splitlines()[0]}"
            ) from exc
    chosen = {row[0] for row in df.select(_INDEX).collect()}
    return [p for i, p in enumerate(partitions) if i in chosen]
