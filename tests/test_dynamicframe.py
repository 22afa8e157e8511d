"""DynamicFrame transforms through the public API, on JSON data with real type conflicts."""

import json
import logging
from decimal import Decimal

import pytest

from etl_framework import DynamicFrame, ErrorThresholdExceeded, EtlContext, EtlError
from etl_framework.types import ChoiceType, LongType, StringType, StructType

PROVIDERS = [
    {"provider id": 10001, "name": "Southeast Alabama Medical", "charges": 32963.07, "address": {"city": "Dothan"}},
    {"provider id": 10005, "name": "Marshall Medical", "charges": 15131.85, "address": {"city": "Boaz"}},
    {"provider id": "AB123", "name": "Crestwood", "charges": "$5777.24", "address": {"city": "Huntsville"}},
    {
        "provider id": "10011",
        "name": "St Vincent's",
        "charges": 44000.0,
        "address": {"city": "Birmingham", "zip": 35205},
    },
]
ORDERS = [
    {"id": 1, "customer": {"id": 7, "name": "Ana"}, "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": "3"}]},
    {"id": 2, "customer": "Legacy Buyer", "items": [{"sku": "C", "qty": 1}]},
    {"id": 3, "customer": {"id": "C-9", "name": "Bo"}, "items": []},
]


def write_jsonl(path, records, malformed=()):
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(malformed)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


def read(ctx, path, tctx="src"):
    return ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json", transformation_ctx=tctx)


@pytest.fixture
def providers(ctx, tmp_path):
    return read(ctx, write_jsonl(tmp_path / "providers" / "p.json", PROVIDERS))


@pytest.fixture
def orders(ctx, tmp_path):
    return read(ctx, write_jsonl(tmp_path / "orders" / "o.json", ORDERS, malformed=['{"id": 4, "custo', "oops"]))


def rows(frame, *cols):
    df = frame.toDF()
    df = df.orderBy(f"`{df.columns[0]}`")
    return [tuple(r) for r in df.select(*cols).collect()] if cols else df.collect()


def test_choice_is_inferred_over_all_records(providers, capsys):
    schema = providers.schema()
    assert schema.field("provider id").dataType == ChoiceType([LongType(), StringType()])
    assert schema.field("name").dataType == StringType()
    providers.printSchema()
    out = capsys.readouterr().out
    assert "|-- provider id: choice\n|    |-- long\n|    |-- string\n" in out
    assert "|-- address: struct\n|    |-- city: string\n|    |-- zip: long\n" in out


def test_cast_converts_what_it_can_and_nulls_the_rest(providers):
    resolved = providers.resolveChoice(specs=[("provider id", "cast:long")])
    assert resolved.schema().field("provider id").dataType == LongType()
    values = sorted(r["provider id"] for r in rows(resolved) if r["provider id"] is not None)
    assert values == [10001, 10005, 10011]  # "10011" cast to a number; "AB123" cannot be
    assert sum(1 for r in rows(resolved) if r["provider id"] is None) == 1


def test_project_keeps_only_values_already_of_that_type(providers):
    resolved = providers.resolve_choice(specs=[("provider id", "project:long")])
    assert sorted(r["provider id"] for r in rows(resolved) if r["provider id"] is not None) == [10001, 10005]
    strings = providers.resolveChoice(specs=[("provider id", "project:string")])
    assert sorted(r["provider id"] for r in rows(strings) if r["provider id"] is not None) == ["10011", "AB123"]


def test_make_cols_splits_by_type_like_glue(providers, capsys):
    resolved = providers.resolveChoice(specs=[("provider id", "make_cols")])
    got = {(r["provider id_long"], r["provider id_string"]) for r in rows(resolved)}
    assert got == {(10001, None), (10005, None), (None, "AB123"), (None, "10011")}
    resolved.printSchema()
    assert "|-- provider id_long: long\n|-- provider id_string: string\n" in capsys.readouterr().out
    # the first alternative takes the field's place, the others follow the last field
    charges = providers.resolveChoice(specs=[("charges", "make_cols")])
    assert charges.schema().names() == ["address", "charges_double", "name", "provider id", "charges_string"]


