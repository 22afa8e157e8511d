"""The same job modules on a real Spark standalone cluster, submitted by ``etl run``, and locally."""

import subprocess
import textwrap

import pytest
from deltalake import DeltaTable

from .conftest import run_etl, set_args
from .spark_cluster import StandaloneCluster

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster")).start()
    started = list(c.processes)
    try:
        yield c
    finally:
        c.stop()
    assert all(p.returncode is not None for p in started), "a cluster process outlived the tests"


def _rows(spark, path):
    return sorted(tuple(r) for r in spark.read.parquet(str(path)).collect())


def test_sample_job_runs_locally_and_on_the_cluster_with_the_same_output(spark_session, cluster, tmp_path):
    """What ``make run`` does (crawl, then run locally), and the same job submitted to the cluster."""
    local = {"sets": [f"warehouse_dir={tmp_path}/local-wh", f"state_dir={tmp_path}/state"]}
    remote = {
        "sets": [
            f"warehouse_dir={tmp_path}/cluster-wh",
            f"state_dir={tmp_path}/state",
            f"spark.master={cluster.master_url}",
        ]
    }

    # Both runs read shop_raw.orders from the embedded catalog in the shared state dir: the driver runs
    # here (client mode), and Derby is opened by one process at a time.
    crawl = run_etl("crawl", "sample_orders", "--env", "local", *set_args(local))
    assert crawl.code == 0 and "created table shop_raw.orders" in crawl.stdout, crawl.stderr[-4000:]

    result = run_etl("run", "jobs/sample_orders.py", "--env", "local", *set_args(local))
    assert result.code == 0, result.stderr[-4000:]
    target = tmp_path / "local-wh" / "sales" / "orders"
    assert f"output: {target}" in result.stdout
    summary = [line for line in result.stdout.splitlines() if line.startswith("etl run summary:")]
    assert len(summary) == 1
    assert "job=sample_orders" in summary[0] and "status=SUCCEEDED" in summary[0]
    assert "read=243 written=240 errors=3" in summary[0]
    assert "malformed record in file:" in result.stderr

    table = DeltaTable(str(target))  # a Delta table partitioned by order_date, one row per order
    ids = table.to_pyarrow_table().column("order_id").to_pylist()
    assert len(ids) == len(set(ids)) == 240 and table.metadata().partition_columns == ["order_date"]
    assert {p.name for p in target.iterdir() if p.is_dir() and not p.name.startswith("_")} == {
        f"order_date=2026-10-0{d}" for d in range(1, 5)
    }
    df = spark_session.read.option("basePath", str(target)).parquet(*table.file_uris())
    # values whose type changed between files are all recovered
    row = df.where("order_id = 100061").first()
    assert (row.customer_id, str(row.total_amount), row.city) == ("5008", "29.25", "Porto")
    assert df.where("total_amount IS NULL OR order_id IS NULL OR customer_name IS NULL").count() == 0

    on_cluster = run_etl("run", "jobs/sample_orders.py", "--env", "standalone", *set_args(remote))
    assert on_cluster.code == 0, on_cluster.stderr[-4000:]
    assert "status=SUCCEEDED" in on_cluster.stdout and "read=243 written=240 errors=3" in on_cluster.stdout
    # the worker really ran executors for this application
    assert list((cluster.workdir / "work").glob("app-*/*/stderr"))
    cluster_rows = _rows(spark_session, tmp_path / "cluster-wh" / "sales" / "orders")
    assert len(cluster_rows) == 240
    assert cluster_rows == _rows(spark_session, target)

    runs = run_etl("runs", "sample_orders", *set_args(local))
    assert runs.code == 0 and runs.stdout.count("SUCCEEDED") == 2 and "243" in runs.stdout
    # the output table is registered (by the last run: the cluster's warehouse) over the Delta table
    shown = run_etl("catalog", "show", "sales.orders", *set_args(local))
    assert shown.code == 0, shown.stderr[-2000:]
    assert f"location: file:{tmp_path}/cluster-wh/sales/orders" in shown.stdout and "format: delta" in shown.stdout
    assert "partitions: 4" in shown.stdout and "partition keys:\n  order_date: date" in shown.stdout
    assert "  total_amount: decimal(12,2)" in shown.stdout


def test_dry_run_command_works_when_pasted_into_a_shell(spark_session, cluster, tmp_path, dirs):
    job = tmp_path / "glue_count.py"
    job.write_text(
        textwrap.dedent("""
        import sys
        from pyspark.context import SparkContext
        from etl_framework import EtlContext, getResolvedOptions

        args = getResolvedOptions(sys.argv, ["JOB_NAME", "out", "n"])
        ctx = EtlContext(SparkContext.getOrCreate())
        assert ctx.spark_session.sparkContext.master.startswith("spark://"), ctx.spark_session.sparkContext.master
        ctx.spark_session.range(int(args["n"]), numPartitions=4).write.parquet(args["out"])
    """)
    )
    out = tmp_path / "counted"
    dry = run_etl(
        "run",
        str(job),
        "--env",
        "standalone",
        "--dry-run",
        "--set",
        f"spark.master={cluster.master_url}",
        *set_args(dirs),
        "--JOB_NAME",
        "counter",
        "--out",
        str(out),
        "--n",
        "1234",
    )
    assert dry.code == 0, dry.stderr
    pasted = subprocess.run(["bash", "-c", dry.stdout.strip()], capture_output=True, text=True, timeout=300)
    assert pasted.returncode == 0, pasted.stderr[-4000:]
    assert "job=counter" in pasted.stdout and "status=SUCCEEDED" in pasted.stdout
    assert spark_session.read.parquet(str(out)).count() == 1234
