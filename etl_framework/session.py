"""The SparkSession a job runs on, built from a profile."""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession

from .config import Profile


def under_spark_submit() -> bool:
    """True when this Python process was started by ``spark-submit`` (the JVM already exists and
    owns the master and deploy settings)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def build_session(profile: Profile, app_name: str) -> SparkSession:
    """Get or create the session: the profile's master (unless spark-submit chose it), its Spark
    conf, and its warehouse dir as ``spark.sql.warehouse.dir``."""
    builder = SparkSession.builder.appName(profile.spark.app_name or app_name)
    if not under_spark_submit():
        builder = builder.master(profile.spark.master)
        if profile.spark.is_local:
            # Local mode needs no network interface; binding to loopback avoids Spark's warning
            # about the host name and any firewall prompt.
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            # Python workers (map, filter) must run this interpreter, which has pyarrow and pandas.
            builder = builder.config("spark.pyspark.python", sys.executable)
    conf = {"spark.sql.warehouse.dir": profile.warehouse_dir, **profile.spark.conf}
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
