"""Schema inference over all records, in Spark.

Semi-structured records (JSON, XML) are held as one VARIANT per record. Spark computes each record's
shape (``schema_of_variant``) and keeps the distinct shapes; only those few strings reach the
driver, where they are merged into one schema with Glue's rules (a field seen with two types
becomes a choice; a field missing from some records is just nullable). Where one record's array
mixes element types, a second Spark pass collects the element shapes at that path.

CSV values are classified per column (long, double, string) by one aggregation.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..types import (
    ArrayType,
    ChoiceType,
    DataType,
    DoubleType,
    Field,
    LongType,
    NullType,
    StringType,
    StructType,
    UnresolvedVariant,
    merge_types,
    parse_variant_schema,
    spark_ddl,
)
from .paths import ELEMENT
from .variants import distinct_shapes, json_path

_MAX_DEPTH = 16


def merge_shapes(shapes: list[str]) -> DataType:
    out: DataType = NullType()
    for s in sorted(shapes):
        out = merge_types(out, parse_variant_schema(s))
    return sort_fields(out)


def sort_fields(t: DataType) -> DataType:
    """Struct fields in name order at every level, as Spark's own JSON inference orders them
    (``schema_of_variant`` sorts keys, so the order of appearance is not known)."""
    if isinstance(t, StructType):
        return StructType(Field(f.name, sort_fields(f.dataType)) for f in sorted(t.fields, key=lambda f: f.name))
    if isinstance(t, ArrayType):
        return ArrayType(sort_fields(t.elementType))
    if isinstance(t, ChoiceType):
        return ChoiceType(sort_fields(c) for c in t.choices.values())
    return t


def infer_variant_schema(df: DataFrame, column: str = "v", shapes: list[str] | None = None) -> StructType:
    """The Glue schema of the records in VARIANT column ``column`` (each record a JSON object);
    ``shapes`` may hold their distinct normalized ``schema_of_variant`` strings already."""
    if shapes is None:
        shapes = [r.s for r in distinct_shapes(df, F.col(column))]
    merged = resolve_unresolved(df, column, merge_shapes(shapes))
    if isinstance(merged, NullType):
        return StructType()
    if not isinstance(merged, StructType):
        raise ValueError(f"records are not objects (their type is {merged.simple_string()})")
    return merged


def resolve_unresolved(df: DataFrame, column: str, merged: DataType) -> DataType:
    """Replace every ``UnresolvedVariant`` in ``merged`` (array elements of mixed types within one
    record) by the types Spark finds at that path, one pass per nesting level."""
    for _ in range(_MAX_DEPTH):
        pending = _unresolved_paths(merged, [])
        if not pending:
            break
        merged = _resolve(df, column, merged, pending)
    return merged


def _unresolved_paths(t: DataType, prefix: list[str]) -> list[list[str]]:
    if isinstance(t, UnresolvedVariant):
        return [prefix]
    if isinstance(t, StructType):
        return [p for f in t.fields for p in _unresolved_paths(f.dataType, [*prefix, f.name])]
    if isinstance(t, ArrayType):
        return _unresolved_paths(t.elementType, [*prefix, ELEMENT])
    if isinstance(t, ChoiceType):
        return [p for c in t.choices.values() for p in _unresolved_paths(c, prefix)]
    return []


def values_at(df: DataFrame, column: str, steps: list[str]) -> tuple[DataFrame, Column]:
    """Rows of every value at a path (one row per array element for ``[]`` steps)."""
    current, names, depth = df.select(F.col(column).alias("_x0")), [], 0
    for step in steps:
        if step == ELEMENT:
            array = F.try_variant_get(F.col(f"_x{depth}"), json_path(names), "array<variant>")
            current = current.select(F.explode(array).alias(f"_x{depth + 1}"))
            depth, names = depth + 1, []
        else:
            names.append(step)
    value = F.col(f"_x{depth}")
    return current, (F.try_variant_get(value, json_path(names), "variant") if names else value)


def _resolve(df: DataFrame, column: str, merged: DataType, pending: list[list[str]]) -> DataType:
    frames = []
    for i, steps in enumerate(pending):
        rows, value = values_at(df, column, steps)
        frames.append(rows.select(F.lit(i).alias("p"), value.alias("x")))
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    found: dict[int, list[str]] = {}
    for row in distinct_shapes(union, F.col("x"), "p"):
        found.setdefault(row.p, []).append(row.s)
    for i, steps in enumerate(pending):
        merged = _replace_unresolved(merged, steps, merge_shapes(found.get(i, [])))
    return merged


def _replace_unresolved(t: DataType, steps: list[str], new: DataType) -> DataType:
    if not steps:
        if isinstance(t, UnresolvedVariant):
            return new
        if isinstance(t, ChoiceType):
            rest = [c for c in t.choices.values() if not isinstance(c, UnresolvedVariant)]
            out: DataType = new
            for c in rest:
                out = merge_types(out, c)
            return out
        return t
    if isinstance(t, ChoiceType):
        return ChoiceType(_replace_unresolved(c, steps, new) for c in t.choices.values())
    if steps[0] == ELEMENT and isinstance(t, ArrayType):
        return ArrayType(_replace_unresolved(t.elementType, steps[1:], new))
    if isinstance(t, StructType):
        return StructType(
            Field(f.name, _replace_unresolved(f.dataType, steps[1:], new) if f.name == steps[0] else f.dataType)
            for f in t.fields
        )
    return t


def variant_columns(schema: StructType, column: str = "v") -> list[Column]:
    """The typed top-level columns of ``schema`` extracted from the record VARIANT ``column``."""
    return [F.try_variant_get(F.col(column), json_path([f.name]), spark_ddl(f.dataType)).alias(f.name) for f in schema]


# --- CSV --------------------------------------------------------------------------------------

_INTEGER = r"^[+-]?[0-9]+$"
_DECIMAL = r"^[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?$"


_CSV_TYPES: dict[str, DataType] = {"long": LongType(), "double": DoubleType(), "string": StringType()}


def infer_csv_schema(df: DataFrame) -> StructType:
    """One aggregation over all rows: the set of kinds seen in each (string) column."""
    if not df.columns:
        return StructType()
    kinds = [F.collect_set(_csv_kind(F.col(f"`{c}`"))).alias(f"k{i}") for i, c in enumerate(df.columns)]
    row = df.agg(*kinds).first()
    fields = []
    for i, name in enumerate(df.columns):
        seen = sorted(row[f"k{i}"]) if row else []
        if not seen:
            t: DataType = StringType()
        elif len(seen) == 1:
            t = _CSV_TYPES[seen[0]]
        else:
            t = ChoiceType(_CSV_TYPES[k] for k in seen)
        fields.append(Field(name, t))
    return StructType(fields)


def _csv_kind(value: Column) -> Column:
    """``long`` for integer-looking text that fits a long, ``double`` for decimal-looking text,
    else ``string``; null for null."""
    return (
        F.when(value.isNull(), F.lit(None))
        .when(value.rlike(_INTEGER) & value.try_cast("bigint").isNotNull(), F.lit("long"))
        .when(value.rlike(_DECIMAL), F.lit("double"))
        .otherwise(F.lit("string"))
    )


def csv_columns(schema: StructType, values: dict[str, Column] | None = None) -> list[Column]:
    """Typed columns from the text of each field (the string columns of a CSV read, or ``values``),
    per the inferred schema."""
    out = []
    for f in schema:
        value = values[f.name] if values else F.col(f"`{f.name}`")
        if isinstance(f.dataType, ChoiceType):
            kind = _csv_kind(value)
            col = F.when(kind == "long", value.try_cast("bigint").cast("variant"))
            col = col.when(kind == "double", value.try_cast("double").cast("variant"))
            col = col.when(kind == "string", value.cast("variant"))
        elif isinstance(f.dataType, StringType):
            col = value
        else:
            col = value.try_cast(spark_ddl(f.dataType))
        out.append(col.alias(f.name))
    return out
