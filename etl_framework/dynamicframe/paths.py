"""Glue field paths (``a.b``, `` `a.b`.c ``, ``items[].price``) and rewriting a field at a path.

Rewrites are Spark column expressions: structs are rebuilt with ``struct``, arrays with the
higher-order ``transform``; nothing leaves the JVM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column
from pyspark.sql import functions as F

from ..errors import EtlError
from ..types import ArrayType, DataType, Field, MapType, StructType, path_name, quote

ELEMENT = "[]"

# What a rewrite puts in place of the field it found: fields that take its place, and fields
# appended after the last field of the same struct (Glue's make_cols does both).
Replacement = tuple[list[tuple[str, Column, DataType]], list[tuple[str, Column, DataType]]]


def parse_path(path: str) -> list[str]:
    """Split a Glue path into field names and ``[]`` steps.

    >>> parse_path("`order.id`.parts[].price")
    ['order.id', 'parts', '[]', 'price']
    """
    steps: list[str] = []
    name: list[str] = []
    i, quoted, was_quoted = 0, False, False
    while i < len(path):
        ch = path[i]
        if quoted:
            if ch == "`" and path.startswith("``", i):
                name.append("`")
                i += 2
                continue
            if ch == "`":
                quoted = False
            else:
                name.append(ch)
        elif ch == "`":
            quoted = was_quoted = True
        elif ch == ".":
            if name or was_quoted:
                steps.append("".join(name))
            name, was_quoted = [], False
        elif path.startswith("[]", i):
            if name or was_quoted:
                steps.append("".join(name))
            steps.append(ELEMENT)
            name, was_quoted = [], False
            i += 2
            continue
        else:
            name.append(ch)
        i += 1
    if quoted:
        raise EtlError(f"path {path!r}: unclosed backtick")
    if name or was_quoted:
        steps.append("".join(name))
    if not steps:
        raise EtlError("empty field path")
    return steps


def format_path(steps: list[str]) -> str:
    """The inverse of parse_path (backticks where a name holds a dot)."""
    out = ""
    for step in steps:
        if step == ELEMENT:
            out += "[]"
        else:
            out += f".{path_name(step)}" if out else path_name(step)
    return out


def find_field(struct: StructType, name: str, case_sensitive: bool = True) -> Field | None:
    found = struct.field(name)
    if found or case_sensitive:
        return found
    return next((f for f in struct.fields if f.name.lower() == name.lower()), None)


def type_at(schema: StructType, steps: list[str], case_sensitive: bool = True) -> DataType | None:
    """The type at a path, or None when the path does not exist."""
    t: DataType = schema
    for step in steps:
        if step == ELEMENT:
            if isinstance(t, ArrayType):
                t = t.elementType
            elif isinstance(t, MapType):
                t = t.valueType
            else:
                return None
        else:
            if not isinstance(t, StructType):
                return None
            f = find_field(t, step, case_sensitive)
            if f is None:
                return None
            t = f.dataType
    return t


def path_list(paths: str | Sequence[str]) -> list[str]:
    """Glue takes one path as a plain string where it documents a list (``select_fields("id")``)."""
    return [paths] if isinstance(paths, str) else list(paths)


def through_arrays(schema: StructType, steps: list[str]) -> list[str] | None:
    """``steps`` with ``[]`` put in where a field name follows an array, since Glue's paths name
    the fields of array elements without it (``friends.age`` is ``friends[].age``); None when the
    path names no field.

    >>> from etl_framework.types import LongType
    >>> friends = StructType([Field("friends", ArrayType(StructType([Field("age", LongType())])))])
    >>> through_arrays(friends, ["friends", "age"]), through_arrays(friends, ["friends", "name"])
    (['friends', '[]', 'age'], None)
    """
    out: list[str] = []
    t: DataType = schema
    for step in steps:
        if step != ELEMENT:
            while isinstance(t, ArrayType):
                out.append(ELEMENT)
                t = t.elementType
        out.append(step)
        if step == ELEMENT:
            next_t = t.elementType if isinstance(t, ArrayType) else t.valueType if isinstance(t, MapType) else None
        else:
            f = find_field(t, step) if isinstance(t, StructType) else None
            next_t = f.dataType if f else None
        if next_t is None:
            return None
        t = next_t
    return out


def retype(t: DataType, steps: list[str], new: DataType) -> DataType:
    """``t`` with the type at ``steps`` (an existing path) replaced by ``new``.

    >>> from etl_framework.types import LongType, StringType
    >>> items = StructType([Field("a", ArrayType(StructType([Field("p", LongType())])))])
    >>> retype(items, ["a", "[]", "p"], StringType())
    StructType([Field('a', ArrayType(StructType([Field('p', StringType())])))])
    """
    if not steps:
        return new
    head, rest = steps[0], steps[1:]
    if isinstance(t, ArrayType) and head == ELEMENT:
        return ArrayType(retype(t.elementType, rest, new))
    if isinstance(t, MapType) and head == ELEMENT:
        return MapType(retype(t.valueType, rest, new), t.keyType)
    if isinstance(t, StructType):
        return StructType(Field(f.name, retype(f.dataType, rest, new) if f.name == head else f.dataType) for f in t)
    raise EtlError(f"no field {head!r} in a {t.name}")


def column_at(steps: list[str], schema: StructType, case_sensitive: bool = True) -> Column:
    """The column expression for a path of struct fields (no ``[]`` steps)."""
    col: Column | None = None
    t: DataType = schema
    for step in steps:
        if step == ELEMENT or not isinstance(t, StructType):
            raise EtlError(f"path {format_path(steps)!r}: not a path of struct fields")
        f = find_field(t, step, case_sensitive)
        if f is None:
            raise EtlError(f"path {format_path(steps)!r}: no field {step!r}")
        col = F.col(quote(f.name)) if col is None else col.getField(f.name)
        t = f.dataType
    assert col is not None
    return col


def rewrite(
    schema: StructType, steps: list[str], replace: Callable[[str, Column, DataType], Replacement]
) -> tuple[list[Column], StructType]:
    """Rewrite the field at ``steps``; return the new top-level select list and schema."""
    top = [(f.name, F.col(quote(f.name)), f.dataType) for f in schema.fields]
    fields = _rewrite_struct(top, steps, replace, steps)
    return [c.alias(n) for n, c, _ in fields], StructType(Field(n, t) for n, _, t in fields)


def _rewrite_struct(fields, steps, replace, full_path):
    head, rest = steps[0], steps[1:]
    if head == ELEMENT:
        raise EtlError(f"path {format_path(full_path)!r}: '[]' must follow an array field")
    index = next((i for i, (n, _, _) in enumerate(fields) if n == head), None)
    if index is None:
        raise EtlError(f"path {format_path(full_path)!r}: no field {head!r} (fields here: {[n for n, _, _ in fields]})")
    name, col, t = fields[index]
    if not rest:
        in_place, appended = replace(name, col, t)
        return fields[:index] + in_place + fields[index + 1 :] + appended
    new_col, new_t = _rewrite_value(col, t, rest, replace, full_path)
    return fields[:index] + [(name, new_col, new_t)] + fields[index + 1 :]


def _rewrite_value(col: Column, t: DataType, steps, replace, full_path) -> tuple[Column, DataType]:
    if steps[0] == ELEMENT:
        if not isinstance(t, ArrayType):
            raise EtlError(f"path {format_path(full_path)!r}: '[]' on a field of type {t.name}")
        rest = steps[1:]
        if not rest:
            holder: dict[str, DataType] = {}

            def element(e: Column) -> Column:
                in_place, appended = replace(full_path[-2] if len(full_path) > 1 else "", e, t.elementType)
                if len(in_place) != 1 or appended:
                    raise EtlError(
                        f"path {format_path(full_path)!r}: an array element holds one value; it can be replaced "
                        "by one value, not removed or split into several fields"
                    )
                holder["t"] = in_place[0][2]
                return in_place[0][1]

            new_col = F.transform(col, element)
            return new_col, ArrayType(holder["t"])
        holder = {}

        def nested(e: Column) -> Column:
            c, holder["t"] = _rewrite_value(e, t.elementType, rest, replace, full_path)
            return c

        new_col = F.transform(col, nested)
        return new_col, ArrayType(holder["t"])
    if not isinstance(t, StructType):
        raise EtlError(f"path {format_path(full_path)!r}: {steps[0]!r} is inside a {t.name}, not a struct")
    children = [(f.name, col.getField(f.name), f.dataType) for f in t.fields]
    children = _rewrite_struct(children, steps, replace, full_path)
    return struct_or_null(col, [(n, c) for n, c, _ in children]), StructType(Field(n, ct) for n, _, ct in children)


def struct_or_null(original: Column, fields: list[tuple[str, Column]]) -> Column:
    """A rebuilt struct that stays null where the original struct was null."""
    return F.when(original.isNull(), F.lit(None)).otherwise(F.struct(*[c.alias(n) for n, c in fields]))
