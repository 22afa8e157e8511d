"""resolveChoice: turn ChoiceType fields into plain types with Glue's actions, as Spark expressions.

* ``cast:TYPE`` casts every value to TYPE (Spark cast rules); values that cannot be cast become null.
* ``project:TYPE`` keeps the values that already are TYPE; values of other types become null.
* ``make_cols`` puts each alternative in its own column ``<name>_<type>``: the first takes the
  field's place, the others are appended after the last field of the same struct.
* ``make_struct`` makes the field a struct with one field per alternative, named by the type.
* ``match_catalog`` casts to the type of the column in a catalog table (``database``, ``table_name``).

A frame fresh from a JSON read does some casts in the read itself (see ``read_casts``).

>>> from etl_framework import DynamicFrame
>>> cheap = DynamicFrame.fromDF(spark.createDataFrame([(1, 10)], "id long, price long"), ctx, "cheap")
>>> dear = DynamicFrame.fromDF(spark.createDataFrame([(2, "12.5")], "id long, price string"), ctx, "dear")
>>> both = cheap.union(dear)  # price: choice of long and string
>>> both.resolveChoice(specs=[("price", "cast:double")]).toDF().orderBy("id").collect()
[Row(id=1, price=10.0), Row(id=2, price=12.5)]
>>> both.resolveChoice(choice="make_cols").toDF().orderBy("id").collect()
[Row(id=1, price_long=10, price_string=None), Row(id=2, price_long=None, price_string='12.5')]
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import EtlError
from ..logs import get_logger
from ..types import ChoiceType, DataType, Field, StructType, choice_paths, spark_ddl, type_from_name
from .paths import (
    ELEMENT,
    Replacement,
    format_path,
    parse_path,
    rewrite,
    struct_or_null,
    through_arrays,
    type_at,
)
from .read_casts import Rescan, read_as_text
from .variants import get_as, kind

log = get_logger("resolve")

ACTIONS = ("cast", "project", "make_cols", "make_struct", "match_catalog")


def _alternatives(path: str, t: DataType) -> dict[str, DataType]:
    if isinstance(t, ChoiceType):
        if not t.choices:
            raise EtlError(f"resolveChoice: the alternatives of choice {path!r} are unknown (a VARIANT column)")
        return dict(sorted(t.choices.items()))
    return {t.name: t}


def _target(path: str, t: DataType, type_name: str) -> DataType:
    if isinstance(t, ChoiceType) and type_name.lower() in t.choices:
        return t.choices[type_name.lower()]  # project:struct / cast:array keep the alternative's shape
    try:
        return type_from_name(type_name)
    except ValueError as exc:
        raise EtlError(f"resolveChoice {path!r}: {exc}") from exc


def cast_value(col: Column, source: DataType, target: DataType) -> Column:
    """``col`` (of Glue type ``source``) cast to ``target``; null where the cast fails."""
    if isinstance(source, ChoiceType):
        return get_as(col, target)
    if source == target:
        return col
    return col.try_cast(spark_ddl(target))


# Integers read from JSON are all long here, where Glue says int for those that fit in 32 bits; so
# that a ported ``project:int`` keeps them, projection matches the whole family of the target.
_FAMILIES = [{"byte", "short", "int", "long"}, {"float", "double"}]


def _same_family(target: str) -> set[str]:
    return next((f for f in _FAMILIES if target in f), {target})


def project_value(col: Column, source: DataType, target: DataType, exact: bool = False) -> Column:
    """``col`` where its value is of type ``target`` (unless ``exact``, also of its integer or
    floating-point family, then cast to ``target``), else null."""
    family = {target.name} if exact else _same_family(target.name)
    if isinstance(source, ChoiceType):
        return F.when(kind(col).isin(*sorted(family)), get_as(col, target))
    if source.name in family:
        return cast_value(col, source, target)
    return F.lit(None).cast(spark_ddl(target))


def _replacement(
    path: str, action: str, catalog_schema: StructType | None = None
) -> Callable[[str, Column, DataType], Replacement]:
    name, _, arg = action.partition(":")
    name = name.strip().lower()
    if name not in ACTIONS:
        raise EtlError(
            f"resolveChoice {path!r}: unknown action {action!r} (expected cast:TYPE, project:TYPE, "
            "make_cols, make_struct or match_catalog)"
        )
    if name in ("cast", "project") and not arg:
        raise EtlError(f"resolveChoice {path!r}: action {action!r} needs a type, e.g. {name}:long")
    if name == "match_catalog":
        if catalog_schema is None:
            raise EtlError(f"resolveChoice {path!r}: match_catalog needs database= and table_name= (the catalog table)")
        catalog_type = type_at(catalog_schema, parse_path(path), case_sensitive=False)
        if catalog_type is None:
            raise EtlError(
                f"resolveChoice {path!r}: match_catalog: the catalog table has no column {path!r} "
                f"(columns: {catalog_schema.names()})"
            )

    def replace(field: str, col: Column, t: DataType) -> Replacement:
        if name == "match_catalog":
            return [(field, cast_value(col, t, catalog_type), catalog_type)], []
        if name in ("cast", "project"):
            target = _target(path, t, arg)
            fn = cast_value if name == "cast" else project_value
            return [(field, fn(col, t, target), target)], []
        alternatives = _alternatives(path, t)
        parts = [(alt, project_value(col, t, at, exact=True), at) for alt, at in alternatives.items()]
        if name == "make_struct":
            struct = struct_or_null(col, [(alt, c) for alt, c, _ in parts])
            return [(field, struct, StructType(Field(alt, at) for alt, _, at in parts))], []
        cols = [(f"{field}_{alt}", c, at) for alt, c, at in parts]
        return cols[:1], cols[1:]

    return replace


def _blanket(choice: str, path: str) -> str:
    """The action ``choice=`` takes on ``path``: an array element's choice has no field to split into
    columns, so ``make_cols`` keeps its types side by side in a struct there."""
    if choice.strip().lower() == "make_cols" and path.endswith(ELEMENT):
        log.warning("resolveChoice: make_cols keeps %r as a struct of its types: an array element is one value", path)
        return "make_struct"
    return choice


def _cast_target(action: str, steps: list[str], catalog_schema: StructType | None) -> DataType | None:
    """The type a spec's action casts to (None when it does not cast)."""
    name, _, arg = action.partition(":")
    name = name.strip().lower()
    if name == "cast":
        try:
            return type_from_name(arg)
        except ValueError:
            return None  # resolving the spec raises the error that names it
    if name == "match_catalog" and catalog_schema is not None:
        return type_at(catalog_schema, steps, case_sensitive=False)
    return None


