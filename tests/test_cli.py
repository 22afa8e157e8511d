"""The ``etl`` command end to end, in fresh processes, on the bundled sample data."""

import json
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import textwrap
import zipfile

from etl_framework.runtime.history import RunHistory

from .conftest import ROOT, run_etl, set_args


def stored_runs(dirs):
    """runs.db as it is on disk: its raw text and its rows."""
    db = dirs["state"] / "runs.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT job, args, status, error, exit_code FROM runs").fetchall()
    return db.read_bytes().decode("latin-1"), rows


def test_failed_job_exits_nonzero_naming_job_and_exception(tmp_path, dirs):
    job = tmp_path / "explode.py"
    job.write_text(
        "def main(ctx, args):\n"
        "    raise RuntimeError(f\"cannot parse orders-7.json from jdbc:postgresql://db/shop?password={args['pin']}\")\n"
    )
    # "pin" is no built-in secret name: the profile adds it
    result = run_etl("run", str(job), *set_args(dirs), "--set", "secret_names=[pin]", "--pin", "hunter22")
    assert result.code == 1
    assert (
        "job explode failed: RuntimeError: cannot parse orders-7.json from jdbc:postgresql://db/shop?password=***"
        in (result.stderr)
    )
    assert "status=FAILED" in result.stdout
    listed = run_etl("runs", *set_args(dirs))
    assert "explode" in listed.stdout and "password=***" in listed.stdout
    raw, _ = stored_runs(dirs)
    for text in (result.stdout, result.stderr, listed.stdout, raw):
        assert "hunter22" not in text


def test_job_exit_code_and_options_after_double_dash_reach_the_job(tmp_path, dirs):
    job = tmp_path / "partial.py"
    job.write_text(
        textwrap.dedent(
            """
            import sys
            from etl_framework import getResolvedOptions

            args = getResolvedOptions(sys.argv, ["env", "conf", "db_password"])
            print(f"job got env={args['env']} conf={args['conf']} password={len(args['db_password'])} chars")
            sys.exit(3)
            """
        )
    )
    result = run_etl(
        "run", str(job), *set_args(dirs), "--db_password", "hunter22", "--", "--env", "prod", "--conf", "x"
    )
    assert result.code == 3, result.stderr
    assert "job got env=prod conf=x password=8 chars" in result.stdout
    assert "status=FAILED" in result.stdout and "error='SystemExit: 3'" in result.stdout
    raw, [(name, args, status, error, code)] = stored_runs(dirs)
    assert "hunter22" not in raw
    assert (name, status, error, code) == ("partial", "FAILED", "SystemExit: 3", 3)
    assert json.loads(args)["argv"][:6] == ["--db_password", "***", "--env", "prod", "--conf", "x"]


def test_damaged_run_history_names_the_file_and_the_way_out(tmp_path, dirs):
    dirs["state"].mkdir()
    db = dirs["state"] / "runs.db"
    db.write_bytes(b"this is not SQLite" * 100)
    job = tmp_path / "never.py"
    job.write_text(f"open({str(tmp_path / 'ran')!r}, 'w')\n")
    for args in (["run", str(job)], ["runs"]):
        result = run_etl(*args, *set_args(dirs))
        assert result.code == 2
        assert f"etl: error: {db}: the run history is damaged (file is not a database)" in result.stderr
        assert f"(mv {db} {db}.damaged)" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "ran").exists()  # a run that cannot be recorded does not start


def test_killed_run_is_marked_failed_when_the_history_is_read(dirs):
    state = str(dirs["state"])
    code = "import sys, time; from etl_framework.runtime.history import RunHistory\n"
    code += "print(RunHistory(sys.argv[1]).start('victim', {}), flush=True); time.sleep(120)"
    proc = subprocess.Popen([sys.executable, "-c", code, state], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    run_id = proc.stdout.readline().strip()
    history = RunHistory(state)
    assert history.get(run_id).status == "RUNNING"  # alive: left alone
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    other = history.start("elsewhere", {})
    with sqlite3.connect(dirs["state"] / "runs.db") as conn:
        conn.execute("UPDATE runs SET host = 'other-host', pid = 1 WHERE run_id = ?", (other,))
    listed = run_etl("runs", *set_args(dirs))
    assert listed.code == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()[1:]}
    assert " FAILED " in lines[run_id]
    assert f"abandoned: process {proc.pid} on " in lines[run_id] and "(killed?)" in lines[run_id]
    assert " RUNNING " in lines[other]  # another host's process cannot be checked


