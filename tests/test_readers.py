"""File sources through the public API: ``create_dynamic_frame.from_options`` on small, realistic files."""

import bz2
import gzip
import json
import logging
import os
from datetime import date
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext, EtlError
from etl_framework.dynamicframe.inference import observed_type
from etl_framework.sources import readers
from etl_framework.sources.readers import FileSource
from etl_framework.types import (
    ArrayType,
    ChoiceType,
    DateType,
    DecimalType,
    DoubleType,
    Field,
    LongType,
    NullType,
    StringType,
    StructType,
    choice_paths,
)

from .conftest import needs_package, spark_jobs

LONG_OR_STRING = ChoiceType([LongType(), StringType()])

MEDICARE_HEADER = [
    "DRG Definition",
    "Provider Id",
    "Provider Name",
    "Provider City",
    "Provider State",
    "Provider Zip Code",
    "Total Discharges",
    "Average Covered Charges",
    "Average Total Payments",
]
DRG_039 = "039 - EXTRACRANIAL PROCEDURES W/O CC/MCC"
DRG_057 = "057 - DEGENERATIVE NERVOUS SYSTEM DISORDERS W/O MCC"
MEDICARE_ROWS = [
    f"{DRG_039},10001,SOUTHEAST ALABAMA MEDICAL CENTER,DOTHAN,AL,36301,91,$32963.07,$5777.24",
    f"{DRG_039},10005,MARSHALL MEDICAL CENTER SOUTH,BOAZ,AL,35957,14,$15131.85,$5787.57",
    f'{DRG_039},AB123,"ST VINCENT\'S EAST, BIRMINGHAM",BIRMINGHAM,AL,35235,24,$37560.37,$5434.95',
    f"{DRG_039},10011,ST VINCENT'S EAST,BIRMINGHAM,AL,35235,25,$13998.28,$5417.56",
    f"{DRG_057},AB456,HUNTSVILLE HOSPITAL,HUNTSVILLE,AL,35801,12,$25130.45,$6178.25",
]
MEDICARE_CSV = ",".join(MEDICARE_HEADER) + "\n" + "".join(row + "\n" for row in MEDICARE_ROWS)


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def jsonl(records):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def read(ctx, paths, fmt="json", format_options=None, tctx="src", **connection_options):
    paths = [str(p) for p in (paths if isinstance(paths, list) else [paths])]
    return ctx.create_dynamic_frame.from_options(
        connection_type="file",
        connection_options={"paths": paths, **connection_options},
        format=fmt,
        format_options=format_options,
        transformation_ctx=tctx,
    )


def printed(frame, capsys):
    capsys.readouterr()
    frame.printSchema()
    return capsys.readouterr().out


def sorted_rows(frame, key):
    return sorted(frame.toDF().collect(), key=lambda r: r[key])


# --- CSV --------------------------------------------------------------------------------------


def test_medicare_csv_provider_id_is_a_choice_of_long_and_string(ctx, tmp_path, capsys):
    frame = read(ctx, write(tmp_path / "medicare" / "inpatient.csv", MEDICARE_CSV), "csv", {"withHeader": True})
    assert frame.count() == 5
    assert frame.errorsCount() == 0
    schema = frame.schema()
    assert schema.names() == MEDICARE_HEADER
    assert schema.field("Provider Id").dataType == LONG_OR_STRING
    assert schema.field("Provider Zip Code").dataType == LongType()
    assert schema.field("Total Discharges").dataType == LongType()
    assert schema.field("Average Covered Charges").dataType == StringType()  # "$32963.07"
    assert schema.field("Provider Name").dataType == StringType()
    assert printed(frame, capsys) == (
        "root\n"
        "|-- DRG Definition: string\n"
        "|-- Provider Id: choice\n"
        "|    |-- long\n"
        "|    |-- string\n"
        "|-- Provider Name: string\n"
        "|-- Provider City: string\n"
        "|-- Provider State: string\n"
        "|-- Provider Zip Code: long\n"
        "|-- Total Discharges: long\n"
        "|-- Average Covered Charges: string\n"
        "|-- Average Total Payments: string\n"
    )


def test_medicare_csv_values_are_typed(ctx, tmp_path):
    frame = read(ctx, write(tmp_path / "medicare.csv", MEDICARE_CSV), "csv", {"withHeader": "true"})
    rows = sorted_rows(frame, "Total Discharges")
    assert [r["Total Discharges"] for r in rows] == [12, 14, 24, 25, 91]
    assert [r["Provider Zip Code"] for r in rows] == [35801, 35957, 35235, 35235, 36301]
    # An unresolved choice comes out of toDF as a struct with one field per alternative.
    assert [(r["Provider Id"]["long"], r["Provider Id"]["string"]) for r in rows] == [
        (None, "AB456"),
        (10005, None),
        (None, "AB123"),
        (10011, None),
        (10001, None),
    ]
    assert rows[2]["Provider Name"] == "ST VINCENT'S EAST, BIRMINGHAM"
    assert rows[4]["Average Covered Charges"] == "$32963.07"


def test_csv_decimal_text_is_double(ctx, tmp_path):
    text = "sku,price,qty\nA-1,19.99,2\nB-2,5.00,3\nC-3,.5,-1\n"
    frame = read(ctx, write(tmp_path / "prices.csv", text), "csv", {"withHeader": True})
    assert frame.schema() == StructType(
        [Field("sku", StringType()), Field("price", DoubleType()), Field("qty", LongType())]
    )
    assert [(r.price, r.qty) for r in sorted_rows(frame, "sku")] == [(19.99, 2), (5.0, 3), (0.5, -1)]


