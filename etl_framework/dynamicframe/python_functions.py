"""Glue's Python-function transforms, ``map`` and ``filter``, run in Arrow batches.

The records reach the executors as Arrow columns: a batch becomes one :class:`DynamicRecord` per
row, built column by column (each struct once, null fields left out, as in Glue's records), with
Python's cyclic garbage collection paused for the batch.
A top-level choice travels as one typed column per alternative (so a double stays a float, though
its VARIANT may hold ``31.0`` as a decimal that JSON text writes as ``31``). Other columns whose
Arrow values are not what a JSON record holds (a nested choice, decimals, dates, timestamps,
binary, maps, floats) travel as one JSON text per row instead (Spark's ``to_json``), so ``f`` sees
the same values either way: a choice's value as its Python value, a date as ISO text. The user's
function is called once per record; no row is sent one at a time and none reaches the driver.

``map``'s results go back as typed Arrow batches (``typed_batches.py``: pyarrow types each batch of
returned records, where its types agree with Glue's JSON inference; where not, the batch goes as
JSON text, one record a row), persisted so that ``f`` never runs twice. The driver merges the
batches' types with Glue's rules (and infers the JSON texts' in Spark, if there are any); Spark
reads the batches in its JVM (``ArrowBatches.java``) and widens each to the merged schema with SQL
expressions: absent fields as nulls, a value where the schema has a choice as its VARIANT.

As in Glue (``awsglue/dynamicframe.py``): a record whose function raises, or whose ``map`` function
returns nothing, becomes an error record (the input record as JSON, the exception text as ``msg``,
the traceback as ``stackTrace``) and the job goes on; ``filter`` treats ``KeyError``,
``ValueError`` and ``TypeError`` as "no" (so ``rec["zip"] > 100`` just drops records without a zip).

``DynamicFrame.map`` and ``DynamicFrame.filter`` show both at work (an error record included).
"""

from __future__ import annotations

import functools
import gc
import itertools
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..jvm import compiled_class
from ..types import ArrayType, ChoiceType, DataType, NullType, StructType, merge_types, quote, to_spark
from .errors import Step, error_records
from .inference import observed_json, sort_fields
from .records import DynamicRecord, record_to_json
from .typed_batches import glue_type, spark_type, typed_batch
from .variants import get_as
from .variants import kind as variant_kind

if TYPE_CHECKING:
    from .frame import DynamicFrame

RecordFunction = Callable[[DynamicRecord], Any]
Decode = Callable[[pa.RecordBatch], list[DynamicRecord]]
BatchFunction = Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]

# Glue's message for a map function that returns None (or any false value, such as {}).
NONE_RETURNED = "User-specified function returned None instead of DynamicRecord"
_MAP_COLUMNS = ["batch", "types", "output", "msg", "stackTrace", "input"]
_MAP_TYPES = [pa.binary(), pa.binary(), pa.string(), pa.string(), pa.string(), pa.string()]
_MAP_SCHEMA = "batch binary, types binary, output string, msg string, stackTrace string, input string"
_DECISION = "keep boolean, msg string, stackTrace string"
# Spark types whose Arrow values are the Python values a JSON record would hold: these columns
# travel as Arrow columns, any other as JSON text.
_NATIVE = (T.StringType, T.LongType, T.IntegerType, T.ShortType, T.ByteType, T.DoubleType, T.BooleanType, T.NullType)
# A package resource, not a path: the package may be imported from a --py-files zip.
_ARROW_BATCHES = resources.files(__package__) / "ArrowBatches.java"
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


