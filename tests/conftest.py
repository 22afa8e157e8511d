"""Shared fixtures: the repository root, an ``etl`` command runner and per-test profiles."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from .postgres import PostgresServer
from .spark_cluster import C1_ONLY, free_port

# Glue scripts that tests run as jobs, and the Studio's golden generated scripts (they import
# awsglue, which only our runs put on the path): --doctest-modules must not import them.
collect_ignore = ["glue_scripts", "studio"]

# pytester: tests/test_glue_compat.py runs a user's test suite that loads our pytest plugin.
pytest_plugins = ["pytester"]

# Spark's Python workers must run this interpreter (it has pyarrow); set before any session starts.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

# The suite's own sessions, each `etl run` process and spark-submit's drivers compile with C1 only
# (see C1_ONLY; the clusters' JVMs get it from tests/spark_cluster.py and tests/yarn_cluster.py).
if C1_ONLY not in os.environ.get("SPARK_SUBMIT_OPTS", ""):
    os.environ["SPARK_SUBMIT_OPTS"] = f"{os.environ.get('SPARK_SUBMIT_OPTS', '')} {C1_ONLY}".strip()

ROOT = Path(__file__).resolve().parent.parent
ETL = [sys.executable, "-m", "etl_framework"]
# S3 is a moto server on this port, started by the S3 tests (tests/test_s3.py) when they run; these
# profile settings point at it (the suite's Spark session gets them at its start).
S3_PORT = free_port()
S3_SECRET = "moto-s3-secret"  # moto takes any key; this one is looked for in what etl prints
S3_SETS = [
    f"s3.endpoint_url=http://127.0.0.1:{S3_PORT}",
    "s3.region=us-east-1",
    "s3.access_key_id=testing",
    f"s3.secret_access_key={S3_SECRET}",
]


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Give the suite's Spark session its own Derby metastore and warehouse: Derby lets one JVM
    open a metastore, and several pytest processes may run in this checkout at once."""
    import tempfile

    from pytest_spark.config import SparkConfigBuilder

    from etl_framework.config import load_profile
    from etl_framework.packages import session_conf
    from etl_framework.runtime.session import FRAMEWORK_CONF, catalog_conf
    from etl_framework.s3 import spark_conf as s3_conf

    home = config._etl_metastore_home = tempfile.mkdtemp(prefix="etl-tests-metastore-")
    conf = SparkConfigBuilder.get()
    profile = load_profile(str(ROOT / "conf" / "local.yaml"), sets=[f"state_dir={home}", *S3_SETS])
    settings = {**s3_conf(profile.s3), **FRAMEWORK_CONF, **catalog_conf(profile)}  # the settings etl run uses
    settings.update(session_conf(profile.spark.packages, settings, local=True)[0])  # and its Spark packages
    for key, value in settings.items():
        conf.set(key, value)
    conf.set("spark.sql.warehouse.dir", f"{home}/warehouse")


# A job's own requirements (``deploy.requirements``), one small pure package beyond the framework's
# (the YARN tests' job imports it): every test project that packages a job uses this text, so the
# suite builds one environment archive.
JOB_REQUIREMENTS = "tabulate==0.9.0\n"


@pytest.fixture(scope="session")
def env_cache(tmp_path_factory) -> Path:
    """One cache (``ETL_CACHE_DIR``) of built cluster environments for the suite, shared by the
    xdist workers (``etl package`` builds a missing archive once, under a lock): each test that
    packages a job would otherwise build the same environment archive again (about a minute)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' base folders share this run's folder
    cache = root / "etl-cache"
    cache.mkdir(exist_ok=True)
    return cache


@pytest.fixture(scope="session")
def postgres():
    """One private PostgreSQL server for the suite (tests/postgres.py)."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


# The files that take minutes (clusters, environment builds, the benchmark smoke run, both Delta
# engines), longest first, as measured on 2 cores: they start first, so neither xdist worker is
# left with one of them at the end while the other idles. Every other file keeps its place.
LONGEST_FIRST = ["test_deploy.py", "test_delta.py", "test_bench_smoke.py", "test_cluster.py"]


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest as collected


def pytest_unconfigure(config):
    import shutil

    shutil.rmtree(getattr(config, "_etl_metastore_home", ""), ignore_errors=True)


def needs_package(spark, name: str) -> None:
    """Skip the calling test, naming the JARs, when the session lacks the Spark package ``name``
    (Maven Central was out of reach when the suite started)."""
    from etl_framework.packages import coordinate, loaded

    if not loaded(spark, name):
        pytest.skip(f"needs the Spark package {coordinate(name)}, which could not be fetched (see `etl jars`)")


def spark_jobs(spark, run):
    """(what ``run`` returned, how many Spark jobs it ran)."""
    sc, group = spark.sparkContext, f"counted-{uuid.uuid4().hex}"
    sc.setJobGroup(group, "counted")
    try:
        out = run()
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
    return out, len(sc.statusTracker().getJobIdsForGroup(group))


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_etl(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: int = 300) -> Result:
    """Run the ``etl`` command as a user would, in a fresh process."""
    proc = subprocess.run(
        [*ETL, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def etl_here(spark_session, capfd):
    """Run the ``etl`` command in this process, as ``etl_framework.cli.main``, on the suite's Spark
    session (no JVM start): for tests of what a command does rather than of the process around
    it. Its catalog is the suite's metastore, so a test drops the tables it makes."""
    from etl_framework.cli import main

    def run(*args: str) -> Result:
        capfd.readouterr()
        code = main(list(args))
        out, err = capfd.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    """A private warehouse and state dir, and the ``--set`` options that point a profile at them."""
    warehouse, state = tmp_path / "warehouse", tmp_path / "state"
    return {
        "warehouse": warehouse,
        "state": state,
        "sets": [f"warehouse_dir={warehouse}", f"state_dir={state}"],
    }


def use_project(root: Path, files: dict[str, str], monkeypatch) -> Path:
    """Write ``files`` (relative path: text) under ``root`` and make it the working project: the
    current folder, with bare job and definition names resolving in its ``jobs/`` and ``conf/``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    monkeypatch.chdir(root)
    monkeypatch.setenv("ETL_CONF_DIR", str(root / "conf"))
    monkeypatch.setenv("ETL_JOBS_DIR", str(root / "jobs"))
    return root


def set_args(dirs: dict) -> list[str]:
    out: list[str] = []
    for item in dirs["sets"]:
        out += ["--set", item]
    return out


@pytest.fixture(params=["spark", "delta-rs"])
def delta_engine(request, spark_session) -> str:
    """The profile's ``delta.engine`` a Delta test runs on: each runs on both, on the one shared session."""
    if request.param == "spark":
        needs_package(spark_session, "delta")
    return request.param


@pytest.fixture
def profile(tmp_path, monkeypatch):
    """The local profile pointed at a private warehouse and state dir."""
    from etl_framework.config import load_profile

    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    return load_profile("local", sets=[f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state"])
