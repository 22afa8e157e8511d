"""``etl jars``: fetch the profile's Spark packages into Ivy's cache, or say what is missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..logs import setup_logging
from ..packages import coordinate, fetch, ivy_home
from .options import profile_of, profile_options


def cmd_jars(ns: argparse.Namespace) -> int:
    profile = profile_of(ns)
    setup_logging(profile.log_level)
    names = profile.spark.packages
    if not names:
        print(f"{profile.source}: spark.packages lists none")
        return 0
    found = fetch([coordinate(n) for n in names], profile.spark.conf, retry=True)
    print(f"{'PACKAGE':<12} {'COORDINATE':<48} STATUS")
    for name in names:
        print(f"{name:<12} {coordinate(name):<48} {'missing' if coordinate(name) in found.missing else 'ok'}")
    size = sum(Path(j).stat().st_size for j in found.jars) / 2**20
    print(f"{len(found.jars)} JARs ({size:.0f} MiB) in {ivy_home(profile.spark.conf)}")
    if found.missing:
        print(f"etl: error: {found.message(names)}", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    jars = sub.add_parser(
        "jars", help="fetch the profile's Spark packages (spark.packages) into Ivy's cache", allow_abbrev=False
    )
    profile_options(jars)
    jars.set_defaults(handler=cmd_jars)
