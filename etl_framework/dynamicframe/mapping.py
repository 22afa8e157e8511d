"""apply_mapping, select_fields, drop_fields and rename_field as Spark projections.

>>> from etl_framework import DynamicFrame
>>> df = spark.createDataFrame([("7", ("Ann", "Dothan"))], "id string, customer struct<name:string,city:string>")
>>> orders = DynamicFrame.fromDF(df, ctx, "orders")
>>> mapped = orders.apply_mapping([("id", "string", "order_id", "long"), ("customer.city", "string", "city", "string")])
>>> mapped.toDF().collect()
[Row(order_id=7, city='Dothan')]
>>> orders.select_fields(["customer.name"]).toDF().collect()
[Row(customer=Row(name='Ann'))]
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from ..logs import get_logger
from ..types import DataType, Field, StructType, spark_ddl, type_from_name
from .paths import (
    ELEMENT,
    column_at,
    find_field,
    format_path,
    parse_path,
    path_list,
    rewrite,
    struct_or_null,
    through_arrays,
    type_at,
)
from .read_casts import Use
from .resolve import cast_value

log = get_logger("transforms")

# Target types that keep the source field as it is (a whole struct, array, map or choice).
_KEEP_SOURCE_TYPE = {"struct", "array", "map", "choice"}


def _normalize(mapping: Sequence) -> tuple[str, str | None, str, str]:
    if isinstance(mapping, (list, tuple)) and len(mapping) == 4:
        return tuple(mapping)  # type: ignore[return-value]
    if isinstance(mapping, (list, tuple)) and len(mapping) == 3:
        source, target, target_type = mapping  # Glue's short form: (source, target, type)
        return source, None, target, target_type
    if isinstance(mapping, (list, tuple)) and len(mapping) == 2:
        source, target = mapping  # (source, target): renamed, type kept
        return source, None, target, "choice"
    raise EtlError(
        "apply_mapping: a mapping is (source_path, source_type, target_path, target_type) "
        f"(or 3- and 2-tuples without the types), got {mapping!r}"
    )


def cast_uses(mappings: Sequence[Sequence[str]]) -> list[Use]:
    """Each mapping's source path and the type it casts it to (None when it keeps the source type)."""
    uses: list[Use] = []
    for mapping in mappings:
        source, _source_type, _target, target_type = _normalize(mapping)
        try:
            target = None if target_type.lower() in _KEEP_SOURCE_TYPE else type_from_name(target_type)
        except ValueError:
            target = None  # applying the mapping raises the error that names it
        uses.append((parse_path(source), target))
    return uses


def apply_mapping(
    schema: StructType, mappings: Sequence[Sequence[str]], case_sensitive: bool = False, fill_missing: bool = False
) -> tuple[list[Column], StructType]:
    """The select list and schema of the mapped frame. Unmapped fields are dropped; dotted target
    paths build nested structs; a source path that is not in the frame maps to nothing, or with
    ``fill_missing`` to a null of the target type (which must then name one, not just ``array``).

    >>> from etl_framework.types import Field, StringType, StructType
    >>> columns, schema = apply_mapping(StructType([Field("id", StringType())]), [("id", "string", "order.id", "long")])
    >>> print(schema.simple_string())
    struct<order:struct<id:long>>
    >>> spark.createDataFrame([("7",)], "id string").select(*columns).collect()
    [Row(order=Row(id=7))]
    """
    tree: dict[str, object] = {}
    for mapping in mappings:
        source, _source_type, target, target_type = _normalize(mapping)
        steps = parse_path(source)
        if ELEMENT in steps:
            raise EtlError(f"apply_mapping: source {source!r}: array elements cannot be mapped one by one")
        t = type_at(schema, steps, case_sensitive)
        if t is None and not fill_missing:
            log.warning("apply_mapping: source field %r is not in the frame; %r is left out", source, target)
            continue
        if t is None:
            if target_type.lower() in _KEEP_SOURCE_TYPE:
                raise EtlError(
                    f"apply_mapping: source field {source!r} is not in the frame, and target type {target_type!r} "
                    f"of {target!r} gives no type to fill it with (fill_missing); name one, e.g. array<string>"
                )
            new_type = _target_type(source, target, target_type)
            value = F.lit(None).cast(spark_ddl(new_type))
            log.info("apply_mapping: source field %r is not in the frame; %r is null (fill_missing)", source, target)
        elif target_type.lower() in _KEEP_SOURCE_TYPE:
            new_type, value = t, column_at(steps, schema, case_sensitive)
        else:
            new_type = _target_type(source, target, target_type)
            value = cast_value(column_at(steps, schema, case_sensitive), t, new_type)
        node = tree
        target_steps = parse_path(target)
        for step in target_steps[:-1]:
            child = node.setdefault(step, {})
            if not isinstance(child, dict):
                raise EtlError(f"apply_mapping: target {target!r} nests under {step!r}, which is already a field")
            node = child
        if target_steps[-1] in node:
            raise EtlError(f"apply_mapping: target {target!r} is mapped twice")
        node[target_steps[-1]] = (value, new_type)
    fields = _build(tree)
    return [c.alias(n) for n, c, _ in fields], StructType(Field(n, t) for n, _, t in fields)


