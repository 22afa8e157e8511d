"""Both kinds of job module run through the same launcher, in-process on the suite's session."""

import json
import textwrap
from pathlib import Path

import pytest

from etl_framework.errors import JobNotFoundError
from etl_framework.runtime.history import RunHistory
from etl_framework.runtime.launcher import run_job

GLUE_STYLE = """
import sys
from pyspark.context import SparkContext
from etl_framework import EtlContext, getResolvedOptions

args = getResolvedOptions(sys.argv, ["JOB_NAME", "out"])
ctx = EtlContext(SparkContext.getOrCreate())
df = ctx.spark_session.range(5).selectExpr("id", f"'{args['JOB_NAME']}' AS job")
df.write.mode("overwrite").json(args["out"])
ctx.metrics.add(read=5, written=5)
"""

MAIN_STYLE = """
def main(ctx, args):
    n = int(args["n"])
    ctx.spark_session.range(n).write.mode("overwrite").parquet(args["out"])
    ctx.metrics.add(read=n, written=n)
"""


def write_job(tmp_path, name, body):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_glue_style_script_reads_sys_argv(spark_session, tmp_path, profile):
    job = write_job(tmp_path, "glue_job", GLUE_STYLE)
    out = tmp_path / "out"
    record = run_job(str(job), ["--JOB_NAME", "nightly", "--out", str(out)], profile)
    assert record.status == "SUCCEEDED", record.error
    assert record.job == "nightly"
    assert record.metrics == {"read": 5, "written": 5, "errors": 0}
    rows = spark_session.read.json(str(out)).collect()
    assert sorted(r.id for r in rows) == [0, 1, 2, 3, 4]
    assert {r.job for r in rows} == {"nightly"}


def test_glue_script_gets_job_name_from_file_when_not_given(spark_session, tmp_path, profile):
    job = write_job(tmp_path, "glue_job", GLUE_STYLE)
    record = run_job(str(job), ["--out", str(tmp_path / "o")], profile)
    assert record.status == "SUCCEEDED", record.error
    assert record.job == "glue_job"
    assert record.run_id in json.dumps(RunHistory(profile.state_dir).get(record.run_id).args)


def test_main_style_module_by_import_name(spark_session, tmp_path, profile, monkeypatch):
    pkg = tmp_path / "acme_jobs"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    write_job(pkg, "counter", MAIN_STYLE)
    monkeypatch.syspath_prepend(str(tmp_path))
    out = tmp_path / "counted"
    record = run_job("acme_jobs.counter", ["--n", "7", "--out", str(out)], profile)
    assert record.status == "SUCCEEDED", record.error
    assert record.job == "counter"
    assert spark_session.read.parquet(str(out)).count() == 7


def test_bare_name_is_looked_up_in_jobs_dir(spark_session, tmp_path, profile, monkeypatch):
    write_job(tmp_path, "counter", MAIN_STYLE)
    monkeypatch.setenv("ETL_JOBS_DIR", str(tmp_path))
    record = run_job("counter", ["--n", "3", "--out", str(tmp_path / "o")], profile)
    assert record.status == "SUCCEEDED", record.error


def test_failing_job_is_recorded_with_its_exception(spark_session, tmp_path, profile, capsys):
    job = write_job(tmp_path, "broken", "def main(ctx, args):\n    raise ValueError('bad input file x.json')\n")
    record = run_job(str(job), [], profile)
    assert record.status == "FAILED"
    assert record.error == "ValueError: bad input file x.json"
    assert "status=FAILED" in capsys.readouterr().out
    stored = RunHistory(profile.state_dir).list("broken")
    assert [r.status for r in stored] == ["FAILED"]


def test_sys_exit_zero_is_success_and_nonzero_is_failure(spark_session, tmp_path, profile):
    ok = write_job(tmp_path, "ok_exit", "import sys\nsys.exit(0)\n")
    none = write_job(tmp_path, "none_exit", "import sys\nsys.exit()\n")
    message = write_job(tmp_path, "message_exit", "import sys\nsys.exit('no input for 2026-11-01')\n")
    assert [run_job(str(j), [], profile).exit_code for j in (ok, none)] == [0, 0]
    failed = run_job(str(message), [], profile)
    assert (failed.status, failed.error, failed.exit_code) == ("FAILED", "SystemExit: no input for 2026-11-01", 1)
    assert RunHistory(profile.state_dir).get(failed.run_id).exit_code == 1


def test_unknown_job_is_a_clear_error(profile, tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_JOBS_DIR", str(tmp_path))
    with pytest.raises(JobNotFoundError, match=rf"'no_such_job': no file {tmp_path}/no_such_job.py.*--module"):
        run_job("no_such_job", [], profile)
    with pytest.raises(JobNotFoundError, match="no such file"):
        run_job("jobs/missing.py", [], profile)
    with pytest.raises(JobNotFoundError, match="'acme_nothing.job': no file .*no importable module acme_nothing.job"):
        run_job("acme_nothing.job", [], profile)
    with pytest.raises(JobNotFoundError, match="json is a standard library module .*--module json.tool"):
        run_job("json.tool", [], profile)
    assert RunHistory(profile.state_dir).list() == []  # nothing ran


def test_module_option_runs_any_importable_module(spark_session, tmp_path, profile, monkeypatch):
    write_job(tmp_path, "plain_counter", MAIN_STYLE)  # a bare importable name, not under jobs/
    monkeypatch.syspath_prepend(str(tmp_path))
    record = run_job("plain_counter", ["--n", "2", "--out", str(tmp_path / "o")], profile, module=True)
    assert (record.status, record.job) == ("SUCCEEDED", "plain_counter"), record.error


def test_error_recorded_without_credentials_or_java_frames(spark_session, tmp_path, profile, capsys, caplog):
    """What a job raises is recorded with URL passwords and secret argument values masked; a missing
    JDBC driver is a message naming its JAR, not a Java stack trace."""
    leaky = write_job(
        tmp_path,
        "leaky",
        """
        def main(ctx, args):
            raise RuntimeError(
                "cannot reach jdbc:postgresql://db:5432/shop?user=etl&password=pw-in-url "
                f"as etl/{args['db_password']}"
            )
        """,
    )
    record = run_job(str(leaky), ["--db_password", "hunter22"], profile)
    assert record.error == (
        "RuntimeError: cannot reach jdbc:postgresql://db:5432/shop?user=etl&password=*** as etl/***"
    )
    no_driver = write_job(
        tmp_path,
        "no_driver",
        """
        def main(ctx, args):
            ctx.create_dynamic_frame.from_options(
                "mysql", {"url": "jdbc:mysql://127.0.0.1:9/shop?password=pw-in-url", "dbtable": "orders"}
            )
        """,
    )
    missing = run_job(str(no_driver), [], profile)
    assert missing.error == (
        "EtlError: JDBC driver class com.mysql.cj.jdbc.Driver (for jdbc:mysql://127.0.0.1:9/shop?password=***) "
        "is not on Spark's classpath: add mysql-connector-j.jar, e.g. ETL_SPARK_JARS=/path/to/mysql-connector-j.jar "
        "(the profiles pass it as spark.jars) or --conf spark.jars=/path/to/mysql-connector-j.jar"
    )
    out = capsys.readouterr().out
    for text in (out, caplog.text, (Path(profile.state_dir) / "runs.db").read_bytes().decode("latin-1")):
        assert "pw-in-url" not in text and "hunter22" not in text
    assert "Traceback" not in caplog.text.split("job no_driver failed")[1]  # an EtlError says what is wrong
    assert f"run_id={missing.run_id} status=FAILED" in out and "mysql-connector-j.jar" in out