def record_batches(df: DataFrame, schema: StructType | None = None) -> tuple[DataFrame, list[Column], Decode]:
    """``df`` with what the columns need (each choice's kind, computed once a row), the columns
    that carry ``df``'s records to the Python workers from it, and what decodes an Arrow batch of
    them into one DynamicRecord per row. With the records' Glue ``schema``, a top-level choice of
    plain alternatives travels as one typed column per alternative, so that ``f`` sees each value
    as the type the schema gives it (a double stays a float even where the VARIANT holds ``31.0``
    as a decimal, which JSON text would write as ``31``).

    >>> df = spark.sql("select 'Ana' name, named_struct('id', 1, 'x', null) s, 1.5bd d")
    >>> source, columns, decode = record_batches(df)
    >>> decode(source.select(*columns).toArrow().to_batches()[0])
    [{'name': 'Ana', 's': {'id': 1}, 'd': 1.5}]
    """
    glue = {f.name: f.dataType for f in schema} if schema is not None else {}
    native = [f for f in df.schema.fields if _native(f.dataType)]
    choices = [
        (f.name, list(glue[f.name].choices.values())) for f in df.schema.fields if _plain_choice(glue.get(f.name))
    ]
    plain = {name for name, _ in choices}
    texts = [f.name for f in df.schema.fields if not _native(f.dataType) and f.name not in plain]
    native_type = T.StructType(native)
    columns = [F.col(quote(f.name)) for f in native]
    # Named apart from df's columns: the kinds, and the JSON text (whose expression's own name holds
    # the fields' names, dots and all, which Spark would read back as a path).
    fresh = (n for n in (f"_etl{i}" for i in itertools.count()) if n not in df.columns)
    kinds = [next(fresh) for _ in choices]
    # A projection of its own: Spark keeps it (a costly expression read twice is not inlined), so
    # each kind is computed once, not once per alternative.
    source = df.select("*", *[variant_kind(F.col(quote(n))).alias(k) for (n, _), k in zip(choices, kinds, strict=True)])
    for (name, alternatives), k in zip(choices, kinds, strict=True):
        value = F.col(quote(name))
        columns += [F.when(F.col(k) == a.name, get_as(value, a)).alias(next(fresh)) for a in alternatives]
    text = bool(texts) or not (native or choices)  # a frame without fields still needs a column, one "{}" per row
    if text:
        as_json = F.to_json(F.struct(*[F.col(quote(n)) for n in texts])) if texts else F.lit("{}")
        columns.append(as_json.alias(next(fresh)))
    count = len(native)

    def decode(batch: pa.RecordBatch) -> list[DynamicRecord]:
        records = _records(batch.columns[:count], native_type, batch.num_rows)
        at = count
        for name, alternatives in choices:
            values = _values(batch.column(at), to_spark(alternatives[0]))
            for j, a in enumerate(alternatives[1:], 1):  # a value is of one alternative, the others null
                values = [
                    v if v is not None else w
                    for v, w in zip(values, _values(batch.column(at + j), to_spark(a)), strict=True)
                ]
            at += len(alternatives)
            for rec, value in zip(records, values, strict=True):
                if value is not None:
                    rec[name] = value
        if text:
            for rec, value in zip(records, batch.column(at).to_pylist(), strict=True):
                rec.update(DynamicRecord.from_json(value))
        return records

    return source, columns, decode


def _plain_choice(t: DataType | None) -> bool:
    """A choice whose alternatives are known and travel as Arrow columns."""
    return isinstance(t, ChoiceType) and bool(t.choices) and all(_native(to_spark(a)) for a in t.choices.values())


# --- executor side: one record ------------------------------------------------------------------


def map_one(f: RecordFunction, record: DynamicRecord) -> tuple[dict | None, str | None, str | None]:
    """(output record, msg, stackTrace) of ``f`` on one record; msg is set for an error.

    >>> map_one(lambda r: {**r, "b": r["a"] * 2}, DynamicRecord(a=1))
    ({'a': 1, 'b': 2}, None, None)
    >>> map_one(lambda r: None, DynamicRecord(a=1))[1]
    'User-specified function returned None instead of DynamicRecord'
    >>> map_one(lambda r: r["x"], DynamicRecord(a=1))[1]
    "'x'"
    """
    try:
        result = f(record)
    except Exception as e:  # noqa: BLE001 - any failure of the user's function is an error record
        return (None, *_failure(e))
    if not result:  # Glue's test is truthiness: None and {} are both errors
        return None, NONE_RETURNED, None
    if not isinstance(result, dict):
        return None, f"User-specified function returned {type(result).__name__} instead of DynamicRecord", None
    return result, None, None