def test_make_struct_names_fields_by_type(providers):
    resolved = providers.resolveChoice(specs=[("charges", "make_struct")])
    t = resolved.schema().field("charges").dataType
    assert isinstance(t, StructType) and t.names() == ["double", "string"]
    got = {(r.charges.double, r.charges.string) for r in rows(resolved)}
    assert got == {(32963.07, None), (15131.85, None), (None, "$5777.24"), (44000.0, None)}


def test_choice_applies_to_every_choice_including_nested_ones(orders):
    resolved = orders.resolveChoice(choice="make_struct")
    assert resolved.unresolved_choices() == []
    items = {r.id: [(i.sku, i.qty.long, i.qty.string) for i in r["items"]] for r in rows(resolved)}
    assert items[1] == [("A", 2, None), ("B", None, "3")]


def test_specs_apply_in_order_and_reach_into_structs_and_arrays(orders):
    resolved = orders.resolveChoice(
        specs=[("customer", "make_struct"), ("customer.struct.id", "cast:string"), ("items[].qty", "cast:long")]
    )
    assert resolved.unresolved_choices() == []
    by_id = {r.id: r for r in rows(resolved)}
    assert by_id[1].customer.struct.id == "7" and by_id[3].customer.struct.id == "C-9"
    assert by_id[2].customer.string == "Legacy Buyer" and by_id[2].customer.struct is None
    assert [i.qty for i in by_id[1]["items"]] == [2, 3]
    assert by_id[3]["items"] == []


def test_resolve_choice_argument_errors(providers):
    with pytest.raises(EtlError, match="either specs or choice"):
        providers.resolveChoice(specs=[("provider id", "cast:long")], choice="make_cols")
    with pytest.raises(EtlError, match="no field 'provider_id'"):
        providers.resolveChoice(specs=[("provider_id", "cast:long")])
    with pytest.raises(EtlError, match="unknown action 'widen'"):
        providers.resolveChoice(specs=[("provider id", "widen")])
    with pytest.raises(EtlError, match="unknown type 'longg'"):
        providers.resolveChoice(specs=[("provider id", "cast:longg")])
    with pytest.raises(EtlError, match="match_catalog needs database= and table_name="):
        providers.resolveChoice(specs=[("provider id", "match_catalog")])


def test_apply_mapping_renames_casts_nests_and_drops(providers):
    mapped = providers.apply_mapping(
        [
            ("provider id", "choice", "provider.id", "long"),
            ("NAME", "string", "provider.name", "string"),  # case-insensitive by default
            ("charges", "choice", "charges", "decimal(12,2)"),
            ("address.city", "string", "city", "string"),
        ]
    )
    assert mapped.schema().names() == ["provider", "charges", "city"]
    assert mapped.schema().field("provider").dataType.names() == ["id", "name"]
    got = {(r.provider.id, r.provider.name, r.charges, r.city) for r in rows(mapped)}
    assert (10001, "Southeast Alabama Medical", Decimal("32963.07"), "Dothan") in got
    assert (None, "Crestwood", None, "Huntsville") in got  # failed casts give null, as Glue's do


def test_apply_mapping_backticks_and_short_form(ctx, tmp_path):
    frame = read(ctx, write_jsonl(tmp_path / "d" / "x.json", [{"a.b": "5", "c": {"d": 1}}]))
    mapped = frame.apply_mapping([("`a.b`", "string", "`x.y`", "int"), ("c.d", "out", "string")])
    assert mapped.schema().names() == ["x.y", "out"]
    assert rows(mapped, "`x.y`", "out") == [(5, "1")]


def test_apply_mapping_case_sensitive_leaves_out_unknown_source(providers):
    mapped = providers.apply_mapping(
        [("NAME", "string", "n", "string"), ("name", "string", "m", "string")], case_sensitive=True
    )
    assert mapped.schema().names() == ["m"]