def test_csv_separator_and_quoted_values(ctx, tmp_path):
    text = 'id|name|city\n1|"Smith|John"|"New York"\n2|Plain|"Bogotá, D.C."\n'
    frame = read(ctx, write(tmp_path / "people.psv", text), "csv", {"withHeader": True, "separator": "|"})
    assert frame.schema() == StructType(
        [Field("id", LongType()), Field("name", StringType()), Field("city", StringType())]
    )
    assert [tuple(r) for r in sorted_rows(frame, "id")] == [(1, "Smith|John", "New York"), (2, "Plain", "Bogotá, D.C.")]


def test_csv_doubled_quote_inside_quoted_value_is_one_quote(ctx, tmp_path):
    # RFC 4180: inside a quoted value a doubled quote character stands for one quote (Glue's default,
    # with no escaper set).
    text = 'id,note\n1,"said ""hi"" twice"\n2,"plain"\n'
    frame = read(ctx, write(tmp_path / "notes.csv", text), "csv", {"withHeader": True})
    assert [r.note for r in sorted_rows(frame, "id")] == ['said "hi" twice', "plain"]


def test_csv_row_with_wrong_number_of_columns_is_an_error_record(ctx, tmp_path):
    text = "id|name|qty\n1|apple|3\n2|pear\n3|plum|4|extra\n4|fig|5\n"
    path = write(tmp_path / "fruit" / "fruit.csv", text)
    frame = read(ctx, path, "csv", {"withHeader": True, "separator": "|"}, tctx="fruit")
    assert frame.count() == 2
    assert [tuple(r) for r in sorted_rows(frame, "id")] == [(1, "apple", 3), (4, "fig", 5)]
    assert frame.errorsCount() == 2
    errors = [r.error for r in frame.errorsAsDynamicFrame().toDF().collect()]
    assert sorted(e.input for e in errors) == ["2|pear", "3|plum|4|extra"]
    assert all(e.source.endswith("fruit/fruit.csv") for e in errors)
    assert all(e.msg and "CSV" in e.msg for e in errors)
    assert all(e.transformation_ctx == "fruit" for e in errors)


def test_csv_without_header_names_columns_col0_col1(ctx, tmp_path):
    text = "10001,DOTHAN,91\n10005,BOAZ,14\n"
    frame = read(ctx, write(tmp_path / "noheader.csv", text), "csv")
    assert frame.schema() == StructType(
        [Field("col0", LongType()), Field("col1", StringType()), Field("col2", LongType())]
    )
    assert frame.count() == 2
    assert [tuple(r) for r in sorted_rows(frame, "col0")] == [(10001, "DOTHAN", 91), (10005, "BOAZ", 14)]


def test_csv_folder_whose_first_file_is_empty_takes_the_header_of_the_next(ctx, tmp_path):
    folder = tmp_path / "exports"
    write(folder / "2026-10-01.csv", "")
    write(folder / "2026-10-02.csv", "id,city\n1,Dothan\n2,Boaz\n")
    frame = read(ctx, folder, "csv", {"withHeader": True})
    assert frame.schema() == StructType([Field("id", LongType()), Field("city", StringType())])
    assert [tuple(r) for r in sorted_rows(frame, "id")] == [(1, "Dothan"), (2, "Boaz")]
    assert frame.errorsCount() == 0
    assert ctx.metrics.as_dict() == {"read": 2, "written": 0, "errors": 0}


def test_csv_file_whose_header_differs_is_an_error_naming_it(ctx, tmp_path):
    folder = tmp_path / "exports"
    write(folder / "a.csv", "id,city\n1,Dothan\n")
    write(folder / "b.csv", "city,id\nBoaz,2\n")  # the same columns in another order
    with pytest.raises(EtlError, match=r"CSV file \S*/exports/b\.csv: its header \(city, id\) is not the header"):
        read(ctx, folder, "csv", {"withHeader": True})
    write(folder / "b.csv", "id,city,zip\n2,Boaz,35957\n")  # another column
    with pytest.raises(
        EtlError,
        match=r"CSV file \S*/exports/b\.csv: its header of 3 columns is not the header of \S*/a\.csv \(id, city\)",
    ):
        read(ctx, folder, "csv", {"withHeader": True})
    write(folder / "b.csv", "id,city\n2,Boaz\n")
    assert [tuple(r) for r in sorted_rows(read(ctx, folder, "csv", {"withHeader": True}), "id")] == [
        (1, "Dothan"),
        (2, "Boaz"),
    ]


def test_csv_text_not_valid_in_its_encoding_is_an_error_record(ctx, tmp_path):
    path = write(tmp_path / "latin1" / "people.csv", "id,name\n1,Zoé\n2,Ana\n3,Françoise\n", encoding="latin-1")
    frame = read(ctx, path, "csv", {"withHeader": True})
    assert [tuple(r) for r in frame.toDF().collect()] == [(2, "Ana")]
    errors = sorted((r.error for r in frame.errorsAsDynamicFrame().toDF().collect()), key=lambda e: e.input)
    assert [e.input for e in errors] == ["1,Zo\ufffd", "3,Fran\ufffdoise"]
    assert all(e.source.endswith("latin1/people.csv") for e in errors)
    assert all(e.msg == "CSV record has text that is not valid UTF-8 (set format option 'encoding')" for e in errors)
    assert ctx.metrics.as_dict() == {"read": 3, "written": 0, "errors": 2}
    latin1 = read(ctx, path, "csv", {"withHeader": True, "encoding": "ISO-8859-1"})
    assert [tuple(r) for r in sorted_rows(latin1, "id")] == [(1, "Zoé"), (2, "Ana"), (3, "Françoise")]
    assert latin1.errorsCount() == 0


