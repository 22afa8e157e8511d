"""DynamicFrame.map and .filter with Python functions, through the public API, on JSON files."""

import datetime
import decimal
import json

import pytest

from etl_framework import DynamicFrame, ErrorThresholdExceeded, EtlContext
from etl_framework.dynamicframe.records import DynamicRecord, MissingField
from etl_framework.types import ChoiceType, DoubleType, LongType, StringType

MEDICARE = [
    {
        "provider id": 10001,
        "name": "SOUTHEAST ALABAMA MEDICAL CENTER",
        "address": {"city": "DOTHAN", "zip": 36301},
        "average covered charges": "$32963.07",
        "average total payments": "$5777.24",
        "tags": ["rural", "general"],
    },
    {
        "provider id": 10005,
        "name": "MARSHALL MEDICAL CENTER SOUTH",
        "address": {"city": "BOAZ", "zip": 35957},
        "average covered charges": "$15131.85",
        "average total payments": "$5787.57",
        "tags": [],
    },
    {
        "provider id": "AB123",
        "name": "UNKNOWN HOSPITAL",
        "address": {"city": "MOBILE"},
        "average covered charges": "$31633.27",
        "average total payments": "$5658.33",
    },
    {
        "provider id": 10011,
        "name": "ST VINCENT'S EAST",
        "address": {"city": "BIRMINGHAM", "zip": 35205},
        "average covered charges": "n/a",
        "average total payments": "$5417.56",
    },
]
BROKEN_LINE = '{"provider id": 10016, "name": "SHELBY'


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


@pytest.fixture
def medicare(ctx, tmp_path):
    path = tmp_path / "medicare" / "m.json"
    path.parent.mkdir()
    path.write_text("\n".join([json.dumps(r) for r in MEDICARE] + [BROKEN_LINE]) + "\n")
    return ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json", transformation_ctx="src")


def by_name(frame):
    return {r["name"]: r for r in frame.toDF().collect()}


def errors(frame):
    return [r.error for r in frame.errorsAsDynamicFrame().toDF().collect() if r.error.callsite.site != "read json"]


def money(text):
    return float(text.lstrip("$"))


def test_map_parses_currency_and_adds_a_field(medicare):
    def parse(rec):
        rec["payments"] = money(rec["average total payments"])
        rec["payments_k"] = round(rec["payments"] / 1000)  # a new field
        return rec

    mapped = medicare.map(parse)
    schema = mapped.schema()
    assert schema.field("payments").dataType == DoubleType()
    assert schema.field("payments_k").dataType == LongType()
    # fields f left alone keep their types, the choice included
    assert schema.field("provider id").dataType == ChoiceType([LongType(), StringType()])
    assert schema.field("address").dataType == medicare.schema().field("address").dataType
    got = by_name(mapped.resolveChoice(specs=[("provider id", "cast:string")]))
    assert (got["UNKNOWN HOSPITAL"].payments, got["UNKNOWN HOSPITAL"]["provider id"]) == (5658.33, "AB123")
    assert (got["SOUTHEAST ALABAMA MEDICAL CENTER"].payments_k, got["ST VINCENT'S EAST"]["provider id"]) == (6, "10011")
    assert got["SOUTHEAST ALABAMA MEDICAL CENTER"].tags == ["rural", "general"]
    assert mapped.count() == 4 and mapped.stageErrorsCount() == 0 and mapped.errorsCount() == 1  # the broken line


def test_a_field_made_a_number_in_some_records_and_text_in_others_is_a_choice(medicare):
    def covered(rec):
        text = rec["average covered charges"]
        rec["average covered charges"] = money(text) if text.startswith("$") else text
        return rec

    mapped = medicare.map(covered)
    assert mapped.schema().field("average covered charges").dataType == ChoiceType([DoubleType(), StringType()])
    resolved = mapped.resolveChoice(specs=[("average covered charges", "make_cols")])
    got = {
        r.name: (r["average covered charges_double"], r["average covered charges_string"])
        for r in resolved.toDF().collect()
    }
    assert got["MARSHALL MEDICAL CENTER SOUTH"] == (15131.85, None)
    assert got["ST VINCENT'S EAST"] == (None, "n/a")


