"""drop_null_fields: fields that are null in every record disappear."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import functions as F

from ..types import DataType, StructType
from . import mapping
from .errors import Step
from .paths import column_at, format_path

if TYPE_CHECKING:
    from .frame import DynamicFrame


def _leaves(t: DataType, prefix: list[str]) -> list[list[str]]:
    if isinstance(t, StructType) and t.fields:
        return [p for f in t.fields for p in _leaves(f.dataType, [*prefix, f.name])]
    return [prefix]


def _to_drop(t: DataType, prefix: list[str], empty: set[tuple[str, ...]]) -> tuple[bool, list[list[str]]]:
    """(is the whole field empty, the paths to drop): a struct whose fields are all empty goes whole."""
    if not (isinstance(t, StructType) and t.fields):
        return tuple(prefix) in empty, []
    results = [_to_drop(f.dataType, [*prefix, f.name], empty) for f in t.fields]
    if all(whole for whole, _ in results):
        return True, []
    paths = []
    for f, (whole, inner) in zip(t.fields, results, strict=True):
        paths += [[*prefix, f.name]] if whole else inner
    return False, paths


def drop_null_fields(frame: DynamicFrame, step: Step) -> DynamicFrame:
    """One aggregation counts the non-null values of every field (nested struct fields included);
    fields with none, and fields typed null, are dropped."""
    schema = frame.schema()
    leaves = _leaves(schema, []) if schema.fields else []
    if not leaves:
        return frame.derive(frame.dataframe, schema, step)
    row = frame.dataframe.agg(*[F.count(column_at(p, schema)).alias(f"c{i}") for i, p in enumerate(leaves)]).first()
    empty = {tuple(p) for i, p in enumerate(leaves) if row[f"c{i}"] == 0}
    whole, paths = _to_drop(schema, [], empty)
    paths = [[f.name] for f in schema.fields] if whole else paths
    df, new_schema = mapping.drop_fields(frame.dataframe, schema, [format_path(p) for p in paths])
    return frame.derive(df, new_schema, step)
