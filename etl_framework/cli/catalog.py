"""``etl catalog databases|tables|show|partitions``: what the data catalog holds."""

from __future__ import annotations

import argparse

from .options import add_actions, profile_of


def cmd_catalog(ns: argparse.Namespace) -> int:
    from ..catalog import admin, catalog_for
    from ..runtime.session import build_session

    profile = profile_of(ns)
    # Glue is an API call away; the embedded and Hive catalogs live in Spark's session catalog.
    spark = None if profile.catalog.backend == "glue" else build_session(profile, "etl-catalog")
    catalog = catalog_for(profile, spark)
    if ns.action == "databases":
        print(admin.databases(catalog))
    elif ns.action == "tables":
        print(admin.tables(catalog, ns.database))
    elif ns.action == "show":
        print(admin.show(catalog, ns.table))
    else:
        print(admin.partitions(catalog, ns.table))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_actions(
        sub,
        "catalog",
        "list databases, tables and partitions of the data catalog",
        {
            "databases": "every database",
            "tables": "the tables of a database",
            "show": "a table's schema, location, format and partition count",
            "partitions": "a table's partitions and their locations",
        },
        cmd_catalog,
    )
    actions["tables"].add_argument("database", metavar="DB")
    for name in ("show", "partitions"):
        actions[name].add_argument("table", metavar="DB.TABLE")
