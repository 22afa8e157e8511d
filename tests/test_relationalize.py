"""relationalize, unnest and unnest_ddb_json through the public API, on legislator-like and DynamoDB export data."""

import json

import pytest
from pyspark.sql import functions as F

from etl_framework import EtlContext
from etl_framework.types import (
    ArrayType,
    BooleanType,
    ChoiceType,
    IntegerType,
    LongType,
    NullType,
    StringType,
    StructType,
)

# Shaped like the us-legislators ``persons`` data of Glue's join_and_relationalize sample.
PERSONS = [
    {
        "id": "f4fc30ee-7b42-432d",
        "name": {"given": "Mike", "family": "Ross"},
        "gender": "male",
        "contact_details": [
            {"type": "fax", "value": "202-225-1314"},
            {"type": "phone", "value": "202-225-3772"},
            {"type": "twitter", "value": "MikeRossUpdates"},
        ],
        "identifiers": ["bioguide:R000573", "govtrack:400344"],
        "other_names": [
            {"lang": "en", "name": "Michael Avery Ross", "sources": ["wikipedia", "congress.gov"]},
            {"lang": "ru", "name": "Майк Росс", "sources": []},
        ],
    },
    {
        "id": "e3c60f34-7d1b-4c0a",
        "name": {"given": "Shelley", "family": "Capito"},
        "gender": "female",
        # one phone number is a JSON number: contact_details[].value is choice<long,string>
        "contact_details": [{"type": "fax", "value": "202-225-7856"}, {"type": "phone", "value": 2022252711}],
        "identifiers": [],
        "other_names": [{"lang": "en", "name": "Shelley Moore Capito", "sources": ["wikipedia"]}],
    },
    {
        "id": "0b9a1c77-55de-4e21",
        "name": {"given": "Cyrus", "family": "Young"},
        "gender": None,
        "identifiers": ["bioguide:Y000001"],
        "other_names": [],
    },
]
MIKE, SHELLEY, CYRUS = (p["id"] for p in PERSONS)

# Lines of a DynamoDB ExportTableToPointInTime data file (DYNAMODB_JSON format).
DDB_EXPORT = [
    {
        "Item": {
            "pk": {"S": "CUSTOMER#1001"},
            "sk": {"S": "ORDER#2024-03-05#7781"},
            "total": {"N": "129.95"},
            "paid": {"BOOL": True},
            "status": {"S": "shipped"},
            "coupon": {"NULL": True},
            "tags": {"SS": ["gift", "express"]},
            "ratings": {"NS": ["4", "5"]},
            "address": {"M": {"city": {"S": "Lisbon"}, "zip": {"S": "1000-001"}, "floor": {"N": "3"}}},
            "lines": {
                "L": [
                    {"M": {"sku": {"S": "A-100"}, "qty": {"N": "2"}}},
                    {"M": {"sku": {"S": "B-200"}, "qty": {"N": "1"}}},
                ]
            },
            "notes": {"L": [{"S": "fragile"}, {"N": "3"}]},
        }
    },
    {
        "Item": {
            "pk": {"S": "CUSTOMER#1002"},
            "sk": {"S": "ORDER#2024-03-06#7782"},
            "total": {"N": "15"},
            "paid": {"BOOL": False},
            "status": {"BOOL": False},
            "coupon": {"S": "SPRING24"},
            "lines": {"L": []},
        }
    },
]


def write_jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


@pytest.fixture
def persons(ctx, tmp_path):
    path = write_jsonl(tmp_path / "persons" / "persons.json", PERSONS)
    return ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json")


@pytest.fixture
def dfc(persons, tmp_path):
    return persons.relationalize("hist_root", str(tmp_path / "staging"), transformation_ctx="rel")


def person_key(dfc, person_id, array_column):
    """The key a person's row holds in an array column of the root table."""
    row = dfc["hist_root"].toDF().where(F.col("id") == person_id).select(f"`{array_column}`").first()
    return row[0]


def test_one_table_per_array_named_after_its_path(dfc):
    assert sorted(dfc.keys()) == [
        "hist_root",
        "hist_root_contact_details",
        "hist_root_identifiers",
        "hist_root_other_names",
        "hist_root_other_names_val_sources",
    ]
    assert all(frame.name == key for key, frame in dfc.items())


def test_root_table_flattens_structs_and_replaces_arrays_by_keys(dfc):
    root = dfc["hist_root"]
    schema = root.schema()
    assert sorted(schema.names()) == [
        "contact_details",
        "gender",
        "id",
        "identifiers",
        "name.family",
        "name.given",
        "other_names",
    ]
    for array in ("contact_details", "identifiers", "other_names"):
        assert schema.field(array).dataType == LongType()
    assert schema.field("name.given").dataType == StringType()
    rows = {r["id"]: r for r in root.toDF().collect()}
    assert (rows[MIKE]["name.given"], rows[MIKE]["name.family"]) == ("Mike", "Ross")
    assert root.count() == 3


