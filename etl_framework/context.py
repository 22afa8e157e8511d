"""EtlContext: the entry object of a job, the counterpart of Glue's ``GlueContext``."""

from __future__ import annotations

import logging

from pyspark import SparkContext
from pyspark.sql import SparkSession

from .config import Profile
from .logs import get_logger
from .metrics import RunMetrics
from .runtime import active_run


class EtlContext:
    """Wraps a SparkSession (or a SparkContext, as Glue's ``GlueContext(sc)`` does).

    Inside ``etl run`` it picks up the run's profile and metrics; outside it works on its own.

    >>> from pyspark.sql import SparkSession
    >>> ctx = EtlContext(SparkSession.builder.master("local[1]").getOrCreate())
    >>> ctx.spark_session.range(3).count()
    3
    """

    def __init__(self, spark: SparkSession | SparkContext):
        if isinstance(spark, SparkContext):
            spark = SparkSession(spark)
        self.spark_session: SparkSession = spark
        run = active_run()
        self.profile: Profile | None = run.profile if run else None
        self.metrics: RunMetrics = run.metrics if run else RunMetrics()
        self.job_name: str | None = run.job if run else None
        self.run_id: str | None = run.run_id if run else None

    @property
    def spark(self) -> SparkSession:
        """Pythonic alias of ``spark_session``."""
        return self.spark_session

    @property
    def sparkSession(self) -> SparkSession:  # noqa: N802 - Glue's spelling
        return self.spark_session

    @property
    def warehouse_dir(self) -> str:
        """The profile's warehouse dir, or Spark's ``spark.sql.warehouse.dir`` outside a run."""
        if self.profile:
            return self.profile.warehouse_dir
        return self.spark_session.conf.get("spark.sql.warehouse.dir")

    def get_logger(self) -> logging.Logger:
        """The job's logger (Glue returns a log4j logger; ours is Python logging)."""
        return get_logger(self.job_name or "job")
