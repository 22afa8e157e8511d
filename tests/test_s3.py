"""S3 for real: Spark's S3A (and ``s3://``, mapped to it) and delta-rs against moto in server mode on
loopback, the endpoint the suite's Spark session is configured with (tests/conftest.py)."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl_framework import DynamicFrame, EtlContext, Job
from etl_framework.bookmarks import BookmarkStore, ConcurrentCommitError
from etl_framework.catalog import catalog_for
from etl_framework.config import load_profile
from etl_framework.crawler import Crawler, CrawlerDefinition, Target
from etl_framework.delta import maintenance
from etl_framework.delta.table import open_table
from etl_framework.errors import ConfigError
from etl_framework.jvm import hadoop_path
from etl_framework.packages import loaded
from etl_framework.s3 import spark_conf, storage_options
from etl_framework.storage import Storage

from .conftest import ROOT, S3_PORT, S3_SECRET, S3_SETS, needs_package, run_etl
from .moto_server import REGION, MotoServer

ENABLE = {"job_bookmark_option": "job-bookmark-enable"}


@pytest.fixture(scope="module")
def s3(spark_session):
    """A boto3 client of the moto server that is the session's S3 endpoint."""
    needs_package(spark_session, "hadoop-aws")
    server = MotoServer(port=S3_PORT, separate_process=True).start()
    yield boto3.client(
        "s3", endpoint_url=server.url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key=S3_SECRET
    )
    server.stop()


