"""``import awsglue`` outside Glue: the shim on the path (``install()``), in executors, in a user's
pytest, next to AWS's own awsglue distribution; ``SparkContext()`` inside a run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from pyspark import SparkContext

import etl_framework
from etl_framework import transforms, types
from etl_framework.glue_compat import SHIM_DIR, attached_spark_context, install

from .conftest import ROOT


def test_install_resolves_glue_imports_to_ours_here_and_in_executors(spark_session):
    # pytest's doctest collection of the shim's own modules may have put it on the path already.
    before = sys.path.count(str(SHIM_DIR))
    assert install() and install(spark_session.sparkContext) and install(spark_session.sparkContext)  # idempotent
    assert sys.path.count(str(SHIM_DIR)) == max(before, 1)
    import awsglue.context
    import awsglue.dynamicframe
    import awsglue.gluetypes
    import awsglue.job
    import awsglue.transforms
    import awsglue.utils
    import awsgluedq.transforms
    from awsglue import DynamicFrame

    assert DynamicFrame is awsglue.dynamicframe.DynamicFrame is etl_framework.DynamicFrame
    assert awsglue.context.GlueContext is etl_framework.EtlContext and awsglue.job.Job is etl_framework.Job
    assert awsglue.utils.getResolvedOptions is etl_framework.getResolvedOptions
    assert awsglue.gluetypes.StructType is types.StructType and awsglue.gluetypes.Field is types.Field
    assert awsglue.transforms.ALL_TRANSFORMS is transforms.ALL_TRANSFORMS
    assert awsgluedq.transforms.EvaluateDataQuality is transforms.EvaluateDataQuality
    star: dict = {}
    exec("from awsglue.transforms import *", star)
    assert (
        star["ApplyMapping"] is transforms.ApplyMapping
        and star["SelectFromCollection"] is transforms.SelectFromCollection
    )

    def where(record):  # runs in a Python worker, which imports the shim from the zip install() shipped
        import awsglue.gluetypes

        record["shim"] = awsglue.gluetypes.__file__
        return record

    frame = DynamicFrame.fromDF(spark_session.range(2), awsglue.context.GlueContext(spark_session), "ids")
    shims = {r.shim for r in frame.map(where).toDF().collect()}
    assert len(shims) == 1 and "etl_framework_glue_shim-" in shims.pop()


def test_spark_context_is_the_running_one_inside_a_run(spark_session):
    running = spark_session.sparkContext
    with attached_spark_context():
        assert SparkContext() is running
        assert SparkContext(appName="ignored") is running  # Glue scripts may pass a conf or a name
    # outside the run, Spark's own behaviour again, with a constructor's arguments too
    with pytest.raises(ValueError, match="Cannot run multiple SparkContexts at once"):
        SparkContext()
    with pytest.raises(ValueError, match="Cannot run multiple SparkContexts at once"):
        SparkContext(appName="another")


def test_the_pytest_plugin_gives_a_users_tests_awsglue_and_a_glue_context(pytester, spark_session):
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            from awsglue.context import GlueContext
            from awsglue.dynamicframe import DynamicFrame
            from awsglue.transforms import SelectFields
            from pyspark.context import SparkContext

            def test_cleaning(glueContext):
                assert isinstance(glueContext, GlueContext)
                assert SparkContext() is glueContext.spark_session.sparkContext
                frame = DynamicFrame.fromDF(glueContext.spark_session.range(3), glueContext, "ids")
                assert SelectFields.apply(frame=frame, paths=["id"]).count() == 3
            """
        )
    )
    # In this process, on the suite's session; without pytest-spark, whose session fixture would stop it.
    result = pytester.runpytest_inprocess("-p", "etl_framework.glue_compat.pytest_plugin", "-p", "no:spark")
    result.assert_outcomes(passed=1)


def test_aws_glue_dataplane_python_next_to_ours_breaks_neither(tmp_path):
    """AWS's distribution installs a top-level awsglue; ours does not (the shim is package data), so
    both import, and install() steps aside, saying why, rather than shadow AWS's package."""
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site)]
    got = subprocess.run([*pip, "AWSGlueDataplanePython"], capture_output=True, text=True, timeout=300)
    if got.returncode != 0:
        pytest.skip(f"AWSGlueDataplanePython could not be downloaded from PyPI: {got.stderr.strip()[-300:]}")
    check = """
import logging, sys
logging.basicConfig(stream=sys.stdout, format="%(message)s")
import awsglue, awsglue.dynamicframe
import etl_framework, etl_framework.glue_compat as compat
print("awsglue", awsglue.__file__)
print("installed", compat.install())
print("etl", etl_framework.DynamicFrame.__module__)
"""
    env = {"PYTHONPATH": f"{ROOT}:{site}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"awsglue {site}/awsglue/__init__.py" in out.stdout
    assert "installed False" in out.stdout and "etl etl_framework.dynamicframe.frame" in out.stdout
    assert (
        f"awsglue from the distribution AWSGlueDataplanePython at {site}/awsglue/__init__.py is importable"
        in out.stdout
    )