def test_apply_mapping_fill_missing_keeps_every_target_as_a_typed_null(ctx, tmp_path):
    frame = read(ctx, write_jsonl(tmp_path / "d" / "x.json", [{"id": 1, "customer": {"name": "Ana"}}]))
    mappings = [
        ("id", "long", "order_id", "long"),
        ("customer.name", "string", "customer.name", "string"),
        ("customer.city", "string", "customer.city", "string"),  # not in this file
        ("coupon.code", "string", "coupon_code", "string"),  # nor its parent
        ("total", "double", "total", "decimal(12,2)"),
    ]
    assert frame.apply_mapping(mappings).schema().names() == ["order_id", "customer"]  # Glue's default
    mapped = frame.apply_mapping(mappings, fill_missing=True)
    df = mapped.toDF()
    assert df.schema.simpleString() == (
        "struct<order_id:bigint,customer:struct<name:string,city:string>,coupon_code:string,total:decimal(12,2)>"
    )
    assert [tuple(r) for r in df.collect()] == [(1, ("Ana", None), None, None)]
    with pytest.raises(EtlError, match=r"source field 'items' is not in the frame, and target type 'array' of 'items'"):
        frame.apply_mapping([("items", "array", "items", "array")], fill_missing=True)


def test_select_drop_and_rename_fields(orders):
    picked = orders.select_fields(["id", "customer"])
    assert picked.schema().names() == ["customer", "id"]
    dropped = orders.resolveChoice(specs=[("customer", "make_struct")]).drop_fields(["customer.struct", "items[].qty"])
    assert dropped.schema().field("customer").dataType.names() == ["string"]
    assert dropped.schema().field("items").dataType.elementType.names() == ["sku"]
    renamed = orders.rename_field("id", "order_id")
    assert "order_id" in renamed.schema().names() and "id" not in renamed.schema().names()
    with pytest.raises(EtlError, match="no field 'nope'"):
        orders.rename_field("nope", "x")


def test_paths_as_glue_writes_them_and_paths_that_match_nothing(orders, caplog):
    logging.getLogger("etl.transforms").addHandler(caplog.handler)  # etl's loggers may not propagate
    # A plain string is one path; a field of array elements is named without [] (as Glue's docs do).
    assert orders.select_fields("customer").schema().names() == ["customer"]
    dropped = orders.drop_fields(["items.qty"])
    assert dropped.schema().field("items").dataType.elementType.names() == ["sku"]
    assert [r.items for r in sorted(dropped.toDF().collect(), key=lambda r: r.id)] == [[("A",), ("B",)], [("C",)], []]
    assert dropped.drop_fields("id").schema().names() == ["customer", "items"]
    caplog.clear()
    assert orders.select_fields(["id", "items.price"]).schema().names() == ["id"]
    assert orders.drop_fields(["nope.x"]).schema().names() == ["customer", "id", "items"]
    assert {r.getMessage() for r in caplog.records} == {  # a set: the record may reach caplog twice
        "select_fields: 'items.price' is not a field of the frame (top-level fields: ['customer', 'id', 'items'])",
        "drop_fields: 'nope.x' is not a field of the frame (top-level fields: ['customer', 'id', 'items'])",
    }


def test_field_names_with_dots_in_choices_map_and_unbox(ctx, tmp_path):
    records = [
        {"Zip.Code": 36301, "address": {"Zip.Code": 36301, "city": "Dothan"}, "raw": '{"Zip.Code": 1}'},
        {"Zip.Code": "AB-1", "address": {"Zip.Code": "x", "city": "Boaz"}, "raw": '{"Zip.Code": "2"}'},
    ]
    frame = read(ctx, write_jsonl(tmp_path / "dots" / "d.json", records))
    assert frame.unresolved_choices() == ["`Zip.Code`", "address.`Zip.Code`"]
    df = frame.toDF()  # each choice becomes a struct, found by its quoted path
    assert df.schema["Zip.Code"].dataType.simpleString() == "struct<long:bigint,string:string>"
    cols = frame.resolveChoice(choice="make_cols")
    assert cols.schema().names() == ["Zip.Code_long", "address", "raw", "Zip.Code_string"]
    assert cols.schema().field("address").dataType.names() == ["Zip.Code_long", "city", "Zip.Code_string"]
    picked = frame.resolveChoice(specs=[("address.`Zip.Code`", "cast:long")]).select_fields(["address.`Zip.Code`"])
    assert sorted(r.address["Zip.Code"] or 0 for r in picked.toDF().collect()) == [0, 36301]

    def nest(rec):  # Glue's Map example: a nested struct with a key holding a dot
        rec["Address"] = {"City": rec["address"]["city"], "Zip.Code": rec["address"]["Zip.Code"]}
        del rec["address"]
        return rec

    mapped = frame.map(nest)
    assert mapped.schema().field("Address").dataType.names() == ["City", "Zip.Code"]
    zips = mapped.resolveChoice(choice="cast:string").apply_mapping([("Address.`Zip.Code`", "string", "zip", "string")])
    assert sorted(r.zip for r in zips.toDF().collect()) == ["36301", "x"]
    unboxed = frame.unbox("raw", "json")
    assert unboxed.unresolved_choices() == ["`Zip.Code`", "address.`Zip.Code`", "raw.`Zip.Code`"]
    assert sorted(str(r.raw["Zip.Code"]) for r in unboxed.resolveChoice(choice="cast:string").toDF().collect()) == [
        "1",
        "2",
    ]


