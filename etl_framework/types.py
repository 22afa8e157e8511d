"""Glue's schema types, including ChoiceType, and their mapping to Spark types.

A DynamicFrame's schema is a :class:`StructType` of these. Every type except ``ChoiceType`` maps to
the Spark type of the same name; a choice is held in Spark as a ``VARIANT`` whose runtime value has
one of the choice's alternative types.

    >>> s = StructType([Field("id", ChoiceType([LongType(), StringType()])), Field("name", StringType())])
    >>> print(render_schema(s))
    root
    |-- id: choice
    |    |-- long
    |    |-- string
    |-- name: string
    <BLANKLINE>
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pyspark.sql import types as T


class DataType:
    """Base of Glue's types; equal when structurally equal."""

    name = "unknown"

    def typeName(self) -> str:
        return self.name

    def _key(self) -> tuple:
        return (self.name,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DataType) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def simple_string(self) -> str:
        return self.name


class NullType(DataType):
    name = "null"


class BooleanType(DataType):
    name = "boolean"


class ByteType(DataType):
    name = "byte"


class ShortType(DataType):
    name = "short"


class IntegerType(DataType):
    name = "int"


class LongType(DataType):
    name = "long"


class FloatType(DataType):
    name = "float"


class DoubleType(DataType):
    name = "double"


class StringType(DataType):
    name = "string"


class BinaryType(DataType):
    name = "binary"


class DateType(DataType):
    name = "date"


class TimestampType(DataType):
    name = "timestamp"


class DecimalType(DataType):
    name = "decimal"

    def __init__(self, precision: int = 10, scale: int = 2):
        self.precision, self.scale = precision, scale

    def _key(self) -> tuple:
        return (self.name, self.precision, self.scale)

    def __repr__(self) -> str:
        return f"DecimalType({self.precision}, {self.scale})"

    def simple_string(self) -> str:
        return f"decimal({self.precision},{self.scale})"


class ArrayType(DataType):
    name = "array"

    def __init__(self, elementType: DataType):
        self.elementType = elementType

    def _key(self) -> tuple:
        return (self.name, self.elementType._key())

    def __repr__(self) -> str:
        return f"ArrayType({self.elementType!r})"

    def simple_string(self) -> str:
        return f"array<{self.elementType.simple_string()}>"


class MapType(DataType):
    """Glue's maps have string keys."""

    name = "map"

    def __init__(self, valueType: DataType, keyType: DataType | None = None):
        self.valueType = valueType
        self.keyType = keyType or StringType()

    def _key(self) -> tuple:
        return (self.name, self.keyType._key(), self.valueType._key())

    def __repr__(self) -> str:
        return f"MapType({self.valueType!r})"

    def simple_string(self) -> str:
        return f"map<{self.keyType.simple_string()},{self.valueType.simple_string()}>"


