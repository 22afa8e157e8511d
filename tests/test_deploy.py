"""Deploying to EMR and EMR Serverless (etl_framework.deploy): ``etl package`` and ``etl run --env``
against moto in server mode, in this process so that a test can move a step to its end (moto
never runs one: its steps stay RUNNING, its serverless job runs are SUCCESS at once)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from pathlib import Path

import boto3
import pytest
import yaml
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emr.models import emr_backends

from etl_framework.cli import main
from etl_framework.config import load_profile
from etl_framework.deploy import build, cluster_staging
from etl_framework.deploy.package import cache_dir, cluster_requirements
from etl_framework.runtime import launcher
from etl_framework.runtime.history import RunHistory

from .conftest import ETL, JOB_REQUIREMENTS, use_project
from .moto_server import REGION, MotoServer
from .spark_cluster import C1_ONLY

BUCKET = "deploy-bucket"
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/etl-job"  # moto refuses another account's role
# A Glue-style script that needs no Spark: the launcher runs it without starting a JVM.
JOB = """import sys
from etl_framework import getResolvedOptions

args = getResolvedOptions(sys.argv, ["day"])
print("hello", args["day"])
"""
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "moto-secret"}
# A Glue-style script that uses Spark: on YARN a driver must start a SparkContext.
COUNT_JOB = """import sys
from pyspark.context import SparkContext
from etl_framework import getResolvedOptions

args = getResolvedOptions(sys.argv, ["n"])
print("counted", SparkContext.getOrCreate().parallelize(range(int(args["n"])), 2).count())
"""


@pytest.fixture(scope="module")
def moto():
    server = MotoServer().start()  # in this process: the tests reach moto's EMR backend
    yield server
    server.stop()


@pytest.fixture(scope="module")
def aws(moto):
    clients = {name: boto3.client(name, endpoint_url=moto.url, region_name=REGION, **KEYS) for name in ("s3", "emr")}
    clients["emr-serverless"] = boto3.client("emr-serverless", endpoint_url=moto.url, region_name=REGION, **KEYS)
    clients["s3"].create_bucket(Bucket=BUCKET)
    return clients


@pytest.fixture
def project(tmp_path, monkeypatch, moto, aws, env_cache):
    """A project with one job, its requirements and a profile per target, all pointed at moto."""
    monkeypatch.setenv("ETL_CACHE_DIR", str(env_cache))
    cluster = aws["emr"].run_job_flow(
        Name="etl-tests",
        ReleaseLabel="emr-7.5.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        LogUri="s3://deploy-logs/emr/",
    )["JobFlowId"]
    app = aws["emr-serverless"].create_application(name="etl", releaseLabel="emr-7.5.0", type="SPARK")
    prefix = f"s3://{BUCKET}/{tmp_path.name}/"
    common = {
        "spark": {"master": "yarn", "deploy_mode": "cluster", "conf": {"spark.sql.session.timeZone": "UTC"}},
        "state_dir": str(tmp_path / "state"),
        "s3": {"access_key_id": "testing", "secret_access_key": "moto-secret"},
    }
    deploy = {"s3_prefix": prefix, "endpoint_url": moto.url, "region": REGION, "requirements": "requirements.txt"}
    deploy["poll_seconds"] = 0.05
    emr = {**common, "deploy": {**deploy, "target": "emr", "cluster_id": cluster, "action_on_failure": "CONTINUE"}}
    serverless = {
        **common,
        "deploy": {
            **deploy,
            "target": "emr-serverless",
            "application_id": app["applicationId"],
            "execution_role_arn": ROLE,
        },
    }
    on_yarn = {**common, "deploy": {"target": "yarn", "requirements": "requirements.txt", "stage_dir": "hdfs:///etl"}}
    root = use_project(
        tmp_path,
        {
            "jobs/hello.py": JOB,
            "jobs/count.py": COUNT_JOB,
            "conf/requirements.txt": JOB_REQUIREMENTS,
            "conf/emr.yaml": yaml.safe_dump(emr),
            "conf/serverless.yaml": yaml.safe_dump(serverless),
            "conf/yarn.yaml": yaml.safe_dump(on_yarn),
        },
        monkeypatch,
    )
    return {"root": root, "cluster": cluster, "app": app["applicationId"], "prefix": prefix, "key": tmp_path.name}


def _objects(aws, key: str) -> dict[str, bytes]:
    found = aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"{key}/").get("Contents", [])
    return {o["Key"].split("/", 1)[1]: aws["s3"].get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in found}


def _end_step(cluster: str, state: str, reason: str | None = None) -> threading.Thread:
    """Move the cluster's next step to ``state`` as soon as it is added (what EMR would do)."""
    backend = emr_backends[DEFAULT_ACCOUNT_ID][REGION].clusters[cluster]
    before = len(backend.steps)

    def end() -> None:
        deadline = time.monotonic() + 30
        while len(backend.steps) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        step = backend.steps[-1]
        step.state, step.last_state_change_reason = state, reason

    thread = threading.Thread(target=end, daemon=True)
    thread.start()
    return thread


