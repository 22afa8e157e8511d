"""From an inferred DynamicFrame schema to catalog columns.

A catalog column has one type, so a choice becomes the widest type that holds every alternative:
integers widen to the largest integer, integers and floating point numbers to ``double``, a date and
a timestamp to ``timestamp``, and anything else (text among numbers, a struct or an array beside a
scalar) to ``string``. The alternatives are kept, per path, in the table parameter ``choices`` so a
job knows the column was not uniform.

    >>> from etl_framework.types import ChoiceType, DoubleType, Field, LongType, StringType, StructType
    >>> s = StructType([Field("id", LongType()), Field("total", ChoiceType([LongType(), DoubleType()]))])
    >>> columns, choices = catalog_columns(s)
    >>> [(c.name, c.type) for c in columns], choices
    ([('id', 'bigint'), ('total', 'double')], {'total': ['double', 'long']})
"""

from __future__ import annotations

from pyspark.sql.types import _parse_datatype_string

from ..catalog.model import Column
from ..types import (
    ArrayType,
    ChoiceType,
    DataType,
    DoubleType,
    Field,
    MapType,
    StringType,
    StructType,
    TimestampType,
    from_spark,
    hive_type,
    merge_types,
)

_INTEGERS = ("byte", "short", "int", "long")
_FLOATING = ("float", "double", "decimal")


def widest(t: DataType, path: str = "", choices: dict[str, list[str]] | None = None) -> DataType:
    """``t`` with every choice replaced by its widest alternative; each choice's alternatives are
    added to ``choices`` under its path (dots for nesting, ``[]`` for array elements)."""
    if isinstance(t, StructType):
        return StructType(
            Field(f.name, widest(f.dataType, f"{path}.{f.name}" if path else f.name, choices)) for f in t.fields
        )
    if isinstance(t, ArrayType):
        return ArrayType(widest(t.elementType, f"{path}[]", choices))
    if isinstance(t, MapType):
        return MapType(widest(t.valueType, f"{path}[]", choices), t.keyType)
    if not isinstance(t, ChoiceType):
        return t
    if choices is not None:
        choices[path] = sorted(c.simple_string() for c in t.choices.values())
    return _widen([widest(c, path) for c in t.choices.values()])


def _widen(types: list[DataType]) -> DataType:
    names = {t.name for t in types}
    if names <= set(_INTEGERS):
        return max(types, key=lambda t: _INTEGERS.index(t.name))
    if names <= set(_INTEGERS + _FLOATING):
        return DoubleType()
    if names == {"date", "timestamp"}:
        return TimestampType()
    return StringType()


def catalog_columns(schema: StructType) -> tuple[list[Column], dict[str, list[str]]]:
    """The catalog columns of an inferred schema and the alternatives of each choice by path."""
    choices: dict[str, list[str]] = {}
    resolved = widest(schema, "", choices)
    assert isinstance(resolved, StructType)
    return [Column(f.name, hive_type(f.dataType)) for f in resolved.fields], choices


def csv_catalog_schema(schema: StructType) -> StructType:
    """A CSV header's names as Glue's crawler stores them: trimmed and lower-cased (catalog names are
    lower case; ``from_catalog`` reads the columns by position under these names)."""
    return StructType(Field(f.name.strip().lower(), f.dataType) for f in schema.fields)


def widen_hive(old: str, new: str) -> str:
    """The Hive type that holds values of both ``old`` and ``new`` (a column seen again with another type).

    Parsing the types needs a running SparkSession (the crawler always has one).

    >>> widen_hive("bigint", "double"), widen_hive("struct<a:bigint>", "struct<b:string>")  # doctest: +SKIP
    ('double', 'struct<a:bigint,b:string>')
    """
    if old == new:
        return old
    merged = merge_types(from_spark(_parse_datatype_string(old)), from_spark(_parse_datatype_string(new)))
    return hive_type(widest(merged))
