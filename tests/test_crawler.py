"""Crawlers through the public API, on real files, against the embedded catalog (Spark's Hive metastore)
and, for the main scenario, the Glue Data Catalog API (moto in server mode on loopback)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest

from etl_framework import DynamicFrame, EtlContext
from etl_framework.catalog import catalog_for
from etl_framework.config import load_profile
from etl_framework.crawler import Crawler, CrawlerDefinition, CrawlerError, SchemaChangePolicy, Target, load_crawler
from etl_framework.errors import ConfigError
from etl_framework.runtime.history import RunHistory

from .conftest import ROOT, needs_package, set_args
from .moto_server import REGION, MotoServer

LOG_ONLY = SchemaChangePolicy("LOG", "LOG")


@pytest.fixture(scope="module")
def moto():
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def crawl_profile(request, tmp_path, monkeypatch):
    """The local profile: the embedded catalog, or with ``glue`` (indirect parametrization) the Glue
    API on a moto server."""
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    sets = [f"state_dir={tmp_path}/state"]
    if getattr(request, "param", "local") == "glue":
        server = request.getfixturevalue("moto")
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            monkeypatch.setenv(key, "testing")
        sets += ["catalog.backend=glue", f"catalog.endpoint_url={server.url}", f"catalog.region={REGION}"]
    return load_profile("local", sets=sets)


@pytest.fixture
def catalog(crawl_profile, spark_session):
    return catalog_for(crawl_profile, spark_session)


@pytest.fixture
def db(request):
    """A database name of this test's own (the metastore is shared by the test session)."""
    return "crawl_" + re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:40]


@pytest.fixture
def run(spark_session, catalog, tmp_path):
    """Run one crawl of a definition; the state dir is the test's."""

    def crawl(definition: CrawlerDefinition):
        return Crawler(definition, catalog, spark_session, str(tmp_path / "state")).run()

    return crawl


def write_json(path: Path, records: list[dict], compress: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in records)
    if compress:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def columns(table) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in table.columns]


def partitions(catalog, db, name) -> dict[tuple[str, ...], str]:
    return {tuple(p.values): p.location for p in catalog.list_partitions(db, name)}


def orders_data(root: Path) -> None:
    write_json(
        root / "year=2024" / "month=01" / "part-0.json",
        [
            {"id": 1, "total": 12, "customer": {"id": 7, "name": "Ann"}, "items": [{"sku": "A", "qty": 1}]},
            {"id": 2, "total": 3, "customer": {"id": 8, "name": "Bob"}, "items": []},
        ],
    )
    write_json(
        root / "year=2024" / "month=02" / "part-0.json",
        [{"id": 3, "total": 9.5, "customer": {"id": "c-9", "name": "Cy"}, "items": [{"sku": "B", "qty": 2}]}],
    )