@pytest.fixture
def bucket(s3, request) -> str:
    """A bucket of this test's own."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:50].strip("-")  # a valid host name
    s3.create_bucket(Bucket=name)
    return name


def put(s3, bucket: str, key: str, body: bytes | str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode() if isinstance(body, str) else body)


def parquet_bytes(rows: list[dict]) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), out)
    return out.getvalue()


def drop_orders(s3, bucket: str, name: str, ids: list[int]) -> None:
    """The same orders as JSON lines, CSV and Parquet, one file each."""
    rows = [{"id": i, "file": name} for i in ids]
    put(s3, bucket, f"in/json/{name}.json", "".join(json.dumps(r) + "\n" for r in rows))
    put(s3, bucket, f"in/csv/{name}.csv", "id,file\n" + "".join(f"{r['id']},{name}\n" for r in rows))
    put(s3, bucket, f"in/parquet/{name}.parquet", parquet_bytes(rows))


def test_profile_s3_section_becomes_s3a_settings(tmp_path, monkeypatch):
    """Endpoint, addressing, region and credentials (from ~/.aws, the environment or the profile)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    (tmp_path / "credentials").write_text("[dev]\naws_access_key_id = AKIDEV\naws_secret_access_key = dev-secret\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))  # none
    local = str(ROOT / "conf" / "local.yaml")
    minio = load_profile(local, sets=["s3.endpoint_url=http://minio:9000", "s3.aws_profile=dev", "s3.region=eu-west-1"])
    assert "dev-secret" not in repr(minio.s3)
    assert spark_conf(minio.s3) == {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.AbstractFileSystem.s3.impl": "org.apache.hadoop.fs.s3a.S3A",
        "spark.hadoop.fs.s3a.endpoint": "http://minio:9000",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.endpoint.region": "eu-west-1",
        "spark.hadoop.fs.s3a.access.key": "AKIDEV",
        "spark.hadoop.fs.s3a.secret.key": "dev-secret",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
    }
    # no s3 section: AWS itself, with boto3's chain (here temporary keys in the environment)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    aws = spark_conf(load_profile(local).s3)
    assert "spark.hadoop.fs.s3a.endpoint" not in aws and "spark.hadoop.fs.s3a.path.style.access" not in aws
    assert (aws["spark.hadoop.fs.s3a.access.key"], aws["spark.hadoop.fs.s3a.session.token"]) == ("ASIAENV", "env-token")
    assert aws["spark.hadoop.fs.s3a.aws.credentials.provider"].endswith("TemporaryAWSCredentialsProvider")
    with pytest.raises(ConfigError, match=r"s3\.aws_profile 'nope'"):
        spark_conf(load_profile(local, sets=["s3.aws_profile=nope"]).s3)
    with pytest.raises(ConfigError, match=r"s3\.access_key_id and s3\.secret_access_key must be given together"):
        spark_conf(load_profile(local, sets=["s3.access_key_id=AKI"]).s3)


def test_bookmarked_json_csv_parquet_reads_from_a_bucket_across_runs(spark_session, s3, bucket, profile):
    def run() -> dict[str, list[int]]:
        ctx = EtlContext(spark_session, profile)
        job = Job(ctx).init("s3_ingest", ENABLE)
        seen = {}
        # s3:// as in a Glue script, s3a:// as in a Spark one: the same file system
        for fmt, scheme, options in [("json", "s3", {}), ("csv", "s3a", {"withHeader": True}), ("parquet", "s3", {})]:
            frame = ctx.create_dynamic_frame.from_options(
                "s3", {"paths": [f"{scheme}://{bucket}/in/{fmt}/"]}, fmt, options, transformation_ctx=fmt
            )
            seen[fmt] = sorted(int(r.id) for r in frame.toDF().collect()) if frame.schema().fields else []
        job.commit()
        return seen

    drop_orders(s3, bucket, "a", [1, 2])
    assert run() == {"json": [1, 2], "csv": [1, 2], "parquet": [1, 2]}
    drop_orders(s3, bucket, "b", [3])
    assert run() == {"json": [3], "csv": [3], "parquet": [3]}  # from S3A's sizes and modification times


def test_crawl_a_bucket_prefix_into_the_catalog(spark_session, s3, bucket, tmp_path):
    for day, ids in [("2026-10-01", [1, 2]), ("2026-10-02", [3])]:
        rows = "".join(json.dumps({"id": i, "total": i * 1.5}) + "\n" for i in ids)
        put(s3, bucket, f"exports/orders/day={day}/part-0.json", rows)
    profile = load_profile(str(ROOT / "conf" / "local.yaml"), sets=[f"state_dir={tmp_path}/state"])
    catalog = catalog_for(profile, spark_session)
    definition = CrawlerDefinition("s3_orders", [Target(f"s3://{bucket}/exports/orders/")], "s3_crawl")
    result = Crawler(definition, catalog, spark_session, str(tmp_path / "state")).run()
    assert result.tables_created == ["orders"] and result.partitions_added == 2
    table = catalog.get_table("s3_crawl", "orders")
    assert table.location == f"s3://{bucket}/exports/orders" and table.classification == "json"
    assert [p.values for p in catalog.list_partitions("s3_crawl", "orders")] == [["2026-10-01"], ["2026-10-02"]]
    ctx = EtlContext(spark_session, profile)
    frame = ctx.create_dynamic_frame.from_catalog(database="s3_crawl", table_name="orders")
    assert sorted((r.id, r.day) for r in frame.toDF().collect()) == [
        (1, "2026-10-01"),
        (2, "2026-10-01"),
        (3, "2026-10-02"),
    ]


ORDERS = [(1, "new", "2026-10-01"), (2, "new", "2026-10-02")]
SCHEMA = "id bigint, status string, day string"


def test_write_parquet_to_a_bucket_and_read_it_back(spark_session, s3, bucket):
    ctx = EtlContext(spark_session)
    frame = DynamicFrame.fromDF(spark_session.createDataFrame(ORDERS, SCHEMA), ctx, "orders")
    ctx.write_dynamic_frame.from_options(
        frame, "s3", {"path": f"s3://{bucket}/lake/parquet", "partitionKeys": ["day"]}, format="parquet"
    )
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="lake/parquet/")["Contents"])
    assert [k.rsplit("/", 1)[0] for k in keys if k.endswith(".parquet")] == [
        "lake/parquet/day=2026-10-01",
        "lake/parquet/day=2026-10-02",
    ]
    back = ctx.create_dynamic_frame.from_options("s3", {"paths": [f"s3a://{bucket}/lake/parquet/"]}, "parquet")
    assert sorted((r.id, str(r.day)) for r in back.toDF().collect()) == [(1, "2026-10-01"), (2, "2026-10-02")]


