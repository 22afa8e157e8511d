"""The records ``map`` returns as typed Arrow batches, typed as Glue's inference would type them.

pyarrow infers a batch's type from the Python values in C++ (``pa.array`` of the dicts), some five
times as fast as writing the records as JSON text and inferring and parsing that text again in
Spark. Where a top-level field's values differ in kind from record to record (an int here, a float
or a text there: pyarrow would widen to double or refuse; Glue's inference makes a choice), the
batch is typed field by field, and that field becomes a choice of one column per kind. Where
pyarrow's rules differ otherwise, :func:`typed_batch` gives up and the caller falls back to JSON
text for the batch: values JSON holds otherwise (dates, decimals, bytes: text or numbers in JSON),
NaN and infinity (no JSON number: an error record), values that differ in kind deeper down (a
choice inside a struct), ints past 64 bits, keys that are not text.

Each batch is typed on its own; the driver merges the batches' types with Glue's rules
(:func:`glue_type`, ``merge_types``), and Spark reads the batches (``ArrowBatches.java``) and
widens each to the merged type.

>>> batch = typed_batch([{"id": 1, "tags": ["a"]}, {"id": 2, "address": {"city": "Boaz"}}])
>>> glue_type(batch.schema).simple_string()
'struct<address:struct<city:string>,id:long,tags:array<string>>'
>>> glue_type(typed_batch([{"n": 1}, {"n": 2.5}]).schema).simple_string()  # pyarrow: double
'struct<n:choice<double,long>>'
>>> typed_batch([{"s": {"a": 1}}, {"s": {"a": "x"}}]) is None
True
"""

from __future__ import annotations

from itertools import chain, repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import types as T
from pyspark.sql.pandas.types import from_arrow_type

from ..types import ChoiceType, DataType, Field, StructType, from_spark
from .inference import sort_fields


def typed_batch(records: list[dict[str, Any]]) -> pa.RecordBatch | None:
    """``records`` as one Arrow batch, or None where pyarrow would type them unlike Glue's JSON
    inference (see the module's notes), or there are none. A top-level field whose values differ in
    type from record to record (a number here, a text there) becomes a struct of one column per
    kind of value, marked as a choice (:data:`CHOICE`).

    >>> typed_batch([{"when": __import__("datetime").date(2024, 1, 2)}]) is None
    True
    >>> typed_batch([{"n": 1}, {"n": None}]).to_pylist()
    [{'n': 1}, {'n': None}]
    >>> glue_type(typed_batch([{"n": 1}, {"n": 2.5}, {"n": "x"}]).schema).simple_string()
    'struct<n:choice<double,long,string>>'
    """
    if not records:
        return None
    try:
        whole = _typed(records)
        if whole is not None:
            return pa.RecordBatch.from_struct_array(whole)
        # Field by field, each field's values split by kind where they differ.
        names = list(dict.fromkeys(chain.from_iterable(map(dict.keys, records))))
        columns = [_field(list(map(dict.get, records, repeat(name)))) for name in names]
    except _Untyped:
        return None
    fields = [
        pa.field(n, c.type, metadata=CHOICE if is_choice else None)
        for n, (c, is_choice) in zip(names, columns, strict=True)
    ]
    return pa.RecordBatch.from_arrays([c for c, _ in columns], schema=pa.schema(fields))


CHOICE = {b"glue": b"choice"}
"""The Arrow field metadata of a choice: a struct with one field per kind of value (``long``,
``string``, ...), where each row fills the one its value is of."""


class _Untyped(Exception):
    """Values that no typed batch carries as Glue's inference types them (dates, NaN, ...)."""


def _typed(values: list[Any]) -> pa.Array | None:
    """``values`` as one Arrow array, or None where pyarrow refuses them or widened ints to
    doubles (they differ in kind); raises :class:`_Untyped` for values JSON holds otherwise."""
    try:
        array = pa.array(values)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None
    if not _as_json_types(array.type) or not _finite(array):
        raise _Untyped
    return None if _ints_among_doubles(values, array.type) else array


def _field(values: list[Any]) -> tuple[pa.Array, bool]:
    """One top-level field's values: one array, or (a choice) a struct of one array per kind."""
    array = _typed(values)
    if array is not None:
        return array, False
    kinds = [None if v is None else _KINDS.get(type(v), "struct" if isinstance(v, dict) else "") for v in values]
    if "" in kinds:  # a value of no JSON kind
        raise _Untyped
    parts = {}
    for kind in dict.fromkeys(k for k in kinds if k is not None):
        part = _typed([v if k == kind else None for v, k in zip(values, kinds, strict=True)])
        if part is None:  # values of one kind that still differ inside (a struct field, say)
            raise _Untyped
        parts[kind] = part
    return pa.StructArray.from_arrays(list(parts.values()), names=list(parts)), True


_KINDS = {bool: "boolean", int: "long", float: "double", str: "string", list: "array", tuple: "array"}


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
    fields = []
    for f in schema:
        t = from_spark(from_arrow_type(f.type))
        if f.metadata == CHOICE:
            t = ChoiceType(c.dataType for c in t.fields)
        fields.append(Field(f.name, t))
    return sort_fields(StructType(fields))