def as_json(result: tuple[dict | None, str | None, str | None]) -> tuple[str | None, str | None, str | None]:
    """A :func:`map_one` outcome with its record as JSON text; a record JSON cannot hold (NaN, an
    object of no JSON type) becomes an error here.

    >>> as_json(({"a": 1}, None, None)), as_json(({"a": float("nan")}, None, None))[1]
    (('{"a":1}', None, None), 'a record field cannot hold NaN or infinity: a')
    """
    record, msg, trace = result
    if msg is not None:
        return None, msg, trace
    try:
        return record_to_json(record), None, None
    except (TypeError, ValueError) as e:
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


def _map_batches(f: RecordFunction, decode: Decode) -> BatchFunction:
    """Each batch's results: a first row whose ``types`` says how its records travel (a typed
    Arrow batch's schema, with the batch in ``batch``, where pyarrow types them as Glue would;
    empty when they follow as one JSON text a row, in ``output``); and one row per error record."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            with _collection_paused():
                results = [map_one(f, rec) for rec in decode(batch)]
                typed = typed_batch([r[0] for r in results if r[1] is None])
            if typed is not None:
                rows = [(typed.serialize().to_pybytes(), typed.schema.serialize().to_pybytes(), None, None, None, None)]
            else:
                results = [as_json(r) for r in results]
                texts = [(None, None, r[0], None, None, None) for r in results if r[1] is None]
                rows = [(None, b"", None, None, None, None), *texts] if texts else []
            # An error's input is the record as it came (f may have changed it before it failed).
            for i, (_, msg, trace) in enumerate(results):
                if msg is not None:
                    rows.append((None, None, None, msg, trace, record_to_json(decode(batch.slice(i, 1))[0])))
            columns = (
                [pa.array(c, t) for c, t in zip(zip(*rows, strict=True), _MAP_TYPES, strict=True)] if rows else None
            )
            yield pa.RecordBatch.from_arrays(columns or [pa.array([], t) for t in _MAP_TYPES], names=_MAP_COLUMNS)

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
    source, columns, decode = record_batches(frame.dataframe, frame.schema())
    # Read more than once (types, data, errors): persisted so that f runs once per record.
    results = source.select(*columns).mapInArrow(_map_batches(f, decode), _MAP_SCHEMA).persist()
    types, schema, texts = _merged_type(results)
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
    return frame.derive(_typed_records(results, types, schema, texts), schema, step.with_errors(errors))


def _merged_type(results: DataFrame) -> tuple[list[bytes], StructType, bool]:
    """The typed batches' types (Arrow schemas); the schema of all records ``map`` returned, those
    types and the JSON texts' inferred type merged with Glue's rules; and whether there are JSON
    texts."""
    # One row per batch: no shuffle (a distinct cost a stage, a tenth of a second at any size).
    kinds = {bytes(row[0]) for row in results.where(F.col("types").isNotNull()).select("types").collect()}
    types = sorted(kinds - {b""})
    merged: DataType = NullType()
    for t in types:
        merged = merge_types(merged, glue_type(pa.ipc.read_schema(pa.py_buffer(t))))
    texts = b"" in kinds
    if texts:
        lines = results.where(F.col("output").isNotNull()).select(F.col("output").cast("binary"))
        merged = merge_types(merged, observed_json(lines, _JSON_OPTIONS).type)
    if not isinstance(merged, StructType | NullType):
        raise ValueError(f"records are not objects (their type is {merged.simple_string()})")
    return types, (sort_fields(merged) if isinstance(merged, StructType) else StructType()), texts


def _typed_records(results: DataFrame, types: list[bytes], schema: StructType, texts: bool) -> DataFrame:
    """The records of ``schema``: the typed batches of each of the ``types`` read by Spark
    (``ArrowBatches.java``) and widened to it, and the JSON texts parsed by Spark."""
    spark = results.sparkSession
    spark_schema = to_spark(schema)
    if not schema.fields:
        return results.where(F.lit(False)).select()
    reader = compiled_class(spark, _ARROW_BATCHES, "etl_framework.dynamicframe.ArrowBatches").newInstance()
    zone = spark.conf.get("spark.sql.session.timeZone")
    parts = []
    for t in types:
        arrow = pa.ipc.read_schema(pa.py_buffer(t))
        batches = results.where(F.col("types") == F.lit(t)).select("batch")
        rows = DataFrame(
            reader.rows(batches._jdf, spark._jsparkSession.parseDataType(spark_type(arrow).json()), zone), spark
        )
        have = {f.name: f.dataType for f in glue_type(arrow)}
        parts.append(
            rows.select(
                *[
                    _widened(F.col(quote(f.name)), have.get(f.name, NullType()), f.dataType).alias(f.name)
                    for f in schema
                ]
            )
        )
    if texts:
        # Parsed once, then split: fields taken from from_json directly would parse the text once each.
        lines = results.where(F.col("output").isNotNull())
        parsed = lines.select(F.from_json("output", spark_schema, _JSON_OPTIONS).alias("r"))
        parts.append(parsed.select(*[F.col("r").getField(f.name).alias(f.name) for f in spark_schema]))
    return functools.reduce(DataFrame.unionByName, parts)


def _widened(value: Column, have: DataType, want: DataType) -> Column:
    """``value`` of type ``have`` (a typed batch's) as the merged type ``want``: struct fields the
    batch lacks added as nulls (all in ``want``'s order), a null column typed, and a value where
    ``want`` has a choice as its VARIANT (a batch's own choice is a struct of one field per kind,
    of which a row fills one)."""
    if isinstance(have, ChoiceType):
        return F.coalesce(*[_widened(value.getField(kind), t, want) for kind, t in have.choices.items()])
    if have == want:
        return value
    if isinstance(have, NullType):
        return F.lit(None).cast(to_spark(want))
    if isinstance(want, ChoiceType):
        alternative = _widened(value, have, want.choices[have.name])
        return (
            F.to_variant_object(alternative)
            if isinstance(have, StructType | ArrayType)
            else alternative.cast("variant")
        )
    if isinstance(want, StructType):
        fields = {f.name: f.dataType for f in have.fields}
        widened = [
            _widened(value.getField(f.name), fields.get(f.name, NullType()), f.dataType).alias(f.name) for f in want
        ]
        return F.when(value.isNotNull(), F.struct(*widened))
    if isinstance(want, ArrayType):
        return F.transform(value, lambda element: _widened(element, have.elementType, want.elementType))
    return value.cast(to_spark(want))


def filter_records(frame: DynamicFrame, f: RecordFunction, step: Step) -> DynamicFrame:
    """Glue's ``DynamicFrame.filter``: the records (typed as before, same schema) for which
    ``f(record)`` is true."""
    df = frame.dataframe
    columns = [F.col(quote(n)) for n in df.columns]
    decision = "_decision"
    while decision in df.columns:
        decision = "_" + decision
    source, sent, decode = record_batches(df, frame.schema())
    # Non-deterministic, so the optimizer never copies the call into a second expression.
    decide = F.arrow_udf(_filter_udf(f, decode), _DECISION).asNondeterministic()
    # Read twice (data, errors); persisted so that f runs once per record.
    decided = source.select(*columns, decide(F.struct(*sent)).alias(decision)).persist()
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
