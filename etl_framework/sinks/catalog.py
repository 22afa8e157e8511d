"""Writing to catalog tables: Glue's ``getSink(...)`` / ``setCatalogInfo`` / ``writeFrame`` and
``write_dynamic_frame.from_catalog``.

The files are written by the file sink (``from_options``); the partition values written are
collected during that same write (``DataFrame.observe``), so registering them costs no extra pass.
With ``enableUpdateCatalog`` a missing table is created from the frame's schema, and an existing
one gets the frame's new columns and types (``updateBehavior="UPDATE_IN_DATABASE"``, the default)
or keeps its schema with the differences logged (``"LOG"``); new partitions are registered either way.

>>> from etl_framework import DynamicFrame
>>> from etl_framework.catalog import Database
>>> ctx.catalog.create_database(Database("sales"))
>>> orders = DynamicFrame.fromDF(spark.createDataFrame([(1, "a"), (2, "b")], "id long, day string"), ctx, "orders")
>>> sink = ctx.getSink(connection_type="file", path=f"{tmp}/orders", enableUpdateCatalog=True, partitionKeys=["day"])
>>> _ = sink.setFormat("json").setCatalogInfo(catalogDatabase="sales", catalogTableName="orders").writeFrame(orders)
>>> [p.values for p in ctx.catalog.list_partitions("sales", "orders")]
[['a'], ['b']]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyspark.sql import Observation
from pyspark.sql import functions as F

from .. import formats
from ..catalog.model import NULL_PARTITION, CatalogError, Column, Partition, Table
from ..catalog.spark import quote
from ..delta.table import live_partitions, table_uri
from ..dynamicframe.errors import Step
from ..errors import EtlError
from ..jvm import java_class
from ..logs import get_logger
from ..storage import Storage
from ..types import hive_type
from . import write_from_options
from .files import nothing_to_write

if TYPE_CHECKING:
    from ..dynamicframe.frame import DynamicFrame
    from ..services import Services

log = get_logger("catalog")

UPDATE_BEHAVIORS = ("UPDATE_IN_DATABASE", "LOG")


class DataSink:
    """Glue's ``DataSink`` for files (``connection_type`` ``"s3"`` or ``"file"``) that can keep a
    catalog table current. Other options (``mode``, ``compression``) go to the file sink."""

    def __init__(
        self,
        ctx: Services,
        connection_type: str = "s3",
        path: str | None = None,
        partitionKeys: list[str] | None = None,
        enableUpdateCatalog: bool = False,
        updateBehavior: str = "UPDATE_IN_DATABASE",
        transformation_ctx: str = "",
        **options: Any,
    ):
        if (connection_type or "").lower() not in ("s3", "file"):
            raise EtlError(f"getSink: connection_type {connection_type!r} is not supported (supported: s3, file)")
        if updateBehavior not in UPDATE_BEHAVIORS:
            raise EtlError(
                f"getSink: updateBehavior must be one of {', '.join(UPDATE_BEHAVIORS)}, got {updateBehavior!r}"
            )
        self.ctx = ctx
        self.path = path
        self.partition_keys = list(partitionKeys) if partitionKeys is not None else None
        self.update_catalog = bool(enableUpdateCatalog)
        self.update_behavior = updateBehavior
        self.transformation_ctx = transformation_ctx
        self.options = options
        self.format: str | None = None
        self.format_options: dict[str, Any] = {}
        self.database: str | None = None
        self.table_name: str | None = None
        self.register_partitions = False  # write_dynamic_frame.from_catalog registers them without the flag

    def setFormat(self, format: str, **options: Any) -> DataSink:
        """The file format (``json``, ``csv``, ``parquet``, ``glueparquet``, ...) and its format options."""
        self.format, self.format_options = format, options
        return self

    def setCatalogInfo(
        self,
        catalogDatabase: str,
        catalogTableName: str,
        catalogId: str | None = None,
    ) -> DataSink:
        """The table to create or keep current (with ``enableUpdateCatalog``)."""
        self.database, self.table_name = catalogDatabase, catalogTableName
        return self

    def writeFrame(self, dynamic_frame: DynamicFrame, info: str = "") -> DynamicFrame:
        """Write the frame, then update the catalog; returns the frame."""
        catalog = self.ctx.catalog if self.database and self.table_name else None
        table = None
        if catalog is not None:
            catalog.get_database(self.database)  # an unknown database is an error, before anything is written
            if catalog.table_exists(self.database, self.table_name):
                table = catalog.get_table(self.database, self.table_name)
        path = self.path or (table.location if table else None)
        fmt = self.format or (table.classification if table else None)
        if not path or not fmt:
            raise EtlError("getSink: give path= and setFormat(...) (or setCatalogInfo for an existing table)")
        keys = self.partition_keys
        if keys is None:
            keys = [k.name for k in table.partition_keys] if table else []
        if table and keys != [k.name for k in table.partition_keys]:
            raise CatalogError(
                f"table {table.qualified_name} is partitioned by {[k.name for k in table.partition_keys]}, "
                f"the sink by {keys}"
            )
        update = catalog is not None and (self.update_catalog or self.register_partitions)
        if update:
            _check_catalog_types(dynamic_frame, f"{self.database}.{self.table_name}")
        if nothing_to_write(dynamic_frame, path):  # an incremental read with nothing new: no schema to register
            return dynamic_frame
        format_options = {**(_format_options(table) if table else {}), **self.format_options}
        frame, observation = dynamic_frame, None
        # A Delta write may be skipped (a rerun after a crash past its commit: exactly-once), so its
        # partitions come from the Delta log, never from an observation that would then never fill.
        if update and keys and fmt != "delta":
            observation = Observation()
            values = F.collect_set(F.struct(*[F.col(quote(k)).cast("string") for k in keys]))
            df = dynamic_frame.dataframe.observe(observation, values.alias("partitions"))
            frame = dynamic_frame.derive(df, dynamic_frame.schema(), Step("catalog sink", self.transformation_ctx))
        options = {**self.options, "path": path, "partitionKeys": keys}
        write_from_options(self.ctx, frame, "file", options, fmt, format_options, self.transformation_ctx)
        if not update:
            return dynamic_frame
        wanted = _table_of(dynamic_frame, self.database, self.table_name, path, fmt, keys, format_options)
        if table is None:
            if not self.update_catalog:
                return dynamic_frame
            catalog.create_table(wanted)
            log.info("created table %s at %s", wanted.qualified_name, path)
        elif self.update_catalog and fmt == "delta" and table_uri(table.location) != table_uri(path):
            # The Delta log at the sink's path is the table now (another warehouse, say): the table and
            # its partitions follow it, as the old location's partitions would read another table.
            catalog.delete_table(self.database, self.table_name)
            catalog.create_table(wanted)
            log.warning(
                "table %s pointed at %s; it now points at the Delta table at %s",
                wanted.qualified_name,
                table.location,
                path,
            )
        else:
            _update_schema(catalog, table, wanted, self.update_catalog and self.update_behavior == "UPDATE_IN_DATABASE")
        if observation is not None:
            self._register(catalog, wanted, [list(row) for row in observation.get.get("partitions") or []])
        elif fmt == "delta" and keys:
            self._register(catalog, wanted, live_partitions(path, keys))
        return dynamic_frame

    write_frame = writeFrame

    def _register(self, catalog: Any, table: Table, written: list[list[str | None]]) -> None:
        folder = java_class(self.ctx.spark_session, "org.apache.spark.sql.catalyst.catalog.ExternalCatalogUtils")
        partitions = []
        for values in sorted(written, key=lambda v: [x or "" for x in v]):
            values = [NULL_PARTITION if v is None else v for v in values]
            parts = [
                folder.getPartitionPathString(k.name, v) for k, v in zip(table.partition_keys, values, strict=True)
            ]
            partitions.append(Partition(values, "/".join([table.location.rstrip("/"), *parts])))
        # A bookmarked run's files reach their folders at job.commit(): until then (or if it never
        # commits) a registered partition is an empty folder, not a location that does not exist.
        store = Storage(self.ctx.spark_session, table.location)
        for partition in partitions:
            store.make_folder(partition.location)
        catalog.add_partitions(table.database, table.name, partitions)
        log.info("table %s: %d partitions written and registered", table.qualified_name, len(partitions))


def write_to_catalog(
    ctx: Services,
    frame: DynamicFrame,
    database: str,
    table_name: str,
    transformation_ctx: str = "",
    additional_options: dict[str, Any] | None = None,
) -> DynamicFrame:
    """Write ``frame`` to the table's location in its format and register the partitions written.
    ``additional_options`` may hold ``enableUpdateCatalog`` / ``updateBehavior`` (schema updates),
    ``partitionKeys`` and the file sink's options."""
    table = ctx.catalog.get_table(database, table_name)
    options = dict(additional_options or {})
    sink = DataSink(
        ctx,
        "s3",
        path=table.location,
        partitionKeys=options.pop("partitionKeys", None),
        enableUpdateCatalog=options.pop("enableUpdateCatalog", False),
        updateBehavior=options.pop("updateBehavior", "UPDATE_IN_DATABASE"),
        transformation_ctx=transformation_ctx,
        **options,
    )
    sink.register_partitions = True
    sink.setCatalogInfo(table.database, table.name)
    return sink.writeFrame(frame)