# --- JSON -------------------------------------------------------------------------------------


def test_number_in_one_file_and_string_in_another_is_a_choice(ctx, tmp_path, capsys):
    folder = tmp_path / "orders"
    write(folder / "2026-10-01.jsonl", jsonl([{"id": 1, "total": 12}, {"id": 2, "total": 30}]))
    write(folder / "2026-10-02.jsonl", jsonl([{"id": 3, "total": "€29.25"}]))
    frame = read(ctx, folder)
    assert frame.count() == 3
    assert frame.schema() == StructType([Field("id", LongType()), Field("total", LONG_OR_STRING)])
    assert choice_paths(frame.schema()) == ["total"]
    assert printed(frame, capsys) == "root\n|-- id: long\n|-- total: choice\n|    |-- long\n|    |-- string\n"
    totals = [(r.total["long"], r.total["string"]) for r in sorted_rows(frame, "id")]
    assert totals == [(12, None), (30, None), (None, "€29.25")]


def test_struct_in_one_record_and_string_in_another(ctx, tmp_path, capsys):
    records = [
        {"id": 1, "customer": {"id": 7, "name": "Ana"}},
        {"id": 2, "customer": "Legacy Buyer"},
    ]
    frame = read(ctx, write(tmp_path / "c.json", jsonl(records)))
    customer = frame.schema().field("customer").dataType
    assert isinstance(customer, ChoiceType)
    assert customer.choices == {
        "string": StringType(),
        "struct": StructType([Field("id", LongType()), Field("name", StringType())]),
    }
    assert printed(frame, capsys) == (
        "root\n"
        "|-- customer: choice\n"
        "|    |-- string\n"
        "|    |-- struct\n"
        "|    |    |-- id: long\n"
        "|    |    |-- name: string\n"
        "|-- id: long\n"
    )
    rows = sorted_rows(frame, "id")
    assert rows[0].customer.struct == Row(id=7, name="Ana") and rows[0].customer.string is None
    assert rows[1].customer.string == "Legacy Buyer" and rows[1].customer.struct is None


def test_choice_nested_inside_an_array_of_structs(ctx, tmp_path, capsys):
    records = [
        {"id": 1, "items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": "3"}]},
        {"id": 2, "items": [{"sku": "C", "qty": 1}]},
        {"id": 3, "items": []},
    ]
    frame = read(ctx, write(tmp_path / "items.json", jsonl(records)))
    assert frame.schema().field("items").dataType == ArrayType(
        StructType([Field("qty", LONG_OR_STRING), Field("sku", StringType())])
    )
    assert choice_paths(frame.schema()) == ["items[].qty"]
    assert (
        "|-- items: array\n"
        "|    |-- element: struct\n"
        "|    |    |-- qty: choice\n"
        "|    |    |    |-- long\n"
        "|    |    |    |-- string\n"
        "|    |    |-- sku: string\n"
    ) in printed(frame, capsys)
    items = {r.id: [(i.sku, i.qty["long"], i.qty["string"]) for i in r["items"]] for r in frame.toDF().collect()}
    assert items == {1: [("A", 2, None), ("B", None, "3")], 2: [("C", 1, None)], 3: []}
    # Glue's paths into array elements: ``items[].qty``, or ``items.qty`` as Glue also takes it.
    cast = {
        r.id: [i.qty for i in r["items"]] for r in frame.resolveChoice([("items[].qty", "cast:long")]).toDF().collect()
    }
    assert cast == {1: [2, 3], 2: [1], 3: []}
    cols = frame.resolveChoice([("items.qty", "make_cols")])
    # The first type's column in the choice's place, the others after the struct's fields.
    fields = cols.schema().field("items").dataType.elementType.fields
    assert [f.name for f in fields] == ["qty_long", "sku", "qty_string"]
    split = {r.id: [(i.qty_long, i.qty_string) for i in r["items"]] for r in cols.unnest().toDF().collect()}
    assert split == {1: [(2, None), (None, "3")], 2: [(1, None)], 3: []}


def test_array_mixing_element_types_in_one_record(ctx, tmp_path, capsys, caplog):
    frame = read(ctx, write(tmp_path / "tags.json", jsonl([{"id": 1, "tags": [1, "a"]}])))
    assert frame.schema() == StructType([Field("id", LongType()), Field("tags", ArrayType(LONG_OR_STRING))])
    assert choice_paths(frame.schema()) == ["tags[]"]
    assert "|-- tags: array\n|    |-- element: choice\n|    |    |-- long\n|    |    |-- string\n" in printed(
        frame, capsys
    )
    tags = frame.toDF().first().tags
    assert [(t["long"], t["string"]) for t in tags] == [(1, None), (None, "a")]
    assert frame.resolveChoice([("tags[]", "cast:string")]).toDF().first().tags == ["1", "a"]
    with pytest.raises(EtlError, match=r"make_cols on 'tags\[\]': an array element holds one value.*use make_struct"):
        frame.resolveChoice([("tags[]", "make_cols")])
    # choice="make_cols" on every choice: an element's choice becomes a struct of its types, with a warning.
    with caplog.at_level(logging.WARNING, logger="etl"):
        split = frame.resolveChoice(choice="make_cols")
    assert "make_cols keeps 'tags[]' as a struct of its types" in caplog.text
    assert [(t.long, t.string) for t in split.unnest().toDF().first().tags] == [(1, None), (None, "a")]


