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
from .runtime.active import active_run
from .runtime.workflow_runs import put_workflow_run_properties, workflow_run_properties

if TYPE_CHECKING:
    from .bookmarks.session import BookmarkSession
    from .dynamicframe import DynamicFrame
    from .sinks.catalog import DataSink
    from .sources.datasource import DataSource


class DynamicFrameReader:
    """``ctx.create_dynamic_frame``: Glue's reader object."""

    def __init__(self, ctx: EtlContext):
        # Glue's attribute name: users' test doubles of from_catalog read it (AWS's unit-testing sample).
        self._glue_context = ctx

    def from_rdd(
        self, data: Any, name: str, schema: Any = None, sample_ratio: float | None = None, transformation_ctx: str = ""
    ) -> DynamicFrame:
        """A DynamicFrame of an RDD (or a list) of rows, as ``SparkSession.createDataFrame`` builds it.

        >>> rdd = spark.sparkContext.parallelize([(1, "a")])
        >>> ctx.create_dynamic_frame.from_rdd(rdd, "rows", "id long, v string").toDF().collect()
        [Row(id=1, v='a')]
        """
        from .dynamicframe import DynamicFrame

        df = self._glue_context.spark_session.createDataFrame(data, schema, sample_ratio)
        return DynamicFrame.fromDF(df, self._glue_context, name)

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

        A malformed record becomes an error record, counted and kept with its file and reason:

        >>> with open(f"{tmp}/orders.json", "w") as out:
        ...     _ = out.write('{"id": 1, "total": 9.5}\\n{"id": 2, "total": "n/a"}\\n{"id": 3, \\n')
        >>> dyf = ctx.create_dynamic_frame.from_options(
        ...     "file", {"paths": [f"{tmp}/orders.json"], "recurse": True}, "json", transformation_ctx="orders")
        >>> dyf.printSchema()
        root
        |-- id: long
        |-- total: choice
        |    |-- double
        |    |-- string
        >>> dyf.count(), dyf.errorsCount()
        (2, 1)
        """
        from .sources import read_from_options

        options = self._glue_context.with_connection_properties(connection_options)
        return read_from_options(
            self._glue_context, connection_type, options, format, format_options, transformation_ctx
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

        >>> from etl_framework import DynamicFrame
        >>> from etl_framework.catalog import Database
        >>> ctx.catalog.create_database(Database("sales"))
        >>> df = spark.createDataFrame([(1, "2026-01-01"), (2, "2026-01-02")], "id long, order_date string")
        >>> sink = ctx.getSink("file", "json", path=f"{tmp}/orders", enableUpdateCatalog=True,
        ...                    partitionKeys=["order_date"])
        >>> _ = sink.setCatalogInfo("sales", "orders").writeFrame(DynamicFrame.fromDF(df, ctx, "orders"))
        >>> orders = ctx.create_dynamic_frame.from_catalog(
        ...     database="sales", table_name="orders", push_down_predicate="order_date >= '2026-01-02'",
        ...     transformation_ctx="orders")
        >>> orders.toDF().collect()
        [Row(id=2, order_date='2026-01-02')]
        """
        from .sources.catalog import read_from_catalog

        return read_from_catalog(
            self._glue_context, database, table_name, transformation_ctx, push_down_predicate, additional_options
        )