def _check_catalog_types(frame: DynamicFrame, table: str) -> None:
    choices = frame.unresolved_choices()
    if choices:
        raise CatalogError(
            f"cannot write to table {table}: fields {', '.join(choices)} are unresolved choices and a catalog "
            "column has one type; resolve them first (resolveChoice)"
        )


def _format_options(table: Table) -> dict[str, Any]:
    """The file sink's options for the table's SerDe parameters (Glue's option names)."""
    serde = dict(table.serde_parameters)
    if "withHeader" in serde:
        serde["writeHeader"] = str(serde.pop("withHeader")).lower() == "true"
    return serde


def _table_of(
    frame: DynamicFrame, database: str, name: str, path: str, fmt: str, keys: list[str], format_options: dict
) -> Table:
    """The table the frame makes: its fields as columns, ``keys`` as partition keys."""
    columns = {f.name: Column(f.name, hive_type(f.dataType)) for f in frame.schema()}
    classification = formats.get(fmt).name
    serde: dict[str, str] = {}
    if classification == "csv":
        serde = {
            "separator": format_options.get("separator", ","),
            "withHeader": str(format_options.get("writeHeader", True)).lower(),
        }
    elif classification == "xml":
        serde = {"rowTag": format_options.get("rowTag", "record")}
    return Table(
        database,
        name,
        path,
        classification,
        [c for n, c in columns.items() if n not in keys],
        [columns[k] for k in keys],
        serde,
    )


def _update_schema(catalog: Any, table: Table, wanted: Table, update: bool) -> None:
    """Give the table the frame's new columns and changed types (or only log them)."""
    types = {c.name: c.type for c in wanted.columns}
    columns = [Column(c.name, types.get(c.name, c.type), c.comment) for c in table.columns]
    known = {c.name for c in table.columns}
    columns += [c for c in wanted.columns if c.name not in known]
    if columns == table.columns:
        return
    changes = [c.name for c in columns if c not in table.columns]
    if not update:
        log.warning(
            "table %s: schema differs from the frame's in %s; not updated (updateBehavior LOG)",
            table.qualified_name,
            ", ".join(changes),
        )
        return
    table.columns = columns
    catalog.update_table(table)
    log.info("table %s: schema updated (%s)", table.qualified_name, ", ".join(changes))
