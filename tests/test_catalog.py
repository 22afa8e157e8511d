"""The Data Catalog through the public API, on the embedded backend (Spark's Hive catalog on the
suite's session) and on the Glue Data Catalog API (moto in server mode on loopback)."""

from __future__ import annotations

import uuid

import boto3
import pytest

from etl_framework import EtlContext
from etl_framework.catalog import CatalogError, Column, Database, Partition, Table
from etl_framework.config import load_profile

from .conftest import ROOT
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
