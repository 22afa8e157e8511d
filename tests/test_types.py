"""Glue's schema types: names, merging, the types observed in VARIANT values, Spark conversion and printing."""

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T

from etl_framework.dynamicframe.inference import observed_type
from etl_framework.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    ByteType,
    ChoiceType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    Field,
    FloatType,
    IntegerType,
    LongType,
    MapType,
    NullType,
    ShortType,
    StringType,
    StructType,
    TimestampType,
    choice_paths,
    from_spark,
    merge_types,
    render_schema,
    to_spark,
    type_from_name,
)


def struct(**fields):
    return StructType(Field(name, t) for name, t in fields.items())


# --- type_from_name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("long", LongType()),
        ("int", IntegerType()),
        ("string", StringType()),
        ("double", DoubleType()),
        ("float", FloatType()),
        ("boolean", BooleanType()),
        ("short", ShortType()),
        ("byte", ByteType()),
        ("date", DateType()),
        ("timestamp", TimestampType()),
        ("binary", BinaryType()),
        ("null", NullType()),
        ("decimal(12,2)", DecimalType(12, 2)),
        ("decimal(38, 10)", DecimalType(38, 10)),
        ("DECIMAL(5,0)", DecimalType(5, 0)),
        ("  Long ", LongType()),
    ],
)
def test_type_from_name_reads_glue_type_names(name, expected):
    assert type_from_name(name) == expected


@pytest.mark.parametrize(
    "alias, expected",
    [
        ("integer", IntegerType()),
        ("bigint", LongType()),
        ("tinyint", ByteType()),
        ("smallint", ShortType()),
        ("bool", BooleanType()),
        ("BIGINT", LongType()),
    ],
)
def test_type_from_name_accepts_sql_aliases(alias, expected):
    assert type_from_name(alias) == expected


def test_type_from_name_decimal_keeps_precision_and_scale():
    t = type_from_name("decimal(12,2)")
    assert isinstance(t, DecimalType)
    assert (t.precision, t.scale) == (12, 2)
    assert t.simple_string() == "decimal(12,2)"
    assert t != DecimalType(12, 3)


@pytest.mark.parametrize("name", ["varchar2", "decimal(12)", "array<long>", "", "longg"])
def test_type_from_name_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="unknown type"):
        type_from_name(name)


# --- merge_types ------------------------------------------------------------------------------


def test_null_gives_way_on_either_side():
    assert merge_types(NullType(), LongType()) == LongType()
    assert merge_types(StringType(), NullType()) == StringType()
    assert merge_types(NullType(), NullType()) == NullType()
    nested = struct(a=LongType())
    assert merge_types(NullType(), nested) == nested


def test_equal_types_merge_to_themselves():
    assert merge_types(LongType(), LongType()) == LongType()
    assert merge_types(ArrayType(StringType()), ArrayType(StringType())) == ArrayType(StringType())


def test_structs_merge_into_the_union_of_their_fields():
    a = struct(id=LongType(), name=StringType())
    b = struct(id=LongType(), city=StringType())
    merged = merge_types(a, b)
    assert isinstance(merged, StructType)
    assert merged.names() == ["id", "name", "city"]
    assert merged.field("id").dataType == LongType()
    assert merged.field("city").dataType == StringType()


def test_struct_fields_merge_recursively():
    a = struct(address=struct(city=StringType(), zip=NullType()))
    b = struct(address=struct(zip=LongType()))
    merged = merge_types(a, b)
    assert merged == struct(address=struct(city=StringType(), zip=LongType()))


def test_struct_field_with_conflicting_types_becomes_a_choice():
    merged = merge_types(struct(id=LongType()), struct(id=StringType()))
    assert merged == struct(id=ChoiceType([LongType(), StringType()]))


def test_arrays_merge_their_elements():
    merged = merge_types(ArrayType(struct(sku=StringType())), ArrayType(struct(qty=LongType())))
    assert merged == ArrayType(struct(sku=StringType(), qty=LongType()))
    assert merge_types(ArrayType(NullType()), ArrayType(LongType())) == ArrayType(LongType())
    assert merge_types(ArrayType(LongType()), ArrayType(StringType())) == ArrayType(
        ChoiceType([LongType(), StringType()])
    )


def test_long_and_string_make_a_choice():
    merged = merge_types(LongType(), StringType())
    assert isinstance(merged, ChoiceType)
    assert set(merged.choices) == {"long", "string"}
    assert merged == ChoiceType([StringType(), LongType()])  # order of alternatives does not matter
    assert merged == merge_types(StringType(), LongType())


def test_choice_absorbs_types_it_already_has():
    choice = ChoiceType([LongType(), StringType()])
    assert merge_types(choice, LongType()) == choice
    assert merge_types(StringType(), choice) == choice
    assert merge_types(choice, NullType()) == choice
    assert merge_types(choice, DoubleType()) == ChoiceType([LongType(), StringType(), DoubleType()])