def test_records_are_dicts_with_nested_records_and_lists(medicare):
    def inspect(rec):
        rec["address"]["city"] = rec["address"]["city"].title()  # nested assignment
        rec.state = "AL"  # attribute assignment, as Glue's DynamicRecord allows
        del rec["average total payments"]
        rec["checks"] = {
            "record": isinstance(rec, DynamicRecord) and isinstance(rec["address"], DynamicRecord),
            "tags_list": isinstance(rec.get("tags", []), list),
            "has_zip": "zip" in rec["address"],
            "zip": rec["address"].get("zip", 0),
            "keys": sorted(rec.keys()) == sorted(rec) and len(rec) == len(list(rec.keys())),
            "city": rec.address.city,
            "provider_id": type(rec["provider id"]).__name__,  # a choice's value as its Python value
        }
        return rec

    mapped = medicare.map(inspect)
    assert "average total payments" not in mapped.schema().names()
    assert mapped.schema().field("state").dataType == StringType()
    got = by_name(mapped)
    assert got["UNKNOWN HOSPITAL"].address.city == "Mobile" and got["UNKNOWN HOSPITAL"].state == "AL"
    checks = got["UNKNOWN HOSPITAL"].checks
    assert (checks.record, checks.tags_list, checks.has_zip, checks.zip, checks["keys"], checks.city) == (
        True,
        True,
        False,
        0,
        True,
        "Mobile",
    )
    assert got["MARSHALL MEDICAL CENTER SOUTH"].checks.zip == 35957
    assert (checks.provider_id, got["MARSHALL MEDICAL CENTER SOUTH"].checks.provider_id) == ("str", "int")


def test_a_choice_of_a_number_and_text_keeps_its_type_through_map(ctx, tmp_path):
    # A VARIANT holds 31.0 from a JSON file as a decimal that JSON text writes as 31: f must still
    # see a float, and an identity map must give back the frame's own schema.
    path = tmp_path / "orders" / "o.json"
    path.parent.mkdir()
    path.write_text('{"id": 1, "total": 31.0}\n{"id": 2, "total": 12.5}\n{"id": 3, "total": "$4.00"}\n')
    orders = ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json")
    assert orders.schema().field("total").dataType == ChoiceType([DoubleType(), StringType()])

    def kind(rec):
        rec["kind"] = type(rec["total"]).__name__
        return rec

    mapped = orders.map(kind)
    assert mapped.schema().field("total").dataType == orders.schema().field("total").dataType
    got = {r.id: (r.kind, r.total) for r in mapped.resolveChoice(choice="cast:double").toDF().collect()}
    assert got == {1: ("float", 31.0), 2: ("float", 12.5), 3: ("str", None)}


def test_records_typed_differently_from_batch_to_batch_merge_as_glue_infers_them(ctx, spark_session):
    # Each Arrow batch of results is typed on its own (ids 0-9 in one partition, 10-19 in the
    # other); their types merge into choices, nested ones too, and a batch pyarrow would type
    # unlike Glue (a date, which JSON holds as text) joins them as JSON text.
    df = spark_session.range(20).repartitionByRange(2, "id")

    def vary(rec):
        first = rec["id"] < 10
        return {
            "id": rec["id"],
            "v": rec["id"] if first else rec["id"] + 0.5,
            "s": {"a": 1} if first else {"a": "x", "b": True},
            "l": [1] if first else None,
            "d": datetime.date(2024, 1, 2) if rec["id"] == 15 else None,
        }

    mapped = DynamicFrame.fromDF(df, ctx, "ids").map(vary)
    assert mapped.schema().simple_string() == (
        "struct<d:string,id:long,l:array<long>,s:struct<a:choice<long,string>,b:boolean>,v:choice<double,long>>"
    )
    rows = mapped.resolveChoice(choice="cast:string").toDF().collect()
    got = {r.id: (r.v, r.s.a, r.s.b, r.l, r.d) for r in rows}
    assert got[3] == ("3", "1", None, [1], None)
    assert got[15] == ("15.5", "x", True, None, "2024-01-02")
    assert len(got) == 20 and mapped.errorsCount() == 0


def test_every_column_type_reaches_the_function_as_a_json_record_holds_it(ctx, spark_session):
    # Arrow-native columns and those sent as JSON text (decimal, date, float, map, binary) alike.
    df = spark_session.sql(
        "select 1.50bd paid, date'2024-01-02' day, float(0.1) f, map('k', 1) m, binary('ab') b, "
        "named_struct('Zip.Code', 35957, 'none', null) address, array(named_struct('a', 1), null) items, "
        "cast(null as string) gone"
    )

    def look(rec):
        return {"types": {k: type(v).__name__ for k, v in rec.items()}, "values": json.dumps(rec, sort_keys=True)}

    (row,) = DynamicFrame.fromDF(df, ctx, "all").map(look).toDF().collect()
    assert row.types.asDict() == {
        "paid": "float",
        "day": "str",
        "f": "float",
        "m": "DynamicRecord",
        "b": "str",
        "address": "DynamicRecord",
        "items": "list",
    }
    assert json.loads(row["values"]) == {
        "address": {"Zip.Code": 35957},
        "b": "YWI=",
        "day": "2024-01-02",
        "f": 0.1,
        "items": [{"a": 1}, None],
        "m": {"k": 1},
        "paid": 1.5,
    }


