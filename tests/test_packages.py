"""Spark packages from Maven Central: the profile key, the cached fetch, and what an offline run says."""

from __future__ import annotations

import importlib.metadata
import json

import pyspark
import pytest
from deltalake import DeltaTable

from etl_framework.config import load_profile
from etl_framework.errors import ConfigError
from etl_framework.packages import coordinate, fetch, ivy_home

from .conftest import C1_ONLY, ROOT, run_etl

# A proxy on the discard port: every download fails at once, as on a laptop without network.
OFFLINE = {
    "SPARK_SUBMIT_OPTS": f"{C1_ONLY} -Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9 "
    "-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=9"
}

WRITE_DELTA = """
from etl_framework import Job

def main(ctx, args):
    job = Job(ctx).init(args["JOB_NAME"], args)
    frame = ctx.create_dynamic_frame.from_options("file", {"paths": [args["inbox"]]}, "json")
    ctx.write_dynamic_frame.from_options(frame, "file", {"path": args["table"]}, "delta")
    job.commit()
"""


def test_profile_names_packages_by_name_or_coordinate_and_refuses_others(tmp_path):
    profile = load_profile("local")
    assert [coordinate(n) for n in profile.spark.packages] == [
        f"io.delta:delta-spark_2.13:{importlib.metadata.version('delta-spark')}",
        "org.apache.hadoop:hadoop-aws:3.5.0",
        f"org.apache.spark:spark-avro_2.13:{pyspark.__version__}",
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text("spark:\n  master: local[1]\n  packages: [delta, spark-xml]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: key 'spark.packages' lists 'spark-xml'.*group:artifact:version"):
        load_profile(str(bad))


def test_etl_jars_lists_the_cached_packages_without_fetching_again():
    profile = load_profile("local")
    coords = [coordinate(n) for n in profile.spark.packages]
    if fetch(coords, profile.spark.conf).missing:  # the suite's session fetched them at start if it could
        pytest.skip(f"Maven Central not reachable: {', '.join(fetch(coords, profile.spark.conf).missing)}")
    result = run_etl("jars", "--env", "local")
    assert result.code == 0, result.stderr
    assert "fetching" not in result.stderr  # all from the cache
    for name, coord in zip(profile.spark.packages, coords, strict=True):
        assert any(line.split() == [name, coord, "ok"] for line in result.stdout.splitlines()), result.stdout
    assert f"in {ivy_home({})}" in result.stdout


def test_offline_run_says_what_is_missing_and_writes_delta_through_delta_rs(tmp_path):
    job, inbox, table = tmp_path / "write_delta.py", tmp_path / "inbox", tmp_path / "table"
    job.write_text(WRITE_DELTA)
    inbox.mkdir()
    (inbox / "a.json").write_text("".join(json.dumps({"id": i}) + "\n" for i in range(3)))
    empty_ivy = f"spark.jars.ivy={tmp_path}/ivy"
    sets = ["--set", f"state_dir={tmp_path}/state", "--set", f"warehouse_dir={tmp_path}/wh"]
    sets += ["--set", "spark.packages=[delta]", "--conf", empty_ivy]

    jars = run_etl("jars", *sets, env=OFFLINE)
    assert jars.code == 1
    coord = coordinate("delta")
    assert f"{coord} not found in" in jars.stderr and "make jars" in jars.stderr
    assert any(line.split() == ["delta", coord, "missing"] for line in jars.stdout.splitlines()), jars.stdout

    run = run_etl("run", str(job), *sets, "--inbox", str(inbox), "--table", str(table), env=OFFLINE, cwd=ROOT)
    assert run.code == 0, run.stderr[-3000:]
    assert f"Spark packages not available: {coord}" in run.stderr
    assert "Delta tables are written through delta-rs instead of delta-spark" in run.stderr
    assert "`etl jars` tries again" in run.stderr  # the failure of etl jars is remembered: no second wait
    assert "Traceback" not in run.stderr and "Exception" not in run.stderr
    assert sorted(r["id"] for r in DeltaTable(str(table)).to_pyarrow_table().to_pylist()) == [0, 1, 2]
