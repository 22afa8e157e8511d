"""Spark expressions over VARIANT values: the runtime type of a choice value, typed extraction."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from ..types import VARIANT_SCALARS, DataType, spark_ddl

# schema_of_variant's type names (cut before any "<" or "(": OBJECT<...>, DECIMAL(p,s)) -> Glue's.
_KINDS = {
    **{variant_name: t().name for variant_name, t in VARIANT_SCALARS.items()},
    "OBJECT": "struct",
    "ARRAY": "array",
    "DECIMAL": "double",
}
# One SQL literal: a map built from Column literals costs two JVM calls per entry on the driver.
_KIND_MAP = "map(" + ", ".join(f"'{name}', '{glue}'" for name, glue in _KINDS.items()) + ")"


def kind(value: Column) -> Column:
    """The Glue type name of a variant value (``long``, ``string``, ``struct``, ...); null for null.

    >>> rows = "('1.5'), ('\\"a\\"'), ('{\\"b\\": 2}'), ('null'), (null)"
    >>> df = spark.sql(f"select parse_json(j) v from values {rows} t(j)")
    >>> [row[0] for row in df.select(kind(F.col("v"))).collect()]
    ['double', 'string', 'struct', None, None]
    """
    # schema_of_variant appears once, outside any conditional branch, so Spark evaluates it once
    # per row (in a CASE branch it would run once per WHEN that reads it).
    shape = F.substring_index(F.substring_index(F.schema_of_variant(value), "<", 1), "(", 1)
    return F.when(~F.is_variant_null(value), F.element_at(F.expr(_KIND_MAP), shape))


def get_as(value: Column, t: DataType, path: str = "$") -> Column:
    """The value at ``path`` cast to ``t`` with Spark's cast rules; null where it cannot be cast."""
    return F.try_variant_get(value, path, spark_ddl(t))


def json_path(names: list[str]) -> str:
    """A variant path for nested object keys: ``$['a']['b c']`` (keys are taken literally)."""
    return "$" + "".join(f'["{n}"]' if "'" in n else f"['{n}']" for n in names)