def test_nested_nulls_reach_the_function_as_absent_fields_and_none_elements(ctx, spark_session):
    # The records are built column by column from Arrow: null structs, null arrays, null elements and
    # null fields inside array elements, at every depth, and types checked on each record's nesting.
    df = spark_session.sql(
        "select * from values "
        "(1, named_struct('c', 'x', 'z', 1), array(array(named_struct('q', 1, 'r', null)), null), array(1, null)), "
        "(2, null, array(cast(null as array<struct<q:int,r:string>>), array(null)), null), "
        "(3, named_struct('c', null, 'z', null), null, array()) "
        "as t(id, s, deep, flat)"
    )

    def look(rec):
        kinds = sorted(f"{k}:{type(v).__name__}" for k, v in rec.items())
        deep = rec.get("deep") or []
        inner = [type(e).__name__ for lst in deep if lst for e in lst]
        return {"id": rec.id, "seen": json.dumps(rec, sort_keys=True), "kinds": kinds, "inner": inner}

    got = {r.id: r for r in DynamicFrame.fromDF(df, ctx, "nested").map(look).toDF().collect()}
    assert json.loads(got[1].seen) == {
        "id": 1,
        "s": {"c": "x", "z": 1},
        "deep": [[{"q": 1}], None],
        "flat": [1, None],
    }
    assert got[1].kinds == ["deep:list", "flat:list", "id:int", "s:DynamicRecord"] and got[1].inner == ["DynamicRecord"]
    assert json.loads(got[2].seen) == {"id": 2, "deep": [None, [None]]} and got[2].inner == ["NoneType"]
    assert json.loads(got[3].seen) == {"id": 3, "s": {}, "flat": []}


def test_a_record_with_nan_or_infinity_is_an_error_record(medicare):
    def ratio(rec):
        rec["ratio"] = float("nan") if rec["name"].startswith("ST ") else 1.0
        rec["none"] = None  # an explicit None is a null field, not an error
        return rec

    mapped = medicare.map(ratio)
    assert mapped.count() == 3
    (error,) = errors(mapped)
    assert error.msg == "a record field cannot hold NaN or infinity: ratio"
    assert json.loads(error.input)["name"] == "ST VINCENT'S EAST"


def test_a_record_whose_function_raises_becomes_an_error_record(medicare):
    def covered(rec):
        rec["covered"] = money(rec["average covered charges"])  # "n/a" raises ValueError
        return rec

    mapped = medicare.map(covered, transformation_ctx="covered", info="parse charges")
    assert sorted(by_name(mapped)) == [
        "MARSHALL MEDICAL CENTER SOUTH",
        "SOUTHEAST ALABAMA MEDICAL CENTER",
        "UNKNOWN HOSPITAL",
    ]
    assert mapped.count() == 3
    assert mapped.stageErrorsCount() == 1 and mapped.errorsCount() == 2
    (error,) = errors(mapped)
    assert error.msg == "could not convert string to float: 'n/a'"
    assert json.loads(error.input)["name"] == "ST VINCENT'S EAST"
    assert "in covered" in error.stackTrace and error.stackTrace.rstrip().endswith(error.msg)
    assert (error.callsite.site, error.callsite.info, error.transformation_ctx) == ("map", "parse charges", "covered")


def test_error_thresholds_count_function_errors(medicare):
    def fail_twice(rec):
        if rec["name"].startswith(("ST ", "UNKNOWN")):
            raise RuntimeError(f"cannot map {rec['name']}")
        return rec

    over_stage = medicare.map(fail_twice, transformation_ctx="m", stageThreshold=1)
    with pytest.raises(ErrorThresholdExceeded, match=r"map \(transformation_ctx 'm'\): 2 error records in this step"):
        over_stage.assertErrorThreshold()
    over_total = medicare.map(fail_twice, transformation_ctx="m", totalThreshold=2)
    with pytest.raises(ErrorThresholdExceeded, match="3 error records up to this step exceed totalThreshold 2"):
        over_total.assertErrorThreshold()
    medicare.map(fail_twice, stageThreshold=2, totalThreshold=3).assertErrorThreshold()
    assert sorted(e.msg for e in errors(over_stage)) == ["cannot map ST VINCENT'S EAST", "cannot map UNKNOWN HOSPITAL"]


