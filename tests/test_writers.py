"""write_dynamic_frame.from_options: formats, partitions, compression, modes and choice checks."""

import json

import pytest

from etl_framework import DynamicFrame, EtlContext, EtlError
from etl_framework.sinks import UnresolvedChoiceError

from .conftest import needs_package

RECORDS = [
    {"id": 1, "day": "2026-10-01", "amount": 12.5, "tags": ["a"]},
    {"id": 2, "day": "2026-10-01", "amount": "n/a", "tags": []},
    {"id": 3, "day": "2026-10-02", "amount": 7, "tags": ["b", "c"]},
]


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


@pytest.fixture
def frame(ctx, tmp_path):
    src = tmp_path / "in" / "r.json"
    src.parent.mkdir()
    src.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n")
    return ctx.create_dynamic_frame.from_options("file", {"paths": [str(src)]}, "json")


def write(ctx, frame, path, fmt, **options):
    format_options = options.pop("format_options", None)
    return ctx.write_dynamic_frame.from_options(frame, "file", {"path": str(path), **options}, fmt, format_options)


def test_unresolved_choice_cannot_go_to_parquet(ctx, frame, tmp_path):
    with pytest.raises(UnresolvedChoiceError, match=r"fields amount are unresolved choices; .*resolveChoice"):
        write(ctx, frame, tmp_path / "out", "parquet")
    assert not (tmp_path / "out").exists()


def test_parquet_with_partition_keys(ctx, frame, tmp_path, spark_session):
    resolved = frame.resolveChoice(specs=[("amount", "cast:double")])
    out = tmp_path / "out"
    returned = write(ctx, resolved, out, "parquet", partitionKeys=["day"])
    assert returned is resolved
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["day=2026-10-01", "day=2026-10-02"]
    back = {r.id: (r.amount, str(r.day), list(r.tags)) for r in spark_session.read.parquet(str(out)).collect()}
    assert back == {1: (12.5, "2026-10-01", ["a"]), 2: (None, "2026-10-01", []), 3: (7.0, "2026-10-02", ["b", "c"])}


def test_json_keeps_choice_values_as_they_were(ctx, frame, tmp_path):
    out = tmp_path / "json"
    write(ctx, frame, out, "json", format_options={"compression": "gzip"})
    files = [p for p in out.iterdir() if p.name.startswith("part-")]
    assert files and all(p.name.endswith(".json.gz") for p in files)
    again = ctx.create_dynamic_frame.from_options("file", {"paths": [str(out)]}, "json")
    amounts = again.resolveChoice(specs=[("amount", "make_struct")]).toDF().collect()
    assert {r.id: tuple(r.amount) for r in amounts} == {
        1: (12.5, None, None),
        2: (None, None, "n/a"),
        3: (None, 7, None),
    }


def test_default_mode_appends_like_glue_and_overwrite_replaces(ctx, frame, tmp_path, spark_session):
    resolved = frame.resolveChoice(choice="cast:string")
    out = tmp_path / "orc"
    write(ctx, resolved, out, "orc")
    write(ctx, resolved, out, "orc")
    assert spark_session.read.orc(str(out)).count() == 6
    write(ctx, resolved, out, "orc", mode="overwrite")
    assert spark_session.read.orc(str(out)).count() == 3
    with pytest.raises(EtlError, match="'mode' must be one of"):
        write(ctx, resolved, out, "orc", mode="upsert")


def test_csv_writes_header_and_nested_values_as_json(ctx, frame, tmp_path, spark_session):
    out = tmp_path / "csv"
    write(ctx, frame.resolveChoice(choice="cast:string"), out, "csv")
    rows = spark_session.read.option("header", True).csv(str(out)).orderBy("id").collect()
    assert [(r.id, r.amount, r.tags) for r in rows] == [
        ("1", "12.5", '["a"]'),
        ("2", "n/a", "[]"),
        ("3", "7", '["b","c"]'),
    ]


def test_text_needs_one_string_field(ctx, frame, tmp_path, spark_session):
    with pytest.raises(EtlError, match="format text writes one string field"):
        write(ctx, frame.resolveChoice(choice="cast:string"), tmp_path / "t", "text")
    lines = DynamicFrame.fromDF(spark_session.createDataFrame([("x",), ("y",)], "line string"), ctx, "lines")
    write(ctx, lines, tmp_path / "t", "text")
    assert sorted(r.value for r in spark_session.read.text(str(tmp_path / "t")).collect()) == ["x", "y"]


def test_bad_sink_options_are_named(ctx, frame, tmp_path):
    resolved = frame.resolveChoice(choice="cast:string")
    with pytest.raises(EtlError, match="connection option 'path' is required"):
        ctx.write_dynamic_frame.from_options(resolved, "file", {}, "parquet")
    with pytest.raises(EtlError, match="format 'sequencefile' is not supported; use one of avro, csv"):
        write(ctx, resolved, tmp_path / "a", "sequencefile")
    with pytest.raises(EtlError, match=r"'partitionKeys': \['month'\] not in the frame's fields"):
        write(ctx, resolved, tmp_path / "p", "parquet", partitionKeys=["month"])
    with pytest.raises(EtlError, match="connection_type 'dynamodb' is not supported yet for writing"):
        ctx.write_dynamic_frame.from_options(resolved, "dynamodb", {}, "json")


def test_written_records_are_counted(ctx, frame, tmp_path):
    before = ctx.metrics.as_dict()["written"]
    ctx.write_dynamic_frame_from_options(
        frame.resolveChoice(choice="cast:string"), "s3", {"path": str(tmp_path / "o")}, "parquet"
    )
    assert ctx.metrics.as_dict()["written"] - before == 3


def test_avro_round_trip_keeps_types_and_reads_evolved_files_with_the_newest_schema(ctx, spark_session, tmp_path):
    needs_package(spark_session, "avro")
    df = spark_session.sql(
        "SELECT 1L AS id, 2.5D AS amount, DATE'2026-10-01' AS day, TIMESTAMP'2026-10-01 12:00:00' AS at, "
        "CAST(9.99 AS DECIMAL(10,2)) AS price, true AS ok, named_struct('city', 'Oslo') AS address, "
        "array('a', 'b') AS tags, map('k', 1) AS counts"
    )
    old, new = tmp_path / "in" / "2026-10", tmp_path / "in" / "2026-11"
    write(ctx, DynamicFrame.fromDF(df, ctx, "v1"), old, "avro")
    assert next(old.glob("part-*.avro")).read_bytes()[:4] == b"Obj\x01"  # an Avro object container file
    read = ctx.create_dynamic_frame.from_options("file", {"paths": [str(old)]}, "avro")
    assert read.schema() == DynamicFrame.fromDF(df, ctx, "v1").schema()
    assert read.toDF().collect() == df.collect()

    # A newer file adds a field: files read together take the newest one's schema, older rows have null.
    newer = spark_session.sql("SELECT 2L AS id, 3.0D AS amount, 'web' AS channel")
    write(ctx, DynamicFrame.fromDF(newer, ctx, "v2"), new, "avro")
    both = ctx.create_dynamic_frame.from_options("file", {"paths": [str(tmp_path / "in")]}, "avro")
    assert sorted((r.id, r.amount, r.channel) for r in both.toDF().collect()) == [(1, 2.5, None), (2, 3.0, "web")]


def test_unresolved_choice_cannot_go_to_avro(ctx, frame, tmp_path):
    needs_package(ctx.spark_session, "avro")
    with pytest.raises(UnresolvedChoiceError, match=r"fields amount are unresolved choices"):
        write(ctx, frame, tmp_path / "out", "avro")