def test_choice_and_struct_merge_the_struct_alternative():
    choice = ChoiceType([StringType(), struct(id=LongType())])
    merged = merge_types(choice, struct(name=StringType()))
    assert isinstance(merged, ChoiceType)
    assert set(merged.choices) == {"string", "struct"}
    assert merged.choices["struct"] == struct(id=LongType(), name=StringType())
    assert merged.choices["string"] == StringType()


def test_two_choices_merge_alternative_by_alternative():
    a = ChoiceType([LongType(), struct(id=LongType())])
    b = ChoiceType([StringType(), struct(id=StringType())])
    merged = merge_types(a, b)
    assert merged == ChoiceType(
        [LongType(), StringType(), struct(id=ChoiceType([LongType(), StringType()]))],
    )


def test_a_choice_never_holds_null_or_a_nested_choice():
    choice = ChoiceType([NullType(), LongType(), ChoiceType([StringType(), LongType()])])
    assert set(choice.choices) == {"long", "string"}
    assert all(not isinstance(c, ChoiceType) for c in choice.choices.values())


def test_decimals_merge_to_a_decimal_that_holds_both():
    assert merge_types(DecimalType(10, 2), DecimalType(12, 4)) == DecimalType(12, 4)
    assert merge_types(DecimalType(10, 0), DecimalType(5, 3)) == DecimalType(13, 3)


def test_maps_merge_their_values():
    assert merge_types(MapType(LongType()), MapType(NullType())) == MapType(LongType())
    assert merge_types(MapType(LongType()), MapType(StringType())) == MapType(ChoiceType([LongType(), StringType()]))


# --- observed_type: the type of VARIANT values over all rows ------------------------------------


def _observed(spark, *records: str) -> DataType:
    text = spark.createDataFrame([(r,) for r in records], "j string")
    return observed_type(text.select(F.parse_json("j").alias("v")))


def test_observed_names_are_taken_as_they_are_in_name_order(spark_session):
    record = '{"provider id": 1, "a.b": "x", "prénom": "Zoé", "x`y": 2, "城市": "東京", "a, b: c": {"x<y>": [[1]]}}'
    assert _observed(spark_session, record) == StructType(
        [
            Field("a, b: c", struct(**{"x<y>": ArrayType(ArrayType(LongType()))})),
            Field("a.b", StringType()),
            Field("provider id", LongType()),
            Field("prénom", StringType()),
            Field("x`y", LongType()),
            Field("城市", StringType()),
        ]
    )


def test_observed_types_merge_over_records_and_array_elements(spark_session):
    first = '{"arr": [{"a": 1}, {"b": "s"}], "o": {"d": 1.25, "e": [], "f": {}, "n": [1, "a", {"p": true}], "z": null}}'
    second = '{"arr": [{"a": "x"}], "o": {"d": 7, "n": [[2]]}, "t": false, "gone": null}'
    assert _observed(spark_session, first, second) == struct(
        arr=ArrayType(struct(a=ChoiceType([LongType(), StringType()]), b=StringType())),
        gone=NullType(),
        o=struct(
            d=ChoiceType([DoubleType(), LongType()]),
            e=ArrayType(NullType()),
            f=StructType(),
            n=ArrayType(ChoiceType([LongType(), StringType(), struct(p=BooleanType()), ArrayType(LongType())])),
            z=NullType(),
        ),
        t=BooleanType(),
    )


def test_observed_value_that_is_an_object_in_one_record_and_text_in_another(spark_session):
    observed = _observed(spark_session, '{"c": {"id": 1}}', '{"c": "n/a"}', '{"c": {"name": "Zoé"}}', "null")
    assert observed == struct(c=ChoiceType([struct(id=LongType(), name=StringType()), StringType()]))


def test_observed_scalars_of_every_kind_spark_puts_in_a_variant(spark_session):
    values = spark_session.sql(
        "SELECT to_variant_object(named_struct('i', 1, 'f', CAST(1.5 AS FLOAT), 'dec', 1.25BD, 'dbl', 2.5D,"
        " 'd', DATE'2026-01-02', 'ts', TIMESTAMP'2026-01-02 03:04:05', 'ntz', TIMESTAMP_NTZ'2026-01-02 03:04:05',"
        " 'b', X'01', 'ok', true, 's', 'x')) AS v"
    )
    assert observed_type(values) == struct(
        b=BinaryType(),
        d=DateType(),
        dbl=DoubleType(),
        dec=DoubleType(),
        f=FloatType(),
        i=LongType(),
        ntz=TimestampType(),
        ok=BooleanType(),
        s=StringType(),
        ts=TimestampType(),
    )


def test_observed_type_of_no_rows_is_null(spark_session):
    assert _observed(spark_session) == NullType()


# --- Spark conversion -------------------------------------------------------------------------


