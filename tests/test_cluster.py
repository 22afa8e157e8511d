"""The same job modules on a real Spark standalone cluster, submitted by ``etl run``."""

import subprocess
import textwrap

import pytest

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


def test_sample_job_gives_same_output_on_cluster_and_locally(spark_session, cluster, tmp_path):
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
    assert crawl.code == 0, crawl.stderr[-4000:]
    on_cluster = run_etl("run", "jobs/sample_orders.py", "--env", "standalone", *set_args(remote))
    assert on_cluster.code == 0, on_cluster.stderr[-4000:]
    assert "status=SUCCEEDED" in on_cluster.stdout and "read=243 written=240 errors=3" in on_cluster.stdout
    # the worker really ran executors for this application
    assert list((cluster.workdir / "work").glob("app-*/*/stderr"))

    in_process = run_etl("run", "jobs/sample_orders.py", "--env", "local", *set_args(local))
    assert in_process.code == 0, in_process.stderr[-4000:]

    cluster_rows = _rows(spark_session, tmp_path / "cluster-wh" / "sales" / "orders")
    assert len(cluster_rows) == 240
    assert cluster_rows == _rows(spark_session, tmp_path / "local-wh" / "sales" / "orders")

    runs = run_etl("runs", "sample_orders", *set_args(local))
    assert runs.stdout.count("SUCCEEDED") == 2
    shown = run_etl("catalog", "show", "sales.orders", *set_args(local))  # registered by the last run
    assert f"location: file:{tmp_path}/local-wh/sales/orders" in shown.stdout and "partitions: 4" in shown.stdout


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