def test_mixed_arrays_nested_in_arrays_are_resolved_to_the_leaves(ctx, tmp_path):
    records = [{"id": 1, "matrix": [[1, "a"], [2]]}, {"id": 2, "matrix": [[3]]}]
    frame = read(ctx, write(tmp_path / "matrix.json", jsonl(records)))
    assert frame.schema().field("matrix").dataType == ArrayType(ArrayType(LONG_OR_STRING))


def test_field_missing_from_some_records_is_not_a_choice(ctx, tmp_path):
    records = [
        {"id": 1, "discount": 5, "note": None},
        {"id": 2},
        {"id": 3, "discount": None, "address": {"city": "Boaz"}},
        {"id": 4, "address": {"city": "Dothan", "zip": 36301}},
    ]
    frame = read(ctx, write(tmp_path / "sparse.json", jsonl(records)))
    schema = frame.schema()
    assert choice_paths(schema) == []
    assert schema.field("discount").dataType == LongType()
    assert schema.field("address").dataType == StructType([Field("city", StringType()), Field("zip", LongType())])
    assert schema.field("note").dataType == NullType()  # null in every record
    rows = sorted_rows(frame, "id")
    assert [r.discount for r in rows] == [5, None, None, None]
    assert [r.address for r in rows] == [None, None, Row(city="Boaz", zip=None), Row(city="Dothan", zip=36301)]


def test_unicode_field_names(ctx, tmp_path, capsys):
    records = [{"prénom": "Zoé", "城市": "北京", "âge": 31}, {"prénom": "Łukasz", "城市": "Kraków", "âge": 40}]
    frame = read(ctx, write(tmp_path / "personnes.json", jsonl(records)))
    schema = frame.schema()
    assert set(schema.names()) == {"prénom", "城市", "âge"}
    assert schema.field("prénom").dataType == StringType()
    assert schema.field("âge").dataType == LongType()
    out = printed(frame, capsys)
    assert "|-- prénom: string\n" in out and "|-- 城市: string\n" in out
    df = frame.toDF()
    assert sorted((r["prénom"], r["城市"], r["âge"]) for r in df.collect()) == [
        ("Zoé", "北京", 31),
        ("Łukasz", "Kraków", 40),
    ]


def test_gzip_and_bzip2_json_files(ctx, tmp_path):
    folder = tmp_path / "compressed"
    folder.mkdir()
    with gzip.open(folder / "part-1.json.gz", "wt", encoding="utf-8") as f:
        f.write(jsonl([{"id": 1, "city": "Dothan"}, {"id": 2, "city": "Boaz"}]))
    with bz2.open(folder / "part-2.json.bz2", "wt", encoding="utf-8") as f:
        f.write(jsonl([{"id": 3, "city": "Zürich"}]))
    assert (folder / "part-1.json.gz").read_bytes()[:2] == b"\x1f\x8b"  # really compressed
    frame = read(ctx, folder)
    assert frame.errorsCount() == 0
    assert frame.schema() == StructType([Field("city", StringType()), Field("id", LongType())])
    assert [(r.id, r.city) for r in sorted_rows(frame, "id")] == [(1, "Dothan"), (2, "Boaz"), (3, "Zürich")]
    only_bz2 = read(ctx, folder / "part-2.json.bz2")
    assert [(r.id, r.city) for r in only_bz2.toDF().collect()] == [(3, "Zürich")]


def test_exclusions_leave_out_matching_files(ctx, tmp_path):
    folder = tmp_path / "landing"
    write(folder / "orders.json", jsonl([{"id": 1}, {"id": 2}]))
    write(folder / "manifest.csv", "file,rows\norders.json,2\n")
    write(folder / "sub" / "more.csv", "a,b\n1,2\n")
    write(folder / "sub" / "more.json", jsonl([{"id": 3}]))
    everything = read(ctx, folder)
    assert everything.count() == 3
    assert everything.errorsCount() == 4  # the CSV lines are not JSON
    frame = read(ctx, folder, exclusions='["**.csv"]')
    assert frame.errorsCount() == 0
    assert sorted(r.id for r in frame.toDF().collect()) == [1, 2, 3]
    as_list = read(ctx, folder, exclusions=["**.csv", "**/sub/**"])
    assert sorted(r.id for r in as_list.toDF().collect()) == [1, 2]


def test_recurse_false_reads_only_the_top_folder(ctx, tmp_path):
    folder = tmp_path / "events"
    write(folder / "top.json", jsonl([{"id": 1}]))
    write(folder / "2026" / "10" / "nested.json", jsonl([{"id": 2}, {"id": 3}]))
    shallow = read(ctx, folder, recurse=False)
    assert sorted(r.id for r in shallow.toDF().collect()) == [1]
    deep = read(ctx, folder, recurse=True)
    assert sorted(r.id for r in deep.toDF().collect()) == [1, 2, 3]
    assert read(ctx, folder, recurse="false").count() == 1


