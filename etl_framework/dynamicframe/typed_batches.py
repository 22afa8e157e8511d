"""The records ``map`` returns as typed Arrow batches, typed as Glue's inference would type them.

pyarrow infers a batch's type from the Python values in C++ (``pa.array`` of the dicts), some five
times as fast as writing the records as JSON text and inferring and parsing that text again in
Spark. Its rules differ from Glue's in a few places, and there :func:`typed_batch` gives up and the
caller falls back to JSON text for the batch: a field that holds an int in one record and a float
in another (pyarrow widens to double; Glue's inference makes a choice), values JSON holds otherwise
(dates, decimals, bytes: text or numbers in JSON), NaN and infinity (no JSON number: an error
record), and whatever pyarrow refuses (an int and a string in one field, ints past 64 bits, keys
that are not text).

Each batch is typed on its own; the driver merges the batches' types with Glue's rules
(:func:`glue_type`, ``merge_types``), and Spark reads the batches (``ArrowBatches.java``) and
widens each to the merged type.

>>> batch = typed_batch([{"id": 1, "tags": ["a"]}, {"id": 2, "address": {"city": "Boaz"}}])
>>> glue_type(batch.schema).simple_string()
'struct<address:struct<city:string>,id:long,tags:array<string>>'
>>> typed_batch([{"n": 1}, {"n": 2.5}]) is None  # Glue: choice<double,long>
True
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import types as T
from pyspark.sql.pandas.types import from_arrow_type

from ..types import DataType, from_spark
from .inference import sort_fields


def typed_batch(records: list[dict[str, Any]]) -> pa.RecordBatch | None:
    """``records`` as one Arrow batch, or None where pyarrow would type them unlike Glue's JSON
    inference (see the module's notes), or there are none.

    >>> typed_batch([{"when": __import__("datetime").date(2024, 1, 2)}]) is None
    True
    >>> typed_batch([{"n": 1}, {"n": None}]).to_pylist()
    [{'n': 1}, {'n': None}]
    """
    if not records:
        return None
    try:
        array = pa.array(records)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None
    if not _as_json_types(array.type) or not _finite(array) or _ints_among_doubles(records, array.type):
        return None
    return pa.RecordBatch.from_struct_array(array)


def _as_json_types(t: pa.DataType) -> bool:
    """Whether ``t`` holds only the types JSON values infer as: long, double, string, boolean,
    null, arrays and structs of them."""
    if pa.types.is_struct(t):
        return all(_as_json_types(f.type) for f in t)
    if pa.types.is_list(t):
        return _as_json_types(t.value_type)
    return t in _JSON_TYPES


_JSON_TYPES = (pa.int64(), pa.float64(), pa.string(), pa.bool_(), pa.null())


def _finite(array: pa.Array) -> bool:
    """No NaN or infinity anywhere in ``array``."""
    t = array.type
    if pa.types.is_struct(t):
        return all(_finite(child) for child in array.flatten())
    if pa.types.is_list(t):
        return _finite(array.flatten())
    if pa.types.is_float64(t):
        return pc.all(pc.is_finite(array)).as_py() is not False
    return True


def _has_doubles(t: pa.DataType) -> bool:
    if pa.types.is_struct(t):
        return any(_has_doubles(f.type) for f in t)
    if pa.types.is_list(t):
        return _has_doubles(t.value_type)
    return pa.types.is_float64(t)


def _ints_among_doubles(values: list[Any], t: pa.DataType) -> bool:
    """Whether a value typed double in ``t`` was a Python int (pyarrow widened it). Only paths
    that hold doubles are walked, with C-level iteration (``map``) over the values."""
    if pa.types.is_float64(t):
        return int in set(map(type, values))
    if pa.types.is_struct(t):
        present = [v for v in values if v is not None]
        return any(
            _ints_among_doubles(list(map(dict.get, present, repeat(f.name))), f.type) for f in t if _has_doubles(f.type)
        )
    if pa.types.is_list(t) and _has_doubles(t.value_type):
        return _ints_among_doubles(list(chain.from_iterable(filter(None, values))), t.value_type)
    return False


def spark_type(schema: pa.Schema) -> T.StructType:
    """The Spark type of a typed batch's records, fields in the batch's order (as Spark reads the
    batch's columns)."""
    return from_arrow_type(pa.struct(list(schema)))


def glue_type(schema: pa.Schema) -> DataType:
    """The Glue type of a typed batch's records, struct fields in name order (as the JSON
    inference orders them).

    >>> glue_type(typed_batch([{"b": 1, "a": [{"y": None, "x": True}]}]).schema).simple_string()
    'struct<a:array<struct<x:boolean,y:null>>,b:long>'
    """
    return sort_fields(from_spark(spark_type(schema)))
