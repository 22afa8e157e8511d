"""What ``etl catalog databases|tables|show|partitions`` print.

>>> from etl_framework.catalog import Column, Database
>>> ctx.catalog.create_database(Database("sales"))
>>> ctx.catalog.create_table(Table("sales", "orders", f"{tmp}/orders", "json", [Column("id", "bigint")]))
>>> print(show(ctx.catalog, "sales.orders"))
table sales.orders
location: file:.../orders
format: json
partitions: 0
columns:
  id: bigint
parameters:
  classification=json
"""

from __future__ import annotations

from .model import Catalog, CatalogError, Table


def split_name(qualified: str) -> tuple[str, str]:
    """``DB.TABLE`` -> (db, table); anything else is an error naming the argument."""
    database, dot, table = qualified.partition(".")
    if not dot or not database or not table or "." in table:
        raise CatalogError(f"expected DB.TABLE, got {qualified!r}")
    return database, table


def databases(catalog: Catalog) -> str:
    rows = [(d.name, d.location_uri or "", d.description) for d in catalog.list_databases()]
    return _table(["DATABASE", "LOCATION", "DESCRIPTION"], rows)


def tables(catalog: Catalog, database: str) -> str:
    rows = [
        (t.name, t.classification, ",".join(c.name for c in t.partition_keys) or "-", t.location)
        for t in catalog.list_tables(database)
    ]
    return _table(["TABLE", "FORMAT", "PARTITION KEYS", "LOCATION"], rows)


def show(catalog: Catalog, qualified: str) -> str:
    t: Table = catalog.get_table(*split_name(qualified))
    lines = [
        f"table {t.qualified_name}" + (f" - {t.description}" if t.description else ""),
        f"location: {t.location}",
        f"format: {t.classification}",
        f"partitions: {len(catalog.list_partitions(t.database, t.name)) if t.partition_keys else 0}",
        "columns:",
    ]
    lines += [f"  {c.name}: {c.type}" + (f"  -- {c.comment}" if c.comment else "") for c in t.columns]
    if t.partition_keys:
        lines += ["partition keys:"] + [f"  {c.name}: {c.type}" for c in t.partition_keys]
    if t.serde_parameters:
        lines += ["serde parameters:"] + [f"  {k}={v}" for k, v in sorted(t.serde_parameters.items())]
    lines += ["parameters:"] + [f"  {k}={v}" for k, v in sorted(t.parameters.items())]
    return "\n".join(lines)


def partitions(catalog: Catalog, qualified: str) -> str:
    t = catalog.get_table(*split_name(qualified))
    keys = [c.name for c in t.partition_keys]
    if not keys:
        return f"table {t.qualified_name} is not partitioned"
    rows = [(*p.values, p.location) for p in catalog.list_partitions(t.database, t.name)]
    return _table([*(k.upper() for k in keys), "LOCATION"], rows)


def _table(header: list[str], rows: list[tuple]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    return "\n".join(
        "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]
    )
