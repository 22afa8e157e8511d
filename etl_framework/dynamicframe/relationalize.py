"""relationalize, unnest and unnest_ddb_json: nested records as flat tables, in Spark expressions.

``relationalize`` flattens structs into dotted columns (``name.first``) and pivots every array into a
table of its own, keyed ``<root>_<array column with dots as _>``, with the columns ``id`` (the value
the parent row holds in the array's column), ``index`` (the element's position) and the element's
values under ``<array column>.val`` (``contact_details.val.type``). Arrays inside elements pivot again.

>>> from etl_framework import DynamicFrame
>>> df = spark.createDataFrame([(1, ("Ann", "Lee"), [("email", "ann@x.org"), ("fax", "555")])],
...     "id long, name struct<first:string,last:string>, contact_details array<struct<type:string,value:string>>")
>>> dfc = DynamicFrame.fromDF(df, ctx, "persons").relationalize("root", f"{tmp}/staging")
>>> sorted(dfc.keys())
['root', 'root_contact_details']
>>> root, details = dfc["root"].toDF(), dfc["root_contact_details"].toDF()
>>> root.columns
['id', 'name.first', 'name.last', 'contact_details']
>>> sorted(r["contact_details.val.type"] for r in root.join(details, root.contact_details == details.id).collect())
['email', 'fax']
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import (
    ArrayType,
    ChoiceType,
    DataType,
    Field,
    IntegerType,
    LongType,
    MapType,
    NullType,
    StructType,
    quote,
)
from .collection import DynamicFrameCollection
from .errors import Step
from .paths import struct_or_null

if TYPE_CHECKING:
    from .frame import DynamicFrame

# A field of the table being built: its (dotted) name, its value and its Glue type.
Leaf = tuple[str, Column, DataType]

_KEY = "__relationalize_key"  # the staged row key; array columns hold it, child tables join on it
_DDB_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})


def _col(name: str) -> Column:
    return F.col(quote(name))


def _flatten(leaves: list[Leaf]) -> list[Leaf]:
    """Structs replaced by their fields, named ``struct.field``, at every level; other types kept."""
    out: list[Leaf] = []
    for name, col, t in leaves:
        if isinstance(t, StructType):
            out += _flatten([(f"{name}.{f.name}", col.getField(f.name), f.dataType) for f in t.fields])
        else:
            out.append((name, col, t))
    return out


def _top(frame: DynamicFrame) -> list[Leaf]:
    return [(f.name, _col(f.name), f.dataType) for f in frame.schema()]


def unnest(frame: DynamicFrame, step: Step) -> DynamicFrame:
    """Nested structs as top-level fields named with dots (``address.city``); arrays and choices as they are."""
    leaves = _flatten(_top(frame))
    return frame.derive([c.alias(n) for n, c, _ in leaves], StructType(Field(n, t) for n, _, t in leaves), step)


# --- relationalize ------------------------------------------------------------------------------


def relationalize(
    frame: DynamicFrame,
    root_table_name: str,
    staging_path: str | None,
    step: Step,
) -> DynamicFrameCollection:
    """The root table and one table per array (see the module docstring).

    Tables that hold arrays are written to a fresh folder under ``staging_path`` (Parquet) with a row
    key and read back, so a parent's keys and its child table's ``id`` come from the same stored
    values however often and in whatever order the tables are computed. No staging path: the
    context's warehouse dir is used. An array column is null where the array is null; an empty array
    keeps its key and has no child rows.
    """
    base = (staging_path or f"{frame.glue_ctx.warehouse_dir}/_staging").rstrip("/")
    base = f"{base}/relationalize-{uuid.uuid4().hex}"
    tables: dict[str, tuple[DataFrame, StructType]] = {}
    _pivot(frame.dataframe, _top(frame), [], root_table_name, root_table_name, base, tables)
    out: dict[str, DynamicFrame] = {}
    for name, (df, schema) in tables.items():
        out[name] = frame.derive(df, schema, step)
        out[name].name = name
    return DynamicFrameCollection(out, frame.glue_ctx)


def _pivot(
    df: DataFrame,
    items: list[Leaf],
    leading: list[tuple[str, DataType]],
    name: str,
    root: str,
    base: str,
    tables: dict[str, tuple[DataFrame, StructType]],
) -> None:
    """Add table ``name`` (``leading`` columns, then ``items`` flattened) and its arrays' tables."""
    if name in tables:
        raise EtlError(f"relationalize: two arrays would both become table {name!r}; rename one field first")
    leaves = _flatten(items)
    arrays = [(n, c, t) for n, c, t in leaves if isinstance(t, ArrayType)]
    if arrays:  # keys must survive separate Spark jobs on the parent and child tables: store them
        path = f"{base}/{len(tables)}-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"
        df.withColumn(_KEY, F.monotonically_increasing_id()).write.parquet(path)
        df = df.sparkSession.read.parquet(path)
    columns = [_col(n) for n, _ in leading]
    fields = [Field(n, t) for n, t in leading]
    for n, c, t in leaves:
        is_array = isinstance(t, ArrayType)
        columns.append((F.when(c.isNotNull(), F.col(_KEY)) if is_array else c).alias(n))
        fields.append(Field(n, LongType() if is_array else t))
    tables[name] = (df.select(*columns), StructType(fields))
    for n, c, t in arrays:
        assert isinstance(t, ArrayType)
        child = df.select(F.col(_KEY).alias("id"), F.posexplode(c).alias("index", "val"))
        element = [(f"{n}.val", F.col("val"), t.elementType)]
        child_name = f"{root}_{n.replace('.', '_')}"
        _pivot(child, element, [("id", LongType()), ("index", IntegerType())], child_name, root, base, tables)


