"""``etl catalog databases|tables|show|partitions``: what the data catalog holds."""

from __future__ import annotations

import argparse

from .options import profile_of, profile_options


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
    catalog = sub.add_parser("catalog", help="list databases, tables and partitions of the data catalog")
    catalog_actions = catalog.add_subparsers(dest="action", required=True)
    for name, text, arg in [
        ("databases", "every database", None),
        ("tables", "the tables of a database", "database"),
        ("show", "a table's schema, location, format and partition count", "table"),
        ("partitions", "a table's partitions and their locations", "table"),
    ]:
        action = catalog_actions.add_parser(name, help=text, allow_abbrev=False)
        if arg:
            action.add_argument(arg, metavar="DB" if arg == "database" else "DB.TABLE")
        profile_options(action)
        action.set_defaults(handler=cmd_catalog)
