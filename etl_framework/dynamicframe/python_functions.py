"""Glue's Python-function transforms, ``map`` and ``filter``, run in Arrow batches.

Spark encodes each row as one JSON text (``to_json``; a choice's VARIANT writes its value). On the
executors a batch of those texts is decoded into :class:`DynamicRecord` objects and the user's
function is called once per record; no row is sent one at a time and none reaches the driver.

As in Glue (``awsglue/dynamicframe.py``): a record whose function raises, or whose ``map`` function
returns nothing, becomes an error record (the input JSON, the exception text as ``msg``, the
traceback as ``stackTrace``) and the job goes on; ``filter`` treats ``KeyError``, ``ValueError`` and
``TypeError`` as "no" (so ``rec["zip"] > 100`` just drops records without a zip).

``DynamicFrame.map`` and ``DynamicFrame.filter`` show both at work (an error record included).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..types import quote
from .errors import Step, error_records
from .inference import infer_variant_schema, variant_columns
from .records import DynamicRecord, record_to_json

if TYPE_CHECKING:
    from .frame import DynamicFrame

RecordFunction = Callable[[DynamicRecord], Any]

# Glue's message for a map function that returns None (or any false value, such as {}).
NONE_RETURNED = "User-specified function returned None instead of DynamicRecord"
_MAP_COLUMNS = ["input", "output", "msg", "stackTrace"]
_DECISION = "keep boolean, msg string, stackTrace string"


def record_json(df: DataFrame) -> Column:
    """Each row of ``df`` as one JSON object (null fields left out, as ``show`` prints them)."""
    if not df.columns:
        return F.lit("{}")
    return F.to_json(F.struct(*[F.col(quote(n)) for n in df.columns]))


def _failure(e: Exception) -> tuple[str, str]:
    """(msg, stackTrace) of an exception raised by the user's function."""
    return str(e) or type(e).__name__, "".join(traceback.format_exception(e))


# --- executor side: one record ------------------------------------------------------------------


def map_one(f: RecordFunction, text: str) -> tuple[str | None, str | None, str | None]:
    """(output JSON, msg, stackTrace) of ``f`` on one JSON record; msg is set for an error.

    >>> map_one(lambda r: {**r, "b": r["a"] * 2}, '{"a": 1}')
    ('{"a": 1, "b": 2}', None, None)
    >>> map_one(lambda r: None, '{"a": 1}')[1]
    'User-specified function returned None instead of DynamicRecord'
    >>> map_one(lambda r: r["x"], '{"a": 1}')[1]
    "'x'"
    """
    try:
        result = f(DynamicRecord.from_json(text))
        if not result:  # Glue's test is truthiness: None and {} are both errors
            return None, NONE_RETURNED, None
        if not isinstance(result, dict):
            return None, f"User-specified function returned {type(result).__name__} instead of DynamicRecord", None
        return record_to_json(result), None, None
    except Exception as e:  # noqa: BLE001 - any failure of the user's function is an error record
        return (None, *_failure(e))


def filter_one(f: RecordFunction, text: str) -> tuple[bool, str | None, str | None]:
    """(keep, msg, stackTrace) of predicate ``f`` on one JSON record.

    >>> filter_one(lambda r: r["a"] > 1, '{"a": 2}'), filter_one(lambda r: r["zip"] > 1, '{"a": 2}')
    ((True, None, None), (False, None, None))
    >>> filter_one(lambda r: 1 / 0, '{"a": 2}')[:2]
    (False, 'division by zero')
    """
    try:
        return bool(f(DynamicRecord.from_json(text))), None, None
    except (KeyError, ValueError, TypeError):  # Glue reads these as "no", not as errors
        return False, None, None
    except Exception as e:  # noqa: BLE001 - any failure of the user's function is an error record
        return (False, *_failure(e))


# --- executor side: Arrow batches ---------------------------------------------------------------


def _map_batches(f: RecordFunction) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            texts = batch.column(0).to_pylist()
            results = [map_one(f, text) for text in texts]
            columns = [
                [text if msg else None for text, (_, msg, _) in zip(texts, results, strict=True)],  # errors' input
                *([r[i] for r in results] for i in range(3)),  # output, msg, stackTrace
            ]
            string = batch.schema.field(0).type  # string or large_string, as Spark sends them
            yield pa.RecordBatch.from_arrays([pa.array(c, string) for c in columns], names=_MAP_COLUMNS)

    return run


def _filter_udf(f: RecordFunction) -> Callable[[pd.Series], pd.DataFrame]:
    def decide(texts: pd.Series) -> pd.DataFrame:
        return pd.DataFrame([filter_one(f, t) for t in texts], columns=["keep", "msg", "stackTrace"])

    return decide


# --- driver side --------------------------------------------------------------------------------


def map_records(frame: DynamicFrame, f: RecordFunction, step: Step) -> DynamicFrame:
    """Glue's ``DynamicFrame.map``: ``f(record)`` returns the new record. The result's schema is
    inferred over all returned records, so a field ``f`` makes a number here and a string there
    becomes a choice."""
    df = frame.dataframe
    encoded = df.select(record_json(df).alias("input"))
    # Read three times (inference, data, errors); persisted so that f runs once per record.
    results = encoded.mapInArrow(_map_batches(f), ", ".join(f"{c} string" for c in _MAP_COLUMNS)).persist()
    records = results.where(F.col("msg").isNull()).select(F.parse_json("output").alias("v"))
    schema = infer_variant_schema(records, "v")
    failed = results.where(F.col("msg").isNotNull())
    errors = error_records(
        failed,
        step.transform,
        step.ctx,
        F.lit(None),
        F.col("input"),
        F.col("msg"),
        step.info,
        F.col("stackTrace"),
        F.col("input"),
    )
    return frame.derive(records.select(*variant_columns(schema, "v")), schema, step.with_errors(errors))


def filter_records(frame: DynamicFrame, f: RecordFunction, step: Step) -> DynamicFrame:
    """Glue's ``DynamicFrame.filter``: the records (typed as before, same schema) for which
    ``f(record)`` is true."""
    df = frame.dataframe
    columns = [F.col("`" + n.replace("`", "``") + "`") for n in df.columns]
    decision = "_decision"
    while decision in df.columns:
        decision = "_" + decision
    # Non-deterministic, so the optimizer never copies the call into a second expression.
    decide = F.pandas_udf(_filter_udf(f), _DECISION).asNondeterministic()
    # Read twice (data, errors); persisted so that f runs once per record.
    decided = df.select(*columns, decide(record_json(df)).alias(decision)).persist()
    kept = decided.where(F.col(f"{decision}.keep")).select(*columns)
    failed = decided.where(F.col(f"{decision}.msg").isNotNull())
    errors = error_records(
        failed,
        step.transform,
        step.ctx,
        F.lit(None),
        record_json(df),
        F.col(f"{decision}.msg"),
        step.info,
        F.col(f"{decision}.stackTrace"),
        record_json(df),
    )
    return frame.derive(kept, frame.schema(), step.with_errors(errors))
