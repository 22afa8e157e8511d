"""The AWS Glue Data Catalog backend, through boto3.

Region, endpoint and catalog id come from the profile (``catalog.region``, ``catalog.endpoint_url``,
``catalog.catalog_id``); credentials from ``catalog.aws_profile`` (a named profile in ``~/.aws``) or
boto3's usual chain (environment, instance role). A table maps to Glue's ``TableInput``: columns,
location and the input/output format and SerDe of its classification in the StorageDescriptor,
partition keys, and the table parameters with ``classification``. SerDe parameters use Glue's format
option names here (``separator``, ``withHeader``, ``rowTag``) and Hive's in Glue (``field.delim``,
``skip.header.line.count``), so tables made by Glue's crawlers read the same way.

>>> from moto import mock_aws  # AWS Glue's API in this process, for the example
>>> from etl_framework.config import CatalogSettings
>>> with mock_aws():
...     catalog = GlueCatalog.from_settings(CatalogSettings(backend="glue", region="us-east-1"))
...     catalog.create_database(Database("sales"))
...     catalog.create_table(Table("sales", "orders", "s3://lake/orders", "json", [Column("id", "bigint")],
...                                [Column("order_date", "string")]))
...     catalog.get_table("sales", "orders").partition_keys
[Column(name='order_date', type='string', comment=None)]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ..formats import FORMATS
from .model import Catalog, CatalogError, Column, Database, Partition, Table

if TYPE_CHECKING:
    from ..config import CatalogSettings

# Hive SerDe parameter -> Glue format option (OpenCSVSerde spells separator and quote its own way).
_FROM_HIVE = {"field.delim": "separator", "separatorChar": "separator", "escapeChar": "escaper"}
_HEADER = "skip.header.line.count"
_CREATE_BATCH, _DELETE_BATCH = 100, 25  # Glue's limits per batch call


class GlueCatalog(Catalog):
    """The Glue Data Catalog as a backend; ``client`` is a boto3 Glue client."""

    def __init__(self, client: Any, catalog_id: str | None = None):
        self.client = client
        self._id = {"CatalogId": catalog_id} if catalog_id else {}

    @classmethod
    def from_settings(cls, settings: CatalogSettings) -> GlueCatalog:
        """A client for the profile's ``catalog`` section."""
        try:
            session = boto3.session.Session(profile_name=settings.aws_profile, region_name=settings.region)
            client = session.client("glue", endpoint_url=settings.endpoint_url)
        except BotoCoreError as exc:
            raise CatalogError(
                f"cannot reach the Glue Data Catalog (set catalog.region / catalog.aws_profile "
                f"in the profile or AWS_REGION / AWS credentials): {exc}"
            ) from exc
        return cls(client, settings.catalog_id)

    def _call(self, method: str, what: str, **kwargs: Any) -> dict[str, Any]:
        with _errors(method, what):
            return getattr(self.client, method)(**self._id, **kwargs)

    def _pages(self, method: str, key: str, what: str, **kwargs: Any) -> list[dict[str, Any]]:
        with _errors(method, what):
            pages = self.client.get_paginator(method).paginate(**self._id, **kwargs)
            return [item for page in pages for item in page[key]]

    # --- databases -------------------------------------------------------------------------------

    def list_databases(self) -> list[Database]:
        return [_database(d) for d in self._pages("get_databases", "DatabaseList", "databases")]

    def get_database(self, name: str) -> Database:
        return _database(self._call("get_database", f"database {name.lower()!r}", Name=name.lower())["Database"])

    def create_database(self, database: Database, exist_ok: bool = True) -> None:
        if exist_ok and any(d.name == database.name.lower() for d in self.list_databases()):
            return
        db_input: dict[str, Any] = {
            "Name": database.name.lower(),
            "Description": database.description,
            "Parameters": database.parameters,
        }
        if database.location_uri:
            db_input["LocationUri"] = database.location_uri
        self._call("create_database", f"database {database.name!r}", DatabaseInput=db_input)

    # --- tables ----------------------------------------------------------------------------------

    def list_tables(self, database: str) -> list[Table]:
        name = self.get_database(database).name
        found = self._pages("get_tables", "TableList", f"database {name!r}", DatabaseName=name)
        return [_table(name, t) for t in found]

    def get_table(self, database: str, name: str) -> Table:
        database, name = self.get_database(database).name, name.lower()
        with _errors("get_table", f"table {database}.{name}"):
            try:
                return _table(database, self.client.get_table(**self._id, DatabaseName=database, Name=name)["Table"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "EntityNotFoundException":
                    raise
        known = ", ".join(sorted(t.name for t in self.list_tables(database))) or "none"
        raise CatalogError(f"table {name!r} not found in database {database!r} (tables: {known})")

    def create_table(self, table: Table) -> None:
        database = self.get_database(table.database).name
        self._call(
            "create_table", f"table {table.qualified_name}", DatabaseName=database, TableInput=_table_input(table)
        )

    def update_table(self, table: Table) -> None:
        database = self.get_database(table.database).name
        self._call(
            "update_table", f"table {table.qualified_name}", DatabaseName=database, TableInput=_table_input(table)
        )

    def delete_table(self, database: str, name: str) -> None:
        t = self.get_table(database, name)
        self._call("delete_table", f"table {t.qualified_name}", DatabaseName=t.database, Name=t.name)

    # --- partitions ------------------------------------------------------------------------------

    def list_partitions(self, database: str, table: str) -> list[Partition]:
        t = self.get_table(database, table)
        found = self._pages(
            "get_partitions", "Partitions", f"table {t.qualified_name}", DatabaseName=t.database, TableName=t.name
        )
        out = [
            Partition(
                list(p["Values"]), p.get("StorageDescriptor", {}).get("Location", ""), dict(p.get("Parameters") or {})
            )
            for p in found
        ]
        return sorted(out, key=lambda p: p.values)

    def add_partitions(self, database: str, table: str, partitions: list[Partition]) -> None:
        t = self.get_table(database, table)
        sd = _storage(t)
        for start in range(0, len(partitions), _CREATE_BATCH):
            inputs = [
                {
                    "Values": [str(v) for v in p.values],
                    "StorageDescriptor": {**sd, "Location": p.location},
                    "Parameters": p.parameters,
                }
                for p in partitions[start : start + _CREATE_BATCH]
            ]
            result = self._call(
                "batch_create_partition",
                f"table {t.qualified_name}",
                DatabaseName=t.database,
                TableName=t.name,
                PartitionInputList=inputs,
            )
            failed = [
                e
                for e in result.get("Errors", [])
                if e.get("ErrorDetail", {}).get("ErrorCode") != "AlreadyExistsException"
            ]
            if failed:
                e = failed[0]
                raise CatalogError(
                    f"table {t.qualified_name}: cannot add partition {e.get('PartitionValues')}: "
                    f"{e.get('ErrorDetail', {}).get('ErrorMessage')}"
                )

    def get_connection(self, name: str) -> dict[str, str]:
        connection = self._call("get_connection", f"connection {name!r}", Name=name, HidePassword=False)["Connection"]
        if connection.get("ConnectionType", "JDBC") != "JDBC":
            raise CatalogError(f"connection {name!r} is a {connection['ConnectionType']} connection, not JDBC")
        return dict(connection.get("ConnectionProperties", {}))

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        t = self.get_table(database, table)
        for start in range(0, len(values), _DELETE_BATCH):
            self._call(
                "batch_delete_partition",
                f"table {t.qualified_name}",
                DatabaseName=t.database,
                TableName=t.name,
                PartitionsToDelete=[{"Values": list(v)} for v in values[start : start + _DELETE_BATCH]],
            )


@contextmanager
def _errors(method: str, what: str) -> Iterator[None]:
    """Glue's and boto's errors as CatalogErrors naming the object."""
    try:
        yield
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "EntityNotFoundException":
            raise CatalogError(f"{what} not found in the Glue Data Catalog") from exc
        raise CatalogError(f"Glue {method} on {what} failed: {exc}") from exc
    except BotoCoreError as exc:
        raise CatalogError(f"Glue {method} on {what} failed: {exc}") from exc


def _database(d: dict[str, Any]) -> Database:
    return Database(d["Name"], d.get("Description", ""), d.get("LocationUri"), dict(d.get("Parameters") or {}))


def _columns(items: list[dict[str, Any]]) -> list[Column]:
    return [Column(c["Name"], c["Type"], c.get("Comment")) for c in items]


def _table(database: str, t: dict[str, Any]) -> Table:
    sd = t.get("StorageDescriptor", {})
    params = dict(t.get("Parameters") or {})
    serde = {}
    for key, value in (sd.get("SerdeInfo", {}).get("Parameters") or {}).items():
        if key != "serialization.format":
            serde[_FROM_HIVE.get(key, key)] = value
    header = params.pop(_HEADER, None)
    if header is not None and header != "0":
        serde["withHeader"] = "true"
    if "rowTag" in params:
        serde.setdefault("rowTag", params.pop("rowTag"))
    return Table(
        database,
        t["Name"],
        sd.get("Location", ""),
        params.get("classification", ""),
        _columns(sd.get("Columns", [])),
        _columns(t.get("PartitionKeys", [])),
        serde,
        params,
        t.get("Description", ""),
    )


def _column_input(c: Column) -> dict[str, str]:
    return {"Name": c.name, "Type": c.type, **({"Comment": c.comment} if c.comment else {})}


def _storage(t: Table) -> dict[str, Any]:
    """The StorageDescriptor of ``t``: its columns, location, formats and SerDe."""
    if t.classification not in FORMATS:
        raise CatalogError(
            f"table {t.qualified_name}: classification {t.classification!r} is not one of {', '.join(FORMATS)}"
        )
    in_format, out_format, serde_lib = FORMATS[t.classification].hive
    serde = {k: str(v) for k, v in t.serde_parameters.items() if k != "withHeader"}
    if "separator" in serde:
        serde["field.delim"] = serde.pop("separator")
    return {
        "Columns": [_column_input(c) for c in t.columns],
        "Location": t.location,
        "InputFormat": in_format,
        "OutputFormat": out_format,
        "SerdeInfo": {"SerializationLibrary": serde_lib, "Parameters": serde},
    }


def _table_input(t: Table) -> dict[str, Any]:
    params = {**t.parameters, "classification": t.classification}
    if str(t.serde_parameters.get("withHeader", "")).lower() == "true":
        params[_HEADER] = "1"
    return {
        "Name": t.name.lower(),
        "Description": t.description,
        "StorageDescriptor": _storage(t),
        "PartitionKeys": [_column_input(c) for c in t.partition_keys],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": params,
    }