def test_empty_folder_reads_as_an_empty_frame(ctx, tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    write(folder / "_SUCCESS", "")
    frame = read(ctx, folder)
    assert frame.count() == 0
    assert frame.errorsCount() == 0
    assert frame.schema() == StructType()
    assert printed(frame, capsys) == "root\n"
    assert frame.toDF().collect() == []


def test_file_of_only_malformed_lines_makes_error_records(ctx, tmp_path):
    lines = ['{"id": 1, "name": "Ana"', "not json at all", '{"id": }', '{"id": 2 "name": "Bo"}']
    path = write(tmp_path / "bad" / "broken.json", "\n".join(lines) + "\n")
    frame = read(ctx, path, tctx="broken_src")
    assert frame.count() == 0
    assert frame.errorsCount() == len(lines)
    errors = frame.errorsAsDynamicFrame().toDF()
    assert errors.columns == ["error"]  # Glue's shape: one struct per error record
    rows = [r.error for r in errors.collect()]
    assert sorted(r.input for r in rows) == sorted(lines)
    assert all(r.source.endswith("bad/broken.json") for r in rows)
    assert all(r.msg == "malformed JSON record" for r in rows)
    assert all(r.transformation_ctx == "broken_src" for r in rows)
    assert all(r.bytesread == len(r.input.encode()) for r in rows)


def test_malformed_lines_beside_good_ones(ctx, tmp_path):
    text = jsonl([{"id": 1}, {"id": 2}]) + '{"id": 3,\n' + jsonl([{"id": 4}])
    frame = read(ctx, write(tmp_path / "mixed.json", text))
    assert frame.count() == 3
    assert frame.errorsCount() == 1
    assert [r.error.input for r in frame.errorsAsDynamicFrame().toDF().collect()] == ['{"id": 3,']
    assert sorted(r.id for r in frame.toDF().collect()) == [1, 2, 4]


@pytest.mark.parametrize("on_driver", [True, False])
def test_json_lines_inference_parses_each_line_as_sparks_reader_does(
    ctx, spark_session, tmp_path, monkeypatch, on_driver
):
    # Inference parses JSON lines itself; Spark's reader reads the data and the error records. Both
    # must agree on every line: the same types, the same records, the same ones malformed. A small
    # input's lines are read and parsed on the driver; a larger one's by a Spark aggregation.
    if not on_driver:
        monkeypatch.setattr(readers, "DRIVER_BYTES", 0)
    lines = [
        '{"id": 1, "tags": ["a", 2], "price": 1.5}',
        "{'id': 'quoted', 'price': NaN}",  # Spark's reader allows single quotes and NaN
        '{"id": 3} and text after the value',  # ignored, as Spark ignores it
        '{"id": 12345678901234567890123}',  # past a long: a decimal, read as double
        '{"id": 4, "id": 5}',  # a duplicate key: malformed
        '{"id": 6, "late": {"deep": true}, "cut": ',  # malformed after new fields: they leave no type
        "not JSON from its first character",
        "",
        "   ",
        '[{"id": 7, "in_array": null}, 8]',  # one record per element; 8 is not an object
        '"just text"',
        '{"caf\\u00e9": "\\ud83d\\ude00", "nested": {"a": [[1], {"b": 2}]}}',
    ]
    path = write(tmp_path / "edge.json", "\n".join(lines) + "\n")
    frame, jobs = spark_jobs(spark_session, lambda: read(ctx, path))
    assert jobs == (0 if on_driver else 2)  # the driver reads no Spark job; an aggregation's shuffle adds one
    assert frame.schema() == StructType(
        [
            Field("café", StringType()),
            Field("id", ChoiceType([LongType(), StringType(), DoubleType()])),
            Field("in_array", NullType()),
            Field("nested", StructType([Field("a", ArrayType(ChoiceType([ArrayType(LongType()), b_long()])))])),
            Field("price", DoubleType()),
            Field("tags", ArrayType(LONG_OR_STRING)),
        ]
    )
    assert ctx.metrics.as_dict() == {"read": 10, "written": 0, "errors": 3}  # blank lines hold no record
    assert frame.count() == 6
    assert frame.errorsCount() == 5  # three malformed, two not objects
    # The same types as inference over the VARIANTs of Spark's own reader.
    variants = (
        spark_session.read.option("singleVariantColumn", "v")
        .option("columnNameOfCorruptRecord", "c")
        .schema("v variant, c string")
        .json(str(path))
    )
    assert variants.count() == 10
    assert variants.where("c IS NOT NULL AND v IS NULL").count() == 3
    elements = F.when(F.schema_of_variant("v").startswith("ARRAY"), F.try_variant_get("v", "$", "array<variant>"))
    records = variants.where("c IS NULL").select(F.explode(F.coalesce(elements, F.array("v"))).alias("v"))
    assert observed_type(records.where(F.schema_of_variant("v").startswith("OBJECT"))) == frame.schema()


@pytest.mark.parametrize("on_driver", [True, False])
def test_json_lines_end_where_sparks_reader_ends_them(ctx, spark_session, tmp_path, monkeypatch, on_driver):
    # The driver splits the files itself (Hadoop's line reader, as Spark's reader runs it): \r\n, \r
    # and \n end lines, a UTF-8 byte order mark is no text, the last line needs no end. The data read
    # is Spark's, with its file names, on both paths.
    if not on_driver:
        monkeypatch.setattr(readers, "DRIVER_BYTES", 0)
    folder = tmp_path / "ends"
    write(folder / "day=1" / "a.json", "")
    (folder / "day=1" / "a.json").write_bytes(b'\xef\xbb\xbf{"id": 1}\r\n{"id": "two"}\r{"id": 3}\n\r\n{"id": ')
    write(folder / "day=2" / "b.json", "")
    (folder / "day=2" / "b.json").write_bytes(b'{"id": 4.5}')
    frame, jobs = spark_jobs(spark_session, lambda: read(ctx, folder))
    assert jobs == (0 if on_driver else 2)
    assert frame.schema() == StructType([Field("id", ChoiceType([LongType(), StringType(), DoubleType()]))])
    assert ctx.metrics.as_dict() == {"read": 5, "written": 0, "errors": 1}
    rows = frame.toDF().select(
        F.col("id.long").alias("n"), F.col("id.string").alias("s"), F.input_file_name().alias("file")
    )
    assert sorted([(r.n, r.s, r.file.rsplit("/", 2)[-2]) for r in rows.collect()], key=str) == [
        (1, None, "day=1"),
        (3, None, "day=1"),
        (None, "two", "day=1"),
        (None, None, "day=2"),
    ]
    assert [r.error.input for r in frame.errorsAsDynamicFrame().toDF().collect()] == ['{"id": ']


def b_long():
    return StructType([Field("b", LongType())])


def test_multiline_json_documents(ctx, tmp_path):
    folder = tmp_path / "docs"
    write(folder / "one.json", json.dumps({"id": 1, "customer": {"name": "Ana"}}, indent=2))
    write(folder / "many.json", json.dumps([{"id": 2, "customer": {"name": "Bo"}}, {"id": 3}], indent=2))
    frame = read(ctx, folder, format_options={"multiline": True})
    assert frame.errorsCount() == 0
    assert frame.schema() == StructType(
        [Field("customer", StructType([Field("name", StringType())])), Field("id", LongType())]
    )
    assert [(r.id, r.customer.name if r.customer else None) for r in sorted_rows(frame, "id")] == [
        (1, "Ana"),
        (2, "Bo"),
        (3, None),
    ]
    # Read line by line, a pretty-printed document is not JSON.
    line_by_line = read(ctx, folder / "one.json")
    assert line_by_line.count() == 0 and line_by_line.errorsCount() > 0


def test_json_path_selects_the_records_inside_a_document(ctx, tmp_path):
    document = {
        "store": "Dothan",
        "orders": [{"id": 1, "total": 12.5}, {"id": 2, "total": "n/a"}, {"id": 3, "total": 7.0}],
    }
    path = write(tmp_path / "export.json", json.dumps(document, indent=2))
    frame = read(ctx, path, format_options={"jsonPath": "$.orders[*]"})
    assert frame.count() == 3
    assert frame.schema() == StructType(
        [Field("id", LongType()), Field("total", ChoiceType([DoubleType(), StringType()]))]
    )
    totals = {r.id: (r.total["double"], r.total["string"]) for r in frame.toDF().collect()}
    assert totals == {1: (12.5, None), 2: (None, "n/a"), 3: (7.0, None)}


def test_json_values_that_are_not_objects_are_error_records(ctx, tmp_path):
    frame = read(ctx, write(tmp_path / "scalars.json", '{"id": 1}\n42\n"just text"\n'))
    assert frame.count() == 1
    assert frame.errorsCount() == 2
    assert sorted(r.error.input for r in frame.errorsAsDynamicFrame().toDF().collect()) == ['"just text"', "42"]


PERSON = StructType([Field("a.b", LongType()), Field("e-mail", StringType()), Field("first name", StringType())])


def test_nested_names_with_a_space_dot_or_hyphen_in_json_and_parquet(ctx, tmp_path):
    records = [
        {
            "id": 1,
            "person": {"first name": "Ana", "e-mail": "ana@example.org", "a.b": 7},
            "items": [{"unit price": 2.5}],
        },
        {"id": 2, "person": {"first name": "Bo"}, "items": []},
    ]
    frame = read(ctx, write(tmp_path / "people.json", jsonl(records)))
    schema = StructType(
        [
            Field("id", LongType()),
            Field("items", ArrayType(StructType([Field("unit price", DoubleType())]))),
            Field("person", PERSON),
        ]
    )
    rows = [
        Row(
            id=1,
            items=[Row(**{"unit price": 2.5})],
            person=Row(**{"a.b": 7, "e-mail": "ana@example.org", "first name": "Ana"}),
        ),
        Row(id=2, items=[], person=Row(**{"a.b": None, "e-mail": None, "first name": "Bo"})),
    ]
    assert frame.schema() == schema
    assert sorted_rows(frame, "id") == rows
    assert frame.errorsCount() == 0
    ctx.write_dynamic_frame.from_options(frame, "file", {"path": str(tmp_path / "parquet")}, "parquet")
    back = read(ctx, tmp_path / "parquet", "parquet")
    assert back.schema() == StructType([schema.fields[0], schema.fields[1], schema.fields[2]])
    assert sorted_rows(back, "id") == rows
    assert back.errorsCount() == 0


# --- XML --------------------------------------------------------------------------------------


def test_xml_with_row_tag(ctx, tmp_path):
    xml = """<?xml version="1.0"?>
<catalog>
  <book id="bk101"><author>Gambardella, Matthew</author><title>XML Developer's Guide</title>
    <price>44.95</price><year>2000</year></book>
  <book id="bk102"><author>Ralls, Kim</author><title>Midnight Rain</title>
    <price>5.95</price><year>2001</year></book>
</catalog>
"""
    frame = read(ctx, write(tmp_path / "books.xml", xml), "xml", {"rowTag": "book"})
    assert frame.count() == 2
    assert frame.errorsCount() == 0
    schema = frame.schema()
    assert schema.field("_id").dataType == StringType()  # attributes get Glue's "_" prefix
    assert schema.field("author").dataType == StringType()
    assert schema.field("price").dataType == DoubleType()
    assert schema.field("year").dataType == LongType()
    rows = sorted_rows(frame, "_id")
    assert [(r._id, r.author, r.price, r.year) for r in rows] == [
        ("bk101", "Gambardella, Matthew", 44.95, 2000),
        ("bk102", "Ralls, Kim", 5.95, 2001),
    ]


def test_xml_without_row_tag_is_an_error(ctx, tmp_path):
    path = write(tmp_path / "x.xml", "<a><b>1</b></a>\n")
    with pytest.raises(EtlError, match="rowTag"):
        read(ctx, path, "xml")


# --- columnar and text ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "orc"])
def test_columnar_round_trip(ctx, spark_session, tmp_path, fmt):
    df = spark_session.createDataFrame(
        [
            (1, "Ana", 19.99, Decimal("1234.50"), date(2026, 10, 1), ["a", "b"], (7, "Dothan")),
            (2, "Bo", None, Decimal("0.10"), date(2026, 10, 2), [], None),
        ],
        "id long, name string, price double, amount decimal(12,2), day date, tags array<string>, "
        "customer struct<id: long, city: string>",
    )
    path = tmp_path / fmt
    df.write.format(fmt).save(str(path))
    frame = read(ctx, path, fmt)
    assert frame.count() == 2
    assert frame.errorsCount() == 0
    assert frame.schema() == StructType(
        [
            Field("id", LongType()),
            Field("name", StringType()),
            Field("price", DoubleType()),
            Field("amount", DecimalType(12, 2)),
            Field("day", DateType()),
            Field("tags", ArrayType(StringType())),
            Field("customer", StructType([Field("id", LongType()), Field("city", StringType())])),
        ]
    )
    assert sorted_rows(frame, "id") == sorted(df.collect(), key=lambda r: r.id)


def test_nested_names_with_a_dot_or_hyphen_in_xml(ctx, tmp_path):
    xml = (
        "<people>"
        '<person id="1"><contact><e-mail>ana@example.org</e-mail><a.b>7</a.b></contact></person>'
        '<person id="2"><contact><e-mail>bo@example.org</e-mail></contact></person>'
        "</people>"
    )
    frame = read(ctx, write(tmp_path / "people.xml", xml), "xml", {"rowTag": "person"})
    contact = StructType([Field("a.b", LongType()), Field("e-mail", StringType())])
    assert frame.schema() == StructType([Field("_id", LongType()), Field("contact", contact)])
    assert sorted_rows(frame, "_id") == [
        Row(_id=1, contact=Row(**{"a.b": 7, "e-mail": "ana@example.org"})),
        Row(_id=2, contact=Row(**{"a.b": None, "e-mail": "bo@example.org"})),
    ]
    assert frame.errorsCount() == 0


@pytest.mark.parametrize("fmt", ["parquet", "orc"])
def test_columnar_files_with_different_columns_keep_every_column(ctx, spark_session, tmp_path, fmt):
    spark_session.createDataFrame([(1,)], "id long").write.format(fmt).save(str(tmp_path / "events" / "old"))
    newer = spark_session.createDataFrame([(2, "late")], "id long, note string")
    newer.write.format(fmt).save(str(tmp_path / "events" / "new"))
    frame = read(ctx, tmp_path / "events", fmt)
    assert frame.schema() == StructType([Field("id", LongType()), Field("note", StringType())])
    assert sorted_rows(frame, "id") == [Row(id=1, note=None), Row(id=2, note="late")]
    assert frame.errorsCount() == 0


def test_text_round_trip(ctx, spark_session, tmp_path):
    lines = ["first line", "zweite Zeile — ü", "", "last"]
    spark_session.createDataFrame([(x,) for x in lines], "value string").coalesce(1).write.text(str(tmp_path / "t"))
    frame = read(ctx, tmp_path / "t", "text")
    assert frame.schema() == StructType([Field("value", StringType())])
    assert frame.count() == 4
    assert sorted(r.value for r in frame.toDF().collect()) == sorted(lines)


# --- errors in the options ----------------------------------------------------------------------


def test_missing_path_is_an_error_naming_it(ctx, tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(EtlError, match="does not exist") as info:
        read(ctx, missing)
    assert str(missing) in str(info.value)


def test_folder_name_holding_the_listing_separators(ctx, tmp_path):
    # Hadoop's FileStatus.toString() separates its fields so; the listing must not be misled by them.
    folder = tmp_path / "odd; isDirectory=true; length=99; modification_time=1"
    write(folder / "a.json", jsonl([{"id": 1}]))
    write(folder / "sub; isDirectory" / "b.json", jsonl([{"id": 2}, {"id": 3}]))
    frame = read(ctx, folder)
    assert sorted(r.id for r in frame.toDF().collect()) == [1, 2, 3]
    listed = FileSource(ctx, {"paths": [str(folder)]}, "json", None).list()
    files = [folder / "a.json", folder / "sub; isDirectory" / "b.json"]
    assert [(f.path, f.size, f.modified_ms) for f in listed] == [
        (f"file:{p}", p.stat().st_size, int(p.stat().st_mtime * 1000)) for p in files
    ]


def _hadoop_listing(spark, folder):
    """(URI, length, modified ms) of the data files below ``folder`` as Hadoop's own FileSystem
    lists them, one py4j call per file: the reference the local listing must agree with."""
    path = spark._jvm.org.apache.hadoop.fs.Path(f"file:{folder}")
    files, found = path.getFileSystem(spark._jsc.hadoopConfiguration()).listFiles(path, True), []
    while files.hasNext():
        status = files.next()
        uri = status.getPath().toString()
        if not any(
            part.startswith(("_", ".")) or part.endswith(".crc") for part in uri[len(f"file:{folder}") :].split("/")
        ):
            found.append((uri, status.getLen(), status.getModificationTime()))
    return sorted(found)


def test_local_listing_agrees_with_hadoops_file_system(ctx, spark_session, tmp_path):
    # Local folders are listed without the JVM; a bookmark must see the same paths, lengths and
    # times Hadoop gives (a committed band of paths would otherwise read files again).
    folder = tmp_path / "in box"
    write(folder / "a b%20c é.json", jsonl([{"id": 1}]))
    write(folder / "2026" / "01" / "nested.json", jsonl([{"id": 2}, {"id": 3}]))
    write(folder / "_SUCCESS", "")
    write(folder / ".hidden" / "skipped.json", jsonl([{"id": 9}]))
    write(folder / "part.json.crc", "x")
    write(tmp_path / "elsewhere" / "linked.json", jsonl([{"id": 4}]))
    (folder / "link.json").symlink_to(tmp_path / "elsewhere" / "linked.json")
    (folder / "linked folder").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (folder / "dangling.json").symlink_to(tmp_path / "gone.json")
    os.utime(folder / "a b%20c é.json", ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    expected = _hadoop_listing(spark_session, folder)
    assert len(expected) == 4  # a, nested, link.json, linked folder/linked.json; nothing hidden or dangling
    for paths in ([str(folder)], [f"file://{folder}/"]):
        listed = FileSource(ctx, {"paths": paths}, "json", None).list()
        assert [(f.path, f.size, f.modified_ms) for f in listed] == expected, paths
    globbed = FileSource(ctx, {"paths": [f"{folder}/20*"]}, "json", None).list()  # Hadoop matches, we walk
    assert [(f.path, f.size, f.modified_ms) for f in globbed] == [e for e in expected if "/2026/" in e[0]]
    assert sorted(r.id for r in read(ctx, folder).toDF().collect()) == [1, 2, 3, 4, 4]


def test_a_file_that_is_not_avro_is_an_error_naming_it(ctx, tmp_path):
    needs_package(ctx.spark_session, "avro")
    path = write(tmp_path / "data.avro", "not really avro")
    with pytest.raises(EtlError, match=rf"file:{path}: not an avro file"):
        read(ctx, path, "avro")


def test_unknown_connection_type_and_missing_format(ctx, tmp_path):
    path = write(tmp_path / "a.json", jsonl([{"id": 1}]))
    with pytest.raises(EtlError, match="connection_type 'dynamodb'"):
        ctx.create_dynamic_frame.from_options("dynamodb", {"paths": [str(path)]}, "json")
    with pytest.raises(EtlError, match="needs a format"):
        ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]})


