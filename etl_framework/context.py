"""EtlContext: the entry object of a job, the counterpart of Glue's ``GlueContext``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession

from .catalog import Catalog, catalog_for
from .config import Profile, absolute_location
from .logs import get_logger
from .metrics import RunMetrics
from .runtime.active import active_run

if TYPE_CHECKING:
    from .bookmarks.session import BookmarkSession
    from .dynamicframe import DynamicFrame
    from .sinks.catalog import DataSink
    from .sources.datasource import DataSource


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

    def from_catalog(
        self,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: dict[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        """Read a catalog table by name: its location, format and SerDe options come from the
        catalog; ``push_down_predicate`` (Spark SQL on partition keys) prunes partitions before any
        file is listed.

        >>> orders = ctx.create_dynamic_frame.from_catalog(  # doctest: +SKIP
        ...     database="sales", table_name="orders", push_down_predicate="order_date >= '2026-01-01'",
        ...     transformation_ctx="orders")
        """
        from .sources.catalog import read_from_catalog

        return read_from_catalog(
            self._ctx, database, table_name, transformation_ctx, push_down_predicate, additional_options
        )


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

    def from_catalog(
        self,
        frame: DynamicFrame,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: dict[str, Any] | None = None,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """Write to a catalog table's location in its format and register the partitions written;
        ``additional_options={"enableUpdateCatalog": True}`` also updates the table's schema.

        >>> ctx.write_dynamic_frame.from_catalog(orders, database="sales", table_name="orders")  # doctest: +SKIP
        """
        from .sinks.catalog import write_to_catalog

        return write_to_catalog(self._ctx, frame, database, table_name, transformation_ctx, additional_options)


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

    def from_catalog(
        self,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: dict[str, Any] | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DataFrame:
        """``create_dynamic_frame.from_catalog`` as a DataFrame."""
        return self._ctx.create_dynamic_frame.from_catalog(
            database, table_name, redshift_tmp_dir, transformation_ctx, push_down_predicate, additional_options
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

    def create_dynamic_frame_from_catalog(
        self,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: dict | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DynamicFrame:
        return self.create_dynamic_frame.from_catalog(
            database, table_name, redshift_tmp_dir, transformation_ctx, push_down_predicate, additional_options
        )

    def create_data_frame_from_catalog(
        self,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: dict | None = None,
        catalog_id: str | None = None,
        **kwargs: Any,
    ) -> DataFrame:
        return self.create_data_frame.from_catalog(
            database, table_name, redshift_tmp_dir, transformation_ctx, push_down_predicate, additional_options
        )

    def write_dynamic_frame_from_catalog(
        self,
        frame: DynamicFrame,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: dict | None = None,
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        return self.write_dynamic_frame.from_catalog(
            frame, database, table_name, redshift_tmp_dir, transformation_ctx, additional_options
        )

    def getSource(self, connection_type: str, transformation_ctx: str = "", **options: Any) -> DataSource:
        """Glue's source object: ``ctx.getSource("s3", paths=[...]).setFormat("json").getFrame()``."""
        from .sources.datasource import DataSource

        return DataSource(self, connection_type, transformation_ctx, **options)

    get_source = getSource

    def getSink(
        self, connection_type: str, format: str | None = None, transformation_ctx: str = "", **options: Any
    ) -> DataSink:
        """Glue's sink object for files that can create or update a catalog table as it writes.

        >>> sink = ctx.getSink(connection_type="s3", path="s3a://lake/orders",  # doctest: +SKIP
        ...                    enableUpdateCatalog=True, partitionKeys=["order_date"])
        >>> sink.setFormat("glueparquet")  # doctest: +SKIP
        >>> sink.setCatalogInfo(catalogDatabase="sales", catalogTableName="orders")  # doctest: +SKIP
        >>> sink.writeFrame(orders)  # doctest: +SKIP
        """
        from .sinks.catalog import DataSink

        sink = DataSink(self, connection_type, transformation_ctx=transformation_ctx, **options)
        return sink.setFormat(format) if format else sink

    get_sink = getSink

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
    def sparkSession(self) -> SparkSession:
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