def test_a_function_returning_none_makes_an_error_record(medicare):
    mapped = medicare.map(lambda rec: rec if rec["provider id"] != 10005 else None)
    assert mapped.count() == 3 and mapped.stageErrorsCount() == 1
    (error,) = errors(mapped)
    assert error.msg == "User-specified function returned None instead of DynamicRecord"
    assert json.loads(error.input)["provider id"] == 10005


def test_filter_keeps_the_typed_rows_with_the_same_schema(medicare):
    kept = medicare.filter(lambda rec: rec["address"]["city"] in ("DOTHAN", "MOBILE"), transformation_ctx="f")
    assert kept.schema() == medicare.schema()
    assert kept.dataframe.schema == medicare.dataframe.schema  # the choice is still a VARIANT column
    assert sorted(by_name(kept)) == ["SOUTHEAST ALABAMA MEDICAL CENTER", "UNKNOWN HOSPITAL"]
    resolved = kept.resolveChoice(specs=[("provider id", "project:long")])
    assert sorted(r["provider id"] for r in resolved.toDF().collect() if r["provider id"]) == [10001]
    assert kept.stageErrorsCount() == 0 and kept.errorsCount() == 1


def test_filter_reads_key_value_and_type_errors_as_false_and_others_as_error_records(medicare):
    # Glue: KeyError, ValueError and TypeError mean "drop the record"; any other exception is an error
    assert by_name(medicare.filter(lambda rec: rec["address"]["zip"] > 36000)).keys() == {
        "SOUTHEAST ALABAMA MEDICAL CENTER"
    }  # MOBILE has no zip: KeyError
    assert medicare.filter(lambda rec: money(rec["average covered charges"]) > 0).count() == 3  # ValueError

    def strict(rec):
        if "zip" not in rec["address"]:
            raise LookupError("no zip")
        return rec["provider id"] != 10005

    kept = medicare.filter(strict, transformation_ctx="strict", stageThreshold=1)
    assert sorted(by_name(kept)) == ["SOUTHEAST ALABAMA MEDICAL CENTER", "ST VINCENT'S EAST"]
    (error,) = errors(kept)
    assert (error.msg, error.callsite.site, error.transformation_ctx) == ("no zip", "filter", "strict")
    assert json.loads(error.input)["name"] == "UNKNOWN HOSPITAL" and "LookupError: no zip" in error.stackTrace
    assert kept.stageErrorsCount() == 1 and kept.errorsCount() == 2
    kept.assertErrorThreshold()  # 1 error, threshold 1


def test_the_function_runs_once_per_record(medicare, tmp_path):
    calls = tmp_path / "calls.txt"

    def logged(rec):
        with open(calls, "a") as out:
            out.write(rec["name"] + "\n")
        return rec

    def call_count():
        return sorted(calls.read_text().splitlines())

    mapped = medicare.map(lambda rec: logged(rec) if rec["provider id"] != 10005 else logged(rec) and None)
    mapped.count(), mapped.toDF().collect(), mapped.errorsCount(), mapped.stageErrorsCount(), mapped.show(1)
    assert call_count() == sorted(r["name"] for r in MEDICARE)

    calls.unlink()
    kept = medicare.filter(lambda rec: logged(rec)["provider id"] != 10005 or 1 / 0)  # one error record
    kept.count(), kept.toDF().collect(), kept.errorsCount(), kept.stageErrorsCount(), kept.show(1)
    assert call_count() == sorted(r["name"] for r in MEDICARE) and kept.stageErrorsCount() == 1


def test_functions_run_in_arrow_batches(medicare):
    def plan(frame):
        return frame.dataframe._jdf.queryExecution().executedPlan().toString()

    # map's records come from its persisted results (typed batches read by Spark), as do its errors
    mapped, kept = plan(medicare.map(lambda rec: rec).errorsAsDynamicFrame()), plan(medicare.filter(lambda rec: True))
    assert "MapInArrow" in mapped and "ArrowEvalPython" in kept
    assert "BatchEvalPython" not in mapped + kept


def test_dynamic_record_without_spark():
    rec = DynamicRecord.from_json('{"a": {"b": [1, {"c": 2}]}}')
    assert isinstance(rec.a, DynamicRecord) and isinstance(rec.a.b[1], DynamicRecord) and rec.a.b[1].c == 2
    assert not hasattr(rec, "zip")
    with pytest.raises(KeyError):
        rec.zip  # noqa: B018 - Glue's DynamicRecord raises KeyError here, which filter reads as false
    assert issubclass(MissingField, KeyError)
    rec.when = datetime.date(2024, 1, 2)
    rec.paid = decimal.Decimal("1.50")
    del rec.a
    assert json.loads(rec.to_json()) == {"when": "2024-01-02", "paid": 1.5}
    with pytest.raises(ValueError, match="JSON object"):
        DynamicRecord.from_json("[1]")
