"""Glue's Python-function transforms, ``map`` and ``filter``, run in Arrow batches.

The records reach the executors as Arrow columns: a batch becomes one :class:`DynamicRecord` per
row, built column by column (each struct once, null fields left out, as in Glue's records), with
Python's cyclic garbage collection paused for the batch.
Columns whose Arrow values are not what a JSON record holds (a choice's VARIANT, decimals, dates,
timestamps, binary, maps, floats) travel as one JSON text per row instead (Spark's ``to_json``),
so ``f`` sees the same values either way: a choice's value as its Python value, a date as ISO text.
The user's function is called once per record; no row is sent one at a time and none reaches the
driver.

``map``'s results go back as JSON text (encoded with msgspec), persisted: one Spark pass infers their schema over all of
them (the JSON reader's inference), and one reads them with it (``from_json``), so ``f`` never runs
twice.

As in Glue (``awsglue/dynamicframe.py``): a record whose function raises, or whose ``map`` function
returns nothing, becomes an error record (the input record as JSON, the exception text as ``msg``,
the traceback as ``stackTrace``) and the job goes on; ``filter`` treats ``KeyError``,
``ValueError`` and ``TypeError`` as "no" (so ``rec["zip"] > 100`` just drops records without a zip).

``DynamicFrame.map`` and ``DynamicFrame.filter`` show both at work (an error record included).
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..types import NullType, StructType, quote, to_spark
from .errors import Step, error_records
from .inference import observed_json
from .records import DynamicRecord, record_to_json

if TYPE_CHECKING:
    from .frame import DynamicFrame

RecordFunction = Callable[[DynamicRecord], Any]
Decode = Callable[[pa.RecordBatch], list[DynamicRecord]]

# Glue's message for a map function that returns None (or any false value, such as {}).
NONE_RETURNED = "User-specified function returned None instead of DynamicRecord"
_MAP_COLUMNS = ["output", "msg", "stackTrace", "input"]
_DECISION = "keep boolean, msg string, stackTrace string"
# Spark types whose Arrow values are the Python values a JSON record would hold: these columns
# travel as Arrow columns, any other as JSON text.
_NATIVE = (T.StringType, T.LongType, T.IntegerType, T.ShortType, T.ByteType, T.DoubleType, T.BooleanType, T.NullType)
# Jackson's default limit on one string (20 MB) would make a long text field of f's an error.
_JSON_OPTIONS = {"maxStringLen": str(2**31 - 1)}


def record_json(df: DataFrame) -> Column:
    """Each row of ``df`` as one JSON object (null fields left out, as ``show`` prints them)."""
    if not df.columns:
        return F.lit("{}")
    return F.to_json(F.struct(*[F.col(quote(n)) for n in df.columns]))


def _failure(e: Exception) -> tuple[str, str]:
    """(msg, stackTrace) of an exception raised by the user's function."""
    return str(e) or type(e).__name__, "".join(traceback.format_exception(e))


# --- records in Arrow batches -------------------------------------------------------------------


def _native(t: T.DataType) -> bool:
    if isinstance(t, T.StructType):
        return all(_native(f.dataType) for f in t.fields)
    if isinstance(t, T.ArrayType):
        return _native(t.elementType)
    return isinstance(t, _NATIVE)


def _values(array: pa.Array, t: T.DataType) -> list[Any]:
    """The Python values of one Arrow column of Spark type ``t``, built column by column (a
    ``to_pylist`` of the rows would build every struct twice): structs as DynamicRecords without
    their null fields, arrays as lists."""
    if isinstance(t, T.StructType):
        return _records(array.flatten(), t, len(array), array)
    if isinstance(t, T.ArrayType) and isinstance(t.elementType, T.StructType | T.ArrayType):
        elements = _values(array.flatten(), t.elementType)
        out: list[Any] = []
        start = 0
        for length in pc.list_value_length(array).to_pylist():
            out.append(None if length is None else elements[start : start + length])
            start += length or 0
        return out
    return array.to_pylist()


