"""The Data Catalog's objects and the interface every backend implements.

Types are Hive/Glue type strings (``bigint``, ``string``, ``struct<id:bigint,name:string>``,
``array<double>``), as the Glue Data Catalog stores them, so a table moves between backends unchanged.

>>> t = Table("sales", "orders", "/lake/orders", "parquet", [Column("id", "bigint")],
...           partition_keys=[Column("order_date", "string")])
>>> t.qualified_name, t.column_names
('sales.orders', ['id', 'order_date'])
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from ..errors import EtlError

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # Spark's folder name (and Hive's value) for a null key


class CatalogError(EtlError):
    """A database, table or partition is missing or invalid; the message names it."""


@dataclass
class Column:
    name: str
    type: str
    comment: str | None = None


@dataclass
class Database:
    name: str
    description: str = ""
    location_uri: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Partition:
    values: list[str]
    location: str
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class Table:
    database: str
    name: str
    location: str
    classification: str  # json | csv | parquet | orc | xml | delta | ...
    columns: list[Column]
    partition_keys: list[Column] = field(default_factory=list)
    serde_parameters: dict[str, str] = field(default_factory=dict)  # e.g. separator, withHeader, rowTag
    parameters: dict[str, str] = field(default_factory=dict)  # table parameters (classification is added)
    description: str = ""

    @property
    def qualified_name(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns + self.partition_keys]


class Catalog(ABC):
    """A Data Catalog backend. Lookups of a missing object raise ``CatalogError`` naming it.

    >>> catalog = ctx.catalog
    >>> catalog.create_database(Database("sales"))
    >>> catalog.create_table(Table("sales", "orders", f"{tmp}/orders", "json", [Column("id", "bigint")],
    ...                            partition_keys=[Column("day", "string")]))
    >>> catalog.add_partitions("sales", "orders", [Partition(["a"], f"{tmp}/orders/day=a")])
    >>> catalog.get_table("sales", "orders").column_names
    ['id', 'day']
    >>> [p.values for p in catalog.list_partitions("sales", "orders")]
    [['a']]
    >>> catalog.get_table("sales", "missing")
    Traceback (most recent call last):
    ...
    etl_framework.catalog.model.CatalogError: table 'missing' not found in database 'sales' (tables: ...orders...)
    """

    @abstractmethod
    def list_databases(self) -> list[Database]: ...

    @abstractmethod
    def get_database(self, name: str) -> Database: ...

    @abstractmethod
    def create_database(self, database: Database, exist_ok: bool = True) -> None: ...

    @abstractmethod
    def list_tables(self, database: str) -> list[Table]: ...

    @abstractmethod
    def get_table(self, database: str, name: str) -> Table: ...

    @abstractmethod
    def create_table(self, table: Table) -> None: ...

    @abstractmethod
    def update_table(self, table: Table) -> None: ...

    @abstractmethod
    def delete_table(self, database: str, name: str) -> None: ...

    @abstractmethod
    def list_partitions(self, database: str, table: str) -> list[Partition]: ...

    @abstractmethod
    def add_partitions(self, database: str, table: str, partitions: list[Partition]) -> None:
        """Register partitions; ones whose values are already registered are left as they are."""

    @abstractmethod
    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None: ...

    def get_connection(self, name: str) -> dict[str, str]:
        """A connection's properties (``JDBC_CONNECTION_URL``, ``USERNAME``, ``PASSWORD``, ...), as Glue
        stores them; only the Glue Data Catalog holds connections."""
        raise CatalogError(
            f"connection {name!r} not found: it is not in the profile's 'connections' section, and only the "
            "Glue Data Catalog (catalog.backend: glue) holds connections"
        )

    def table_exists(self, database: str, name: str) -> bool:
        try:
            self.get_table(database, name)
        except CatalogError:
            return False
        return True