def test_to_spark_maps_types_and_holds_choices_as_variant():
    schema = StructType(
        [
            Field("id", ChoiceType([LongType(), StringType()])),
            Field("total", DecimalType(12, 2)),
            Field("items", ArrayType(struct(sku=StringType(), qty=ChoiceType([LongType(), StringType()])))),
            Field("attrs", MapType(IntegerType())),
            Field("never_set", NullType()),
        ]
    )
    assert to_spark(schema) == T.StructType(
        [
            T.StructField("id", T.VariantType()),
            T.StructField("total", T.DecimalType(12, 2)),
            T.StructField(
                "items",
                T.ArrayType(
                    T.StructType([T.StructField("sku", T.StringType()), T.StructField("qty", T.VariantType())])
                ),
            ),
            T.StructField("attrs", T.MapType(T.StringType(), T.IntegerType())),
            T.StructField("never_set", T.StringType()),
        ]
    )


def test_spark_round_trip_keeps_every_plain_type():
    schema = StructType(
        [
            Field("b", BooleanType()),
            Field("y", ByteType()),
            Field("h", ShortType()),
            Field("i", IntegerType()),
            Field("l", LongType()),
            Field("f", FloatType()),
            Field("d", DoubleType()),
            Field("s", StringType()),
            Field("bin", BinaryType()),
            Field("dt", DateType()),
            Field("ts", TimestampType()),
            Field("dec", DecimalType(12, 2)),
            Field("arr", ArrayType(struct(x=LongType()))),
            Field("m", MapType(ArrayType(StringType()))),
            Field("nested", struct(inner=struct(deep=DoubleType()))),
        ]
    )
    assert from_spark(to_spark(schema)) == schema


def test_choice_round_trips_to_a_variant_with_unknown_alternatives():
    spark_type = to_spark(ChoiceType([LongType(), StringType()]))
    assert isinstance(spark_type, T.VariantType)
    back = from_spark(spark_type)
    assert isinstance(back, ChoiceType) and back.choices == {}


def test_from_spark_reads_spark_only_types():
    assert from_spark(T.TimestampNTZType()) == TimestampType()
    assert from_spark(T.NullType()) == NullType()
    assert from_spark(T.CharType(3)) == StringType()
    assert from_spark(T.VarcharType(10)) == StringType()
    with pytest.raises(ValueError, match="no Glue equivalent"):
        from_spark(T.DayTimeIntervalType())


def test_spark_schema_of_a_dataframe_converts(spark_session):
    df = spark_session.sql("SELECT 1L AS id, 'a' AS name, array(named_struct('q', 2.5D)) AS items, 1.25BD AS amount")
    assert from_spark(df.schema) == struct(
        id=LongType(), name=StringType(), items=ArrayType(struct(q=DoubleType())), amount=DecimalType(3, 2)
    )


# --- render_schema ----------------------------------------------------------------------------


def test_render_schema_in_glue_tree_format():
    schema = StructType(
        [
            Field("provider id", ChoiceType([StringType(), LongType()])),
            Field("customer", ChoiceType([StringType(), struct(id=LongType(), name=StringType())])),
            Field("items", ArrayType(struct(sku=StringType(), qty=ChoiceType([LongType(), StringType()])))),
            Field("attrs", MapType(LongType())),
            Field("total", DecimalType(12, 2)),
        ]
    )
    assert render_schema(schema) == (
        "root\n"
        "|-- provider id: choice\n"
        "|    |-- long\n"
        "|    |-- string\n"
        "|-- customer: choice\n"
        "|    |-- string\n"
        "|    |-- struct\n"
        "|    |    |-- id: long\n"
        "|    |    |-- name: string\n"
        "|-- items: array\n"
        "|    |-- element: struct\n"
        "|    |    |-- sku: string\n"
        "|    |    |-- qty: choice\n"
        "|    |    |    |-- long\n"
        "|    |    |    |-- string\n"
        "|-- attrs: map\n"
        "|    |-- keyType: string\n"
        "|    |-- valueType: long\n"
        "|-- total: decimal\n"
    )


def test_render_empty_schema_is_just_root():
    assert render_schema(StructType()) == "root\n"


# --- choice_paths -----------------------------------------------------------------------------


def test_choice_paths_name_every_choice_with_dots_and_brackets():
    either = ChoiceType([LongType(), StringType()])
    schema = StructType(
        [
            Field("id", either),
            Field("name", StringType()),
            Field("customer", struct(id=either, address=struct(zip=either, city=StringType()))),
            Field("items", ArrayType(struct(qty=either, sku=StringType()))),
            Field("tags", ArrayType(either)),
            Field("matrix", ArrayType(ArrayType(either))),
            Field("attrs", MapType(either)),
        ]
    )
    assert choice_paths(schema) == [
        "id",
        "customer.id",
        "customer.address.zip",
        "items[].qty",
        "tags[]",
        "matrix[][]",
        "attrs[]",
    ]


def test_choice_paths_stop_at_the_choice_itself():
    schema = struct(customer=ChoiceType([StringType(), struct(id=ChoiceType([LongType(), StringType()]))]))
    assert choice_paths(schema) == ["customer"]


def test_choice_paths_of_a_schema_without_choices_is_empty():
    assert choice_paths(struct(a=LongType(), b=ArrayType(struct(c=StringType())))) == []