# --- other entry points -------------------------------------------------------------------------


def test_s3_connection_type_and_single_path_string(ctx, tmp_path):
    path = write(tmp_path / "one.json", jsonl([{"id": 1, "name": "Ana"}]))
    frame = ctx.create_dynamic_frame.from_options("s3", {"paths": str(path)}, "json")
    assert [(r.id, r.name) for r in frame.toDF().collect()] == [(1, "Ana")]


def test_create_data_frame_returns_a_spark_dataframe(ctx, tmp_path):
    folder = tmp_path / "orders"
    write(folder / "a.json", jsonl([{"id": 1, "total": 12}]))
    write(folder / "b.json", jsonl([{"id": 2, "total": "€29.25"}]))
    df = ctx.create_data_frame.from_options("file", {"paths": [str(folder)]}, "json")
    assert isinstance(df, DataFrame)
    assert df.columns == ["id", "total"]
    assert sorted((r.id, r.total["long"], r.total["string"]) for r in df.collect()) == [
        (1, 12, None),
        (2, None, "€29.25"),
    ]
    also = ctx.create_data_frame_from_options("file", {"paths": [str(folder)]}, "json")
    assert isinstance(also, DataFrame) and also.count() == 2


def test_create_dynamic_frame_from_options_method(ctx, tmp_path):
    path = write(tmp_path / "m.csv", MEDICARE_CSV)
    frame = ctx.create_dynamic_frame_from_options(
        "file", {"paths": [str(path)]}, "csv", {"withHeader": True}, transformation_ctx="medicare"
    )
    assert isinstance(frame, DynamicFrame)
    assert frame.count() == 5
    assert frame.schema().field("Provider Id").dataType == LONG_OR_STRING


