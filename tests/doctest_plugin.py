"""The namespace every docstring example of ``etl_framework`` runs in (``--doctest-modules``).

Registered with ``-p tests.doctest_plugin`` in pyproject's addopts, because tests/conftest.py only
reaches the tests under tests/. Each example gets:

* ``spark``: the suite's own session (pytest-spark's ``spark_session``, so no second JVM);
* ``ctx`` and ``glueContext``: an ``EtlContext`` over the local profile, with its warehouse and
  state dirs in the example's temporary folder, the embedded catalog and delta-rs for Delta;
* ``tmp``: that folder (a ``str``), also the working directory, for the files an example writes.

Examples keep their tables in the database ``sales``, which is dropped after each one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

from . import conftest as suite

DATABASE = "sales"


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """pytest loads tests/conftest.py only when it collects tests/; ``pytest etl_framework/...``
    needs its session settings too (the private metastore and warehouse, the Spark packages)."""
    name = suite.__file__
    if config.pluginmanager.get_plugin(name) is None:
        config.pluginmanager.register(suite, name)


@pytest.fixture(autouse=True)
def _doctest_globals(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fill ``doctest_namespace`` for a docstring example; tests are left alone."""
    if not isinstance(request.node, DoctestItem):
        yield
        return
    from etl_framework.config import load_profile
    from etl_framework.context import EtlContext

    spark = request.getfixturevalue("spark_session")
    tmp: Path = request.getfixturevalue("tmp_path")
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.chdir(tmp)  # what an example writes to a relative path stays in its folder
    monkeypatch.setenv("ETL_CONF_DIR", str(suite.ROOT / "conf"))
    # delta-rs writes the examples' Delta tables: they print the same with or without the Delta JARs,
    # and none waits for delta-spark's first use (seconds).
    sets = [f"warehouse_dir={tmp}/warehouse", f"state_dir={tmp}/state", "delta.engine=delta-rs"]
    profile = load_profile("local", sets=sets)
    ctx = EtlContext(spark, profile)
    request.getfixturevalue("doctest_namespace").update(spark=spark, ctx=ctx, glueContext=ctx, tmp=str(tmp))
    yield
    # Listing every database costs about 0.5 s an example; a lookup by name, a few ms.
    if spark.catalog.databaseExists(DATABASE):
        spark.sql(f"DROP DATABASE {DATABASE} CASCADE")
