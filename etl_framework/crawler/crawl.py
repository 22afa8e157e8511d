"""Running a crawler: list, classify, infer, group, then create or update catalog tables.

New tables and new partitions are always added. Changes to an existing table (new columns, wider
types, another format) follow ``UpdateBehavior``: ``UPDATE_IN_DATABASE`` applies them, ``LOG`` only
logs them. Tables and partitions of this crawler whose data is gone follow ``DeleteBehavior``:
``LOG``, ``DELETE_FROM_DATABASE``, or ``DEPRECATE_IN_DATABASE`` (the table parameter
``DEPRECATED_BY_CRAWLER`` holds the time; a table whose data comes back loses it; a partition whose
folder is gone is removed from its table under both). A crawler's
tables carry ``UPDATED_BY_CRAWLER`` = its name. With ``CRAWL_NEW_FOLDERS_ONLY`` only folders not
seen by an earlier crawl are read: new partitions of known tables and new tables.

    >>> crawler = Crawler(CrawlerDefinition("orders", [Target("/data/orders")], "sales"),  # doctest: +SKIP
    ...                   catalog, spark, state_dir="state")
    >>> crawler.run().tables_created  # doctest: +SKIP
    ['orders']
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from pyspark.sql import SparkSession

from ..catalog.model import Catalog, Column, Database, Partition, Table
from ..context import EtlContext
from ..errors import EtlError
from ..jvm import hadoop_path, java_class
from ..listing import FileInfo, list_files
from ..logs import get_logger
from ..runtime.history import RunHistory, scheduled_run_id
from ..sources import read_from_options
from ..sources.readers import FileSource
from ..types import DataType, NullType, StructType, merge_types
from .classify import HEAD_BYTES, Classification, classify, read_head, sample_columns
from .definition import CrawlerDefinition, SchemaChangePolicy
from .layout import DataFolder, TablePlan, data_folders, folder_of, group_tables, relative_parts, short_hash
from .schema import catalog_columns, csv_catalog_schema, widen_hive
from .state import CrawlerState

log = get_logger("crawler")

CRAWLER_PARAM = "UPDATED_BY_CRAWLER"
DEPRECATED_PARAM = "DEPRECATED_BY_CRAWLER"
CHOICES_PARAM = "choices"
_DELTA_LOG = "_delta_log"


class CrawlerError(EtlError):
    """A crawl could not run: a target is missing or holds no data a classifier recognizes."""


@dataclass
class CrawlResult:
    """What one crawl did; ``logged`` holds the changes a LOG policy did not apply.

    >>> r = CrawlResult("orders", "jr_1", tables_created=["orders"], partitions_added=2)
    >>> r.metrics()["tables_created"], r.metrics()["partitions_added"]
    (1, 2)
    """

    crawler: str
    run_id: str
    duration: float = 0.0
    tables_created: list[str] = field(default_factory=list)
    tables_updated: list[str] = field(default_factory=list)
    tables_deleted: list[str] = field(default_factory=list)
    tables_deprecated: list[str] = field(default_factory=list)
    partitions_added: int = 0
    partitions_removed: int = 0
    folders_crawled: int = 0
    logged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, int]:
        return {
            "read": self.folders_crawled,
            "tables_created": len(self.tables_created),
            "tables_updated": len(self.tables_updated),
            "tables_deleted": len(self.tables_deleted),
            "tables_deprecated": len(self.tables_deprecated),
            "partitions_added": self.partitions_added,
            "partitions_removed": self.partitions_removed,
            "changes_logged": len(self.logged),
        }

    def summary(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in self.metrics().items() if k != "read")
        return (
            f"etl crawl summary: crawler={self.crawler} run_id={self.run_id} status=SUCCEEDED "
            f"duration={self.duration:.1f}s folders={self.folders_crawled} {counts}"
        )


class Crawler:
    """One crawler definition run against one catalog; each ``run()`` is one crawl."""

    def __init__(self, definition: CrawlerDefinition, catalog: Catalog, spark: SparkSession, state_dir: str):
        self.definition = definition
        self.catalog = catalog
        self.spark = spark
        self.ctx = EtlContext(spark)
        self.history = RunHistory(state_dir)
        self.state = CrawlerState(state_dir, definition.name)

    @property
    def _policy(self) -> SchemaChangePolicy:
        return self.definition.schema_change_policy

    def run(self) -> CrawlResult:
        """Crawl every target and bring the catalog up to date; recorded in the run history as
        ``crawler:<name>``. Raises ``CrawlerError`` (after recording the failure) on bad input."""
        d = self.definition
        started = time.time()
        run_id = self.history.start(f"crawler:{d.name}", {"crawler": d.name, "source": d.source}, scheduled_run_id())
        result = CrawlResult(d.name, run_id)
        try:
            self._crawl(result)
        except BaseException as exc:
            self.history.finish(run_id, "FAILED", f"{type(exc).__name__}: {exc}", result.metrics())
            raise
        result.duration = time.time() - started
        self.history.finish(run_id, "SUCCEEDED", None, result.metrics())
        return result

    # --- the crawl ------------------------------------------------------------------------------

    def _crawl(self, result: CrawlResult) -> None:
        d = self.definition
        self.catalog.create_database(Database(d.database), exist_ok=True)
        seen = self.state.load() if d.recrawl_policy == "CRAWL_NEW_FOLDERS_ONLY" else None
        owned = {t.name: t for t in self.catalog.list_tables(d.database) if t.parameters.get(CRAWLER_PARAM) == d.name}
        crawled: set[str] = set()
        planned: set[str] = set()
        roots = []
        for target in d.targets:
            root, folders, unknown = self._scan(target.path, list(target.exclusions))
            roots.append(root)
            result.skipped += [f"{path}: not recognized, or not in its folder's format" for path in unknown]
            if not folders and seen is None and not any(_under(t.location, root) for t in owned.values()):
                raise CrawlerError(
                    f"crawler {d.name}: target {target.path} holds no readable data "
                    f"({len(unknown)} files, none json, csv, parquet, orc, avro, xml or a Delta table)"
                )
            crawled |= {f.uri for f in folders}
            if seen is not None:
                folders = [f for f in folders if f.uri not in seen]
            folders = self._with_schemas(folders, result)
            result.folders_crawled += len(folders)
            known, rest = self._match_known_tables(folders, owned)
            plans = known + group_tables(root, rest, d.table_prefix, [t.location for t in owned.values()])
            for plan in plans:
                planned.add(self._apply(plan, result, remove_missing=seen is None))
        if seen is None:
            self._handle_deleted(owned, planned, roots, result)
        self.state.save(crawled | (seen or set()))

    def _scan(self, path: str, exclusions: list[str]) -> tuple[str, list[DataFolder], list[str]]:
        """The target's folder URI, its data folders (classified) and the files nobody recognized."""
        hpath, fs = hadoop_path(self.spark, path)
        if not fs.exists(hpath):
            raise CrawlerError(f"crawler {self.definition.name}: target {path} does not exist")
        root = fs.makeQualified(hpath).toString().rstrip("/")
        if not fs.getFileStatus(hpath).isDirectory():
            root = folder_of(root)
        files = list_files(self.spark, [path], True, exclusions)
        deltas = self._delta_roots(fs, root, files)
        by_folder: dict[str, list[FileInfo]] = {}
        for f in files:
            owner = next((r for r in deltas if f.path.startswith(r + "/")), None)
            by_folder.setdefault(owner or folder_of(f.path), []).append(f)

        sampled: dict[str, frozenset[str] | None] = {}  # a file's first columns, from the head classified

        def classify_file(f: FileInfo) -> Classification | None:
            head = read_head(self.spark, f.path, f.size)
            kind = classify(head, f.path, whole=f.size <= HEAD_BYTES)
            sampled[f.path] = sample_columns(head, kind) if kind else None
            return kind

        folders, left_out = data_folders(root, by_folder, deltas, classify_file, lambda f: sampled[f.path])
        return root, folders, left_out

    def _delta_roots(self, fs, root: str, files: list[FileInfo]) -> set[str]:
        """Folders (the target or below) with a ``_delta_log``: their files belong to a Delta table."""
        new_path = java_class(self.spark, "org.apache.hadoop.fs.Path")
        candidates: set[str] = set()
        for f in files:
            folder = folder_of(f.path)
            while folder.startswith(root) and folder not in candidates:
                candidates.add(folder)
                folder = folder_of(folder)
        return {c for c in candidates if fs.exists(new_path(f"{c}/{_DELTA_LOG}"))}

    def _with_schemas(self, folders: list[DataFolder], result: CrawlResult) -> list[DataFolder]:
        """Infer each folder's schema with the DynamicFrame readers; folders without records are skipped."""
        out = []
        for folder in folders:
            cls = folder.classification
            if cls.format == "delta":
                schema = read_from_options(self.ctx, "file", {"path": folder.uri}, "delta", {}).schema()
            else:
                source = FileSource(self.ctx, {"paths": [folder.uri]}, cls.format, cls.format_options)
                schema = source.read(folder.files).schema()
            if not schema.fields:
                result.skipped.append(f"{folder.uri}: no readable records")
                continue
            folder.schema = schema
            out.append(folder)
        return out

    # --- catalog changes ------------------------------------------------------------------------

    def _table_for(self, plan: TablePlan) -> Table:
        schema: DataType = NullType()
        for folder in plan.folders:
            schema = merge_types(schema, folder.schema)
        assert isinstance(schema, StructType)
        cls = plan.classification
        columns, choices = catalog_columns(csv_catalog_schema(schema) if cls.format == "csv" else schema)
        keys = set(plan.partition_keys)
        params = {CRAWLER_PARAM: self.definition.name, "compressionType": cls.compression, "typeOfData": "file"}
        if choices:
            params[CHOICES_PARAM] = json.dumps(choices, sort_keys=True)
        options = cls.format_options
        if cls.format == "csv":
            params["delimiter"] = options["separator"]
            if options["withHeader"] == "true":
                params["skip.header.line.count"] = "1"
        return Table(
            self.definition.database,
            plan.name,
            plan.location,
            cls.format,
            # A data column named like a partition key is the partition's value, as Spark reads it.
            [c for c in columns if c.name.lower() not in keys],
            [Column(k, "string") for k in plan.partition_keys],
            serde_parameters=options,
            parameters=params,
        )

    def _apply(self, plan: TablePlan, result: CrawlResult, remove_missing: bool) -> str:
        """Create or update the plan's table and add its new partitions; returns the table's name."""
        db = self.definition.database
        if self.catalog.table_exists(db, plan.name):
            existing = self.catalog.get_table(db, plan.name)
            if existing.location.rstrip("/") != plan.location:  # another dataset has the name
                plan.name = f"{plan.name}_{short_hash(plan.location)}"
        new = self._table_for(plan)
        if not self.catalog.table_exists(db, plan.name):
            self.catalog.create_table(new)
            result.tables_created.append(plan.name)
            log.info("created table %s.%s at %s (%s)", db, plan.name, plan.location, plan.classification.format)
            existing = new
        else:
            existing = self.catalog.get_table(db, plan.name)
            self._update(existing, new, result)
        if [c.name for c in existing.partition_keys] != plan.partition_keys:
            self._note(
                result,
                f"table {db}.{plan.name}: partition keys of the data {plan.partition_keys} differ from the "
                f"table's {[c.name for c in existing.partition_keys]}; partitions left as they are",
            )
            return plan.name
        if plan.partition_keys:
            self._sync_partitions(plan, result, remove_missing)
        return plan.name

    def _update(self, existing: Table, new: Table, result: CrawlResult) -> None:
        changes, columns = [], []
        new_types = {c.name: c.type for c in new.columns}
        for col in existing.columns:
            seen = new_types.get(col.name)
            wider = widen_hive(col.type, seen) if seen else col.type
            if wider != col.type:
                changes.append(f"column {col.name}: {col.type} -> {wider}")
                col = Column(col.name, wider, col.comment)
            columns.append(col)
        known = {c.name for c in existing.columns} | {c.name for c in existing.partition_keys}
        for col in new.columns:
            if col.name not in known:
                changes.append(f"new column {col.name} {col.type}")
                columns.append(col)
        if existing.classification != new.classification:
            changes.append(f"classification: {existing.classification} -> {new.classification}")
        choices = {
            **json.loads(existing.parameters.get(CHOICES_PARAM, "{}")),
            **json.loads(new.parameters.get(CHOICES_PARAM, "{}")),
        }
        revived = DEPRECATED_PARAM in existing.parameters
        if not changes and not revived:
            return
        name = existing.qualified_name
        if self._policy.update_behavior == "LOG":
            for change in changes:
                self._note(result, f"table {name}: {change} (UpdateBehavior LOG: not applied)")
            return
        params = {k: v for k, v in {**existing.parameters, **new.parameters}.items() if k != DEPRECATED_PARAM}
        if choices:
            params[CHOICES_PARAM] = json.dumps(choices, sort_keys=True)
        existing.columns, existing.parameters = columns, params
        existing.classification, existing.serde_parameters = new.classification, new.serde_parameters
        self.catalog.update_table(existing)
        result.tables_updated.append(existing.name)
        log.info("updated table %s: %s", name, "; ".join(changes) or "data is back, no longer deprecated")

    def _sync_partitions(self, plan: TablePlan, result: CrawlResult, remove_missing: bool) -> None:
        db = self.definition.database
        registered = {tuple(p.values): p for p in self.catalog.list_partitions(db, plan.name)}
        found = {tuple(plan.partition_values(f)): f.uri for f in plan.folders}
        added = [Partition(list(v), uri) for v, uri in sorted(found.items()) if v not in registered]
        if added:
            self.catalog.add_partitions(db, plan.name, added)
            result.partitions_added += len(added)
            log.info("table %s.%s: %d new partitions", db, plan.name, len(added))
        if remove_missing:
            gone = [p for v, p in sorted(registered.items()) if v not in found]
            self._remove_partitions(plan.name, gone, result)

    def _remove_partitions(self, table: str, gone: list[Partition], result: CrawlResult) -> None:
        if not gone:
            return
        db, behavior = self.definition.database, self._policy.delete_behavior
        if behavior == "LOG":
            for p in gone:
                self._note(result, f"table {db}.{table}: partition {p.values} has no data (DeleteBehavior LOG)")
            return
        # DEPRECATE_IN_DATABASE marks tables; a partition without data is removed from its live table.
        self.catalog.delete_partitions(db, table, [p.values for p in gone])
        result.partitions_removed += len(gone)
        log.info("table %s.%s: %d partitions without data (%s)", db, table, len(gone), behavior)

    def _handle_deleted(
        self, owned: dict[str, Table], planned: set[str], roots: list[str], result: CrawlResult
    ) -> None:
        """This crawler's tables under its targets that no data produced this time."""
        db, behavior = self.definition.database, self._policy.delete_behavior
        for name, table in sorted(owned.items()):
            location = table.location.rstrip("/")
            if name in planned or not any(_under(location, r) for r in roots):
                continue
            if behavior == "LOG":
                self._note(result, f"table {db}.{name}: no data at {location} (DeleteBehavior LOG)")
            elif behavior == "DELETE_FROM_DATABASE":
                self.catalog.delete_table(db, name)
                result.tables_deleted.append(name)
                log.info("deleted table %s.%s: no data at %s", db, name, location)
            elif DEPRECATED_PARAM not in table.parameters:
                table.parameters = {**table.parameters, DEPRECATED_PARAM: _now()}
                self.catalog.update_table(table)
                result.tables_deprecated.append(name)
                log.info("deprecated table %s.%s: no data at %s", db, name, location)

    def _match_known_tables(
        self, folders: list[DataFolder], owned: dict[str, Table]
    ) -> tuple[list[TablePlan], list[DataFolder]]:
        """Folders at partition depth under a table of this crawler, in its format, stay its partitions
        (so that a table does not move when folders come and go); the rest are grouped afresh."""
        known: dict[str, TablePlan] = {}
        rest = []
        for folder in folders:
            table = next((t for t in owned.values() if _owns(t, folder)), None)
            if table is None:
                rest.append(folder)
                continue
            if table.name not in known:
                depth = len(folder.parts) - len(relative_parts(table.location.rstrip("/"), folder.uri))
                keys = [c.name for c in table.partition_keys]
                plan = TablePlan(table.name, table.location.rstrip("/"), folder.classification, keys, [], depth)
                known[table.name] = plan
            known[table.name].folders.append(folder)
        return list(known.values()), rest

    def _note(self, result: CrawlResult, message: str) -> None:
        log.info("%s", message)
        result.logged.append(message)


def _under(location: str, folder: str) -> bool:
    location = location.rstrip("/")
    return location == folder or location.startswith(folder + "/")


def _owns(table: Table, folder: DataFolder) -> bool:
    location = table.location.rstrip("/")
    if not _under(folder.uri, location):
        return False
    levels = relative_parts(location, folder.uri)
    cls = folder.classification
    return (
        len(levels) == len(table.partition_keys)
        and cls.format == table.classification
        and cls.format_options == table.serde_parameters
    )


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
