"""A catalog table's columns as a Glue schema (``StructType``), for match_catalog and empty reads.

>>> from etl_framework.catalog import Column
>>> table_schema(Table("sales", "orders", "/lake/orders", "json", [Column("id", "bigint")], [Column("day", "date")]))
StructType([Field('id', LongType()), Field('day', DateType())])
"""

from __future__ import annotations

from pyspark.sql import types as T

from ..types import Field, StructType, from_spark
from .model import CatalogError, Table


def table_schema(table: Table) -> StructType:
    """Columns then partition keys, their Hive type strings parsed by Spark (needs a session)."""
    fields = []
    for c in table.columns + table.partition_keys:
        try:
            fields.append(Field(c.name, from_spark(T.DataType.fromDDL(c.type))))
        except Exception as exc:  # Spark's parser raises several kinds of error
            raise CatalogError(
                f"table {table.qualified_name}: column {c.name!r} has a type Spark cannot read: {c.type!r}"
            ) from exc
    return StructType(fields)
