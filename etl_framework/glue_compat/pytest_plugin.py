"""A pytest plugin for testing Glue scripts' code: ``import awsglue`` works, and a ``glueContext`` fixture.

Load it with ``-p etl_framework.glue_compat.pytest_plugin`` (or ``pytest_plugins =
["etl_framework.glue_compat.pytest_plugin"]`` in a ``conftest.py``); it is not loaded on its own,
so installing etl_framework changes no other test suite. At start it installs the shim
(``install()``); ``glueContext`` is a GlueContext on pytest-spark's ``spark_session`` when that
plugin is present (else a local session), with ``SparkContext()`` returning its context while the
test runs and the shim shipped to the session's executors::

    def test_cleaning(glueContext):
        from awsglue.dynamicframe import DynamicFrame
        frame = DynamicFrame.fromDF(glueContext.spark_session.range(3), glueContext, "ids")
        assert frame.count() == 3
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..context import EtlContext
from .installer import install
from .spark_context import attached_spark_context


def pytest_configure(config: pytest.Config) -> None:
    install()


@pytest.fixture
def glueContext(request: pytest.FixtureRequest) -> Iterator[EtlContext]:  # noqa: N802 - Glue's spelling
    """A GlueContext (etl_framework's EtlContext) for the test."""
    if request.config.pluginmanager.hasplugin("spark"):  # pytest-spark
        spark = request.getfixturevalue("spark_session")
    else:
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.master("local[2]").getOrCreate()
    install(spark.sparkContext)
    with attached_spark_context():
        yield EtlContext(spark)