def resolve_choice(
    df: DataFrame,
    schema: StructType,
    specs: list[tuple[str, str]] | None,
    choice: str,
    catalog_schema: StructType | None = None,
    rescan: Rescan | None = None,
) -> tuple[DataFrame, StructType]:
    """Apply the specs one after the other (a later spec sees the fields an earlier one made).
    ``catalog_schema`` is the catalog table's columns, for ``match_catalog``; ``rescan`` reads the
    records again with another schema, to cast choices from their text in the read.

    >>> from etl_framework import DynamicFrame
    >>> cheap = DynamicFrame.fromDF(spark.createDataFrame([(10,)], "price long"), ctx, "cheap")
    >>> both = cheap.union(DynamicFrame.fromDF(spark.createDataFrame([("n/a",)], "price string"), ctx, "dear"))
    >>> df, schema = resolve_choice(both.dataframe, both.schema(), [("price", "project:long")], "")
    >>> schema, sorted(df.collect(), key=str)
    (StructType([Field('price', LongType())]), [Row(price=10), Row(price=None)])
    """
    if specs and choice:
        raise EtlError("resolveChoice: give either specs or choice, not both")
    if not specs and not choice:
        raise EtlError(
            "resolveChoice: give specs=[(path, action), ...] or choice='ACTION' "
            "(or database and table_name for match_catalog)"
        )
    if rescan is not None:
        wanted = [(p, choice) for p in choice_paths(schema)] if choice else specs or []
        uses = [
            (parse_path(p), _cast_target(a, parse_path(p), catalog_schema))
            for p, a in wanted
            if isinstance(p, str) and isinstance(a, str)
        ]
        read = read_as_text(schema, rescan, uses)
        if read is not None:
            df, schema, as_text = read
            if choice:  # fields read as text are no choices any more: the loop below would miss them
                for steps in as_text:
                    columns, schema = rewrite(schema, steps, _replacement(format_path(steps), choice, catalog_schema))
                    df = df.select(*columns)
    if choice:
        # One action for every choice, including those that appear inside a resolved one
        # (a struct alternative that holds a choice of its own).
        for _ in range(1000):
            paths = choice_paths(schema)
            if not paths:
                break
            columns, schema = rewrite(
                schema, parse_path(paths[0]), _replacement(paths[0], _blanket(choice, paths[0]), catalog_schema)
            )
            df = df.select(*columns)
        return df, schema
    for path, action in specs or []:
        if not isinstance(path, str) or not isinstance(action, str):
            raise EtlError(f"resolveChoice: each spec must be a (path, action) pair of strings, got {(path, action)!r}")
        steps = through_arrays(schema, parse_path(path))  # ``items.price`` is ``items[].price``, as in Glue
        if steps is None:
            raise EtlError(f"resolveChoice: no field {path!r} in the frame (top-level fields: {schema.names()})")
        if action == "make_cols" and steps[-1] == ELEMENT:
            raise EtlError(
                f"resolveChoice: make_cols on {path!r}: an array element holds one value, so its types cannot "
                "become columns; use make_struct, cast:TYPE or project:TYPE"
            )
        columns, schema = rewrite(schema, steps, _replacement(path, action, catalog_schema))
        df = df.select(*columns)
    return df, schema
