"""The SparkSession a job runs on, built from a profile."""

from __future__ import annotations

import os
import sys

from pyspark import SparkContext
from pyspark.sql import SparkSession

from ..config import Profile
from ..errors import ConfigError
from ..packages import session_conf
from ..s3 import spark_conf as s3_conf


def under_spark_submit() -> bool:
    """True when this Python process was started by ``spark-submit`` (the JVM already exists and
    owns the master and deploy settings)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


# Settings every session etl builds starts from; a profile's spark.conf overrides them.
FRAMEWORK_CONF = {
    # PySpark records the Python call site of each Column function for error messages, at about ten
    # py4j round trips a call. Transforms build hundreds of expressions (apply_mapping of 11 fields:
    # 0.45 s of driver time with it, 0.07 s without), and the sites would be inside etl_framework.
    "spark.python.sql.dataFrameDebugging.enabled": "false",
}


def catalog_conf(profile: Profile) -> dict[str, str]:
    """Spark settings of the profile's catalog backend: ``local`` keeps an embedded Derby metastore
    in the state dir (one per state dir, so separate projects never share one), ``hive`` talks to
    the remote metastore at ``catalog.metastore_uri``; ``glue`` needs none."""
    backend = profile.catalog.backend
    if backend == "local":
        if "://" in profile.state_dir:
            raise ConfigError(
                f"{profile.source}: catalog.backend local keeps its Derby metastore under state_dir, which must "
                f"be a local folder (got {profile.state_dir}); use catalog.backend hive or glue on a cluster"
            )
        url = f"jdbc:derby:;databaseName={profile.state_dir}/metastore_db;create=true"
        return {
            "spark.hadoop.javax.jdo.option.ConnectionURL": url,
            # Embedded Derby admits one JVM, so nothing changes the metastore behind this one's back:
            # its object cache is safe, and saves a fifth of every table and partition lookup.
            "spark.hadoop.datanucleus.cache.level2": "true",
            "spark.hadoop.datanucleus.cache.level2.type": "soft",
        }
    if backend == "hive":
        if not profile.catalog.metastore_uri:
            raise ConfigError(
                f"{profile.source}: catalog.backend hive needs catalog.metastore_uri (thrift://host:9083)"
            )
        return {"spark.hadoop.hive.metastore.uris": profile.catalog.metastore_uri}
    return {}


def profile_conf(profile: Profile, packages: bool = True) -> dict[str, str]:
    """Every Spark setting a session for ``profile`` starts with: the framework's, the catalog
    backend's, the profile's own ``spark.conf`` and (with ``packages``) what loads its
    ``spark.packages``."""
    conf = {
        **FRAMEWORK_CONF,
        "spark.sql.warehouse.dir": profile.warehouse_dir,
        **catalog_conf(profile),
        **profile.spark.conf,
    }
    if not packages:
        return conf
    return {**conf, **session_conf(profile.spark.packages, conf, profile.spark.is_local)[0]}


def build_session(profile: Profile, app_name: str) -> SparkSession:
    """Get or create the session: the profile's master (unless spark-submit chose it), its Spark
    conf (``profile_conf``; the packages only for a new JVM) over its ``s3``
    settings (``etl_framework.s3``: resolved here, in the driver, so that credentials never reach a
    command line), and Hive support for the ``local`` and ``hive`` catalog backends."""
    builder = SparkSession.builder.appName(profile.spark.app_name or app_name)
    if not under_spark_submit():
        builder = builder.master(profile.spark.master)
        if profile.spark.is_local:
            # Local mode needs no network interface; binding to loopback avoids Spark's warning
            # about the host name and any firewall prompt.
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            # Python workers (map, filter) must run this interpreter, which has pyarrow and pandas.
            builder = builder.config("spark.pyspark.python", sys.executable)
    # Packages load with the JVM: spark-submit's command carries them, and a session already running
    # (a notebook's, a test's) has the class path it started with; their settings (Delta's catalog)
    # would name classes it may not have.
    running = SparkContext._active_spark_context is not None
    conf = {**s3_conf(profile.s3), **profile_conf(profile, packages=not (under_spark_submit() or running))}
    if profile.catalog.backend in ("local", "hive"):
        builder = builder.enableHiveSupport()
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