# --- unnest_ddb_json ----------------------------------------------------------------------------


def unnest_ddb_json(frame: DynamicFrame, step: Step) -> DynamicFrame:
    """DynamoDB JSON (``{"S": "x"}``, ``{"N": "12"}``, ``{"M": {...}}``, ...) as plain fields.

    A frame whose only field is a struct of attributes (the export's ``Item``, a stream's
    ``NewImage``) gets that struct's attributes as its fields. ``S``, ``N`` and ``B`` give strings
    (numbers stay text, as Glue's transform keeps them; cast them with ``resolveChoice``/``apply_mapping``),
    ``BOOL`` a boolean, ``NULL`` a null, ``SS``/``NS``/``BS`` arrays of strings, ``M`` a struct and
    ``L`` an array of unwrapped values. An attribute seen with types of different kinds (a string
    in one item, a boolean in another) becomes a choice. Fields not in DynamoDB JSON stay as they are.
    """
    leaves = _top(frame)
    if len(leaves) == 1 and isinstance(leaves[0][2], StructType) and not _is_ddb_value(leaves[0][2]):
        _, wrapper, t = leaves[0]
        leaves = [(f.name, wrapper.getField(f.name), f.dataType) for f in t.fields]
    out = [(n, *_ddb(c, t)) for n, c, t in leaves]
    return frame.derive([c.alias(n) for n, c, _ in out], StructType(Field(n, t) for n, _, t in out), step)


def _is_ddb_value(t: DataType) -> bool:
    """A struct whose fields are all DynamoDB type descriptors (``S``, ``N``, ``M``, ...)."""
    return isinstance(t, StructType) and bool(t.fields) and all(f.name in _DDB_TYPES for f in t.fields)


def _ddb(col: Column, t: DataType) -> tuple[Column, DataType]:
    """An attribute value unwrapped; anything that is not DynamoDB JSON as it is."""
    if not _is_ddb_value(t):
        return col, t
    assert isinstance(t, StructType)
    alternatives: list[tuple[Column, DataType]] = []
    for f in t.fields:
        value = col.getField(f.name)
        if f.name == "M" and isinstance(f.dataType, StructType):
            fields = [(g.name, *_ddb(value.getField(g.name), g.dataType)) for g in f.dataType.fields]
            alternatives.append(
                (struct_or_null(value, [(n, c) for n, c, _ in fields]), StructType(Field(n, ft) for n, _, ft in fields))
            )
        elif f.name == "L" and isinstance(f.dataType, ArrayType) and _is_ddb_value(f.dataType.elementType):
            alternatives.append(_ddb_list(value, f.dataType.elementType))
        elif f.name != "NULL":  # NULL only says the value is null
            alternatives.append((value, f.dataType))
    if not alternatives:
        return F.lit(None).cast("string"), NullType()
    types = [a for _, a in alternatives]
    if all(a == types[0] for a in types):
        return F.coalesce(*[c for c, _ in alternatives]), types[0]
    return F.coalesce(*[_to_variant(c, a) for c, a in alternatives]), ChoiceType(types)


def _ddb_list(col: Column, element: DataType) -> tuple[Column, DataType]:
    holder: dict[str, DataType] = {}

    def unwrap(e: Column) -> Column:
        c, holder["t"] = _ddb(e, element)
        return c

    out = F.transform(col, unwrap)  # calls unwrap once, to build the lambda
    return out, ArrayType(holder["t"])


def _to_variant(col: Column, t: DataType) -> Column:
    return F.to_variant_object(col) if isinstance(t, (StructType, ArrayType, MapType)) else col.cast("variant")