def test_write_delta_to_a_bucket_and_read_it_back(spark_session, s3, bucket, tmp_path):
    """Through delta-rs and its storage options; delta-spark writes to S3 in the sample job's run below."""
    profile = load_profile(str(ROOT / "conf" / "local.yaml"), sets=[f"state_dir={tmp_path}", "delta.engine=delta-rs"])
    ctx = EtlContext(spark_session, profile)
    delta = f"s3a://{bucket}/lake/delta"
    options = {"path": delta, "partitionKeys": ["day"]}
    frame = DynamicFrame.fromDF(spark_session.createDataFrame(ORDERS, SCHEMA), ctx, "orders")
    ctx.write_dynamic_frame.from_options(frame, "s3", options, format="delta")
    changes = spark_session.createDataFrame([(2, "shipped", "2026-10-02"), (3, "new", "2026-10-03")], SCHEMA)
    merge = {**options, "mode": "merge", "mergeKeys": ["id"]}
    ctx.write_dynamic_frame.from_options(DynamicFrame.fromDF(changes, ctx, "changes"), "s3", merge, format="delta")
    read = ctx.create_dynamic_frame.from_options("s3", {"path": delta}, format="delta")
    assert sorted((r.id, r.status, r.day) for r in read.toDF().collect()) == [
        (1, "new", "2026-10-01"),
        (2, "shipped", "2026-10-02"),
        (3, "new", "2026-10-03"),
    ]
    first = ctx.create_dynamic_frame.from_options("s3", {"path": delta, "versionAsOf": 0}, format="delta")
    assert sorted(r.id for r in first.toDF().collect()) == [1, 2]
    table = open_table(delta)
    assert table is not None and table.version() == 1
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="lake/delta/_delta_log/")["Contents"]
    assert sorted(o["Key"] for o in listed) == [f"lake/delta/_delta_log/{v:020d}.json" for v in (0, 1)]
    history = maintenance.history(delta).splitlines()  # etl delta history
    assert history[0] == f"Delta table {delta}, version 1" and [line.split()[1] for line in history[1:]] == ["1", "0"]