class DynamicFrameWriter:
    """``ctx.write_dynamic_frame``: Glue's writer object."""

    def __init__(self, ctx: EtlContext):
        self._glue_context = ctx

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

        >>> from etl_framework import DynamicFrame
        >>> df = spark.createDataFrame([(1, "2026-01-01"), (2, "2026-01-02")], "id long, order_date string")
        >>> _ = ctx.write_dynamic_frame.from_options(DynamicFrame.fromDF(df, ctx, "orders"), "file",
        ...     {"path": f"{tmp}/orders", "partitionKeys": ["order_date"]}, "parquet")
        >>> spark.read.parquet(f"{tmp}/orders").orderBy("id").collect()
        [Row(id=1, order_date=datetime.date(2026, 1, 1)), Row(id=2, order_date=datetime.date(2026, 1, 2))]
        """
        from .sinks import write_from_options

        options = self._glue_context.with_connection_properties(connection_options)
        return write_from_options(
            self._glue_context, frame, connection_type, options, format, format_options, transformation_ctx
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

        >>> from etl_framework import DynamicFrame
        >>> from etl_framework.catalog import Column, Database, Table
        >>> ctx.catalog.create_database(Database("sales"))
        >>> ctx.catalog.create_table(
        ...     Table("sales", "orders", f"{tmp}/orders", "json", [Column("id", "bigint")], [Column("day", "string")]))
        >>> orders = DynamicFrame.fromDF(spark.createDataFrame([(1, "a"), (2, "b")], "id long, day string"), ctx, "o")
        >>> _ = ctx.write_dynamic_frame.from_catalog(orders, database="sales", table_name="orders")
        >>> [p.values for p in ctx.catalog.list_partitions("sales", "orders")]
        [['a'], ['b']]
        """
        from .sinks.catalog import write_to_catalog

        return write_to_catalog(self._glue_context, frame, database, table_name, transformation_ctx, additional_options)

    def from_jdbc_conf(
        self,
        frame: DynamicFrame,
        catalog_connection: str,
        connection_options: dict[str, Any] | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        """Write to a table through a named JDBC connection (the profile's ``connections`` or the
        Glue Data Catalog's); ``connection_options`` give ``dbtable`` and optionally ``database``."""
        from .connections import conf_options
        from .sinks import write_from_options

        conf = self._glue_context.extract_jdbc_conf(catalog_connection, catalog_id)
        options = conf_options(conf, connection_options or {})
        return write_from_options(self._glue_context, frame, "jdbc", options, None, None, transformation_ctx)


class DataFrameReader:
    """``ctx.create_data_frame``: the same sources, returned as Spark DataFrames."""

    def __init__(self, ctx: EtlContext):
        self._glue_context = ctx

    def from_options(
        self,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        **kwargs: Any,
    ) -> DataFrame:
        return self._glue_context.create_dynamic_frame.from_options(
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
        return self._glue_context.create_dynamic_frame.from_catalog(
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

    def __init__(self, spark: SparkSession | SparkContext, profile: Profile | None = None, **options: Any):
        _partition_options(options)
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

    def create_dynamic_frame_from_rdd(
        self, data: Any, name: str, schema: Any = None, sample_ratio: float | None = None, transformation_ctx: str = ""
    ) -> DynamicFrame:
        return self.create_dynamic_frame.from_rdd(data, name, schema, sample_ratio, transformation_ctx)

    def write_dynamic_frame_from_jdbc_conf(
        self,
        frame: DynamicFrame,
        catalog_connection: str,
        connection_options: dict | None = None,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> DynamicFrame:
        return self.write_dynamic_frame.from_jdbc_conf(
            frame, catalog_connection, connection_options, redshift_tmp_dir, transformation_ctx, catalog_id
        )

    write_from_jdbc_conf = write_dynamic_frame_from_jdbc_conf

    def extract_jdbc_conf(self, connection_name: str, catalog_id: str | None = None) -> dict[str, Any]:
        """A JDBC connection's settings in Glue's dict shape (``user``, ``password``, ``vendor``,
        ``url``, ``fullUrl``, ``enforceSSL``), from the profile's ``connections`` section or, with
        ``catalog.backend: glue``, from the Glue Data Catalog's connection of that name."""
        from .connections import jdbc_conf

        settings = self.profile.connections.get(connection_name) if self.profile else None
        if settings:
            conf = jdbc_conf(settings.url, settings.user, settings.password, settings.enforce_ssl)
            return {**conf, "driver": settings.driver} if settings.driver else conf
        props = self.catalog.get_connection(connection_name)
        if "SECRET_ID" in props and "PASSWORD" not in props:
            raise EtlError(
                f"connection {connection_name!r} keeps its credentials in AWS Secrets Manager (SECRET_ID), "
                "which etl_framework does not read: define the connection in the profile's 'connections' section"
            )
        url = props.get("JDBC_CONNECTION_URL")
        if not url:
            raise EtlError(f"connection {connection_name!r} in the Glue Data Catalog has no JDBC_CONNECTION_URL")
        enforce = props.get("JDBC_ENFORCE_SSL", "false").lower() == "true"
        return jdbc_conf(url, props.get("USERNAME"), props.get("PASSWORD"), enforce)

    def with_connection_properties(self, connection_options: dict[str, Any] | None) -> dict[str, Any] | None:
        """Glue's ``{"useConnectionProperties": "true", "connectionName": NAME, "dbtable": ...}`` (what
        Glue Studio generates for JDBC nodes): the named connection's URL and credentials merged in."""
        options = connection_options or {}
        if str(options.get("useConnectionProperties", "")).lower() != "true" or "connectionName" not in options:
            return connection_options
        from .connections import conf_options

        rest = {k: v for k, v in options.items() if k not in ("useConnectionProperties", "connectionName")}
        return conf_options(self.extract_jdbc_conf(options["connectionName"]), rest)

    def purge_s3_path(self, s3_path: str, options: dict[str, Any] | None = None, transformation_ctx: str = "") -> None:
        """Delete the files below ``s3_path`` (any Hadoop path) older than ``retentionPeriod`` hours
        (168 by default); see ``etl_framework.sinks.purge`` for the options."""
        from .sinks.purge import purge_path

        purge_path(self, s3_path, options, transformation_ctx)

    def purge_table(
        self,
        database: str,
        table_name: str,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> None:
        """Purge a catalog table's files (``partitionPredicate`` selects partitions); partitions left
        empty are removed from the catalog."""
        from .sinks.purge import purge_table

        purge_table(self, database, table_name, options, transformation_ctx)

    def transition_s3_path(
        self, s3_path: str, transition_to: str, options: dict[str, Any] | None = None, transformation_ctx: str = ""
    ) -> None:
        """Refused with a message saying why: Glue runs an S3 Batch Operations job here."""
        from .sinks.purge import refuse_transition

        refuse_transition(s3_path)

    def transition_table(
        self,
        database: str,
        table_name: str,
        transition_to: str,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> None:
        """Refused as ``transition_s3_path`` is, naming the table's location."""
        from .sinks.purge import refuse_transition

        refuse_transition(self.catalog.get_table(database, table_name).location)

    def getSource(self, connection_type: str, transformation_ctx: str = "", **options: Any) -> DataSource:
        """Glue's source object: ``ctx.getSource("s3", paths=[...]).setFormat("json").getFrame()``.

        >>> spark.range(3).write.json(f"{tmp}/ids")
        >>> ctx.getSource("file", paths=[f"{tmp}/ids"]).setFormat("json").getFrame().count()
        3
        """
        from .sources.datasource import DataSource

        return DataSource(self, connection_type, transformation_ctx, **options)

    get_source = getSource

    def getSink(
        self, connection_type: str, format: str | None = None, transformation_ctx: str = "", **options: Any
    ) -> DataSink:
        """Glue's sink object for files that can create or update a catalog table as it writes.

        >>> from etl_framework import DynamicFrame
        >>> from etl_framework.catalog import Database
        >>> ctx.catalog.create_database(Database("sales"))
        >>> sink = ctx.getSink(connection_type="file", path=f"{tmp}/orders",
        ...                    enableUpdateCatalog=True, partitionKeys=["order_date"])
        >>> sink = sink.setFormat("glueparquet").setCatalogInfo(catalogDatabase="sales", catalogTableName="orders")
        >>> orders = spark.createDataFrame([(1, "2026-01-01")], "id long, order_date string")
        >>> _ = sink.writeFrame(DynamicFrame.fromDF(orders, ctx, "orders"))
        >>> table = ctx.catalog.get_table("sales", "orders")
        >>> table.classification, table.column_names, [p.values for p in ctx.catalog.list_partitions("sales", "orders")]
        ('parquet', ['id', 'order_date'], [['2026-01-01']])
        """
        from .sinks.catalog import DataSink

        sink = DataSink(self, connection_type, transformation_ctx=transformation_ctx, **options)
        return sink.setFormat(format) if format else sink

    get_sink = getSink

    @property
    def catalog(self) -> Catalog:
        """The profile's Data Catalog backend (``catalog.backend``); the session's own catalog without a profile.

        >>> from etl_framework.catalog import Column, Database, Table
        >>> ctx.catalog.create_database(Database("sales"))
        >>> ctx.catalog.create_table(Table("sales", "orders", f"{tmp}/orders", "parquet", [Column("id", "bigint")]))
        >>> ctx.catalog.get_table("sales", "orders").location == f"file:{tmp}/orders"
        True
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

    def workflow_run_properties(self, name: str | None = None, run_id: str | None = None) -> dict[str, str]:
        """The run properties of the workflow run this job is part of (Glue's
        ``glue_client.get_workflow_run_properties(Name=..., RunId=...)["RunProperties"]``); ``name``
        and ``run_id`` default to the job's ``--WORKFLOW_NAME`` and ``--WORKFLOW_RUN_ID``."""
        return workflow_run_properties(name, run_id)

    def put_workflow_run_properties(
        self, properties: dict[str, str], name: str | None = None, run_id: str | None = None
    ) -> None:
        """Add or override run properties of this job's workflow run (Glue's
        ``put_workflow_run_properties``): jobs that start later in the same run see them, no other run does."""
        put_workflow_run_properties(properties, name, run_id)

    def get_logger(self) -> logging.Logger:
        """The job's logger (Glue returns a log4j logger; ours is Python logging)."""
        return get_logger(self.job_name or "job")


_PARTITION_OPTIONS = ("minPartitions", "targetPartitions")
log = get_logger("context")


def _partition_options(options: dict[str, Any]) -> None:
    """Glue's ``GlueContext(sc, minPartitions=..., targetPartitions=...)``: checked, then left to Spark,
    whose file-split settings (``spark.sql.files.maxPartitionBytes``) decide how reads partition here."""
    unknown = sorted(set(options) - set(_PARTITION_OPTIONS))
    if unknown:
        raise TypeError(f"GlueContext() got an unexpected keyword argument {unknown[0]!r}")
    for name, value in options.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise EtlError(f"GlueContext option {name!r} must be a positive number of partitions, got {value!r}")
    if options:
        log.info(
            "GlueContext(%s): Spark's own settings partition the reads here (spark.sql.files.maxPartitionBytes)",
            ", ".join(f"{k}={v}" for k, v in options.items()),
        )
