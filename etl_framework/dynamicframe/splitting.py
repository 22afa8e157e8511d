"""split_fields and split_rows: one frame into a collection of two."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column
from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import ChoiceType
from . import mapping
from .collection import DynamicFrameCollection
from .errors import Step
from .paths import column_at, parse_path, type_at
from .variants import get_as

if TYPE_CHECKING:
    from .frame import DynamicFrame

_OPERATORS = {
    "<": lambda c, v: c < v,
    ">": lambda c, v: c > v,
    "<=": lambda c, v: c <= v,
    ">=": lambda c, v: c >= v,
    "=": lambda c, v: c == v,
    "==": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
}


def split_fields(
    frame: DynamicFrame, paths: Sequence[str], name1: str, name2: str, step: Step
) -> DynamicFrameCollection:
    """``name1``: the given fields; ``name2``: all the others."""
    columns, schema = mapping.select_fields(frame.schema(), paths)
    first = frame.derive(columns, schema, step)
    df, rest_schema = mapping.drop_fields(frame.dataframe, frame.schema(), paths)
    second = frame.derive(df, rest_schema, step)
    return DynamicFrameCollection({name1: first, name2: second}, frame.glue_ctx)


def _value_column(frame: DynamicFrame, path: str, value: Any) -> Column:
    steps = parse_path(path)
    t = type_at(frame.schema(), steps)
    if t is None:
        raise EtlError(f"split_rows: no field {path!r} in the frame ({frame.schema().names()})")
    col = column_at(steps, frame.schema())
    if isinstance(t, ChoiceType):  # compare the values that can be read as the constant's type
        from ..types import BooleanType, DoubleType, LongType, StringType

        target = {bool: BooleanType(), int: LongType(), float: DoubleType()}.get(type(value), StringType())
        return get_as(col, target)
    return col


def split_rows(
    frame: DynamicFrame, comparison_dict: Mapping[str, Mapping[str, Any]], name1: str, name2: str, step: Step
) -> DynamicFrameCollection:
    """``name1``: records meeting every comparison (``{"age": {">": 10, "<": 20}}``); ``name2``: the
    rest, including records where a compared field is null."""
    condition: Column | None = None
    for path, comparisons in comparison_dict.items():
        col = None
        for op, value in comparisons.items():
            if op not in _OPERATORS:
                raise EtlError(f"split_rows: unknown operator {op!r} for {path!r} (use {', '.join(_OPERATORS)})")
            col = _value_column(frame, path, value) if col is None else col
            part = _OPERATORS[op](col, F.lit(value))
            condition = part if condition is None else condition & part
    if condition is None:
        raise EtlError("split_rows: comparison_dict is empty")
    matched = F.coalesce(condition, F.lit(False))
    first = frame.derive(frame.dataframe.where(matched), frame.schema(), step)
    second = frame.derive(frame.dataframe.where(~matched), frame.schema(), step)
    return DynamicFrameCollection({name1: first, name2: second}, frame.glue_ctx)