def test_delta_rs_commits_to_s3_with_conditional_writes(spark_session, s3, bucket):
    """A writer whose commit version was taken meanwhile retries on the next one (S3 refuses the
    put of an existing log file), so neither commit is lost: no lock table needed."""
    from deltalake import write_deltalake

    uri = f"s3a://{bucket}/t"
    options = storage_options(uri, spark_session)
    assert options["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{S3_PORT}" and options["AWS_ALLOW_HTTP"] == "true"
    write_deltalake(uri, pa.table({"id": [1]}), storage_options=options)
    stale = open_table(uri)  # at version 0
    write_deltalake(uri, pa.table({"id": [2]}), mode="append", storage_options=options)  # version 1
    write_deltalake(stale, pa.table({"id": [3]}), mode="append")  # version 1 is taken: commits as 2
    table = open_table(uri)
    assert table.version() == 2
    assert sorted(table.to_pyarrow_table()["id"].to_pylist()) == [1, 2, 3]


def test_sample_job_with_input_and_warehouse_in_s3(spark_session, s3, bucket, tmp_path, monkeypatch):
    """make run on S3: the export in a bucket crawled into the Glue Data Catalog (moto's Glue API),
    the job run by ``etl run`` into a warehouse in the bucket, read back through the catalog."""
    for f in sorted((ROOT / "jobs" / "sample_data" / "orders").iterdir())[:2]:
        put(s3, bucket, f"exports/orders/{f.name}", f.read_bytes())
    endpoint = f"http://127.0.0.1:{S3_PORT}"
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # the Glue API client's (boto3's chain)
        monkeypatch.setenv(key, "testing")
    glue = ["catalog.backend=glue", f"catalog.endpoint_url={endpoint}", f"catalog.region={REGION}"]
    sets = [f"warehouse_dir=s3://{bucket}/warehouse", f"state_dir={tmp_path}/state", *glue, *S3_SETS]
    profile = load_profile(str(ROOT / "conf" / "local.yaml"), sets=sets)
    catalog = catalog_for(profile, spark_session)
    definition = CrawlerDefinition("sample_orders", [Target(f"s3://{bucket}/exports/orders")], "shop_raw")
    assert Crawler(definition, catalog, spark_session, profile.state_dir).run().tables_created == ["orders"]

    args = [a for s in sets for a in ("--set", s)]
    run = run_etl(
        "run", "jobs/sample_orders.py", "--env", "local", *args, "--job-bookmark-option", "job-bookmark-enable"
    )
    assert run.code == 0 and "read=121 written=120 errors=1" in run.stdout, run.stderr[-3000:]
    assert f"output: s3://{bucket}/warehouse/sales/orders" in run.stdout
    if loaded(spark_session, "delta"):  # the run had the Delta JARs too: delta-spark wrote to S3
        assert f"to Delta table s3://{bucket}/warehouse/sales/orders with delta-spark (merge)" in run.stderr
    assert S3_SECRET not in run.stdout + run.stderr  # the secret key is never printed, nor recorded
    assert not [p for p in (tmp_path / "state").rglob("*") if p.is_file() and S3_SECRET.encode() in p.read_bytes()]

    orders = catalog.get_table("sales", "orders")
    assert orders.location == f"s3://{bucket}/warehouse/sales/orders" and orders.classification == "delta"
    days = [p.values[0] for p in catalog.list_partitions("sales", "orders")]
    assert days == ["2026-10-01", "2026-10-02"]
    ctx = EtlContext(spark_session, profile)
    df = ctx.create_dynamic_frame.from_catalog(database="sales", table_name="orders").toDF()
    assert df.count() == 120 and df.select("order_id").distinct().count() == 120


def test_s3_path_without_hadoop_aws_is_an_error_naming_the_package(tmp_path):
    sets = ["--set", f"state_dir={tmp_path}/state", "--set", "spark.packages=[]"]
    run = run_etl("crawl", "--path", "s3://exports/orders/", "--database", "shop_raw", *sets)
    assert run.code == 2, run.stderr[-3000:]  # etl's exit code for bad input
    assert (
        "etl: error: the S3 path s3://exports/orders/ needs the Spark package org.apache.hadoop:hadoop-aws:3.5.0, "
        "which this session does not have: list hadoop-aws in the profile's spark.packages" in run.stderr
    ), run.stderr[-3000:]
    assert "ClassNotFoundException" not in run.stderr and "Traceback" not in run.stderr


def test_bookmark_state_in_a_bucket_admits_one_of_two_concurrent_commits(spark_session, s3, bucket, profile):
    """The second run finds its version taken. S3A checks for a file when it is created but uploads
    it at close, so the version is written with the conditional put shown last: a writer whose file
    appeared in between fails instead of overwriting it (plain S3A create would overwrite)."""
    put(s3, bucket, "in/a.json", '{"id": 1}\n')
    state = f"s3a://{bucket}/state"
    on_s3 = replace(profile, state_dir=state)
    first = Job(EtlContext(spark_session, on_s3)).init("ingest", ENABLE)
    second = Job(EtlContext(spark_session, on_s3)).init("ingest", ENABLE)
    first.commit()
    with pytest.raises(ConcurrentCommitError, match="version 1 was committed by another run"):
        second.commit()
    assert BookmarkStore(state).versions("ingest") == [1]
    files = Storage(spark_session, state)
    winner = files.read_text(f"{state}/bookmarks/ingest/00000001.json")
    # the race S3A's own check misses: the file appears between its creation and its upload
    path, fs = hadoop_path(spark_session, f"{state}/bookmarks/ingest/00000002.json")
    late = fs.createFile(path).overwrite(False).opt("fs.option.create.conditional.overwrite", "true").build()
    assert files.create_new(f"{state}/bookmarks/ingest/00000002.json", "winner")
    late.write(bytearray(b"loser"))
    with pytest.raises(Exception, match="PreconditionFailed"):
        late.close()
    assert files.read_text(f"{state}/bookmarks/ingest/00000002.json") == "winner"
    assert files.read_text(f"{state}/bookmarks/ingest/00000001.json") == winner


def test_purge_s3_path_keeps_recent_objects_and_excluded_storage_classes(spark_session, s3, bucket):
    ctx = EtlContext(spark_session)
    put(s3, bucket, "raw/day=1/a.json", "{}\n")
    put(s3, bucket, "raw/day=2/b.json", '{"id": 2}\n')
    s3.put_object(Bucket=bucket, Key="raw/day=1/archived.json", Body=b"{}\n", StorageClass="GLACIER")

    def keys() -> list[str]:
        return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="raw/").get("Contents", []))

    ctx.purge_s3_path(f"s3://{bucket}/raw/")  # every object is newer than Glue's default 168 hours
    assert keys() == ["raw/day=1/a.json", "raw/day=1/archived.json", "raw/day=2/b.json"]
    ctx.purge_s3_path(f"s3://{bucket}/raw/", {"retentionPeriod": 0, "excludeStorageClasses": ["GLACIER"]})
    assert keys() == ["raw/day=1/archived.json"]
