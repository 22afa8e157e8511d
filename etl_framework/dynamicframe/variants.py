"""Spark expressions over VARIANT values: the runtime type of a choice value, typed extraction."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Row
from pyspark.sql import functions as F

from ..types import DataType, spark_ddl

# schema_of_variant's scalar names -> Glue type names (objects, arrays and decimals handled apart).
_SCALAR_KINDS = {
    "BIGINT": "long",
    "INT": "int",
    "SMALLINT": "short",
    "TINYINT": "byte",
    "DOUBLE": "double",
    "FLOAT": "float",
    "STRING": "string",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NTZ": "timestamp",
    "BINARY": "binary",
}


def kind(value: Column) -> Column:
    """The Glue type name of a variant value (``long``, ``string``, ``struct``, ...); null for null."""
    shape = F.schema_of_variant(value)
    mapping = F.create_map(*[F.lit(x) for pair in _SCALAR_KINDS.items() for x in pair])
    return (
        F.when(value.isNull() | F.is_variant_null(value), F.lit(None))
        .when(shape.startswith("OBJECT"), F.lit("struct"))
        .when(shape.startswith("ARRAY"), F.lit("array"))
        .when(shape.startswith("DECIMAL"), F.lit("double"))
        .otherwise(F.element_at(mapping, shape))
    )


def distinct_shapes(df: DataFrame, value: Column, *keys: str) -> list[Row]:
    """The distinct ``schema_of_variant`` shapes of ``value`` (with the columns ``keys``), as rows with field ``s``.

    Every DECIMAL(p,s) is folded to DOUBLE: inference reads JSON fractions as double, as Glue does.
    The fold runs after a first grouping, on the few shapes left by Spark's map-side aggregation,
    not once per record (a regex per record cost more than the rest of the inference pass). Both
    groupings count rows: with plain ``distinct``s Spark's optimizer drops the first one as
    redundant and runs the regex (and ``schema_of_variant``, twice) on every record.
    """
    raw = df.where(value.isNotNull()).groupBy(*keys, F.schema_of_variant(value).alias("s")).count()
    folded = F.regexp_replace("s", r"DECIMAL\(\d+,\d+\)", "DOUBLE").alias("s")
    return raw.groupBy(*keys, folded).agg(F.sum("count")).select(*keys, "s").collect()


def get_as(value: Column, t: DataType, path: str = "$") -> Column:
    """The value at ``path`` cast to ``t`` with Spark's cast rules; null where it cannot be cast."""
    return F.try_variant_get(value, path, spark_ddl(t))


def json_path(names: list[str]) -> str:
    """A variant path for nested object keys: ``$['a']['b c']`` (keys are taken literally)."""
    return "$" + "".join(f'["{n}"]' if "'" in n else f"['{n}']" for n in names)