@pytest.mark.parametrize("crawl_profile", ["local", "glue"], indirect=True)
def test_nested_partitioned_json_then_new_column_and_partition(
    run, catalog, db, tmp_path, spark_session, crawl_profile
):
    root = tmp_path / "lake" / "orders"
    orders_data(root)
    definition = CrawlerDefinition("orders_crawler", [Target(str(root))], db)

    first = run(definition)
    assert first.tables_created == ["orders"]
    assert first.partitions_added == 2
    table = catalog.get_table(db, "orders")
    assert table.classification == "json"
    assert table.location.rstrip("/") == root.as_uri().replace("file:///", "file:/")
    # choice<long,double> -> double; customer.id was a number and a text -> string
    assert columns(table) == [
        ("customer", "struct<id:string,name:string>"),
        ("id", "bigint"),
        ("items", "array<struct<qty:bigint,sku:string>>"),
        ("total", "double"),
    ]
    assert [(c.name, c.type) for c in table.partition_keys] == [("year", "string"), ("month", "string")]
    assert json.loads(table.parameters["choices"]) == {"customer.id": ["long", "string"], "total": ["double", "long"]}
    assert table.parameters["UPDATED_BY_CRAWLER"] == "orders_crawler"
    assert set(partitions(catalog, db, "orders")) == {("2024", "01"), ("2024", "02")}

    # Next month arrives with a new column.
    write_json(
        root / "year=2024" / "month=03" / "part-0.json",
        [{"id": 4, "total": 1.25, "customer": {"id": "c-1", "name": "Di"}, "items": [], "coupon": "XMAS"}],
    )
    second = run(definition)
    assert second.tables_created == [] and second.tables_updated == ["orders"]
    assert second.partitions_added == 1
    table = catalog.get_table(db, "orders")
    assert columns(table)[-1] == ("coupon", "string")
    assert [c for c, _ in columns(table)] == ["customer", "id", "items", "total", "coupon"]
    found = partitions(catalog, db, "orders")
    assert set(found) == {("2024", "01"), ("2024", "02"), ("2024", "03")}
    assert found[("2024", "03")].endswith("/orders/year=2024/month=03")
    # A job reads the crawled table by name.
    ctx = EtlContext(spark_session, crawl_profile)
    march = ctx.create_dynamic_frame.from_catalog(db, "orders", push_down_predicate="month = '03'").toDF()
    assert [(r.id, r.coupon, r.total, r.year, r.month) for r in march.collect()] == [(4, "XMAS", 1.25, "2024", "03")]

    # Nothing changed: a third crawl changes nothing.
    third = run(definition)
    assert (third.tables_created, third.tables_updated, third.partitions_added) == ([], [], 0)


def test_crawls_are_recorded_in_the_run_history(run, db, tmp_path):
    root = tmp_path / "events"
    write_json(root / "a.json", [{"id": 1}, {"id": 2}])
    result = run(CrawlerDefinition("events", [Target(str(root))], db))
    record = RunHistory(str(tmp_path / "state")).get(result.run_id)
    assert (record.job, record.status) == ("crawler:events", "SUCCEEDED")
    assert record.metrics["tables_created"] == 1
    assert "tables_created=1" in result.summary()


def test_csv_with_and_without_header(run, catalog, db, tmp_path, spark_session, crawl_profile):
    root = tmp_path / "csv"
    # Glue's crawler stores a header's names trimmed and lower-cased; from_catalog reads them so.
    write_text(root / "products" / "p.csv", "SKU, Name ,Price\nA1,Mug,4.5\nB2,Plate,12\nC3,Bowl,n/a\n")
    write_text(root / "readings" / "r.csv", "1|20.5|north\n2|21|south\n3|19.75|east\n")
    # Every value is text: Glue's rule takes the first line as data, not as a header.
    write_text(root / "people" / "p.csv", "name,city\nAnn,Oslo\nBob,Rome\n")
    run(CrawlerDefinition("csvs", [Target(str(root))], db, table_prefix="raw_"))

    products = catalog.get_table(db, "raw_products")
    assert products.classification == "csv"
    assert columns(products) == [("sku", "string"), ("name", "string"), ("price", "string")]
    assert json.loads(products.parameters["choices"]) == {"price": ["double", "long", "string"]}
    assert products.serde_parameters == {"separator": ",", "withHeader": "true"}
    assert products.parameters["skip.header.line.count"] == "1"
    frame = EtlContext(spark_session, crawl_profile).create_dynamic_frame.from_catalog(db, "raw_products")
    assert frame.schema().names() == ["sku", "name", "price"]
    assert [tuple(r) for r in frame.select_fields(["sku", "name"]).toDF().orderBy("sku").collect()] == [
        ("A1", "Mug"), ("B2", "Plate"), ("C3", "Bowl"),
    ]  # fmt: skip

    readings = catalog.get_table(db, "raw_readings")
    assert columns(readings) == [("col0", "bigint"), ("col1", "double"), ("col2", "string")]
    assert readings.serde_parameters == {"separator": "|", "withHeader": "false"}

    people = catalog.get_table(db, "raw_people")
    assert columns(people) == [("col0", "string"), ("col1", "string")]


