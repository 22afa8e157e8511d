"""EtlContext: the entry object of a job, the counterpart of Glue's ``GlueContext``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession

from .catalog import Catalog, catalog_for
from .config import Profile, absolute_location
from .errors import EtlError
from .logs import get_logger
from .metrics import RunMetrics
from .runtime import active_run

if TYPE_CHECKING:
    from .bookmarks.session import BookmarkSession
    from .dynamicframe import DynamicFrame


class DynamicFrameReader:
    """``ctx.create_dynamic_frame``: Glue's reader object."""

    def __init__(self, ctx: EtlContext):
        self._ctx = ctx

    def from_options(
        self,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        """Read files (``connection_type`` ``"file"`` or ``"s3"``) or a JDBC table (``"postgresql"``, ...)
        into a DynamicFrame.

        >>> dyf = ctx.create_dynamic_frame.from_options(  # doctest: +SKIP
        ...     "s3", {"paths": ["s3a://exports/orders/"], "recurse": True}, "json", transformation_ctx="orders")
        """
        from .sources import read_from_options

        return read_from_options(
            self._ctx, connection_type, connection_options, format, format_options, transformation_ctx
        )

    def from_catalog(self, database: str, table_name: str, **kwargs: Any) -> DynamicFrame:
        raise EtlError(f"from_catalog({database}.{table_name}): the data catalog is not available yet")


class DynamicFrameWriter:
    """``ctx.write_dynamic_frame``: Glue's writer object."""

    def __init__(self, ctx: EtlContext):
        self._ctx = ctx

    def from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        """Write a DynamicFrame to files; returns the frame.

        >>> ctx.write_dynamic_frame.from_options(dyf, "s3", {"path": "s3a://lake/orders",  # doctest: +SKIP
        ...     "partitionKeys": ["order_date"]}, "parquet")
        """
        from .sinks import write_from_options

        return write_from_options(
            self._ctx, frame, connection_type, connection_options, format, format_options, transformation_ctx
        )


class DataFrameReader:
    """``ctx.create_data_frame``: the same sources, returned as Spark DataFrames."""

    def __init__(self, ctx: EtlContext):
        self._ctx = ctx

    def from_options(
        self,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DataFrame:
        return self._ctx.create_dynamic_frame.from_options(
            connection_type, connection_options, format, format_options, transformation_ctx
        ).toDF()


class EtlContext:
    """Wraps a SparkSession (or a SparkContext, as Glue's ``GlueContext(sc)`` does).

    Inside ``etl run`` it picks up the run's profile and metrics; outside it works on its own, with
    ``./state`` and ``./warehouse`` unless a profile is given.

    >>> from pyspark.sql import SparkSession
    >>> ctx = EtlContext(SparkSession.builder.master("local[1]").getOrCreate())
    >>> ctx.spark_session.range(3).count()
    3
    """

    def __init__(self, spark: SparkSession | SparkContext, profile: Profile | None = None):
        if isinstance(spark, SparkContext):
            spark = SparkSession(spark)
        self.spark_session: SparkSession = spark
        run = active_run()
        # Inside `etl run` the run's profile; a notebook or test may pass one (state and warehouse dirs).
        self.profile: Profile | None = profile or (run.profile if run else None)
        self.metrics: RunMetrics = run.metrics if run else RunMetrics()
        self.job_name: str | None = run.job if run else None
        self.run_id: str | None = run.run_id if run else None
        self.bookmarks: BookmarkSession | None = None  # set by Job.init
        self._catalog: Catalog | None = None
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.write_dynamic_frame = DynamicFrameWriter(self)
        self.create_data_frame = DataFrameReader(self)

    def create_dynamic_frame_from_options(
        self,
        connection_type: str,
        connection_options: dict | None = None,
        format: str | None = None,
        format_options: dict | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DynamicFrame:
        return self.create_dynamic_frame.from_options(
            connection_type, connection_options, format, format_options, transformation_ctx, **kwargs
        )

    def write_dynamic_frame_from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: dict | None = None,
        format: str | None = None,
        format_options: dict | None = None,
        transformation_ctx: str = "",
    ) -> DynamicFrame:
        return self.write_dynamic_frame.from_options(
            frame, connection_type, connection_options, format, format_options, transformation_ctx
        )

    def create_data_frame_from_options(
        self,
        connection_type: str,
        connection_options: dict | None = None,
        format: str | None = None,
        format_options: dict | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DataFrame:
        return self.create_data_frame.from_options(
            connection_type, connection_options, format, format_options, transformation_ctx, **kwargs
        )

    @property
    def catalog(self) -> Catalog:
        """The profile's Data Catalog backend (``catalog.backend``); the session's own catalog without a profile.

        >>> ctx.catalog.get_table("sales", "orders").location  # doctest: +SKIP
        'file:/lake/orders'
        """
        if self._catalog is None:
            self._catalog = catalog_for(self.profile, self.spark_session)
        return self._catalog

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

    @property
    def state_dir(self) -> str:
        """The profile's state dir (bookmarks, run history), or ``./state`` outside a run."""
        return self.profile.state_dir if self.profile else absolute_location("state")

    def get_logger(self) -> logging.Logger:
        """The job's logger (Glue returns a log4j logger; ours is Python logging)."""
        return get_logger(self.job_name or "job")