def test_join_on_the_key_gives_back_each_persons_contact_details(dfc):
    root = dfc["hist_root"].toDF()
    details = dfc["hist_root_contact_details"].resolveChoice(specs=[("`contact_details.val.value`", "cast:string")])
    details = details.toDF()
    assert details.columns == ["id", "index", "contact_details.val.type", "contact_details.val.value"]
    joined = root.join(details, root["contact_details"] == details["id"]).select(
        root["id"].alias("person"), "index", "`contact_details.val.type`", "`contact_details.val.value`"
    )
    got = {}
    for r in joined.orderBy("person", "index").collect():
        got.setdefault(r.person, []).append((r["index"], r[2], r[3]))
    assert got[MIKE] == [
        (0, "fax", "202-225-1314"),
        (1, "phone", "202-225-3772"),
        (2, "twitter", "MikeRossUpdates"),
    ]
    assert got[SHELLEY] == [(0, "fax", "202-225-7856"), (1, "phone", "2022252711")]
    assert CYRUS not in got  # no contact_details at all


def test_scalar_array_elements_go_to_val(dfc):
    identifiers = dfc["hist_root_identifiers"]
    assert identifiers.schema().names() == ["id", "index", "identifiers.val"]
    assert [f.dataType for f in identifiers.schema()] == [LongType(), IntegerType(), StringType()]
    key = person_key(dfc, MIKE, "identifiers")
    rows = identifiers.toDF().where(F.col("id") == key).orderBy("index").collect()
    assert [(r["index"], r["identifiers.val"]) for r in rows] == [(0, "bioguide:R000573"), (1, "govtrack:400344")]


def test_arrays_inside_array_elements_get_their_own_table(dfc):
    names = dfc["hist_root_other_names"]
    assert names.schema().names() == [
        "id",
        "index",
        "other_names.val.lang",
        "other_names.val.name",
        "other_names.val.sources",
    ]
    assert names.schema().field("other_names.val.sources").dataType == LongType()
    sources = dfc["hist_root_other_names_val_sources"]
    assert sources.schema().names() == ["id", "index", "other_names.val.sources.val"]

    n, s = names.toDF(), sources.toDF()
    mike_names = n.where(F.col("id") == person_key(dfc, MIKE, "other_names"))
    nested = mike_names.join(s, mike_names["`other_names.val.sources`"] == s["id"], "left")
    got = {}
    for r in nested.orderBy(mike_names["index"], s["index"]).collect():
        got.setdefault(r["other_names.val.name"], []).append(r["other_names.val.sources.val"])
    assert got == {"Michael Avery Ross": ["wikipedia", "congress.gov"], "Майк Росс": [None]}  # [] has no rows


def test_empty_array_keeps_its_key_and_missing_array_has_none(dfc):
    shelley_identifiers = person_key(dfc, SHELLEY, "identifiers")
    assert shelley_identifiers is not None  # [] -> key set, no child rows
    identifiers = dfc["hist_root_identifiers"].toDF()
    assert identifiers.where(F.col("id") == shelley_identifiers).count() == 0
    assert person_key(dfc, CYRUS, "contact_details") is None  # field absent -> null, as any absent field
    assert dfc["hist_root_contact_details"].count() == 5
    assert dfc["hist_root_other_names_val_sources"].count() == 3


def test_keys_are_unique_and_stable_across_separate_jobs(dfc, tmp_path, persons):
    root = dfc["hist_root"].toDF()
    keys = [r[0] for r in root.select("other_names").collect()]
    assert len(set(keys)) == 3
    ids = {r[0] for r in dfc["hist_root_other_names"].toDF().select("id").distinct().collect()}
    assert ids == {person_key(dfc, MIKE, "other_names"), person_key(dfc, SHELLEY, "other_names")}
    assert set(keys) == {r[0] for r in root.select("other_names").collect()}  # recomputed: the same
    # each call stages into a fresh folder under staging_path
    persons.relationalize("hist_root", str(tmp_path / "staging"))
    assert len([p for p in (tmp_path / "staging").iterdir() if p.name.startswith("relationalize-")]) == 2


def test_choice_inside_array_element_stays_a_choice(dfc):
    details = dfc["hist_root_contact_details"]
    assert details.schema().field("contact_details.val.value").dataType == ChoiceType([LongType(), StringType()])
    [path] = details.unresolved_choices()  # quoted: the name holds dots, and the path resolves it
    assert path == "`contact_details.val.value`"
    numbers = details.resolveChoice(specs=[(path, "project:long")]).toDF()
    value = F.col("`contact_details.val.value`")
    assert [r[0] for r in numbers.select(value).where(value.isNotNull()).collect()] == [2022252711]


def test_print_schema_of_a_child_table(dfc, capsys):
    dfc["hist_root_contact_details"].printSchema()
    assert capsys.readouterr().out == (
        "root\n"
        "|-- id: long\n"
        "|-- index: int\n"
        "|-- contact_details.val.type: string\n"
        "|-- contact_details.val.value: choice\n"
        "|    |-- long\n"
        "|    |-- string\n"
    )


