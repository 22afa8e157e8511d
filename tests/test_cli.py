"""The ``etl`` command end to end, in fresh processes, on the bundled sample data."""

import shlex

from .conftest import ROOT, run_etl, set_args


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