def _package(tmp: Path) -> dict[str, bytes]:
    assert main(["package", "--env", "emr", "-o", str(tmp)]) == 0
    return {p.name: p.read_bytes() for p in tmp.iterdir()}


def test_package_rebuilds_byte_identical_with_content_names(project, tmp_path, env_cache, monkeypatch, capsys):
    first = _package(tmp_path / "dist1")
    assert sorted(n.split("-")[0] for n in first) == [
        "env",
        "etl_framework",
        "etl_framework_glue_shim",
        "launcher",
        "profile",
    ]
    assert _package(tmp_path / "dist2") == first
    # the environment again from nothing (no cache), by two `etl package` at once: built once (the
    # second waits for the first's build), and the same bytes
    monkeypatch.setenv("ETL_CACHE_DIR", str(tmp_path / "empty-cache"))
    outs = [tmp_path / f"dist3{i}" for i in "ab"]
    runs = [
        subprocess.Popen([*ETL, "package", "--env", "emr", "-o", str(out)], stderr=subprocess.PIPE, text=True)
        for out in outs
    ]
    logs = [run.communicate(timeout=900)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], logs
    assert sum("building the environment" in log for log in logs) == 1, logs
    assert all({p.name: p.read_bytes() for p in out.iterdir()} == first for out in outs)
    monkeypatch.setenv("ETL_CACHE_DIR", str(env_cache))
    # a changed job: only the code zip gets a new name
    (project["root"] / "jobs" / "hello.py").write_text(JOB + "# changed\n")
    changed = _package(tmp_path / "dist4")
    assert set(changed) - set(first) == {n for n in changed if n.startswith("etl_framework-")}
    assert len(set(first) - set(changed)) == 1
    names = {n.split("-")[0]: n for n in first}
    with tarfile.open(tmp_path / "dist1" / names["env"]) as env:
        members = {m.name: m for m in env.getmembers()}
    # the job's package and the framework's own (those with native code too); not the cluster's pyspark
    site = "lib/python3.11/site-packages/"
    for module in ("tabulate", "yaml", "boto3", "botocore", "croniter", "pyarrow", "deltalake", "delta", "pandas"):
        assert f"{site}{module}/__init__.py" in members, module
    assert {p.split("==")[0] for p in cluster_requirements()} >= {"pyyaml", "boto3", "pyarrow", "deltalake"}
    assert not [n for n in members if n.startswith((f"{site}pyspark", f"{site}py4j", f"{site}flask"))]
    assert members["bin/python"].issym()
    assert {m.mtime for m in members.values()} == {0} and {m.uid for m in members.values()} == {0}
    code = zipfile.ZipFile(tmp_path / "dist1" / names["etl_framework"]).namelist()
    assert "hello.py" in code and "etl_framework/runtime/launcher.py" in code
    profile = yaml.safe_load(first[names["profile"]])
    assert "deploy" not in profile and "secret_access_key" not in profile["s3"]  # the cluster uses its role
    assert "moto-secret" not in capsys.readouterr().out