def _target_type(source: str, target: str, target_type: str) -> DataType:
    try:
        return type_from_name(target_type)
    except ValueError as exc:
        raise EtlError(f"apply_mapping {source!r} -> {target!r}: {exc}") from exc


def _build(tree: dict) -> list[tuple[str, Column, DataType]]:
    out = []
    for name, node in tree.items():
        if isinstance(node, dict):
            children = _build(node)
            out.append(
                (name, F.struct(*[c.alias(n) for n, c, _ in children]), StructType(Field(n, t) for n, _, t in children))
            )
        else:
            out.append((name, *node))
    return out


def select_fields(schema: StructType, paths: str | Sequence[str]) -> tuple[list[Column], StructType]:
    """Keep only ``paths`` (a nested path keeps its struct with just that field; a path into array
    elements keeps the whole array). A path that names no field is left out with a warning."""
    wanted: dict = {}
    for path in path_list(paths):
        steps = through_arrays(schema, parse_path(path))
        if steps is None:
            log.warning("select_fields: %r is not a field of the frame (top-level fields: %s)", path, schema.names())
            continue
        node = wanted
        for step in steps:
            node = node.setdefault(step, {})
        node[None] = True  # the whole field
    fields = _select(schema, wanted, None)
    return [c.alias(n) for n, c, _ in fields], StructType(Field(n, t) for n, _, t in fields)


def _select(struct: StructType, wanted: dict, parent: Column | None) -> list[tuple[str, Column, DataType]]:
    out = []
    for f in struct.fields:
        if f.name not in wanted:
            continue
        col = F.col(f"`{f.name.replace('`', '``')}`") if parent is None else parent.getField(f.name)
        node = wanted[f.name]
        if None in node or not isinstance(f.dataType, StructType):
            out.append((f.name, col, f.dataType))
            continue
        children = _select(f.dataType, node, col)
        if children:
            out.append(
                (
                    f.name,
                    struct_or_null(col, [(n, c) for n, c, _ in children]),
                    StructType(Field(n, t) for n, _, t in children),
                )
            )
    return out


def drop_fields(df: DataFrame, schema: StructType, paths: str | Sequence[str]) -> tuple[DataFrame, StructType]:
    """Remove each path (nested and array-element paths too, ``friends.age`` as ``friends[].age``);
    a path that names no field is skipped with a warning."""
    for path in path_list(paths):
        steps = through_arrays(schema, parse_path(path))
        if steps is None:
            log.warning("drop_fields: %r is not a field of the frame (top-level fields: %s)", path, schema.names())
            continue
        columns, schema = rewrite(schema, steps, lambda name, col, t: ([], []))
        df = df.select(*columns)
    return df, schema


def rename_field(schema: StructType, old: str, new: str) -> tuple[list[Column], StructType]:
    steps = parse_path(old)
    if type_at(schema, steps) is None:
        raise EtlError(f"rename_field: no field {old!r} in the frame (top-level fields: {schema.names()})")
    new_steps = parse_path(new)
    if new_steps[:-1] != steps[:-1] and len(new_steps) > 1:
        raise EtlError(f"rename_field: {new!r} must stay in the same struct as {old!r} ({format_path(steps[:-1])})")
    parent = type_at(schema, steps[:-1]) if len(steps) > 1 else schema
    if isinstance(parent, StructType) and find_field(parent, new_steps[-1]) is not None:
        raise EtlError(f"rename_field: {new!r} already exists")
    return rewrite(schema, steps, lambda name, col, t: ([(new_steps[-1], col, t)], []))
