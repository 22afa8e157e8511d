"""``etl crawl``: a crawler definition (``conf/crawlers/NAME.yaml``) or folders given by ``--path``."""

from __future__ import annotations

import argparse

from ..config import absolute_location
from ..crawler.definition import DELETE_BEHAVIORS, RECRAWL_BEHAVIORS, UPDATE_BEHAVIORS
from ..errors import EtlError
from ..logs import setup_logging
from .options import profile_of, profile_options


def cmd_crawl(ns: argparse.Namespace) -> int:
    from ..catalog import catalog_for
    from ..crawler import Crawler, CrawlerDefinition, SchemaChangePolicy, Target, load_crawler
    from ..crawler.layout import table_name
    from ..runtime.session import build_session

    profile = profile_of(ns)
    setup_logging(profile.log_level)
    if ns.name and ns.paths:
        raise EtlError("etl crawl: give a crawler NAME (conf/crawlers/NAME.yaml) or --path, not both")
    if ns.name:
        definition = load_crawler(ns.name)
    elif not ns.paths or not ns.database:
        raise EtlError("etl crawl: give a crawler NAME, or --path and --database")
    else:
        definition = CrawlerDefinition(
            name=ns.crawler_name or table_name(ns.paths[0].rstrip("/").rsplit("/", 1)[-1]),
            targets=[Target(absolute_location(p), tuple(ns.exclusions)) for p in ns.paths],
            database=ns.database,
            table_prefix=ns.table_prefix,
            schema_change_policy=SchemaChangePolicy(ns.update_behavior, ns.delete_behavior),
            recrawl_policy=ns.recrawl_policy,
        )
    spark = build_session(profile, f"etl-crawl-{definition.name}")
    result = Crawler(definition, catalog_for(profile, spark), spark, profile.state_dir).run()
    db = definition.database
    for label, names in [
        ("created", result.tables_created),
        ("updated", result.tables_updated),
        ("deprecated", result.tables_deprecated),
        ("deleted", result.tables_deleted),
    ]:
        for name in names:
            print(f"{label} table {db}.{name}")
    for message in result.logged:
        print(f"not applied: {message}")
    for message in result.skipped:
        print(f"skipped: {message}")
    print(result.summary())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    crawl = sub.add_parser("crawl", help="crawl data into catalog tables", allow_abbrev=False)
    crawl.add_argument("name", nargs="?", help="a crawler in conf/crawlers/NAME.yaml (or a YAML path)")
    crawl.add_argument(
        "--path", dest="paths", action="append", default=[], metavar="PATH", help="a folder to crawl (repeatable)"
    )
    crawl.add_argument(
        "--exclude", dest="exclusions", action="append", default=[], metavar="GLOB", help="a file glob to leave out"
    )
    crawl.add_argument("--database", help="the catalog database of the tables")
    crawl.add_argument("--table-prefix", default="", help="prefix of the table names")
    crawl.add_argument("--name", dest="crawler_name", help="the crawler's name (default: the first path's folder)")
    crawl.add_argument("--update-behavior", choices=UPDATE_BEHAVIORS, default=UPDATE_BEHAVIORS[0])
    crawl.add_argument("--delete-behavior", choices=DELETE_BEHAVIORS, default=DELETE_BEHAVIORS[0])
    crawl.add_argument("--recrawl-policy", choices=RECRAWL_BEHAVIORS, default=RECRAWL_BEHAVIORS[0])
    profile_options(crawl)
    crawl.set_defaults(handler=cmd_crawl)