def test_emr_step_runs_from_s3_and_a_second_run_uploads_nothing(project, aws, moto, capsys, monkeypatch):
    cluster, prefix = project["cluster"], project["prefix"]
    _end_step(cluster, "COMPLETED")
    code = main(["run", "hello", "--env", "emr", "--day", "2026-11-01", "--api_token", "t0p-s3cr3t"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "etl: staged 5 files under " + prefix + " (5 uploaded)" in out
    step = aws["emr"].list_steps(ClusterId=cluster)["Steps"][0]
    names = {n.split("-")[0]: n for n in _objects(aws, project["key"])}
    run_id = step["Config"]["Args"][-1]
    assert step["Name"] == "hello" and step["ActionOnFailure"] == "CONTINUE"
    assert step["Config"]["Jar"] == "command-runner.jar"
    assert step["Config"]["Args"] == [
        "spark-submit",
        "--deploy-mode",
        "cluster",
        "--name",
        "hello",
        "--archives",
        f"{prefix}{names['env']}#environment",
        "--conf",
        "spark.sql.session.timeZone=UTC",
        "--conf",
        "spark.pyspark.python=./environment/bin/python",
        "--conf",
        "spark.pyspark.driver.python=./environment/bin/python",
        "--py-files",
        f"{prefix}{names['etl_framework']},{prefix}{names['etl_framework_glue_shim']}",
        f"{prefix}{names['launcher']}",
        "--env",
        f"{prefix}{names['profile']}",
        "--module",
        "hello",
        "--",
        "--day",
        "2026-11-01",
        "--api_token",
        "t0p-s3cr3t",  # the job's argument as given: the step runs it
        "--JOB_NAME",
        "hello",
        "--JOB_RUN_ID",
        run_id,
    ]
    # the bucket holds exactly the package's files, byte for byte
    package = build(load_profile("emr"), cache_dir() / "package")
    assert _objects(aws, project["key"]) == {p.name: p.read_bytes() for p in package.files}
    assert f"etl: EMR step {step['Id']} on {cluster}: COMPLETED (" in err  # the progress line
    summary = [line for line in out.splitlines() if line.startswith("etl run summary:")]
    assert len(summary) == 1 and summary[0].startswith(f"etl run summary: job=hello run_id={run_id} status=SUCCEEDED")
    assert summary[0].endswith(f"cluster_id={cluster} step_id={step['Id']}")
    record = RunHistory(str(project["root"] / "state")).get(run_id)
    assert record.status == "SUCCEEDED" and record.args["step_id"] == step["Id"] and record.args["target"] == "emr"
    assert "t0p-s3cr3t" not in json.dumps(record.args)  # the history masks secret arguments

    # unchanged: nothing new is uploaded; this step fails, with its reason and where its logs are
    _end_step(cluster, "FAILED", "Step failed with exitCode 1")
    code = main(["run", "hello", "--env", "emr", "--day", "2026-11-02"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "(0 uploaded)" in out and "status=FAILED" in out
    failed = aws["emr"].list_steps(ClusterId=cluster)["Steps"][0]["Id"]
    assert f"EMR step {failed} on {cluster} FAILED: Step failed with exitCode 1" in err
    assert f"logs: s3://deploy-logs/emr/{cluster}/steps/{failed}/" in err

    # What the step runs, from what is in the bucket: the launcher with the step's own arguments
    # reads the profile from S3 and finds the job in the staged zip (on the path, as --py-files puts it)
    zipped = project["root"] / names["etl_framework"]
    zipped.write_bytes(
        aws["s3"].get_object(Bucket=BUCKET, Key=f"{project['key']}/{names['etl_framework']}")["Body"].read()
    )
    monkeypatch.syspath_prepend(str(zipped))
    cluster_env = {
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_DEFAULT_REGION": REGION,
        **{k.upper(): v for k, v in KEYS.items()},
    }
    for name, value in cluster_env.items():  # the cluster's role and endpoint, for boto3 in the launcher
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ETL_JOBS_DIR", str(project["root"] / "no-jobs-here"))
    args = step["Config"]["Args"]
    assert launcher.main(args[args.index(f"{prefix}{names['launcher']}") + 1 :]) == 0
    out = capsys.readouterr().out
    assert "hello 2026-11-01" in out and "job=hello" in out and "status=SUCCEEDED" in out


def test_emr_serverless_job_run_carries_the_package(project, aws, capsys):
    code = main(["run", "hello", "--env", "serverless", "--day", "2026-11-01"])
    out, err = capsys.readouterr()
    assert code == 0, err
    client, app, prefix = aws["emr-serverless"], project["app"], project["prefix"]
    listed = client.list_job_runs(applicationId=app)["jobRuns"][0]
    run = client.get_job_run(applicationId=app, jobRunId=listed["id"])["jobRun"]
    names = {n.split("-")[0]: n for n in _objects(aws, project["key"])}
    env = f"{prefix}{names['env']}#environment"
    assert run["executionRole"] == ROLE
    driver = run["jobDriver"]["sparkSubmit"]
    assert driver["entryPoint"] == f"{prefix}{names['launcher']}"
    assert driver["entryPointArguments"][:6] == [
        "--env",
        f"{prefix}{names['profile']}",
        "--module",
        "hello",
        "--",
        "--day",
    ]
    assert driver["sparkSubmitParameters"] == (
        "--name hello --conf spark.sql.session.timeZone=UTC "
        f"--conf spark.archives={env} "
        "--conf spark.emr-serverless.driverEnv.PYSPARK_DRIVER_PYTHON=./environment/bin/python "
        "--conf spark.emr-serverless.driverEnv.PYSPARK_PYTHON=./environment/bin/python "
        "--conf spark.executorEnv.PYSPARK_PYTHON=./environment/bin/python "
        f"--py-files {prefix}{names['etl_framework']},{prefix}{names['etl_framework_glue_shim']}"
    )
    assert "status=SUCCEEDED" in out and f"job_run_id={listed['id']}" in out
    runs = RunHistory(str(project["root"] / "state")).list("hello")
    assert runs[0].args["job_run_id"] == listed["id"] and runs[0].args["application_id"] == app


def test_dry_run_prints_the_api_requests_masked_and_uploads_nothing(project, aws, capsys, monkeypatch):
    assert main(["run", "hello", "--env", "emr", "--dry-run", "--db_password", "hunter22"]) == 0
    request = json.loads(capsys.readouterr().out)
    assert list(request) == ["AddJobFlowSteps"] and request["AddJobFlowSteps"]["JobFlowId"] == project["cluster"]
    args = request["AddJobFlowSteps"]["Steps"][0]["HadoopJarStep"]["Args"]
    assert args[:3] == ["spark-submit", "--deploy-mode", "cluster"]
    assert args[args.index("--db_password") + 1] == "***" and "hunter22" not in json.dumps(request)
    assert all(a.startswith(project["prefix"]) for a in args if "://" in a and "#" not in a)
    # without a cluster id: the cluster to make comes first
    assert main(["run", "hello", "--env", "emr", "--dry-run", "--set", "deploy.cluster_id=", *_new_cluster()]) == 0
    request = json.loads(capsys.readouterr().out)
    assert list(request) == ["RunJobFlow", "AddJobFlowSteps"]
    assert request["RunJobFlow"]["Instances"]["KeepJobFlowAliveWhenNoSteps"] is True
    assert request["RunJobFlow"]["Applications"] == [{"Name": "Spark"}]
    assert main(["run", "hello", "--env", "serverless", "--dry-run"]) == 0
    request = json.loads(capsys.readouterr().out)["StartJobRun"]
    assert request["applicationId"] == project["app"] and request["executionRoleArn"] == ROLE
    assert "spark.archives=" + project["prefix"] in request["jobDriver"]["sparkSubmit"]["sparkSubmitParameters"]
    assert _objects(aws, project["key"]) == {}
    assert aws["emr"].list_steps(ClusterId=project["cluster"])["Steps"] == []
    # YARN: the spark-submit command, with this machine's files for spark-submit to ship
    hadoop_conf = project["root"] / "hadoop-conf"
    hadoop_conf.mkdir()
    (hadoop_conf / "yarn-site.xml").write_text("<configuration/>")
    monkeypatch.setenv("HADOOP_CONF_DIR", str(hadoop_conf))
    assert main(["run", "hello", "--env", "yarn", "--dry-run", "--db_password", "hunter22"]) == 0
    argv = json.loads(capsys.readouterr().out)["spark-submit"]
    package = build(load_profile("yarn"), cache_dir() / "package")
    assert argv[0].endswith("/bin/spark-submit") and argv[1:5] == ["--master", "yarn", "--deploy-mode", "cluster"]
    # every file from the stage folder on the cluster's file system: nothing of this machine's
    assert argv[argv.index("--files") + 1] == f"hdfs:///etl/{package.profile.name}"
    assert argv[argv.index("--archives") + 1] == f"hdfs:///etl/{package.env.name}#environment"
    assert argv[argv.index("--py-files") + 1] == f"hdfs:///etl/{package.code.name},hdfs:///etl/{package.shim.name}"
    assert argv[argv.index(f"hdfs:///etl/{package.launcher.name}") + 1 :][:2] == ["--env", package.profile.name]
    assert not [a for a in argv[1:] if str(cache_dir()) in a]
    assert argv[argv.index("--db_password") + 1] == "***"


def _new_cluster() -> list[str]:
    keys = {"ReleaseLabel": "emr-7.5.0", "JobFlowRole": "EMR_EC2_DefaultRole", "ServiceRole": "EMR_DefaultRole"}
    keys["Instances"] = "{MasterInstanceType: m5.xlarge, InstanceCount: 1}"
    return [a for k, v in keys.items() for a in ("--set", f"deploy.cluster.{k}={v}")]


def test_a_made_cluster_is_terminated_after_its_step(project, aws, capsys):
    before = {c["Id"] for c in aws["emr"].list_clusters()["Clusters"]}
    code = main(
        [
            "run",
            "hello",
            "--env",
            "emr",
            "--set",
            "deploy.cluster_id=",
            "--set",
            "deploy.timeout_minutes=0.001",
            *_new_cluster(),
        ]
    )
    out, err = capsys.readouterr()
    made = [c for c in aws["emr"].list_clusters()["Clusters"] if c["Id"] not in before]
    assert len(made) == 1 and made[0]["Status"]["State"].startswith("TERMINAT")
    # moto never ends a step: the run is followed until deploy.timeout_minutes, then reported
    assert code == 1 and "status=TIMEOUT" in out and "still RUNNING after deploy.timeout_minutes=0.001" in err


@pytest.mark.parametrize(
    ("env", "sets", "message"),
    [
        ("emr", ["deploy.s3_prefix="], "key 'deploy.s3_prefix' is required for target emr"),
        (
            "serverless",
            ["deploy.execution_role_arn="],
            "key 'deploy.execution_role_arn' is required for target emr-serverless",
        ),
        (
            "emr",
            ["deploy.cluster_id=", "deploy.cluster={ReleaseLabel: emr-7.5.0}"],
            "deploy.cluster lacks Instances, JobFlowRole, ServiceRole",
        ),
        (
            "emr",
            ["deploy.cluster_id=j-NOSUCHCLUSTER"],
            "deploy.cluster_id j-NOSUCHCLUSTER: no such EMR cluster in us-east-1",
        ),
        (
            "serverless",
            ["deploy.application_id=00nosuchapp"],
            "deploy.application_id 00nosuchapp: no such EMR Serverless application",
        ),
        (
            "emr",
            ["deploy.s3_prefix=s3://no-such-bucket/etl"],
            "deploy.s3_prefix s3://no-such-bucket/etl: cannot upload etl_framework-",
        ),
        ("emr", ["s3.access_key_id=", "s3.secret_access_key="], "no AWS credentials to deploy with"),
        ("emr", ["deploy.requirements=missing.txt"], "deploy.requirements: no such file"),
        ("yarn", [], "target yarn needs HADOOP_CONF_DIR, a folder with the cluster's yarn-site.xml"),
        ("yarn", ["spark.master=local[2]"], "target yarn needs spark.master: yarn (got local[2])"),
    ],
)
def test_bad_input_names_what_is_wrong_and_submits_nothing(
    project, aws, capsys, monkeypatch, tmp_path, env, sets, message
):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "HADOOP_CONF_DIR",
        "YARN_CONF_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["run", "hello", "--env", env, *[a for s in sets for a in ("--set", s)]])
    err = capsys.readouterr().err
    assert code == 2 and message in err, err
    assert _objects(aws, project["key"]) == {}  # nothing uploaded before the run could be submitted
    assert aws["emr"].list_steps(ClusterId=project["cluster"])["Steps"] == []
    with pytest.raises(aws["emr-serverless"].exceptions.ResourceNotFoundException):  # moto: no run yet
        aws["emr-serverless"].list_job_runs(applicationId=project["app"])


@pytest.mark.parametrize(
    ("stage", "message"),
    [
        ("", "key 'deploy.stage_dir' is required for target yarn (the hdfs:// folder on the cluster"),
        ("/etl/deploy", "key 'deploy.stage_dir' must be a folder on the cluster's file system"),
    ],
)
def test_yarn_needs_a_stage_folder_on_the_cluster(project, monkeypatch, capsys, stage, message):
    hadoop_conf = project["root"] / "hadoop-conf"
    hadoop_conf.mkdir()
    (hadoop_conf / "yarn-site.xml").write_text("<configuration/>")
    monkeypatch.setenv("HADOOP_CONF_DIR", str(hadoop_conf))
    assert main(["run", "hello", "--env", "yarn", "--set", f"deploy.stage_dir={stage}"]) == 2
    assert message in capsys.readouterr().err


# --- the environment archive on a machine whose Python has nothing ---------------------------------

# Where the modules a run needs come from, on the driver and the executors: the job's own package
# (tabulate), the framework's dependencies (native code too), the framework.
PROBE = """
def probe(_=None):
    import sys, boto3, deltalake, pyarrow, tabulate, yaml, etl_framework
    return [sys.prefix, *(m.__file__ for m in (boto3, deltalake, pyarrow, tabulate, yaml, etl_framework))]
"""
# The job's own package and the framework's on the executors (PROBE), and a DynamicFrame's Python
# function run there, from the bundled order export to Parquet.
STANDALONE_JOB = """import sys
from pyspark.context import SparkContext
from etl_framework import GlueContext, getResolvedOptions
{PROBE}
args = getResolvedOptions(sys.argv, ["source", "out"])
ctx = GlueContext(SparkContext.getOrCreate())
orders = ctx.create_dynamic_frame.from_options("s3", {"paths": [args["source"]]}, format="json")
loud = orders.select_fields(["order_id", "status"]).map(lambda r: {**r, "status": r["status"].upper()})
ctx.write_dynamic_frame.from_options(loud, "s3", {"path": args["out"]}, format="parquet")
executors = ctx.spark_session.sparkContext.parallelize(range(2), 2).map(probe).collect()
print("probed", __import__("json").dumps([probe(), executors]))
""".replace("{PROBE}", PROBE)


@pytest.mark.cluster
def test_the_environment_archive_runs_the_job_on_a_worker_with_a_bare_python(
    tmp_path, monkeypatch, env_cache, spark_session
):
    """A standalone worker whose Python is a bare virtualenv's runs the executors, and a driver whose
    Python is only the unpacked archive (another machine's view): the package is all they have."""
    from etl_framework.deploy.command import spark_submit
    from etl_framework.jvm import spark_home
    from etl_framework.runtime.modules import resolve_job

    from .spark_cluster import StandaloneCluster

    monkeypatch.setenv("ETL_CACHE_DIR", str(env_cache))
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    bare = tmp_path / "bare"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    for module in ("yaml", "pyarrow", "tabulate", "pyspark", "etl_framework"):  # it really has none
        assert subprocess.run([bare / "bin" / "python", "-c", f"import {module}"], env=clean).returncode != 0
    cluster = StandaloneCluster(tmp_path / "spark", env={**clean, "PYSPARK_PYTHON": str(bare / "bin" / "python")})
    cluster.start()
    try:
        profile = {"spark": {"master": cluster.master_url}, "state_dir": str(tmp_path / "state")}
        profile["deploy"] = {"requirements": "requirements.txt"}
        use_project(
            tmp_path,
            {
                "jobs/probe.py": STANDALONE_JOB,
                "conf/requirements.txt": JOB_REQUIREMENTS,
                "conf/bare.yaml": yaml.safe_dump(profile),
            },
            monkeypatch,
        )
        package = build(load_profile("bare"), tmp_path / "dist")
        driver_env = tmp_path / "driver-env"
        with tarfile.open(package.env) as archive:
            archive.extractall(driver_env, filter="tar")
        out = tmp_path / "out"
        export = Path(__file__).parents[1] / "jobs" / "sample_data" / "orders"
        req = launcher.RunRequest(job="probe", job_argv=["--source", f"{export}/", "--out", str(out)])
        # etl's command for the package, each file where it is here (client deploy mode: this driver)
        cmd = spark_submit(
            req, resolve_job("probe"), load_profile("bare"), package, {p: str(p) for p in package.files}, False
        )
        confs = [
            "--conf",
            f"spark.pyspark.driver.python={driver_env}/bin/python",
            "--conf",
            "spark.executor.memory=512m",
        ]
        argv = [str(spark_home() / "bin" / "spark-submit"), "--master", cluster.master_url, *confs, *cmd.argv()]
        done = subprocess.run(argv, env=clean, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-4000:]
    finally:
        cluster.stop()
    driver, executors = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("probed "))[7:])
    assert driver[0] == str(driver_env)
    assert all(m.startswith(f"{driver_env}/lib/python3.11/site-packages/") for m in driver[1:-1]), driver
    for executor in executors:  # the worker's own Python ran none of it
        _assert_from_the_package(executor, package)
    assert list((cluster.workdir / "work").glob("app-*/*/environment/bin/python"))
    lines = [
        json.loads(line)
        for path in sorted(export.glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if _is_json(line)
    ]
    rows = sorted((r.order_id, r.status) for r in spark_session.read.parquet(str(out)).collect())
    assert rows == sorted((o["order_id"], o["status"].upper()) for o in lines)
    assert "status=SUCCEEDED" in done.stdout


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


# --- YARN: the package run for real, in cluster deploy mode on a Hadoop mini cluster ---------------

# A job of the tests' own: the bundled order export (malformed lines and all) from HDFS to Parquet
# on HDFS with a bookmark, and what ran it (PROBE).
YARN_JOB = """import sys
from pyspark.context import SparkContext
from etl_framework import GlueContext, Job, getResolvedOptions
{PROBE}

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "out"])
ctx = GlueContext(SparkContext.getOrCreate())
job = Job(ctx)
job.init(args["JOB_NAME"], args)
orders = ctx.create_dynamic_frame.from_options(
    "s3", {"paths": [args["source"]]}, format="json", transformation_ctx="orders"
)
picked = orders.select_fields(["order_id", "status"])
ctx.write_dynamic_frame.from_options(picked, "s3", {"path": args["out"]}, format="parquet", transformation_ctx="out")
executors = ctx.spark_session.sparkContext.parallelize(range(2), 2).map(probe).collect()
schema = "driver array<string>, executors array<array<string>>"
probed = ctx.spark_session.createDataFrame([(probe(), executors)], schema)
probed.write.json(args["out"] + "_probe")
job.commit()
""".replace("{PROBE}", PROBE)


@pytest.fixture(scope="module")
def yarn(tmp_path_factory):
    from .yarn_cluster import MiniYarnCluster, fetch_jars

    found = fetch_jars()
    if found.missing:
        pytest.skip(f"the Hadoop mini cluster's JARs could not be fetched: {found.message()}")
    cluster = MiniYarnCluster(tmp_path_factory.mktemp("yarn"), found.jars).start()
    try:
        yield cluster
    finally:
        cluster.stop()
    assert cluster.process.returncode is not None, "the mini cluster outlived the tests"


def _yarn_profile(tmp_path: Path, hdfs: str) -> dict:
    from etl_framework.packages import spark_jars_dir

    # The cluster's nodes have Spark (the ResourceManager's containers use this machine's JARs,
    # as EMR's use its own) and a Python without any package: the framework's dependencies and the
    # job's come in the environment archive, pyspark from the cluster's Spark.
    conf = {
        "spark.yarn.jars": f"local:{spark_jars_dir()}/*",
        "spark.yarn.maxAppAttempts": "1",
        "spark.driver.memory": "512m",
        "spark.executor.memory": "512m",
        "spark.executor.instances": "1",
        "spark.executor.cores": "2",
        "spark.sql.shuffle.partitions": "2",
        # The containers' JVMs (YARN starts them with its own environment, not the tests')
        "spark.driver.extraJavaOptions": C1_ONLY,
        "spark.executor.extraJavaOptions": C1_ONLY,
    }
    return {
        "spark": {"master": "yarn", "deploy_mode": "cluster", "conf": conf},
        "state_dir": str(tmp_path / "state"),
        "warehouse_dir": f"{hdfs}/warehouse",
        "catalog": {"backend": "hive", "metastore_uri": "thrift://127.0.0.1:9"},  # not used by the job
        "deploy": {
            "target": "yarn",
            "state_dir": f"{hdfs}/state",
            "stage_dir": f"{hdfs}/deploy",
            "requirements": "requirements.txt",
            "poll_seconds": 0.5,
        },
    }


@pytest.mark.cluster
def test_yarn_cluster_mode_runs_the_package_through_hdfs(yarn, tmp_path, monkeypatch, env_cache, spark_session, capsys):
    from etl_framework.bookmarks.store import BookmarkStore
    from etl_framework.storage import Storage

    monkeypatch.setenv("ETL_CACHE_DIR", str(env_cache))
    monkeypatch.setenv("HADOOP_CONF_DIR", str(yarn.conf_dir))
    hdfs = yarn.hdfs
    export = Path(__file__).parents[1] / "jobs" / "sample_data" / "orders"
    store = Storage(spark_session, f"{hdfs}/input")
    lines = []
    for path in sorted(export.glob("*.jsonl")):  # the export, put on the cluster's HDFS
        store.write_text(f"{hdfs}/input/orders/{path.name}", path.read_text())
        lines += path.read_text().splitlines()
    valid = []
    for line in lines:
        try:
            valid.append(json.loads(line))
        except ValueError:
            pass
    root = use_project(
        tmp_path,
        {
            "jobs/yarn_orders.py": YARN_JOB,
            "conf/requirements.txt": JOB_REQUIREMENTS,
            "conf/yarn.yaml": yaml.safe_dump(_yarn_profile(tmp_path, hdfs)),
        },
        monkeypatch,
    )
    out = f"{hdfs}/out/orders"
    argv = ["--source", f"{hdfs}/input/orders/", "--out", out, "--job-bookmark-option", "job-bookmark-enable"]
    code = main(["run", "yarn_orders", "--env", "yarn", *argv])
    printed, err = capsys.readouterr()
    assert code == 0, err[-4000:]
    summary = [line for line in printed.splitlines() if line.startswith("etl run summary:")]
    assert len(summary) == 1, printed
    app = re.search(r"application_id=(application_\d+_\d+)", summary[0]).group(1)
    # the counts are the driver's, read back from its run result on HDFS
    assert "status=SUCCEEDED" in summary[0]
    assert f"read={len(lines)} written={len(valid)} errors={len(lines) - len(valid)}" in summary[0]
    assert f"etl: YARN application {app}: RUNNING (" in err and f"etl: YARN application {app}: SUCCEEDED (" in err
    # the package was put in deploy.stage_dir, and YARN localized it from there: spark-submit sent none of it
    assert f"etl: staged 5 files under {hdfs}/deploy/ (5 uploaded)" in printed
    package = build(load_profile("yarn"), cache_dir() / "package")
    submitted = (cache_dir() / "yarn" / f"yarn_orders-{os.getpid()}.log").read_text()
    uploads = [line for line in submitted.splitlines() if "Uploading resource" in line]
    assert uploads and not [line for line in uploads for p in package.files if p.name in line], uploads
    assert f"Not copying {hdfs}/deploy/{package.env.name}" in submitted
    # unchanged: nothing is put again
    assert cluster_staging.stage(load_profile("yarn"), package.files) == []
    (record,) = RunHistory(str(root / "state")).list("yarn_orders")
    assert record.status == "SUCCEEDED" and record.args["application_id"] == app and record.args["target"] == "yarn"
    assert record.metrics["written"] == len(valid)

    rows = sorted((r.order_id, r.status) for r in spark_session.read.parquet(out).collect())
    assert rows == sorted((o.get("order_id"), o.get("status")) for o in valid)
    probe = spark_session.read.json(f"{out}_probe").first()
    # the environment archive's Python ran the driver and the executors, with the framework's
    # packages and the job's from the archive, and the framework from the package's zip
    _assert_from_the_package(probe.driver, package)
    for executor in probe.executors:
        _assert_from_the_package(executor, package)
    # the bookmark is on the cluster's state_dir, committed by this run
    assert BookmarkStore(f"{hdfs}/state").committed_by("yarn_orders", record.run_id).version == 1


def _assert_from_the_package(probed: list[str], package) -> None:
    """``PROBE``'s answer: the archive's Python, its packages, the framework from the package's zip."""
    prefix, *modules, framework = probed
    assert prefix.endswith("/environment"), probed
    assert all(m.startswith(f"{prefix}/lib/python3.11/site-packages/") for m in modules), probed
    assert f"/{package.code.name}/etl_framework/__init__.py" in framework, probed


@pytest.mark.cluster
def test_two_runs_cannot_both_commit_a_bookmark_on_hdfs(yarn, spark_session):
    from etl_framework.bookmarks.store import BookmarkStore, ConcurrentCommitError

    store = BookmarkStore(f"{yarn.hdfs}/concurrent-state")
    sources = {"orders": {"type": "files", "high_water_ms": 1, "band": {}}}
    first = store.commit("orders", 0, sources, "jr_a", "first")
    with pytest.raises(ConcurrentCommitError, match="bookmark version 1 was committed by another run"):
        store.commit("orders", 0, sources, "jr_b", "second, from the same version")
    assert store.latest("orders").run_id == first.run_id == "jr_a"


@pytest.mark.cluster
def test_what_the_emr_step_runs_runs_on_yarn(project, aws, moto, yarn, spark_session, tmp_path, capsys):
    """moto never runs a step: the step it recorded, its spark-submit arguments as they are, runs
    on the YARN mini cluster, which fetches the package from moto's S3 through s3a."""
    from etl_framework.config.profile import S3Settings
    from etl_framework.jvm import spark_home
    from etl_framework.packages import coordinate, fetch
    from etl_framework.runtime.result import result_uri
    from etl_framework.s3 import spark_conf
    from etl_framework.storage import Storage

    connector = fetch([coordinate("hadoop-aws")], {})
    if connector.missing:
        pytest.skip(connector.message(["hadoop-aws"]))
    state = f"{yarn.hdfs}/emr-state"
    _end_step(project["cluster"], "COMPLETED")
    # on a cluster: the state on HDFS, and a catalog that is not the embedded Derby (the job uses none)
    sets = [f"deploy.state_dir={state}", "catalog.backend=hive", "catalog.metastore_uri=thrift://127.0.0.1:9"]
    assert main(["run", "count", "--env", "emr", *[a for s in sets for a in ("--set", s)], "--n", "1234"]) == 0
    capsys.readouterr()
    args = aws["emr"].list_steps(ClusterId=project["cluster"])["Steps"][0]["Config"]["Args"]
    assert args[0] == "spark-submit" and all(a.startswith(project["prefix"]) for a in args if a.startswith("s3"))

    # The cluster's own settings, as EMR's spark-defaults and instance role give them: s3:// through
    # S3A at moto, the cluster's Spark and Python, and credentials for the launcher's boto3.
    keys = {"AWS_ENDPOINT_URL": moto.url, "AWS_DEFAULT_REGION": REGION, **{k.upper(): v for k, v in KEYS.items()}}
    s3 = S3Settings(endpoint_url=moto.url, region=REGION, access_key_id="testing", secret_access_key="moto-secret")
    conf = {**_yarn_profile(tmp_path, yarn.hdfs)["spark"]["conf"], **spark_conf(s3)}
    conf |= {f"spark.yarn.appMasterEnv.{k}": v for k, v in keys.items()}
    cluster = [a for k, v in conf.items() for a in ("--conf", f"{k}={v}")]
    command = [str(spark_home() / "bin" / "spark-submit"), "--master", "yarn", *cluster, *args[1:]]
    env = {**yarn.env(), "SPARK_DIST_CLASSPATH": ":".join(connector.jars)}  # spark-submit reads s3a too
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    app = re.search(r"Submitted application (application_\d+_\d+)", done.stderr).group(1)
    (driver,) = (yarn.workdir / "data").glob(f"**/*logDir*/{app}/container_*_000001/stdout")
    assert done.returncode == 0, driver.read_text()[-3000:] + done.stderr[-3000:]
    assert "counted 1234" in driver.read_text()
    run_id = args[-1]  # the step's --JOB_RUN_ID: the driver's record is the submitter's run
    published = json.loads(Storage(spark_session, state).read_text(result_uri(state, run_id)))
    assert published["status"] == "SUCCEEDED" and published["job"] == "count" and published["run_id"] == run_id