def test_unnamed_partition_folders(run, catalog, db, tmp_path):
    root = tmp_path / "clicks"
    write_json(root / "2024" / "01" / "a.json", [{"page": "/", "ms": 12}])
    write_json(root / "2024" / "02" / "a.json", [{"page": "/cart", "ms": 40}])
    write_json(root / "2025" / "01" / "a.json", [{"page": "/", "ms": 7}])
    result = run(CrawlerDefinition("clicks", [Target(str(root))], db))
    assert result.tables_created == ["clicks"]
    table = catalog.get_table(db, "clicks")
    assert [c.name for c in table.partition_keys] == ["partition_0", "partition_1"]
    assert columns(table) == [("ms", "bigint"), ("page", "string")]
    assert set(partitions(catalog, db, "clicks")) == {("2024", "01"), ("2024", "02"), ("2025", "01")}


def test_incompatible_folders_become_separate_tables(run, catalog, db, tmp_path):
    root = tmp_path / "shop"
    write_json(root / "customers" / "c.json", [{"customer_id": 1, "email": "a@x", "name": "Ann"}])
    write_json(root / "inventory" / "i.json", [{"sku": "A", "stock": 3, "warehouse": "W1", "bin": "B7"}])
    result = run(CrawlerDefinition("shop", [Target(str(root))], db, table_prefix="shop_"))
    assert sorted(result.tables_created) == ["shop_customers", "shop_inventory"]
    assert catalog.get_table(db, "shop_customers").location.endswith("/shop/customers")
    assert [c.name for c in catalog.get_table(db, "shop_inventory").columns] == ["bin", "sku", "stock", "warehouse"]
    assert catalog.get_table(db, "shop_inventory").partition_keys == []


def test_formats_are_classified(run, catalog, db, spark_session, tmp_path):
    root = tmp_path / "formats"
    df = spark_session.createDataFrame([(1, "a"), (2, "b")], "id bigint, tag string")
    df.write.parquet(str(root / "pq"))
    df.write.orc(str(root / "orc_data"))
    write_text(
        root / "xml_data" / "books.xml",
        '<?xml version="1.0"?>\n<catalog>\n <book><title>Dune</title><year>1965</year></book>\n'
        " <book><title>Emma</title><year>1815</year></book>\n</catalog>\n",
    )
    write_text(root / "doc" / "d.json", '{\n  "id": 1,\n  "tags": ["x", "y"]\n}\n')
    write_json(root / "zipped" / "z.json.gz", [{"id": 1, "ok": True}], compress=True)
    run(CrawlerDefinition("formats", [Target(str(root))], db))
    found = {t.name: t for t in catalog.list_tables(db)}
    assert {n: t.classification for n, t in found.items()} == {
        "pq": "parquet",
        "orc_data": "orc",
        "xml_data": "xml",
        "doc": "json",
        "zipped": "json",
    }
    assert columns(found["pq"]) == [("id", "bigint"), ("tag", "string")]
    assert found["xml_data"].serde_parameters == {"rowTag": "book"}
    assert columns(found["xml_data"]) == [("title", "string"), ("year", "bigint")]
    assert found["doc"].serde_parameters == {"multiline": "true"}
    assert columns(found["doc"]) == [("id", "bigint"), ("tags", "array<string>")]
    assert found["zipped"].parameters["compressionType"] == "gzip"
    assert columns(found["zipped"]) == [("id", "bigint"), ("ok", "boolean")]


def test_avro_is_classified_by_its_magic_bytes_and_read_by_name(
    run, catalog, db, spark_session, crawl_profile, tmp_path
):
    needs_package(spark_session, "avro")
    events = tmp_path / "events"
    spark_session.createDataFrame([(1, "a"), (2, "b")], "id bigint, tag string").write.format("avro").save(str(events))
    run(CrawlerDefinition("avro", [Target(str(events))], db))
    (table,) = catalog.list_tables(db)
    assert (table.name, table.classification, columns(table)) == (
        "events",
        "avro",
        [("id", "bigint"), ("tag", "string")],
    )
    events = EtlContext(spark_session, crawl_profile).create_dynamic_frame.from_catalog(db, "events")
    assert sorted(r["tag"] for r in events.toDF().collect()) == ["a", "b"]