@pytest.mark.parametrize("multiline", [False, True])
def test_json_record_with_a_string_over_jacksons_default_limit_is_one_row(ctx, tmp_path, multiline):
    """Spark's JSON reader caps a string at 20 MB by default, but only where it reads the string: a
    record over it would be an error record and, for a query of its other fields, a row too."""
    big = "x" * 21_000_000
    records = [{"id": 1, "note": "short"}, {"id": 2, "note": big}]
    if multiline:  # one pretty-printed document per file
        for i, record in enumerate(records):
            write(tmp_path / f"doc{i}.json", json.dumps(record, indent=2))
        write(tmp_path / "doc2.json", '{"id": 3,')
    else:
        write(tmp_path / "lines.json", "".join(json.dumps(r) + "\n" for r in records) + '{"id": 3,\n')
    frame = read(ctx, tmp_path, format_options={"multiline": multiline})
    assert frame.count() == 2 and frame.select_fields(["id"]).count() == 2
    assert sorted((r.id, len(r.note)) for r in frame.toDF().collect()) == [(1, 5), (2, 21_000_000)]
    assert sorted(r.id for r in frame.select_fields(["id"]).toDF().collect()) == [1, 2]
    errors = frame.errorsAsDynamicFrame().toDF().collect()
    assert [(e.error.input.strip(), e.error.msg) for e in errors] == [('{"id": 3,', "malformed JSON record")]
    assert ctx.metrics.as_dict()["errors"] == 1
