"""What every ``etl`` subcommand shares: the profile options and the profile they select."""

from __future__ import annotations

import argparse

from ..config import Profile, load_profile


def profile_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default="local", help="profile name in conf/ or a YAML path (default: local)")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a profile key, e.g. state_dir=/tmp/state",
    )
    parser.add_argument(
        "--conf",
        dest="confs",
        action="append",
        default=[],
        metavar="SPARK_KEY=VALUE",
        help="add a Spark setting, e.g. spark.sql.shuffle.partitions=4",
    )


def profile_of(ns: argparse.Namespace) -> Profile:
    return load_profile(ns.env, ns.sets, ns.confs)