def test_log_policy_leaves_the_table_unchanged_but_adds_partitions(run, catalog, db, tmp_path):
    root = tmp_path / "orders"
    orders_data(root)
    run(CrawlerDefinition("orders", [Target(str(root))], db))
    before = catalog.get_table(db, "orders")

    write_json(root / "year=2024" / "month=03" / "p.json", [{"id": 9, "total": "n/a", "coupon": "X"}])
    shutil.rmtree(root / "year=2024" / "month=01")
    result = run(CrawlerDefinition("orders", [Target(str(root))], db, schema_change_policy=LOG_ONLY))
    after = catalog.get_table(db, "orders")
    assert columns(after) == columns(before)
    assert result.tables_updated == []
    assert any("new column coupon string" in m for m in result.logged)
    assert any("column total: double -> string" in m for m in result.logged)
    assert any("partition ['2024', '01'] has no data" in m for m in result.logged)
    # New partitions are added whatever the policy, as Glue does; the gone one stays (LOG).
    assert set(partitions(catalog, db, "orders")) == {("2024", "01"), ("2024", "02"), ("2024", "03")}


def test_deleted_data_is_deprecated_or_deleted(run, catalog, db, tmp_path):
    root = tmp_path / "lake"
    write_json(root / "a" / "x=1" / "f.json", [{"id": 1, "v": "p"}])
    write_json(root / "a" / "x=2" / "f.json", [{"id": 2, "v": "q"}])
    write_json(root / "b" / "f.json", [{"name": "n", "size": 3, "color": "red"}])
    run(CrawlerDefinition("lake", [Target(str(root))], db))
    assert {t.name for t in catalog.list_tables(db)} == {"a", "b"}

    shutil.rmtree(root / "b")
    shutil.rmtree(root / "a" / "x=2")
    result = run(CrawlerDefinition("lake", [Target(str(root))], db))  # DEPRECATE_IN_DATABASE: the default
    assert result.tables_deprecated == ["b"]
    assert "DEPRECATED_BY_CRAWLER" in catalog.get_table(db, "b").parameters
    assert "DEPRECATED_BY_CRAWLER" not in catalog.get_table(db, "a").parameters
    assert set(partitions(catalog, db, "a")) == {("1",)}  # a partition without data leaves its live table
    assert result.partitions_removed == 1

    delete = SchemaChangePolicy("UPDATE_IN_DATABASE", "DELETE_FROM_DATABASE")
    shutil.rmtree(root / "a" / "x=1")
    write_json(root / "a" / "x=3" / "f.json", [{"id": 3, "v": "r"}])
    result = run(CrawlerDefinition("lake", [Target(str(root))], db, schema_change_policy=delete))
    assert result.tables_deleted == ["b"]
    assert {t.name for t in catalog.list_tables(db)} == {"a"}
    assert set(partitions(catalog, db, "a")) == {("3",)}


def test_crawl_new_folders_only_reads_only_new_folders(run, catalog, db, tmp_path):
    root = tmp_path / "orders"
    orders_data(root)
    definition = CrawlerDefinition(
        "incremental", [Target(str(root))], db, schema_change_policy=LOG_ONLY, recrawl_policy="CRAWL_NEW_FOLDERS_ONLY"
    )
    first = run(definition)  # no state yet: everything
    assert (first.folders_crawled, first.partitions_added) == (2, 2)

    # A known folder turns unreadable: an incremental crawl never opens it again.
    write_text(root / "year=2024" / "month=01" / "part-0.json", "not json at all, not csv either\n")
    write_json(root / "year=2024" / "month=03" / "p.json", [{"id": 5, "total": 2.0, "coupon": "Y"}])
    write_json(root / "year=2025" / "month=01" / "p.json", [{"id": 6, "total": 1.0}])
    second = run(definition)
    assert second.folders_crawled == 2
    assert second.partitions_added == 2
    assert any("new column coupon" in m for m in second.logged)
    assert "coupon" not in [c for c, _ in columns(catalog.get_table(db, "orders"))]
    assert set(partitions(catalog, db, "orders")) == {("2024", "01"), ("2024", "02"), ("2024", "03"), ("2025", "01")}
    state = json.loads((tmp_path / "state" / "crawlers" / "incremental.json").read_text())
    assert len(state["folders"]) == 4

    third = run(definition)
    assert (third.folders_crawled, third.partitions_added) == (0, 0)


