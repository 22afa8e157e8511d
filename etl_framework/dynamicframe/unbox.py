"""unbox: parse a string field that holds JSON or CSV into a typed value, with choice inference."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import ChoiceType, StringType, quote, spark_ddl
from .errors import Step, error_records
from .inference import csv_columns, infer_csv_schema, observed_type
from .paths import column_at, format_path, parse_path, rewrite, type_at

if TYPE_CHECKING:
    from .frame import DynamicFrame


def unbox(frame: DynamicFrame, path: str, format: str, options: dict[str, Any], step: Step) -> DynamicFrame:
    """Replace the string at ``path`` by its parsed value. Text that does not parse becomes an error
    record and its record leaves the frame."""
    steps = parse_path(path)
    t = type_at(frame.schema(), steps)
    if t is None:
        raise EtlError(f"unbox: no field {path!r} in the frame ({frame.schema().names()})")
    if not isinstance(t, (StringType, ChoiceType)):
        raise EtlError(f"unbox: {path!r} is a {t.name}, not a string")
    text = column_at(steps, frame.schema())
    if isinstance(t, ChoiceType):
        text = F.try_variant_get(text, "$", "string")
    fmt = (format or "").lower()
    if fmt == "json":
        return _unbox_json(frame, steps, text, step)
    if fmt == "csv":
        return _unbox_csv(frame, steps, text, options, step)
    raise EtlError(f"unbox: format {format!r} is not supported (json, csv)")


def _finish(frame: DynamicFrame, steps, parsed, new_type, bad, step: Step, fmt: str) -> DynamicFrame:
    df = frame.dataframe.withColumn("__unboxed", parsed).withColumn("__bad", bad)
    record = F.to_json(F.struct(*[F.col(quote(n)) for n in frame.schema().names()]))
    errors = error_records(
        df.where("__bad"),
        step.transform,
        step.ctx,
        F.lit(None),
        record,
        F.lit(f"unbox: {format_path(steps)} does not hold valid {fmt}"),
        step.info,
        dynamic_record=record,
    )
    good = df.where(~F.col("__bad"))
    columns, schema = rewrite(frame.schema(), steps, lambda name, col, t: ([(name, F.col("__unboxed"), new_type)], []))
    return frame.derive(good.select(*columns), schema, step.with_errors(errors))


def _unbox_json(frame: DynamicFrame, steps, text, step: Step) -> DynamicFrame:
    value = F.try_parse_json(text)
    probe = frame.dataframe.select(value.alias("v")).where("v IS NOT NULL")
    new_type = observed_type(probe)
    parsed = F.try_variant_get(value, "$", spark_ddl(new_type))
    bad = F.coalesce(text.isNotNull() & value.isNull(), F.lit(False))
    return _finish(frame, steps, parsed, new_type, bad, step, "JSON")


def _unbox_csv(frame: DynamicFrame, steps, text, options: dict[str, Any], step: Step) -> DynamicFrame:
    separator = options.get("separator", options.get("delimiter", ","))
    parts = F.split(text, re.escape(separator))
    width = frame.dataframe.select(F.max(F.size(parts)).alias("n")).first().n or 0
    names = [f"col{i}" for i in range(width)]
    strings = frame.dataframe.select(*[parts.getItem(i).alias(n) for i, n in enumerate(names)])
    struct_type = infer_csv_schema(strings)
    typed = csv_columns(struct_type, {n: parts.getItem(i) for i, n in enumerate(names)})
    parsed = F.when(text.isNull(), F.lit(None)).otherwise(F.struct(*typed))
    return _finish(frame, steps, parsed, struct_type, F.lit(False), step, "CSV")
