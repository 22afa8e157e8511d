"""Spark expressions over VARIANT values: the runtime type of a choice value, typed extraction."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from ..types import VARIANT_SCALARS, DataType, spark_ddl

# schema_of_variant's scalar names -> Glue type names (objects, arrays and decimals handled apart).
_SCALAR_KINDS = {variant_name: t().name for variant_name, t in VARIANT_SCALARS.items()}


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


def get_as(value: Column, t: DataType, path: str = "$") -> Column:
    """The value at ``path`` cast to ``t`` with Spark's cast rules; null where it cannot be cast."""
    return F.try_variant_get(value, path, spark_ddl(t))


def json_path(names: list[str]) -> str:
    """A variant path for nested object keys: ``$['a']['b c']`` (keys are taken literally)."""
    return "$" + "".join(f'["{n}"]' if "'" in n else f"['{n}']" for n in names)