def test_new_folders_only_needs_log_policies():
    with pytest.raises(ConfigError, match="CRAWL_NEW_FOLDERS_ONLY needs schema_change_policy"):
        CrawlerDefinition("x", [Target("/data")], "db", recrawl_policy="CRAWL_NEW_FOLDERS_ONLY")


def test_a_path_without_readable_data_is_an_error(run, db, tmp_path):
    root = tmp_path / "junk"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "blob.dat").write_bytes(bytes(range(256)) * 4)
    write_text(root / "notes.txt", "just one line of prose\n")
    with pytest.raises(CrawlerError, match=r"target .*junk holds no readable data \(2 files"):
        run(CrawlerDefinition("junk", [Target(str(root))], db))
    with pytest.raises(CrawlerError, match=r"target .*missing does not exist"):
        run(CrawlerDefinition("junk", [Target(str(tmp_path / "missing"))], db))
    failed = RunHistory(str(tmp_path / "state")).list("crawler:junk")
    assert [r.status for r in failed] == ["FAILED", "FAILED"]
    assert "holds no readable data" in failed[1].error


def test_exclusions_leave_files_out(run, catalog, db, tmp_path):
    root = tmp_path / "events"
    write_json(root / "day=1" / "a.json", [{"id": 1}])
    write_json(root / "day=2" / "a.json", [{"id": 2}])
    write_json(root / "day=2" / "b.tmp.json", [{"id": "x", "debug": True}])
    run(CrawlerDefinition("events", [Target(str(root), ("**.tmp.json",))], db))
    assert columns(catalog.get_table(db, "events")) == [("id", "bigint")]