def _records(columns: list[pa.Array], t: T.StructType, rows: int, structs: pa.Array | None = None) -> list[Any]:
    """One DynamicRecord per row of ``columns`` (the fields of ``t``); None where ``structs`` is null."""
    names = [f.name for f in t.fields]
    values = [_values(c, f.dataType) for c, f in zip(columns, t.fields, strict=True)]
    records: list[Any] = (
        [DynamicRecord(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
        if values
        else [DynamicRecord() for _ in range(rows)]
    )
    for name, column in zip(names, columns, strict=True):
        if column.null_count:  # a null field is absent from the record
            for i in pc.indices_nonzero(column.is_null()).to_pylist():
                del records[i][name]
    if structs is not None and structs.null_count:
        for i in pc.indices_nonzero(structs.is_null()).to_pylist():
            records[i] = None
    return records


def record_batches(df: DataFrame) -> tuple[list[Column], Decode]:
    """The columns that carry ``df``'s records to the Python workers, and what decodes an Arrow
    batch of them into one DynamicRecord per row.

    >>> df = spark.sql("select 'Ana' name, named_struct('id', 1, 'x', null) s, 1.5bd d")
    >>> columns, decode = record_batches(df)
    >>> decode(df.select(*columns).toArrow().to_batches()[0])
    [{'name': 'Ana', 's': {'id': 1}, 'd': 1.5}]
    """
    native = [f for f in df.schema.fields if _native(f.dataType)]
    texts = [f.name for f in df.schema.fields if not _native(f.dataType)]
    native_type = T.StructType(native)
    columns = [F.col(quote(f.name)) for f in native]
    text = bool(texts) or not native  # a frame without fields still needs a column, one "{}" per row
    if text:
        as_json = F.to_json(F.struct(*[F.col(quote(n)) for n in texts])) if texts else F.lit("{}")
        # Named: the expression's own name holds the fields' names, dots and all, which Spark would
        # read back as a path.
        name = next(n for n in (f"_json{i}" for i in range(len(df.columns) + 1)) if n not in df.columns)
        columns.append(as_json.alias(name))
    count = len(native)

    def decode(batch: pa.RecordBatch) -> list[DynamicRecord]:
        records = _records(batch.columns[:count], native_type, batch.num_rows)
        if text:
            for rec, value in zip(records, batch.column(count).to_pylist(), strict=True):
                rec.update(DynamicRecord.from_json(value))
        return records

    return columns, decode


# --- executor side: one record ------------------------------------------------------------------


def map_one(f: RecordFunction, record: DynamicRecord) -> tuple[str | None, str | None, str | None]:
    """(output JSON, msg, stackTrace) of ``f`` on one record; msg is set for an error.

    >>> map_one(lambda r: {**r, "b": r["a"] * 2}, DynamicRecord(a=1))
    ('{"a":1,"b":2}', None, None)
    >>> map_one(lambda r: None, DynamicRecord(a=1))[1]
    'User-specified function returned None instead of DynamicRecord'
    >>> map_one(lambda r: r["x"], DynamicRecord(a=1))[1]
    "'x'"
    """
    try:
        result = f(record)
        if not result:  # Glue's test is truthiness: None and {} are both errors
            return None, NONE_RETURNED, None
        if not isinstance(result, dict):
            return None, f"User-specified function returned {type(result).__name__} instead of DynamicRecord", None
        return record_to_json(result), None, None
    except Exception as e:  # noqa: BLE001 - any failure of the user's function is an error record
        return (None, *_failure(e))


def filter_one(f: RecordFunction, record: DynamicRecord) -> tuple[bool, str | None, str | None]:
    """(keep, msg, stackTrace) of predicate ``f`` on one record.

    >>> filter_one(lambda r: r["a"] > 1, DynamicRecord(a=2)), filter_one(lambda r: r["zip"] > 1, DynamicRecord(a=2))
    ((True, None, None), (False, None, None))
    >>> filter_one(lambda r: 1 / 0, DynamicRecord(a=2))[:2]
    (False, 'division by zero')
    """
    try:
        return bool(f(record)), None, None
    except (KeyError, ValueError, TypeError):  # Glue reads these as "no", not as errors
        return False, None, None
    except Exception as e:  # noqa: BLE001 - any failure of the user's function is an error record
        return (False, *_failure(e))


# --- executor side: Arrow batches ---------------------------------------------------------------


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collection paused while a batch is processed: a batch builds some
    10^5 dicts, and the collections their allocations trigger would walk them all again and again
    (that was half of map's Python time). Records hold no cycles; what f leaves is collected after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _map_batches(f: RecordFunction, decode: Decode) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            with _collection_paused():
                results = [map_one(f, rec) for rec in decode(batch)]
            # An error's input is the record as it came (f may have changed it before it failed).
            inputs = [record_to_json(decode(batch.slice(i, 1))[0]) if r[1] else None for i, r in enumerate(results)]
            columns = [*([r[i] for r in results] for i in range(3)), inputs]  # output, msg, stackTrace, input
            yield pa.RecordBatch.from_arrays([pa.array(c, pa.string()) for c in columns], names=_MAP_COLUMNS)

    return run


def _filter_udf(f: RecordFunction, decode: Decode) -> Callable[[pa.Array], pa.Array]:
    def decide(records: pa.Array) -> pa.Array:  # pa.Array: the hint Spark reads as an Arrow UDF
        with _collection_paused():
            decided = [filter_one(f, rec) for rec in decode(pa.RecordBatch.from_struct_array(records))]
        columns = [pa.array([d[i] for d in decided], t) for i, t in enumerate((pa.bool_(), pa.string(), pa.string()))]
        return pa.StructArray.from_arrays(columns, names=["keep", "msg", "stackTrace"])

    return decide


# --- driver side --------------------------------------------------------------------------------


def map_records(frame: DynamicFrame, f: RecordFunction, step: Step) -> DynamicFrame:
    """Glue's ``DynamicFrame.map``: ``f(record)`` returns the new record. The result's schema is
    inferred over all returned records, so a field ``f`` makes a number here and a string there
    becomes a choice."""
    columns, decode = record_batches(frame.dataframe)
    # Read twice or three times (inference, data, errors): persisted so that f runs once per record.
    results = (
        frame.dataframe.select(*columns)
        .mapInArrow(_map_batches(f, decode), ", ".join(f"{c} string" for c in _MAP_COLUMNS))
        .persist()
    )
    records = results.where(F.col("msg").isNull())
    observed = observed_json(records.select(F.col("output").cast("binary")), _JSON_OPTIONS).type
    if not isinstance(observed, StructType | NullType):
        raise ValueError(f"records are not objects (their type is {observed.simple_string()})")
    schema = observed if isinstance(observed, StructType) else StructType()
    parsed = F.from_json("output", to_spark(schema), _JSON_OPTIONS)
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
    # Parsed once, then split: fields taken from from_json directly would parse the text once each.
    record = records.select(parsed.alias("r"))
    data = record.select(*[F.col("r").getField(f.name).alias(f.name) for f in schema])
    return frame.derive(data, schema, step.with_errors(errors))


def filter_records(frame: DynamicFrame, f: RecordFunction, step: Step) -> DynamicFrame:
    """Glue's ``DynamicFrame.filter``: the records (typed as before, same schema) for which
    ``f(record)`` is true."""
    df = frame.dataframe
    columns = [F.col(quote(n)) for n in df.columns]
    decision = "_decision"
    while decision in df.columns:
        decision = "_" + decision
    carried, decode = record_batches(df)
    # Non-deterministic, so the optimizer never copies the call into a second expression.
    decide = F.arrow_udf(_filter_udf(f, decode), _DECISION).asNondeterministic()
    # Read twice (data, errors); persisted so that f runs once per record.
    decided = df.select(*columns, decide(F.struct(*carried)).alias(decision)).persist()
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