def test_error_records_counts_and_thresholds(orders, tmp_path, ctx):
    assert orders.count() == 3
    assert orders.errorsCount() == 2 and orders.stageErrorsCount() == 2
    errors = [r.error for r in orders.errorsAsDynamicFrame().toDF().collect()]
    assert {e.input for e in errors} == {'{"id": 4, "custo', "oops"}
    assert {e.bytesread for e in errors} == {16, 4}
    assert all(e.source.endswith("o.json") and e.msg == "malformed JSON record" for e in errors)
    assert {(e.callsite.site, e.transformation_ctx) for e in errors} == {("read json", "src")}
    assert {e.dynamicRecord for e in errors} == {None}  # a line that is not JSON never became a record
    assert orders.errorsAsDynamicFrame().schema().field("error").dataType.names() == [
        "callsite",
        "msg",
        "stackTrace",
        "input",
        "bytesread",
        "source",
        "dynamicRecord",
        "transformation_ctx",
    ]

    mapped = orders.apply_mapping([("id", "long", "id", "long")], transformation_ctx="m", totalThreshold=1)
    assert mapped.stageErrorsCount() == 0 and mapped.errorsCount() == 2
    target = tmp_path / "out"
    over_limit = r"apply_mapping \(transformation_ctx 'm'\): 2 error records up to this step exceed totalThreshold 1"
    # As in Glue, computing the frame raises, not only assertErrorThreshold() and writes.
    for compute in (
        mapped.assertErrorThreshold,
        mapped.count,
        mapped.show,
        mapped.toDF,
        lambda: ctx.write_dynamic_frame.from_options(mapped, "file", {"path": str(target)}, "parquet"),
    ):
        with pytest.raises(ErrorThresholdExceeded, match=over_limit):
            compute()
    assert not target.exists()  # nothing written

    within = orders.apply_mapping([("id", "long", "id", "long")], totalThreshold=2)
    assert within.count() == 3 and sorted(r.id for r in within.toDF().collect()) == [1, 2, 3]
    within.show(1)
    ctx.write_dynamic_frame.from_options(within, "file", {"path": str(target)}, "parquet")
    assert ctx.spark_session.read.parquet(str(target)).count() == 3


def test_to_df_turns_unresolved_choices_into_structs_and_from_df_wraps(providers, ctx):
    df = providers.toDF()
    assert df.schema["provider id"].dataType.simpleString() == "struct<long:bigint,string:string>"
    wrapped = DynamicFrame.fromDF(df.select("name"), ctx, "names")
    assert wrapped.count() == 4 and wrapped.schema().names() == ["name"]
    assert wrapped.repartition(3).getNumPartitions() == 3
    assert wrapped.repartition(3).coalesce(1).getNumPartitions() == 1