def test_tables_can_be_written(dfc, ctx, tmp_path, spark_session):
    for name in ("hist_root", "hist_root_other_names_val_sources"):
        ctx.write_dynamic_frame.from_options(dfc[name], "file", {"path": str(tmp_path / "out" / name)}, "parquet")
    back = spark_session.read.parquet(str(tmp_path / "out" / "hist_root_other_names_val_sources"))
    assert back.columns == ["id", "index", "other_names.val.sources.val"]
    assert sorted(r[0] for r in back.select("`other_names.val.sources.val`").collect()) == [
        "congress.gov",
        "wikipedia",
        "wikipedia",
    ]


def test_relationalize_without_arrays_is_one_flat_table(ctx, tmp_path):
    path = write_jsonl(tmp_path / "flat" / "f.json", [{"a": {"b": {"c": 1}}, "d": "x"}])
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json")
    dfc = frame.relationalize("root", str(tmp_path / "staging"))
    assert list(dfc.keys()) == ["root"]
    assert [tuple(r) for r in dfc["root"].toDF().collect()] == [(1, "x")]
    assert dfc["root"].schema().names() == ["a.b.c", "d"]


def test_unnest_flattens_structs_and_leaves_arrays(persons):
    flat = persons.unnest(transformation_ctx="flat")
    schema = flat.schema()
    assert sorted(schema.names()) == [
        "contact_details",
        "gender",
        "id",
        "identifiers",
        "name.family",
        "name.given",
        "other_names",
    ]
    assert schema.field("identifiers").dataType == ArrayType(StringType())
    element = schema.field("contact_details").dataType.elementType
    assert isinstance(element, StructType) and element.field("value").dataType == ChoiceType([LongType(), StringType()])
    row = flat.toDF().where(F.col("id") == MIKE).first()
    assert (row["name.given"], row["identifiers"]) == ("Mike", ["bioguide:R000573", "govtrack:400344"])


@pytest.fixture
def orders(ctx, tmp_path):
    path = write_jsonl(tmp_path / "AWSDynamoDB" / "data" / "part-0001.json", DDB_EXPORT)
    return ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json")


def test_unnest_ddb_json_unwraps_an_export(orders, capsys):
    assert orders.schema().names() == ["Item"]
    plain = orders.unnest_ddb_json()
    schema = plain.schema()
    assert sorted(schema.names()) == sorted(DDB_EXPORT[0]["Item"])  # the Item wrapper is gone
    assert schema.field("total").dataType == StringType()  # N stays text, as in Glue
    assert schema.field("paid").dataType == BooleanType()
    assert schema.field("coupon").dataType == StringType()  # NULL in one item, S in the other
    assert schema.field("tags").dataType == ArrayType(StringType())
    assert schema.field("status").dataType == ChoiceType([BooleanType(), StringType()])
    plain.printSchema()
    out = capsys.readouterr().out
    assert "|-- address: struct\n|    |-- city: string\n|    |-- floor: string\n|    |-- zip: string\n" in out
    assert "|-- lines: array\n|    |-- element: struct\n|    |    |-- qty: string\n|    |    |-- sku: string\n" in out

    rows = {r.pk: r for r in plain.resolveChoice(specs=[("status", "make_cols")]).toDF().collect()}
    first, second = rows["CUSTOMER#1001"], rows["CUSTOMER#1002"]
    assert (first.total, first.paid, first.coupon, first.tags, first.ratings) == (
        "129.95",
        True,
        None,
        ["gift", "express"],
        ["4", "5"],
    )
    assert (first.address.city, first.address.floor) == ("Lisbon", "3")
    assert [(line.sku, line.qty) for line in first.lines] == [("A-100", "2"), ("B-200", "1")]
    assert first.notes == ["fragile", "3"]
    assert (first.status_string, first.status_boolean) == ("shipped", None)
    assert (second.coupon, second.lines, second.address, second.status_boolean) == ("SPRING24", [], None, False)
    # N values cast cleanly once the job decides on a type
    totals = plain.apply_mapping([("pk", "string", "pk", "string"), ("total", "string", "total", "decimal(10,2)")])
    assert sorted(str(r.total) for r in totals.toDF().collect()) == ["129.95", "15.00"]


def test_unnest_ddb_json_on_attributes_without_wrapper(ctx, tmp_path):
    records = [{"id": {"S": "a"}, "gone": {"NULL": True}, "plain": 5}]
    path = write_jsonl(tmp_path / "ddb" / "x.json", records)
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json")
    plain = frame.unnest_ddb_json()
    assert [(f.name, f.dataType) for f in plain.schema()] == [
        ("gone", NullType()),
        ("id", StringType()),
        ("plain", LongType()),  # not DynamoDB JSON: kept as it is
    ]
    assert [tuple(r) for r in plain.toDF().collect()] == [(None, "a", 5)]