def test_crawler_definition_files(tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_CONF_DIR", str(tmp_path))
    write_text(
        tmp_path / "crawlers" / "orders.yaml",
        "database: sales\ntable_prefix: raw_\ntargets:\n  - path: /data/orders\n    exclusions: ['**.tmp']\n"
        "  - /data/returns\nschema_change_policy:\n  UpdateBehavior: LOG\n  DeleteBehavior: LOG\n"
        "recrawl_policy: CRAWL_NEW_FOLDERS_ONLY\n",
    )
    d = load_crawler("orders")
    assert (d.name, d.database, d.table_prefix, d.recrawl_policy) == (
        "orders",
        "sales",
        "raw_",
        "CRAWL_NEW_FOLDERS_ONLY",
    )
    assert d.targets == [Target("/data/orders", ("**.tmp",)), Target("/data/returns")]
    assert d.schema_change_policy == LOG_ONLY

    write_text(tmp_path / "crawlers" / "bad.yaml", "database: s\ntargets: [/d]\nschedule: daily\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: unknown key 'schedule'"):
        load_crawler("bad")
    write_text(
        tmp_path / "crawlers" / "typo.yaml", "database: s\ntargets: [/d]\nschema_change_policy:\n  Update: LOG\n"
    )
    with pytest.raises(ConfigError, match=r"typo\.yaml: unknown key 'schema_change_policy\.Update'"):
        load_crawler("typo")
    write_text(tmp_path / "crawlers" / "policy.yaml", "database: s\ntargets: [/d]\nrecrawl_policy: SOMETIMES\n")
    with pytest.raises(ConfigError, match=r"policy\.yaml: key 'recrawl_policy' must be one of"):
        load_crawler("policy")
    write_text(tmp_path / "crawlers" / "nodb.yaml", "targets: [/d]\n")
    with pytest.raises(ConfigError, match=r"nodb\.yaml: key 'database' is required"):
        load_crawler("nodb")
    with pytest.raises(ConfigError, match=r"crawlers/nope\.yaml: crawler file not found \(crawlers in .*: bad, nodb"):
        load_crawler("nope")


def test_delta_table_is_one_table_with_its_log(run, catalog, db, spark_session, tmp_path):
    ctx = EtlContext(spark_session)
    table = tmp_path / "lake" / "sales"
    df = spark_session.createDataFrame(
        [(1, 9.5, "2024-01-01"), (2, 3.0, "2024-01-02")], "id bigint, amount double, day string"
    )
    options = {"path": str(table), "partitionKeys": ["day"]}
    ctx.write_dynamic_frame.from_options(DynamicFrame.fromDF(df, ctx, "rows"), "file", options, format="delta")
    write_json(tmp_path / "lake" / "events" / "e.json", [{"kind": "click", "at": 5, "page": "/x", "user": "u"}])
    result = run(CrawlerDefinition("lake", [Target(str(tmp_path / "lake"))], db))
    assert sorted(result.tables_created) == ["events", "sales"]
    sales = catalog.get_table(db, "sales")
    assert sales.classification == "delta"
    assert sales.location.endswith("/lake/sales")
    # The embedded catalog on delta-spark reads the schema from the log, with the day as its partition key.
    every = columns(sales) + [(k.name, k.type) for k in sales.partition_keys]
    assert sorted(every) == [("amount", "double"), ("day", "string"), ("id", "bigint")]


def test_etl_crawl_command(tmp_path, etl_here, spark_session, monkeypatch):
    data = tmp_path / "data" / "orders"
    orders_data(data)
    conf = tmp_path / "conf"
    conf.mkdir()
    shutil.copy(ROOT / "conf" / "local.yaml", conf / "local.yaml")
    write_text(conf / "crawlers" / "orders.yaml", f"database: sales\ntable_prefix: raw_\ntargets: [{data}]\n")
    dirs = {"sets": [f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state"]}
    monkeypatch.setenv("ETL_CONF_DIR", str(conf))

    try:
        result = etl_here("crawl", "orders", *set_args(dirs))
        assert result.code == 0, result.stderr
        assert "created table sales.raw_orders" in result.stdout
        summary = result.stdout.strip().splitlines()[-1]
        assert re.fullmatch(
            r"etl crawl summary: crawler=orders run_id=jr_\S+ status=SUCCEEDED duration=[\d.]+s folders=2 "
            r"tables_created=1 tables_updated=0 tables_deleted=0 tables_deprecated=0 partitions_added=2 "
            r"partitions_removed=0 changes_logged=0",
            summary,
        ), summary
        runs = etl_here("runs", "crawler:orders", *set_args(dirs))
        assert "SUCCEEDED" in runs.stdout, runs.stderr

        events = tmp_path / "data" / "events"
        write_json(events / "day=1" / "e.json", [{"id": 1, "kind": "click"}])
        write_json(events / "day=1" / "skip.tmp", [{"id": "x"}])
        adhoc = etl_here("crawl", "--path", str(events), "--database", "sales", "--exclude", "**.tmp", *set_args(dirs))
        assert adhoc.code == 0, adhoc.stderr
        assert "created table sales.events" in adhoc.stdout
        assert "crawler=events " in adhoc.stdout and "partitions_added=1" in adhoc.stdout
        shown = etl_here("catalog", "show", "sales.events", *set_args(dirs))
        assert "  id: bigint" in shown.stdout, shown.stderr + shown.stdout  # the excluded file's text id is not read
        assert "  day: string" in shown.stdout

        unknown = etl_here("crawl", "nope", *set_args(dirs))
        assert unknown.code == 2
        assert "crawlers/nope.yaml: crawler file not found (crawlers in" in unknown.stderr
        assert "orders" in unknown.stderr
        missing = etl_here("crawl", "--path", str(tmp_path / "nothing"), *set_args(dirs))
        assert missing.code == 2 and "give a crawler NAME, or --path and --database" in missing.stderr
    finally:  # the suite's metastore
        for table in ("sales.raw_orders", "sales.events"):
            spark_session.sql(f"DROP TABLE IF EXISTS {table}")