def test_show_prints_json_records(providers, capsys):
    providers.show(2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert all(json.loads(line)["name"] for line in lines)


def test_project_int_keeps_json_integers_for_ported_glue_scripts(providers):
    resolved = providers.resolveChoice(specs=[("provider id", "project:int")])
    assert resolved.schema().field("provider id").dataType.typeName() == "int"
    assert sorted(r["provider id"] for r in rows(resolved) if r["provider id"] is not None) == [10001, 10005]


EDGE_NUMBERS = [
    '{"id": 1, "t": NaN, "n": {"v": 1, "a": [{"w": 1}, {"w": "2"}]}}',
    '{"id": 2, "t": -Infinity, "n": {"v": "x", "a": [{"w": "abc"}, {"w": 3000000000}]}}',
    '{"id": 3, "t": 1.23456789012345678901, "n": {"v": 5000000000}}',
    '{"id": 4, "t": 1e400}',
    '{"id": 5, "t": 123456789012345678901234567890}',
    '{"id": 6, "t": 1.50, "n": null}',
    '{"id": 7, "t": "x\\"y", "n": {"v": " 42 ", "a": []}}',
    '{"id": 8, "t": 1E2}',
    '{"id": 9, "t": " 12.5 "}',
    '{"id": 10, "t": "1e3"}',
    '{"id": 11, "t": null}',
    '{"id": 12}',
    '{"id": 13, "t": 9223372036854775807}',
    '{"id": 14, "t": "NaN"}',
]


def plan(frame):
    return frame.toDF()._jdf.queryExecution().optimizedPlan().toString().lower()


def printed(frame):
    return [repr(r) for r in rows(frame)]  # NaN is not equal to itself; its repr is


def test_casts_resolved_in_the_json_read_give_what_the_variant_casts_give(ctx, tmp_path):
    path = tmp_path / "edge" / "e.json"
    path.parent.mkdir()
    path.write_text("\n".join(EDGE_NUMBERS) + "\n")
    fresh = read(ctx, path)
    assert fresh.schema().field("t").dataType.simple_string() == "choice<double,long,string>"
    # Any transform leaves the frame without its read: it then casts the VARIANT values.
    variant = fresh.repartition(1)
    specs = [("t", "cast:double"), ("n.v", "cast:long"), ("n.a[].w", "cast:int")]
    in_read = fresh.resolveChoice(specs=specs)
    assert "variant" not in plan(in_read) and "variant" in plan(variant.resolveChoice(specs=specs))
    assert printed(in_read) == printed(variant.resolveChoice(specs=specs))
    assert printed(fresh.resolveChoice(choice="cast:double")) == printed(variant.resolveChoice(choice="cast:double"))
    t = {r.id: r.t for r in rows(in_read)}
    assert str(t[1]) == "nan" and t[2] == float("-inf") and t[4] == float("inf")
    assert (t[3], t[5], t[13]) == (1.2345678901234568, 1.2345678901234568e29, 2.0**63)
    assert (t[8], t[9], t[10]) == (100.0, 12.5, 1e3)
    assert t[7] is None and t[11] is None and t[12] is None
    n = {r.id: r.n for r in rows(in_read)}
    assert (n[1].v, n[2].v, n[3].v, n[7].v) == (1, None, 5000000000, 42)
    assert [w.w for w in n[1].a] == [1, 2] and [w.w for w in n[2].a] == [None, None]  # past an int: null
    # Glue Studio's scripts map a frame straight from its source: apply_mapping casts in the read too.
    mappings = [("id", "long", "id", "long"), ("t", "double", "total", "double"), ("n.v", "long", "n_v", "long")]
    mapped = fresh.apply_mapping(mappings)
    assert "variant" not in plan(mapped) and printed(mapped) == printed(variant.apply_mapping(mappings))


def test_casts_the_json_read_cannot_give_from_text_stay_variant_casts(ctx, tmp_path):
    path = write_jsonl(tmp_path / "mixed" / "m.json", [{"id": 1, "q": 12.5, "f": True}, {"id": 2, "q": "7", "f": 2}])
    fresh = read(ctx, path)
    # A fractional number cast to long is cut (12) where its text would not cast; a boolean casts to 1.0.
    to_long = fresh.resolveChoice(specs=[("q", "cast:long")])
    assert "variant" in plan(to_long) and {r.id: r.q for r in rows(to_long)} == {1: 12, 2: 7}
    to_double = fresh.resolveChoice(specs=[("f", "cast:double")])
    assert "variant" in plan(to_double) and {r.id: r.f for r in rows(to_double)} == {1: 1.0, 2: 2.0}
    # A field also mapped to string stays a VARIANT: its text would keep 12.5 as written, not as 12.5's value.
    both = [("id", "long", "id", "long"), ("q", "double", "q", "double"), ("q", "string", "s", "string")]
    mapped = fresh.apply_mapping(both)
    assert "variant" in plan(mapped) and {r.id: (r.q, r.s) for r in rows(mapped)} == {1: (12.5, "12.5"), 2: (7.0, "7")}
