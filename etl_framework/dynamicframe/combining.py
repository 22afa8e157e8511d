"""Transforms over two frames: join, union and mergeDynamicFrame.

Schemas are merged with Glue's rules (a field typed differently on the two sides becomes a choice),
and each side's columns are conformed to the merged schema in Spark before the rows meet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import ArrayType, ChoiceType, DataType, Field, MapType, StructType, merge_types, quote, spark_ddl
from .errors import Step
from .paths import column_at, parse_path, path_list, struct_or_null, type_at

if TYPE_CHECKING:
    from .frame import DynamicFrame


def conform(col: Column, source: DataType, target: DataType) -> Column:
    """``col`` (of ``source`` type) as a value of the wider ``target`` type."""
    if source == target:
        return col
    if isinstance(target, ChoiceType):
        if isinstance(source, ChoiceType):
            return col
        if isinstance(source, (StructType, ArrayType, MapType)):
            return F.to_variant_object(col)
        return col.cast("variant")
    if isinstance(target, StructType) and isinstance(source, StructType):
        fields = []
        for f in target.fields:
            have = source.field(f.name)
            value = conform(col.getField(f.name), have.dataType, f.dataType) if have else F.lit(None)
            fields.append((f.name, value.cast(spark_ddl(f.dataType)) if have is None else value))
        return struct_or_null(col, fields)
    if isinstance(target, ArrayType) and isinstance(source, ArrayType):
        return F.transform(col, lambda e: conform(e, source.elementType, target.elementType))
    return col.try_cast(spark_ddl(target))


def _conformed(frame: DynamicFrame, schema: StructType) -> DataFrame:
    own = frame.schema()
    columns = []
    for f in schema.fields:
        have = own.field(f.name)
        value = (
            conform(F.col(f"`{f.name}`"), have.dataType, f.dataType)
            if have
            else F.lit(None).cast(spark_ddl(f.dataType))
        )
        columns.append(value.alias(f.name))
    return frame.dataframe.select(*columns)


def merged_schema(a: StructType, b: StructType) -> StructType:
    merged = merge_types(a, b)
    assert isinstance(merged, StructType)
    return merged


def union(frame: DynamicFrame, other: DynamicFrame, step: Step) -> DynamicFrame:
    """All records of both frames (duplicates kept), over the merged schema."""
    schema = merged_schema(frame.schema(), other.schema())
    df = _conformed(frame, schema).unionByName(_conformed(other, schema))
    return frame.derive(df, schema, step, other)


def _key_columns(frame: DynamicFrame, paths: list[str], role: str) -> list[Column]:
    out = []
    for path in paths:
        steps = parse_path(path)
        if type_at(frame.schema(), steps) is None:
            raise EtlError(f"{role}: key {path!r} is not a field of frame {frame.name!r} ({frame.schema().names()})")
        out.append(column_at(steps, frame.schema()))
    return out


def join(
    frame1: DynamicFrame, paths1: str | Sequence[str], paths2: str | Sequence[str], frame2: DynamicFrame, step: Step
) -> DynamicFrame:
    """Equijoin on (possibly nested) key paths. Each joined record has the fields of both frames,
    the keys of both included; a field both frames have appears once, with both types merged (a
    choice where they differ) and ``frame2``'s value where it has one, ``frame1``'s otherwise."""
    keys1, keys2 = path_list(paths1), path_list(paths2)
    if len(keys1) != len(keys2) or not keys1:
        raise EtlError(f"join: keys {keys1} and {keys2} must be non-empty and of the same length")
    schema1, schema2 = frame1.schema(), frame2.schema()
    # frame2's columns and keys under names of their own, so that names both frames have meet apart.
    right_names = {f.name: f"__right{i}" for i, f in enumerate(schema2.fields)}
    right = frame2.dataframe.select(
        *[F.col(quote(name)).alias(alias) for name, alias in right_names.items()],
        *[c.alias(f"__key{i}") for i, c in enumerate(_key_columns(frame2, keys2, "join"))],
    )
    condition = None
    for i, a in enumerate(_key_columns(frame1, keys1, "join")):
        part = a == F.col(f"__key{i}")
        condition = part if condition is None else condition & part
    joined = frame1.dataframe.join(right, condition, "inner")
    columns, fields = [], []
    for f in schema1.fields:
        other = schema2.field(f.name)
        if other is None:
            columns.append(F.col(quote(f.name)))
            fields.append(f)
            continue
        t = merge_types(f.dataType, other.dataType)
        mine = conform(F.col(quote(f.name)), f.dataType, t)
        theirs = conform(F.col(right_names[f.name]), other.dataType, t)
        columns.append(F.coalesce(theirs, mine).alias(f.name))
        fields.append(Field(f.name, t))
    for f in schema2.fields:
        if schema1.field(f.name) is None:
            columns.append(F.col(right_names[f.name]).alias(f.name))
            fields.append(f)
    return frame1.derive(joined.select(*columns), StructType(fields), step, frame2)


def merge(source: DynamicFrame, stage: DynamicFrame, primary_keys: Sequence[str], step: Step) -> DynamicFrame:
    """Stage records replace source records with the same primary keys; unmatched records of both
    sides are kept."""
    keys = path_list(primary_keys)
    if not keys:
        raise EtlError("mergeDynamicFrame: primary_keys must name at least one field")
    schema = merged_schema(source.schema(), stage.schema())
    for k in keys:
        if type_at(source.schema(), parse_path(k)) is None or type_at(stage.schema(), parse_path(k)) is None:
            raise EtlError(f"mergeDynamicFrame: primary key {k!r} must be a field of both frames")
    src, stg = _conformed(source, schema), _conformed(stage, schema)
    key_cols = [column_at(parse_path(k), schema) for k in keys]
    stage_keys = stg.select(*[c.alias(f"__k{i}") for i, c in enumerate(key_cols)]).distinct()
    condition = None
    for i, c in enumerate(key_cols):
        part = c == F.col(f"__k{i}")
        condition = part if condition is None else condition & part
    # Source records whose key the stage has are replaced; a null key never matches, so it stays.
    df = src.join(stage_keys, condition, "left_anti").unionByName(stg)
    return source.derive(df, schema, step, stage)