def test_clear_errors_before_any_job_runs(dirs):
    zen = run_etl("run", "this", *set_args(dirs))
    assert zen.code == 2 and "Zen of Python" not in zen.stdout
    assert "etl: error: job 'this': no file jobs/this.py (a bare name is looked up under jobs/ only" in zen.stderr
    assert "--module this" in zen.stderr
    bad_set = run_etl("run", "jobs/sample_orders.py", "--set", "state_dir=[x", *set_args(dirs)[2:])
    assert bad_set.code == 2 and "Traceback" not in bad_set.stderr
    assert "etl: error: --set state_dir=[x: the value is not valid YAML" in bad_set.stderr


def test_bad_profile_override_is_reported(dirs):
    result = run_etl("run", "jobs/sample_orders.py", "--set", "stat_dir=/x")
    assert result.code == 2
    assert "local.yaml: unknown key 'stat_dir'" in result.stderr


def test_dry_run_prints_spark_submit_command(dirs):
    options = ["jobs/sample_orders.py", "--env", "standalone", "--JOB_NAME", "orders", *set_args(dirs)]
    options += ["--conf", "spark.sql.shuffle.partitions=3", "--conf", "spark.hadoop.fs.s3a.secret.key=XYZ1"]
    job_args = ["--db_password", "hunter22", "--", "--env", "prod"]
    result = run_etl("run", *options, "--dry-run", *job_args)
    assert result.code == 0, result.stderr
    argv = shlex.split(result.stdout.strip())
    assert argv[0].endswith("bin/spark-submit")
    assert argv[argv.index("--master") + 1] == "spark://127.0.0.1:7077"
    assert "spark.sql.shuffle.partitions=3" in argv and "spark.hadoop.fs.s3a.secret.key=XYZ1" in argv
    py_files = argv[argv.index("--py-files") + 1].split(",")
    assert py_files[0].endswith(".zip") and py_files[1] == str(ROOT / "jobs" / "sample_orders.py")
    with zipfile.ZipFile(py_files[2]) as shim:  # Glue scripts' `import awsglue`, on driver and executors
        assert {"awsglue/__init__.py", "awsglue/gluetypes.py", "awsgluedq/transforms.py"} <= set(shim.namelist())
    launcher = next(a for a in argv if a.endswith("launcher.py"))
    tail = argv[argv.index(launcher) + 1 :]
    assert tail[:2] == ["--env", str(ROOT / "conf" / "standalone.yaml")]
    job = str(ROOT / "jobs" / "sample_orders.py")
    assert tail[-8:] == [job, "--", "--JOB_NAME", "orders", "--db_password", "hunter22", "--env", "prod"]
    masked = run_etl("run", *options, "--dry-run=masked", *job_args)
    assert masked.code == 0, masked.stderr
    assert "hunter22" not in masked.stdout and "XYZ1" not in masked.stdout
    assert shlex.split(masked.stdout) == [
        {"hunter22": "***", "spark.hadoop.fs.s3a.secret.key=XYZ1": "spark.hadoop.fs.s3a.secret.key=***"}.get(a, a)
        for a in argv
    ]


def test_dry_run_on_local_profile_is_refused():
    result = run_etl("run", "jobs/sample_orders.py", "--dry-run")
    assert result.code == 2
    assert "is local" in result.stderr


def test_run_without_job_shows_usage():
    result = run_etl("run")
    assert result.code == 2
    assert "usage: etl run JOB" in result.stderr


def test_run_history_of_an_older_release_gains_the_scheduler_columns(dirs, capsys):
    from etl_framework.cli import main

    dirs["state"].mkdir(parents=True)
    with sqlite3.connect(dirs["state"] / "runs.db") as conn:  # the first release's table
        conn.execute(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, job TEXT NOT NULL, args TEXT NOT NULL, started_at REAL "
            "NOT NULL, ended_at REAL, status TEXT NOT NULL, error TEXT, metrics TEXT)"
        )
        conn.execute("INSERT INTO runs VALUES ('jr_old', 'orders', '{}', 1.0, 3.5, 'SUCCEEDED', NULL, '{}')")
    old = RunHistory(str(dirs["state"])).get("jr_old")
    assert (old.status, old.duration, old.trigger_name, old.attempt, old.previous_run_id) == (
        "SUCCEEDED",
        2.5,
        None,
        0,
        None,
    )
    assert main(["runs", *set_args(dirs)]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split()[-3:] == ["TRIGGER", "ATTEMPT", "ERROR"]
    assert row.split()[0] == "jr_old" and row.split()[-2:] == ["-", "0"]