class Field:
    """A named field of a struct."""

    def __init__(self, name: str, dataType: DataType, properties: dict | None = None):
        self.name, self.dataType, self.properties = name, dataType, dict(properties or {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and (self.name, self.dataType) == (other.name, other.dataType)

    def __hash__(self) -> int:
        return hash((self.name, self.dataType))

    def __repr__(self) -> str:
        return f"Field({self.name!r}, {self.dataType!r})"


class StructType(DataType):
    name = "struct"

    def __init__(self, fields: Iterable[Field] = ()):
        self.fields: list[Field] = list(fields)

    def _key(self) -> tuple:
        return (self.name, tuple((f.name, f.dataType._key()) for f in self.fields))

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __repr__(self) -> str:
        return f"StructType({self.fields!r})"

    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def simple_string(self) -> str:
        return "struct<" + ",".join(f"{f.name}:{f.dataType.simple_string()}" for f in self.fields) + ">"


class ChoiceType(DataType):
    """A field observed with several types; at most one alternative per type name."""

    name = "choice"

    def __init__(self, choices: Iterable[DataType] = ()):
        self.choices: dict[str, DataType] = {}
        for choice in choices:
            self.add(choice)

    def add(self, choice: DataType) -> None:
        if isinstance(choice, ChoiceType):
            for c in choice.choices.values():
                self.add(c)
        elif not isinstance(choice, NullType):
            key = choice.name
            self.choices[key] = merge_types(self.choices[key], choice) if key in self.choices else choice

    def _key(self) -> tuple:
        return (self.name, tuple(sorted((k, v._key()) for k, v in self.choices.items())))

    def __repr__(self) -> str:
        return f"ChoiceType({list(self.choices.values())!r})"

    def simple_string(self) -> str:
        return "choice<" + ",".join(c.simple_string() for _, c in sorted(self.choices.items())) + ">"


_ATOMIC = {
    t.name: t
    for t in (
        NullType,
        BooleanType,
        ByteType,
        ShortType,
        IntegerType,
        LongType,
        FloatType,
        DoubleType,
        StringType,
        BinaryType,
        DateType,
        TimestampType,
    )
}
_ALIASES = {"integer": "int", "bigint": "long", "tinyint": "byte", "smallint": "short", "bool": "boolean"}


def type_from_name(name: str) -> DataType:
    """A Glue type from its printed name: ``long``, ``int``, ``decimal(12,2)``, ``string``, ...

    >>> type_from_name("decimal(12,2)")
    DecimalType(12, 2)
    """
    text = name.strip().lower()
    text = _ALIASES.get(text, text)
    if text in _ATOMIC:
        return _ATOMIC[text]()
    match = re.fullmatch(r"decimal(?:\((\d+)\s*,\s*(\d+)\))?", text)
    if match:
        return DecimalType(int(match.group(1) or 10), int(match.group(2) or (2 if match.group(1) is None else 0)))
    raise ValueError(f"unknown type {name!r} (expected one of {', '.join(sorted(_ATOMIC))}, decimal(p,s))")


def merge_types(a: DataType, b: DataType) -> DataType:
    """Combine the types of one field seen in two records, as Glue's inference does: null gives way,
    structs merge field by field, arrays merge their elements, and different types make a choice.

    >>> merge_types(LongType(), StringType())
    ChoiceType([LongType(), StringType()])
    """
    if isinstance(a, NullType):
        return b
    if isinstance(b, NullType) or a == b:
        return a
    if isinstance(a, ChoiceType) or isinstance(b, ChoiceType):
        out = ChoiceType([a])
        out.add(b)
        return out.choices.popitem()[1] if len(out.choices) == 1 else out
    if isinstance(a, StructType) and isinstance(b, StructType):
        merged = {f.name: f.dataType for f in a.fields}
        for f in b.fields:
            merged[f.name] = merge_types(merged[f.name], f.dataType) if f.name in merged else f.dataType
        return StructType(Field(n, t) for n, t in merged.items())
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return ArrayType(merge_types(a.elementType, b.elementType))
    if isinstance(a, MapType) and isinstance(b, MapType):
        return MapType(merge_types(a.valueType, b.valueType))
    if isinstance(a, DecimalType) and isinstance(b, DecimalType):
        scale = max(a.scale, b.scale)
        return DecimalType(min(38, max(a.precision - a.scale, b.precision - b.scale) + scale), scale)
    return ChoiceType([a, b])


def has_choice(t: DataType) -> bool:
    """True when ``t`` is or contains a ChoiceType."""
    if isinstance(t, ChoiceType):
        return True
    if isinstance(t, StructType):
        return any(has_choice(f.dataType) for f in t.fields)
    if isinstance(t, ArrayType):
        return has_choice(t.elementType)
    if isinstance(t, MapType):
        return has_choice(t.valueType)
    return False


def path_name(name: str) -> str:
    """A field name as one step of a Glue path: in backticks when it holds a dot, a backtick or ``[]``.

    >>> path_name("zip"), path_name("Zip.Code")
    ('zip', '`Zip.Code`')
    """
    return f"`{name.replace('`', '``')}`" if ("." in name or "`" in name or "[]" in name) else name


def choice_paths(t: DataType, prefix: str = "") -> list[str]:
    """Paths of every ChoiceType in ``t`` (dots for nesting, ``[]`` for array elements, backticks
    around names with dots).

    >>> price = Field("p", ChoiceType([LongType(), StringType()]))
    >>> choice_paths(StructType([Field("a", ArrayType(StructType([price]))), Field("Zip.Code", price.dataType)]))
    ['a[].p', '`Zip.Code`']
    """
    if isinstance(t, ChoiceType):
        return [prefix]
    if isinstance(t, StructType):
        return [
            p
            for f in t.fields
            for p in choice_paths(f.dataType, f"{prefix}.{path_name(f.name)}" if prefix else path_name(f.name))
        ]
    if isinstance(t, ArrayType):
        return choice_paths(t.elementType, f"{prefix}[]")
    if isinstance(t, MapType):
        return choice_paths(t.valueType, f"{prefix}[]")
    return []


# --- Spark conversion -------------------------------------------------------------------------

# A field that was null in every record is held as a string column of nulls: Spark cannot extract
# a VARIANT into VOID, and most file formats cannot store VOID.
_TO_SPARK = {
    NullType: T.StringType,
    BooleanType: T.BooleanType,
    ByteType: T.ByteType,
    ShortType: T.ShortType,
    IntegerType: T.IntegerType,
    LongType: T.LongType,
    FloatType: T.FloatType,
    DoubleType: T.DoubleType,
    StringType: T.StringType,
    BinaryType: T.BinaryType,
    DateType: T.DateType,
    TimestampType: T.TimestampType,
}
_FROM_SPARK = {v: k for k, v in _TO_SPARK.items() if k is not NullType}
_FROM_SPARK[T.NullType] = NullType
_FROM_SPARK[T.TimestampNTZType] = TimestampType
_FROM_SPARK[T.CharType] = StringType
_FROM_SPARK[T.VarcharType] = StringType


def to_spark(t: DataType) -> T.DataType:
    """The Spark type that holds values of ``t`` (a choice becomes VARIANT)."""
    if isinstance(t, ChoiceType):
        return T.VariantType()
    if isinstance(t, DecimalType):
        return T.DecimalType(t.precision, t.scale)
    if isinstance(t, ArrayType):
        return T.ArrayType(to_spark(t.elementType), True)
    if isinstance(t, MapType):
        return T.MapType(to_spark(t.keyType), to_spark(t.valueType), True)
    if isinstance(t, StructType):
        return T.StructType([T.StructField(f.name, to_spark(f.dataType), True) for f in t.fields])
    return _TO_SPARK[type(t)]()


def from_spark(t: T.DataType) -> DataType:
    """The Glue type of a Spark type; a VARIANT column becomes a choice with unknown alternatives."""
    if isinstance(t, T.VariantType):
        return ChoiceType()
    if isinstance(t, T.DecimalType):
        return DecimalType(t.precision, t.scale)
    if isinstance(t, T.ArrayType):
        return ArrayType(from_spark(t.elementType))
    if isinstance(t, T.MapType):
        return MapType(from_spark(t.valueType), from_spark(t.keyType))
    if isinstance(t, T.StructType):
        return StructType(Field(f.name, from_spark(f.dataType)) for f in t.fields)
    for spark_type, glue_type in _FROM_SPARK.items():
        if isinstance(t, spark_type):
            return glue_type()
    raise ValueError(f"Spark type {t.simpleString()} has no Glue equivalent")


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote(name: str) -> str:
    """A column or field name in backquotes, as SQL text takes any name."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: str) -> str:
    """A string as a Spark SQL literal, quoted and escaped.

    >>> literal("it's")
    "'it\\\\'s'"
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ddl_name(name: str) -> str:
    """A field name as type text needs it: as is when plain, else in backquotes."""
    return name if _PLAIN_NAME.fullmatch(name) else quote(name)


def spark_ddl(t: DataType) -> str:
    """``t`` as a Spark SQL type string, for ``CAST``, ``try_variant_get`` and read schemas."""
    return spark_type_ddl(to_spark(t))


def spark_type_ddl(t: T.DataType) -> str:
    """Spark's ``simpleString()`` with nested field names quoted where they need it (a space, dot
    or hyphen), so that Spark's parser reads the text back: ``simpleString()`` never quotes them.

    >>> spark_type_ddl(T.StructType([T.StructField("first name", T.StringType())]))
    'struct<`first name`:string>'
    """
    if isinstance(t, T.StructType):
        return "struct<" + ",".join(f"{ddl_name(f.name)}:{spark_type_ddl(f.dataType)}" for f in t.fields) + ">"
    if isinstance(t, T.ArrayType):
        return f"array<{spark_type_ddl(t.elementType)}>"
    if isinstance(t, T.MapType):
        return f"map<{spark_type_ddl(t.keyType)},{spark_type_ddl(t.valueType)}>"
    return t.simpleString()


# --- Hive type strings (the Data Catalog's column types) ---------------------------------------

_HIVE_NAMES = {"long": "bigint", "short": "smallint", "byte": "tinyint", "null": "string"}


def hive_type(t: DataType) -> str:
    """``t`` as a Hive / Glue Data Catalog column type. A choice has no Hive type: resolve it first.
    A field that was always null is ``string``, as Glue's crawlers store it.

    >>> hive_type(StructType([Field("id", LongType()), Field("tags", ArrayType(StringType()))]))
    'struct<id:bigint,tags:array<string>>'
    """
    if isinstance(t, ChoiceType):
        raise ValueError(f"{t.simple_string()} has no Hive type; resolve the choice first")
    if isinstance(t, ArrayType):
        return f"array<{hive_type(t.elementType)}>"
    if isinstance(t, MapType):
        return f"map<{hive_type(t.keyType)},{hive_type(t.valueType)}>"
    if isinstance(t, StructType):
        return "struct<" + ",".join(f"{ddl_name(f.name)}:{hive_type(f.dataType)}" for f in t.fields) + ">"
    return _HIVE_NAMES.get(t.name, t.simple_string())


# --- variant values ---------------------------------------------------------------------------

# The Glue type of a scalar variant value, by the type name ``schema_of_variant`` gives it.
VARIANT_SCALARS: dict[str, type[DataType]] = {
    "BIGINT": LongType,  # every integer width a variant holds
    "DOUBLE": DoubleType,
    "FLOAT": FloatType,
    "STRING": StringType,
    "BOOLEAN": BooleanType,
    "DATE": DateType,
    "TIMESTAMP": TimestampType,
    "TIMESTAMP_NTZ": TimestampType,
    "BINARY": BinaryType,
}


# --- printing -----------------------------------------------------------------------------------


def render_schema(schema: StructType) -> str:
    """Glue's ``printSchema`` tree: ``root``, ``|-- name: type``, nested levels indented by ``|    ``."""
    lines = ["root"]
    for f in schema.fields:
        _render(lines, f"{f.name}: ", f.dataType, 0)
    return "\n".join(lines) + "\n"


def _render(lines: list[str], label: str, t: DataType, depth: int) -> None:
    lines.append("|    " * depth + f"|-- {label}{t.name}")
    if isinstance(t, StructType):
        for f in t.fields:
            _render(lines, f"{f.name}: ", f.dataType, depth + 1)
    elif isinstance(t, ArrayType):
        _render(lines, "element: ", t.elementType, depth + 1)
    elif isinstance(t, MapType):
        _render(lines, "keyType: ", t.keyType, depth + 1)
        _render(lines, "valueType: ", t.valueType, depth + 1)
    elif isinstance(t, ChoiceType):
        for _, choice in sorted(t.choices.items()):
            _render(lines, "", choice, depth + 1)
