"""The ``etl`` command end to end, in fresh processes, on the bundled sample data."""

import shlex

from deltalake import DeltaTable

from .conftest import ROOT, run_etl, set_args


def test_sample_job_runs_locally(spark_session, dirs):
    crawl = run_etl("crawl", "sample_orders", "--env", "local", *set_args(dirs))  # as `make run` does
    assert crawl.code == 0 and "created table shop_raw.orders" in crawl.stdout, crawl.stderr[-2000:]
    result = run_etl("run", "jobs/sample_orders.py", "--env", "local", *set_args(dirs))
    assert result.code == 0, result.stderr
    target = dirs["warehouse"] / "sales" / "orders"
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

    runs = run_etl("runs", "sample_orders", *set_args(dirs))
    assert runs.code == 0
    assert "SUCCEEDED" in runs.stdout and "243" in runs.stdout

    # the output table is registered over the Delta table, with its partitions
    shown = run_etl("catalog", "show", "sales.orders", *set_args(dirs))
    assert shown.code == 0, shown.stderr[-2000:]
    assert f"location: file:{target}" in shown.stdout and "format: delta" in shown.stdout
    assert "partitions: 4" in shown.stdout and "partition keys:\n  order_date: date" in shown.stdout
    assert "  total_amount: decimal(12,2)" in shown.stdout
    listed = run_etl("catalog", "partitions", "sales.orders", *set_args(dirs))
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == [f"2026-10-0{d}" for d in range(1, 5)]
    assert f"{target}/order_date=2026-10-01" in listed.stdout


def test_failed_job_exits_nonzero_naming_job_and_exception(tmp_path, dirs):
    job = tmp_path / "explode.py"
    job.write_text("def main(ctx, args):\n    raise RuntimeError('cannot parse orders-7.json')\n")
    result = run_etl("run", str(job), *set_args(dirs))
    assert result.code == 1
    assert "job explode failed: RuntimeError: cannot parse orders-7.json" in result.stderr
    assert "status=FAILED" in result.stdout


def test_bad_profile_override_is_reported(dirs):
    result = run_etl("run", "jobs/sample_orders.py", "--set", "stat_dir=/x")
    assert result.code == 2
    assert "local.yaml: unknown key 'stat_dir'" in result.stderr


def test_dry_run_prints_spark_submit_command(dirs):
    result = run_etl(
        "run",
        "jobs/sample_orders.py",
        "--env",
        "standalone",
        "--dry-run",
        "--JOB_NAME",
        "orders",
        "--conf",
        "spark.sql.shuffle.partitions=3",
        *set_args(dirs),
    )
    assert result.code == 0, result.stderr
    argv = shlex.split(result.stdout.strip())
    assert argv[0].endswith("bin/spark-submit")
    assert argv[argv.index("--master") + 1] == "spark://127.0.0.1:7077"
    assert "spark.sql.shuffle.partitions=3" in argv
    py_files = argv[argv.index("--py-files") + 1].split(",")
    assert py_files[0].endswith(".zip") and py_files[1] == str(ROOT / "jobs" / "sample_orders.py")
    launcher = next(a for a in argv if a.endswith("launcher.py"))
    tail = argv[argv.index(launcher) + 1 :]
    assert tail[:2] == ["--env", str(ROOT / "conf" / "standalone.yaml")]
    assert tail[-3:] == [str(ROOT / "jobs" / "sample_orders.py"), "--JOB_NAME", "orders"]


def test_dry_run_on_local_profile_is_refused():
    result = run_etl("run", "jobs/sample_orders.py", "--dry-run")
    assert result.code == 2
    assert "is local" in result.stderr


def test_run_without_job_shows_usage():
    result = run_etl("run")
    assert result.code == 2
    assert "usage: etl run JOB" in result.stderr
