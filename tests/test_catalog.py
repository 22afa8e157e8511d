"""The Data Catalog through the public API, on the embedded backend (Spark's Hive catalog on the
suite's session) and on the Glue Data Catalog API (moto in server mode on loopback)."""

from __future__ import annotations

import os
import shutil
import textwrap
import time
import uuid

import boto3
import pytest

from etl_framework import DynamicFrame, EtlContext, Job
from etl_framework.catalog import CatalogError, Column, Database, Partition, Table
from etl_framework.config import load_profile
from etl_framework.errors import EtlError

from .conftest import ROOT, needs_package, run_etl
from .moto_server import REGION, MotoServer


@pytest.fixture(scope="module")
def moto():
    server = MotoServer().start()
    yield server
    server.stop()


def make_ctx(request, backend: str) -> EtlContext:
    """An EtlContext on the suite's session whose profile names ``backend``."""
    tmp_path, monkeypatch = request.getfixturevalue("tmp_path"), request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    sets = [f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state"]
    if backend == "glue":
        server = request.getfixturevalue("moto")
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(key, "testing")
        sets += ["catalog.backend=glue", f"catalog.endpoint_url={server.url}", f"catalog.region={REGION}"]
    return EtlContext(request.getfixturevalue("spark_session"), load_profile("local", sets=sets))


@pytest.fixture(params=["local", "glue"])
def ctx(request):
    return make_ctx(request, request.param)


@pytest.fixture
def glue_ctx(request):
    return make_ctx(request, "glue")


@pytest.fixture
def db(ctx):
    """A database of its own for each test (the metastore and the moto server outlive a test)."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    ctx.catalog.create_database(Database(name, "test database"))
    return name


def put_file(path, text: str, age_hours: float) -> None:
    """A file whose modification time is ``age_hours`` ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    when = time.time() - age_hours * 3600
    os.utime(path, (when, when))


def orders_table(db: str, location: str, classification: str = "json", **kw) -> Table:
    customer = "string" if classification == "csv" else "struct<id:bigint,name:string>"
    return Table(
        db,
        "orders",
        location,
        classification,
        [Column("id", "bigint", "order id"), Column("customer", customer)],
        partition_keys=[Column("order_date", "string")],
        **kw,
    )


def test_tables_and_partitions_round_trip(ctx, db, tmp_path):
    catalog = ctx.catalog
    table = orders_table(
        db,
        f"{tmp_path}/orders",
        "csv",
        serde_parameters={"separator": "|", "withHeader": "true"},
        parameters={"owner_team": "sales"},
        description="daily orders",
    )
    catalog.create_table(table)
    got = catalog.get_table(db, "ORDERS")
    assert (got.name, got.classification, got.description) == ("orders", "csv", "daily orders")
    assert got.location.endswith(f"{tmp_path}/orders")
    assert got.columns == table.columns and got.partition_keys == table.partition_keys
    assert got.serde_parameters == {"separator": "|", "withHeader": "true"}
    assert got.parameters == {"owner_team": "sales", "classification": "csv"}
    assert [t.name for t in catalog.list_tables(db)] == ["orders"]
    assert db in [d.name for d in catalog.list_databases()]

    parts = [Partition([f"2026-01-0{i}"], f"{tmp_path}/orders/order_date=2026-01-0{i}") for i in (2, 1, 3)]
    catalog.add_partitions(db, "orders", parts)
    catalog.add_partitions(db, "orders", parts[:1])  # already registered: left as is
    listed = catalog.list_partitions(db, "orders")
    assert [p.values for p in listed] == [["2026-01-01"], ["2026-01-02"], ["2026-01-03"]]
    assert listed[0].location.endswith("/orders/order_date=2026-01-01")
    catalog.delete_partitions(db, "orders", [["2026-01-02"]])
    assert [p.values for p in catalog.list_partitions(db, "orders")] == [["2026-01-01"], ["2026-01-03"]]

    table.columns.append(Column("total", "double"))
    catalog.update_table(table)
    assert [c.name for c in catalog.get_table(db, "orders").columns] == ["id", "customer", "total"]
    assert len(catalog.list_partitions(db, "orders")) == 2
    catalog.delete_table(db, "orders")
    assert not catalog.table_exists(db, "orders")


def test_unknown_database_and_table_are_named(ctx, db):
    with pytest.raises(CatalogError, match="database 'nowhere' not found"):
        ctx.catalog.get_table("nowhere", "orders")
    with pytest.raises(CatalogError, match=f"table 'missing' not found in database '{db}'"):
        ctx.catalog.get_table(db, "missing")


def test_glue_tables_are_stored_as_glue_crawlers_store_them(glue_ctx, moto, tmp_path):
    db = f"t_{uuid.uuid4().hex[:10]}"
    glue_ctx.catalog.create_database(Database(db))
    table = orders_table(db, "s3://lake/orders", "csv", serde_parameters={"separator": "|", "withHeader": "true"})
    glue_ctx.catalog.create_table(table)
    glue_ctx.catalog.add_partitions(db, "orders", [Partition(["2026-01-01"], "s3://lake/orders/order_date=2026-01-01")])
    glue = boto3.client("glue", endpoint_url=moto.url, region_name=REGION)
    stored = glue.get_table(DatabaseName=db, Name="orders")["Table"]
    sd = stored["StorageDescriptor"]
    assert sd["Location"] == "s3://lake/orders"
    assert sd["Columns"][0] == {"Name": "id", "Type": "bigint", "Comment": "order id"}
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert sd["SerdeInfo"]["Parameters"] == {"field.delim": "|"}
    assert stored["PartitionKeys"] == [{"Name": "order_date", "Type": "string"}]
    assert stored["Parameters"] == {"classification": "csv", "skip.header.line.count": "1"}
    (part,) = glue.get_partitions(DatabaseName=db, TableName="orders")["Partitions"]
    assert part["StorageDescriptor"]["Location"] == "s3://lake/orders/order_date=2026-01-01"

    # Partitions come back through every page of get_partitions.
    many = [Partition([f"d{i:04d}"], f"s3://lake/orders/order_date=d{i:04d}") for i in range(1200)]
    glue_ctx.catalog.add_partitions(db, "orders", many)
    assert len(glue_ctx.catalog.list_partitions(db, "orders")) == 1201


# --- reading and writing by name -------------------------------------------------------------------

DATES = ["2026-01-01", "2026-01-02", "2026-01-03"]


def parquet_orders(spark, db: str, catalog, root) -> Table:
    """A Parquet table partitioned by order_date, three partitions registered (ids 10*day + n)."""
    rows = [(d * 10 + n, (n, f"c{n}"), DATES[d - 1]) for d in (1, 2, 3) for n in (1, 2)]
    df = spark.createDataFrame(rows, "id bigint, customer struct<id:bigint,name:string>, order_date string")
    df.write.partitionBy("order_date").parquet(str(root))
    table = orders_table(db, str(root), "parquet")
    catalog.create_table(table)
    catalog.add_partitions(db, "orders", [Partition([d], f"{root}/order_date={d}") for d in DATES])
    return table


def corrupt(folder) -> None:
    for f in folder.glob("*.parquet"):
        f.write_bytes(b"not parquet at all")


def test_push_down_predicate_reads_only_the_selected_partitions(ctx, db, tmp_path):
    root = tmp_path / "orders"
    parquet_orders(ctx.spark, db, ctx.catalog, root)
    # Partition 3's files are garbage and partition 4's folder does not exist: reading either fails,
    # so a read that succeeds never listed nor opened them.
    corrupt(root / "order_date=2026-01-03")
    ctx.catalog.add_partitions(db, "orders", [Partition(["2026-01-04"], f"{root}/order_date=2026-01-04")])
    shutil.rmtree(root / "order_date=2026-01-04", ignore_errors=True)  # a metastore creates the folder

    one = ctx.create_dynamic_frame.from_catalog(db, "orders", push_down_predicate="order_date = '2026-01-02'")
    assert one.schema().names() == ["id", "customer", "order_date"]
    assert sorted((r.id, r.order_date) for r in one.toDF().collect()) == [(21, "2026-01-02"), (22, "2026-01-02")]

    two = ctx.create_data_frame.from_catalog(
        database=db,
        table_name="orders",
        additional_options={"catalogPartitionPredicate": "order_date < '2026-01-03'"},
    )
    assert sorted((r.id, r.customer.name, r.order_date) for r in two.collect()) == [
        (11, "c1", "2026-01-01"),
        (12, "c2", "2026-01-01"),
        (21, "c1", "2026-01-02"),
        (22, "c2", "2026-01-02"),
    ]
    # Both predicates apply; the flat Glue spelling works too.
    none = ctx.create_dynamic_frame_from_catalog(
        db,
        "orders",
        push_down_predicate="order_date = '2026-01-01'",
        additional_options={"catalogPartitionPredicate": "order_date = '2026-01-02'"},
    )
    assert none.count() == 0 and none.schema().names() == ["id", "customer", "order_date"]

    with pytest.raises(
        CatalogError, match=r"location .*order_date=2026-01-04 \(partition \['2026-01-04'\]\) does not exist"
    ):
        ctx.create_dynamic_frame.from_catalog(db, "orders")
    ctx.catalog.delete_partitions(db, "orders", [["2026-01-04"]])
    with pytest.raises(Exception, match="(?i)parquet"):  # partition 3 really is unreadable
        ctx.create_dynamic_frame.from_catalog(db, "orders").toDF().collect()


def test_columnar_tables_are_read_with_the_catalog_columns(ctx, db, tmp_path):
    """A column added to the table (and to newer files) is read from every partition: null where an
    older file lacks it. Spark's own Parquet inference would take one file's schema for all."""
    root = tmp_path / "events"
    spark = ctx.spark
    spark.createDataFrame([(1,), (2,)], "id bigint").write.parquet(str(root / "day=1"))
    spark.createDataFrame([(3, "late")], "id bigint, note string").write.parquet(str(root / "day=2"))
    columns = [Column("id", "bigint"), Column("note", "string")]
    ctx.catalog.create_table(Table(db, "events", str(root), "parquet", columns, [Column("day", "int")]))
    ctx.catalog.add_partitions(db, "events", [Partition([d], f"{root}/day={d}") for d in ("1", "2")])

    frame = ctx.create_dynamic_frame.from_catalog(db, "events")
    assert frame.schema().names() == ["id", "note", "day"]
    assert sorted(tuple(r) for r in frame.toDF().collect()) == [(1, None, 1), (2, None, 1), (3, "late", 2)]
    older = ctx.create_dynamic_frame.from_catalog(db, "events", push_down_predicate="day = 1")
    assert [tuple(r) for r in older.toDF().orderBy("id").collect()] == [(1, None, 1), (2, None, 1)]
    # A file whose column contradicts the catalog's type fails the read, naming the file and column.
    spark.createDataFrame([(4, 7)], "id bigint, note int").write.parquet(str(root / "day=3"))
    ctx.catalog.add_partitions(db, "events", [Partition(["3"], f"{root}/day=3")])
    bad = ctx.create_dynamic_frame.from_catalog(db, "events", push_down_predicate="day = 3")
    with pytest.raises(Exception, match=r"(?s)reading file .*day=3/part-.*Parquet column \[note\]"):
        bad.toDF().collect()


def test_nested_column_names_with_a_space_or_hyphen_are_read(ctx, db, tmp_path):
    root = str(tmp_path / "people")
    person = "struct<`first name`:string,`e-mail`:string>"
    ctx.spark.createDataFrame([(1, ("Ana", "ana@example.org"))], f"id bigint, person {person}").write.parquet(root)
    ctx.catalog.create_table(Table(db, "people", root, "parquet", [Column("id", "bigint"), Column("person", person)]))
    frame = ctx.create_dynamic_frame.from_catalog(db, "people")
    assert [r.asDict(recursive=True) for r in frame.toDF().collect()] == [
        {"id": 1, "person": {"first name": "Ana", "e-mail": "ana@example.org"}}
    ]


def test_partition_values_are_the_catalogs_wherever_the_folders_are(ctx, db, tmp_path):
    """Partition values read back as the catalog holds them: from folders a sink named (a value
    escaped in the folder name, a null as Hive's default partition) and from a partition registered
    at a folder of its own, alone or mixed in one read."""
    root = tmp_path / "visits"
    columns, keys = [Column("id", "bigint")], [Column("region", "string"), Column("day", "int")]
    ctx.catalog.create_table(Table(db, "visits", str(root), "parquet", columns, keys))
    rows = [(1, "a:b/c", 1), (2, None, 1), (3, "plain", 2)]
    df = ctx.spark.createDataFrame(rows, "id bigint, region string, day int")
    ctx.write_dynamic_frame.from_catalog(DynamicFrame.fromDF(df, ctx, "visits"), db, "visits")
    archive = tmp_path / "archive" / "old"
    ctx.spark.createDataFrame([(4,)], "id bigint").write.parquet(str(archive))
    ctx.catalog.add_partitions(db, "visits", [Partition(["old", "0"], str(archive))])

    def read(predicate: str = "") -> list[tuple]:
        frame = ctx.create_dynamic_frame.from_catalog(db, "visits", push_down_predicate=predicate)
        assert frame.schema().names() == ["id", "region", "day"]
        assert frame.toDF().schema["day"].dataType.simpleString() == "int"
        return sorted((tuple(r) for r in frame.toDF().collect()), key=lambda r: r[0])

    assert read("day = 1") == [(1, "a:b/c", 1), (2, None, 1)]
    assert read("region = 'plain'") == [(3, "plain", 2)]
    assert read("day = 0") == [(4, "old", 0)]
    assert read() == [(1, "a:b/c", 1), (2, None, 1), (3, "plain", 2), (4, "old", 0)]


def test_a_column_type_spark_cannot_read_is_named(glue_ctx, tmp_path):
    """The Glue API stores any type string; reading such a table names the table and the column."""
    db = f"t_{uuid.uuid4().hex[:10]}"
    glue_ctx.catalog.create_database(Database(db))
    glue_ctx.spark.createDataFrame([(1,)], "id bigint").write.parquet(str(tmp_path / "odd"))
    columns = [Column("id", "bigint"), Column("shape", "geometry")]
    glue_ctx.catalog.create_table(Table(db, "odd", str(tmp_path / "odd"), "parquet", columns))
    with pytest.raises(CatalogError, match=f"table {db}.odd: column 'shape' has a type Spark cannot read: 'geometry'"):
        glue_ctx.create_dynamic_frame.from_catalog(db, "odd")


def test_bad_input_is_a_clear_error(ctx, db, tmp_path):
    root = tmp_path / "orders"
    parquet_orders(ctx.spark, db, ctx.catalog, root)
    with pytest.raises(CatalogError, match="database 'nowhere' not found"):
        ctx.create_dynamic_frame.from_catalog("nowhere", "orders")
    with pytest.raises(CatalogError, match=f"table 'returns' not found in database '{db}' \\(tables: orders\\)"):
        ctx.create_dynamic_frame.from_catalog(db, "returns")
    with pytest.raises(
        CatalogError, match=f"on table {db}.orders: `id` is not a partition key \\(partition keys: order_date\\)"
    ):
        ctx.create_dynamic_frame.from_catalog(db, "orders", push_down_predicate="id > 3")
    empty = tmp_path / "empty"
    (empty / "_SUCCESS").parent.mkdir()
    (empty / "_SUCCESS").write_text("")
    ctx.catalog.create_table(Table(db, "nothing", str(empty), "json", [Column("id", "bigint")]))
    with pytest.raises(CatalogError, match=f"table {db}.nothing: no readable data: no data files under .*empty"):
        ctx.create_dynamic_frame.from_catalog(db, "nothing")
    ctx.catalog.create_table(Table(db, "gone", str(tmp_path / "gone"), "json", [Column("id", "bigint")]))
    with pytest.raises(CatalogError, match=f"table {db}.gone: no readable data: location .*gone does not exist"):
        ctx.create_dynamic_frame.from_catalog(db, "gone")


def test_csv_table_uses_its_serde_parameters_and_bookmarks(ctx, db, tmp_path):
    from etl_framework import Job

    folder = tmp_path / "customers"
    folder.mkdir()
    (folder / "a.csv").write_text("id|name\n1|Ann\n2|Bob\n")
    ctx.catalog.create_table(
        Table(
            db,
            "customers",
            str(folder),
            "csv",
            [Column("id", "bigint"), Column("name", "string")],
            serde_parameters={"separator": "|", "withHeader": "true"},
        )
    )

    def run() -> list[tuple]:
        run_ctx = EtlContext(ctx.spark, ctx.profile)
        job = Job(run_ctx).init("load_customers", {"job_bookmark_option": "job-bookmark-enable"})
        frame = run_ctx.create_dynamic_frame.from_catalog(db, "customers", transformation_ctx="customers")
        rows = sorted((r.id, r.name) for r in frame.toDF().collect())
        job.commit()
        return rows

    assert run() == [(1, "Ann"), (2, "Bob")]
    assert run() == []
    (folder / "b.csv").write_text("id|name\n3|Cy\n")
    assert run() == [(3, "Cy")]


def test_write_by_name_registers_new_partitions(ctx, db, tmp_path):
    root = tmp_path / "orders"
    parquet_orders(ctx.spark, db, ctx.catalog, root)
    rows = [(33, (1, "x"), "2026-01-03"), (41, (2, "y"), "2026-01-04"), (51, (3, "z"), "2026-01-05")]
    df = ctx.spark.createDataFrame(rows, "id bigint, customer struct<id:bigint,name:string>, order_date string")
    frame = DynamicFrame.fromDF(df, ctx, "new_orders")
    ctx.write_dynamic_frame.from_catalog(frame, db, "orders", transformation_ctx="write_orders")
    parts = ctx.catalog.list_partitions(db, "orders")
    assert [p.values for p in parts] == [[d] for d in [*DATES, "2026-01-04", "2026-01-05"]]
    assert parts[-1].location.endswith("/orders/order_date=2026-01-05")
    back = ctx.create_dynamic_frame.from_catalog(db, "orders", push_down_predicate="order_date >= '2026-01-03'")
    assert sorted((r.id, r.order_date) for r in back.toDF().collect()) == [
        (31, "2026-01-03"),
        (32, "2026-01-03"),
        (33, "2026-01-03"),
        (41, "2026-01-04"),
        (51, "2026-01-05"),
    ]
    if ctx.profile.catalog.backend == "local":  # an embedded catalog table is a Spark table too
        got = ctx.spark.sql(f"SELECT id FROM {db}.orders WHERE order_date = '2026-01-05'").collect()
        assert [r.id for r in got] == [51]


def test_get_sink_creates_the_table_then_keeps_it_current(ctx, db, tmp_path):
    path = str(tmp_path / "events")

    def write(rows, schema, behavior="UPDATE_IN_DATABASE", df=None):
        sink = ctx.getSink(
            connection_type="s3", path=path, enableUpdateCatalog=True, updateBehavior=behavior, partitionKeys=["day"]
        )
        sink.setFormat("glueparquet")
        sink.setCatalogInfo(catalogDatabase=db, catalogTableName="events")
        df = ctx.spark.createDataFrame(rows, schema) if df is None else df
        sink.writeFrame(DynamicFrame.fromDF(df, ctx, "events"))

    # An incremental read with nothing new gives a frame without fields: nothing to write or register.
    write([], "", df=ctx.spark.range(0).select())
    assert not ctx.catalog.table_exists(db, "events")
    write([(1, "a", "d1"), (2, "b", "d2")], "id bigint, kind string, day string")
    table = ctx.catalog.get_table(db, "events")
    assert (table.classification, [(c.name, c.type) for c in table.columns]) == (
        "parquet",
        [("id", "bigint"), ("kind", "string")],
    )
    assert [c.name for c in table.partition_keys] == ["day"]
    assert [p.values for p in ctx.catalog.list_partitions(db, "events")] == [["d1"], ["d2"]]

    write([(3, "c", 1.5, "d3")], "id bigint, kind string, score double, day string", behavior="LOG")
    assert [c.name for c in ctx.catalog.get_table(db, "events").columns] == ["id", "kind"]  # LOG: schema kept
    assert [p.values for p in ctx.catalog.list_partitions(db, "events")] == [["d1"], ["d2"], ["d3"]]

    write([(4, "d", 2.5, "d3")], "id bigint, kind string, score double, day string")
    assert [c.name for c in ctx.catalog.get_table(db, "events").columns] == ["id", "kind", "score"]
    back = ctx.create_dynamic_frame.from_catalog(db, "events", push_down_predicate="day = 'd3'")
    assert sorted((r.id, r.score) for r in back.toDF().collect()) == [(3, 1.5), (4, 2.5)]


def test_get_sink_on_delta_registers_the_logs_partitions_even_when_a_rerun_skips_its_write(ctx, db, tmp_path):
    inbox, path = tmp_path / "inbox", str(tmp_path / "events")
    inbox.mkdir()
    (inbox / "a.json").write_text('{"id": 1, "day": "d1"}\n{"id": 2, "day": "d2"}\n')

    def run(commit: bool = True) -> None:
        job = Job(ctx).init("events_job", {"job_bookmark_option": "job-bookmark-enable"})
        frame = ctx.create_dynamic_frame.from_options("file", {"paths": [str(inbox)]}, "json", transformation_ctx="in")
        sink = ctx.getSink(connection_type="s3", path=path, enableUpdateCatalog=True, partitionKeys=["day"])
        sink.setFormat("delta")
        sink.setCatalogInfo(catalogDatabase=db, catalogTableName="events")
        sink.writeFrame(frame)
        if commit:
            job.commit()

    run(commit=False)  # the Delta commit happened, job.commit did not
    ctx.catalog.delete_table(db, "events")  # so the rerun must register the table again
    run()  # skips its write (exactly-once): the partitions come from the Delta log
    assert ctx.catalog.get_table(db, "events").classification == "delta"
    assert [p.values for p in ctx.catalog.list_partitions(db, "events")] == [["d1"], ["d2"]]
    assert sorted(r.id for r in ctx.create_dynamic_frame.from_catalog(db, "events").toDF().collect()) == [1, 2]


def test_embedded_catalog_registers_a_delta_table_spark_sql_reads_through_its_log(request, tmp_path):
    ctx = make_ctx(request, "local")
    needs_package(ctx.spark, "delta")
    db = f"t_{uuid.uuid4().hex[:10]}"
    ctx.catalog.create_database(Database(db))
    path = str(tmp_path / "events")
    df = ctx.spark.createDataFrame([(1, "d1"), (2, "d2"), (3, "d2")], "id bigint, day string")
    sink = ctx.getSink(connection_type="s3", path=path, enableUpdateCatalog=True, partitionKeys=["day"])
    sink.setFormat("delta")
    sink.setCatalogInfo(catalogDatabase=db, catalogTableName="events")
    sink.writeFrame(DynamicFrame.fromDF(df, ctx, "events"))
    ctx.write_dynamic_frame.from_options(  # the files of d2 stay in the folder, no longer in the log
        DynamicFrame.fromDF(df.where("id = 1"), ctx, "events"), "file", {"path": path, "mode": "overwrite"}, "delta"
    )
    assert ctx.spark.sql(f"SELECT id, day FROM {db}.events").collect() == [(1, "d1")]
    assert ctx.spark.sql(f"DESCRIBE DETAIL {db}.events").first()["format"] == "delta"
    table = ctx.catalog.get_table(db, "events")
    assert (table.classification, [c.name for c in table.columns], [c.name for c in table.partition_keys]) == (
        "delta",
        ["id"],
        ["day"],
    )
    assert [p.values for p in ctx.catalog.list_partitions(db, "events")] == [["d1"]]  # the log's partitions


def test_match_catalog_casts_choices_to_the_catalog_types(ctx, db, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.json").write_text('{"id": 1, "total": 9.5, "code": 7}\n{"id": "2", "total": "12.25", "code": "x"}\n')
    ctx.catalog.create_table(
        Table(
            db,
            "clean",
            str(tmp_path / "clean"),
            "json",
            [Column("id", "bigint"), Column("total", "decimal(10,2)"), Column("code", "string")],
        )
    )
    raw = ctx.create_dynamic_frame.from_options("file", {"paths": [str(folder)]}, "json")
    assert raw.unresolved_choices() == ["code", "id", "total"]
    resolved = raw.resolveChoice(choice="match_catalog", database=db, table_name="clean")
    assert [(f.name, f.dataType.simple_string()) for f in resolved.schema()] == [
        ("code", "string"),
        ("id", "long"),
        ("total", "decimal(10,2)"),
    ]
    rows = sorted((r.id, str(r.total), r.code) for r in resolved.toDF().collect())
    assert rows == [(1, "9.50", "7"), (2, "12.25", "x")]
    one = raw.resolveChoice(specs=[("total", "match_catalog")], database=db, table_name="clean")
    assert one.unresolved_choices() == ["code", "id"]
    ctx.catalog.create_table(Table(db, "partial", str(tmp_path / "p"), "json", [Column("id", "bigint")]))
    with pytest.raises(EtlError, match="'code': match_catalog: the catalog table has no column 'code'"):
        raw.resolveChoice(choice="match_catalog", database=db, table_name="partial")


def test_delta_table_reads_the_live_files_and_filters_on_partition_keys(ctx, db, tmp_path):
    path = str(tmp_path / "events")
    df = ctx.spark.createDataFrame([(1, "d1"), (2, "d2"), (3, "d2")], "id bigint, day string")
    frame = DynamicFrame.fromDF(df, ctx, "events")
    ctx.write_dynamic_frame.from_options(frame, "file", {"path": path, "partitionKeys": ["day"]}, "delta")
    ctx.write_dynamic_frame.from_options(
        DynamicFrame.fromDF(df.where("id = 1"), ctx, "events"), "file", {"path": path, "mode": "overwrite"}, "delta"
    )
    ctx.catalog.create_table(
        Table(db, "events", path, "delta", [Column("id", "bigint")], partition_keys=[Column("day", "string")])
    )
    assert [r.id for r in ctx.create_dynamic_frame.from_catalog(db, "events").toDF().collect()] == [1]
    assert ctx.create_dynamic_frame.from_catalog(db, "events", push_down_predicate="day = 'd2'").count() == 0
    with pytest.raises(CatalogError, match="`id` is not a partition key"):
        ctx.create_dynamic_frame.from_catalog(db, "events", push_down_predicate="id = 1")


# --- etl catalog --------------------------------------------------------------------------------------


def test_catalog_cli_lists_and_shows_glue_tables(glue_ctx, moto, tmp_path):
    db = f"t_{uuid.uuid4().hex[:10]}"
    glue_ctx.catalog.create_database(Database(db, "sales data"))
    glue_ctx.catalog.create_table(orders_table(db, "s3://lake/orders", description="daily orders"))
    glue_ctx.catalog.add_partitions(
        db, "orders", [Partition([d], f"s3://lake/orders/order_date={d}") for d in DATES[:2]]
    )
    sets = [
        "--set",
        "catalog.backend=glue",
        "--set",
        f"catalog.endpoint_url={moto.url}",
        "--set",
        f"catalog.region={REGION}",
        "--set",
        f"state_dir={tmp_path}/state",
    ]
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    out = run_etl("catalog", "databases", *sets, env=env)
    assert out.code == 0, out.stderr
    assert any(line.split()[:1] == [db] and "sales data" in line for line in out.stdout.splitlines())
    out = run_etl("catalog", "tables", db, *sets, env=env)
    assert out.stdout.splitlines()[1].split() == ["orders", "json", "order_date", "s3://lake/orders"]
    out = run_etl("catalog", "show", f"{db}.orders", *sets, env=env)
    assert out.code == 0, out.stderr
    for line in [
        f"table {db}.orders - daily orders",
        "location: s3://lake/orders",
        "format: json",
        "partitions: 2",
        "  id: bigint  -- order id",
        "  customer: struct<id:bigint,name:string>",
        "partition keys:",
        "  order_date: string",
    ]:
        assert line in out.stdout.splitlines()
    out = run_etl("catalog", "partitions", f"{db}.orders", *sets, env=env)
    assert out.stdout.splitlines()[1:] == [f"{d}  s3://lake/orders/order_date={d}" for d in DATES[:2]]
    out = run_etl("catalog", "show", f"{db}.returns", *sets, env=env)
    assert out.code != 0 and f"table 'returns' not found in database '{db}'" in out.stderr


def test_catalog_cli_on_the_embedded_metastore(tmp_path):
    """The local profile's catalog lives in a Derby metastore in the state dir."""
    sets = ["--set", f"state_dir={tmp_path}/state", "--set", f"warehouse_dir={tmp_path}/wh"]
    out = run_etl("catalog", "databases", *sets)
    assert out.code == 0, out.stderr
    assert out.stdout.splitlines()[1].split()[:2] == ["default", f"file:{tmp_path}/wh"]
    assert (tmp_path / "state" / "metastore_db").is_dir()
    out = run_etl("catalog", "tables", "sales", *sets)
    assert out.code != 0 and "database 'sales' not found in the catalog (databases: default)" in out.stderr


def test_get_source_reads_as_from_options(spark_session, profile, tmp_path):
    """Glue's source object, the read-side counterpart of getSink."""
    (tmp_path / "a.json").write_text('{"id": 1}\n{"id": "x"}\n')
    ctx = EtlContext(spark_session, profile)
    frame = ctx.getSource("file", paths=[str(tmp_path)], recurse=True).setFormat("json").getFrame()
    assert frame.unresolved_choices() == ["id"] and frame.count() == 2


def test_typed_keys_and_awkward_values_survive_the_round_trip(ctx, db, tmp_path):
    """Two keys, one an integer; values with a space, a comma, a plus and a percent sign (Spark
    URI-encodes file paths; the catalog text separates values with ', ')."""
    cities = ["New York, NY", "Zürich+1", "100% Paris"]
    rows = [(i, c, 2025 + (i % 2)) for i, c in enumerate(cities * 2)]
    df = ctx.spark.createDataFrame(rows, "id bigint, city string, year int")
    sink = ctx.getSink(
        connection_type="s3", path=str(tmp_path / "visits"), enableUpdateCatalog=True, partitionKeys=["year", "city"]
    )
    sink.setFormat("json").setCatalogInfo(catalogDatabase=db, catalogTableName="visits")
    sink.writeFrame(DynamicFrame.fromDF(df, ctx, "visits"))
    assert [(c.name, c.type) for c in ctx.catalog.get_table(db, "visits").partition_keys] == [
        ("year", "int"),
        ("city", "string"),
    ]
    assert len(ctx.catalog.list_partitions(db, "visits")) == 6
    got = ctx.create_dynamic_frame.from_catalog(db, "visits", push_down_predicate="year > 2025 AND city <> 'x'")
    assert sorted((r.id, r.city, r.year) for r in got.toDF().collect()) == [
        (1, "Zürich+1", 2026),
        (3, "New York, NY", 2026),
        (5, "100% Paris", 2026),
    ]


def test_profiles_choose_the_metastore(tmp_path, monkeypatch):
    """local: Derby in the state dir; hive: the remote metastore URI (no server here to talk to)."""
    from etl_framework.errors import ConfigError
    from etl_framework.runtime.session import catalog_conf

    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    local = load_profile("local", sets=[f"state_dir={tmp_path}/state"])
    derby = f"jdbc:derby:;databaseName={tmp_path}/state/metastore_db;create=true"
    assert catalog_conf(local)["spark.hadoop.javax.jdo.option.ConnectionURL"] == derby
    hive = load_profile("local", sets=["catalog.backend=hive", "catalog.metastore_uri=thrift://meta:9083"])
    assert catalog_conf(hive) == {"spark.hadoop.hive.metastore.uris": "thrift://meta:9083"}
    with pytest.raises(ConfigError, match="catalog.backend hive needs catalog.metastore_uri"):
        catalog_conf(load_profile("local", sets=["catalog.backend=hive"]))
    with pytest.raises(ConfigError, match="state_dir, which must be a local folder"):
        catalog_conf(load_profile("local", sets=["state_dir=s3a://bucket/state"]))
    assert catalog_conf(load_profile("local", sets=["catalog.backend=glue"])) == {}


def test_jobs_write_and_read_by_name_across_runs(tmp_path):
    """`etl run` on the local profile: one job creates a table through getSink, a later run (a new
    process on the same Derby metastore) reads it by name and through spark.sql."""
    (tmp_path / "write_events.py").write_text(
        textwrap.dedent(
            """
            from etl_framework import DynamicFrame
            from etl_framework.catalog import Database

            def main(ctx, args):
                ctx.catalog.create_database(Database("shop"))
                df = ctx.spark.createDataFrame([(1, "d1"), (2, "d2"), (3, "d2")], "id bigint, day string")
                sink = ctx.getSink(connection_type="file", path=args["out"], enableUpdateCatalog=True,
                                   partitionKeys=["day"])
                sink.setFormat("parquet").setCatalogInfo(catalogDatabase="shop", catalogTableName="events")
                sink.writeFrame(DynamicFrame.fromDF(df, ctx, "events"))
            """
        )
    )
    (tmp_path / "read_events.py").write_text(
        textwrap.dedent(
            """
            def main(ctx, args):
                d2 = ctx.create_dynamic_frame.from_catalog("shop", "events", push_down_predicate="day = 'd2'")
                print("ids", sorted(r.id for r in d2.toDF().collect()))
                print("sql", ctx.spark.sql("SELECT count(*) AS n FROM shop.events").first().n)
            """
        )
    )
    sets = ["--set", f"state_dir={tmp_path}/state", "--set", f"warehouse_dir={tmp_path}/wh"]
    wrote = run_etl("run", str(tmp_path / "write_events.py"), *sets, "--out", str(tmp_path / "events"))
    assert wrote.code == 0, wrote.stderr
    read = run_etl("run", str(tmp_path / "read_events.py"), *sets)
    assert read.code == 0, read.stderr
    assert "ids [2, 3]" in read.stdout and "sql 3" in read.stdout


def test_a_crawled_table_is_read_by_name_and_matched(ctx, db, tmp_path):
    """A crawler's table (choices widened, alternatives recorded) read with pruning, then
    match_catalog casts the frame's choices, nested ones included, to the crawled types."""
    from etl_framework.crawler import Crawler, CrawlerDefinition, Target

    for day in ("2026-01-01", "2026-01-02"):
        folder = tmp_path / "orders" / f"order_date={day}"
        folder.mkdir(parents=True)
        (folder / "part.json").write_text(
            '{"id": 1, "total": 9.5, "customer": {"id": 7, "name": "A"}}\n'
            '{"id": 2, "total": "12", "customer": {"id": "x", "name": "B"}}\n'
        )
    definition = CrawlerDefinition(name="orders", targets=[Target(str(tmp_path / "orders"))], database=db)
    Crawler(definition, ctx.catalog, ctx.spark, str(tmp_path / "state")).run()
    frame = ctx.create_dynamic_frame.from_catalog(db, "orders", push_down_predicate="order_date = '2026-01-02'")
    assert frame.unresolved_choices() == ["customer.id", "total"]
    matched = frame.resolveChoice(choice="match_catalog", database=db, table_name="orders")
    assert [(f.name, f.dataType.simple_string()) for f in matched.schema()] == [
        ("customer", "struct<id:string,name:string>"),
        ("id", "long"),
        ("total", "string"),
        ("order_date", "string"),
    ]
    rows = sorted((r.id, r.customer.id, r.total, r.order_date) for r in matched.toDF().collect())
    assert rows == [(1, "7", "9.5", "2026-01-02"), (2, "x", "12", "2026-01-02")]


def test_a_table_stays_readable_when_a_run_that_wrote_it_never_commits(ctx, db, tmp_path):
    """A bookmarked run's files reach the table at job.commit(); the partitions its sink registered
    before that are empty folders meanwhile (and if it never commits), not missing locations."""
    inbox, out = tmp_path / "inbox", str(tmp_path / "events")
    inbox.mkdir()

    def write_run(commit):
        run_ctx = EtlContext(ctx.spark_session, ctx.profile)
        job = Job(run_ctx).init("events", {"job_bookmark_option": "job-bookmark-enable"})
        frame = run_ctx.create_dynamic_frame.from_options(
            "file", {"paths": [str(inbox)]}, "json", transformation_ctx="in"
        )
        sink = run_ctx.getSink(connection_type="s3", path=out, enableUpdateCatalog=True, partitionKeys=["day"])
        sink.setFormat("json")
        sink.setCatalogInfo(catalogDatabase=db, catalogTableName="events")
        sink.writeFrame(frame)
        if commit:
            job.commit()

    def table_ids():
        frame = EtlContext(ctx.spark_session, ctx.profile).create_dynamic_frame.from_catalog(
            database=db, table_name="events"
        )
        return sorted(r.id for r in frame.toDF().collect())

    (inbox / "a.json").write_text('{"id": 1, "day": "d1"}\n')
    write_run(commit=True)
    (inbox / "b.json").write_text('{"id": 2, "day": "d1"}\n{"id": 3, "day": "d9"}\n')  # d9: a new partition
    write_run(commit=False)
    assert table_ids() == [1]
    write_run(commit=True)  # reads b.json again: each record once
    assert table_ids() == [1, 2, 3]


def test_extract_jdbc_conf_reads_a_glue_catalog_connection(glue_ctx, moto):
    glue = boto3.client("glue", endpoint_url=moto.url, region_name=REGION)
    name = f"dw_{uuid.uuid4().hex[:8]}"
    properties = {
        "JDBC_CONNECTION_URL": "jdbc:redshift://dw.example.com:5439/dev",
        "USERNAME": "etl",
        "PASSWORD": "pw-2",
        "JDBC_ENFORCE_SSL": "true",
    }
    glue.create_connection(ConnectionInput={"Name": name, "ConnectionType": "JDBC", "ConnectionProperties": properties})
    assert glue_ctx.extract_jdbc_conf(name) == {
        "url": "jdbc:redshift://dw.example.com:5439",
        "fullUrl": "jdbc:redshift://dw.example.com:5439/dev",
        "vendor": "redshift",
        "user": "etl",
        "password": "pw-2",
        "enforceSSL": "true",
    }
    with pytest.raises(CatalogError, match="connection 'missing' not found in the Glue Data Catalog"):
        glue_ctx.extract_jdbc_conf("missing")
    secret = {"JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/x", "SECRET_ID": "dw-secret"}
    glue.create_connection(
        ConnectionInput={"Name": f"{name}_s", "ConnectionType": "JDBC", "ConnectionProperties": secret}
    )
    with pytest.raises(EtlError, match=f"connection '{name}_s' keeps its credentials in AWS Secrets Manager"):
        glue_ctx.extract_jdbc_conf(f"{name}_s")


def test_purge_table_drops_the_partitions_it_empties(glue_ctx, tmp_path):
    """Glue's purge_table: the files of the partitions a predicate selects, older than the retention."""
    ctx = glue_ctx
    db = f"t_{uuid.uuid4().hex[:10]}"
    ctx.catalog.create_database(Database(db))
    root = tmp_path / "events"
    ctx.catalog.create_table(
        Table(db, "events", str(root), "json", [Column("id", "bigint")], [Column("day", "string")])
    )
    put_file(root / "day=a" / "1.json", '{"id": 1}\n', 10)
    put_file(root / "day=b" / "2.json", '{"id": 2}\n', 10)
    put_file(root / "day=c" / "3.json", '{"id": 3}\n', 10)
    put_file(root / "day=c" / "4.json", '{"id": 4}\n', 0)
    parts = [Partition([d], f"{root}/day={d}") for d in "abc"]
    ctx.catalog.add_partitions(db, "events", parts)

    ctx.purge_table(db, "events", {"retentionPeriod": 1, "partitionPredicate": "day <> 'b'"})
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*.json")) == ["day=b/2.json", "day=c/4.json"]
    assert [p.values for p in ctx.catalog.list_partitions(db, "events")] == [["b"], ["c"]]
    with pytest.raises(EtlError, match="purge_table option 'manifest' is not known"):
        ctx.purge_table(db, "events", {"manifest": str(tmp_path)})
