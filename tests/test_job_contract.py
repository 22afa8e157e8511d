"""Both kinds of job module run through the same launcher, in-process on the suite's session."""

import json
import textwrap

import pytest

from etl_framework.errors import JobNotFoundError
from etl_framework.launcher import run_job
from etl_framework.runs import RunHistory

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
    record = run_job(str(job), ["--JOB_NAME", "nightly", "--out", str(out)], profile, stop_session=False)
    assert record.status == "SUCCEEDED", record.error
    assert record.job == "nightly"
    assert record.metrics == {"read": 5, "written": 5, "errors": 0}
    rows = spark_session.read.json(str(out)).collect()
    assert sorted(r.id for r in rows) == [0, 1, 2, 3, 4]
    assert {r.job for r in rows} == {"nightly"}


def test_glue_script_gets_job_name_from_file_when_not_given(spark_session, tmp_path, profile):
    job = write_job(tmp_path, "glue_job", GLUE_STYLE)
    record = run_job(str(job), ["--out", str(tmp_path / "o")], profile, stop_session=False)
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
    record = run_job("acme_jobs.counter", ["--n", "7", "--out", str(out)], profile, stop_session=False)
    assert record.status == "SUCCEEDED", record.error
    assert record.job == "counter"
    assert spark_session.read.parquet(str(out)).count() == 7


def test_bare_name_is_looked_up_in_jobs_dir(spark_session, tmp_path, profile, monkeypatch):
    write_job(tmp_path, "counter", MAIN_STYLE)
    monkeypatch.setenv("ETL_JOBS_DIR", str(tmp_path))
    record = run_job("counter", ["--n", "3", "--out", str(tmp_path / "o")], profile, stop_session=False)
    assert record.status == "SUCCEEDED", record.error


def test_failing_job_is_recorded_with_its_exception(spark_session, tmp_path, profile, capsys):
    job = write_job(tmp_path, "broken", "def main(ctx, args):\n    raise ValueError('bad input file x.json')\n")
    record = run_job(str(job), [], profile, stop_session=False)
    assert record.status == "FAILED"
    assert record.error == "ValueError: bad input file x.json"
    assert "status=FAILED" in capsys.readouterr().out
    stored = RunHistory(profile.state_dir).list("broken")
    assert [r.status for r in stored] == ["FAILED"]


def test_sys_exit_zero_is_success_and_nonzero_is_failure(spark_session, tmp_path, profile):
    ok = write_job(tmp_path, "ok_exit", "import sys\nsys.exit(0)\n")
    bad = write_job(tmp_path, "bad_exit", "import sys\nsys.exit(3)\n")
    assert run_job(str(ok), [], profile, stop_session=False).status == "SUCCEEDED"
    failed = run_job(str(bad), [], profile, stop_session=False)
    assert (failed.status, failed.error) == ("FAILED", "SystemExit: 3")


def test_unknown_job_is_a_clear_error(profile):
    with pytest.raises(JobNotFoundError, match="'no_such_job': not a file"):
        run_job("no_such_job", [], profile, stop_session=False)
    with pytest.raises(JobNotFoundError, match="no such file"):
        run_job("jobs/missing.py", [], profile, stop_session=False)
