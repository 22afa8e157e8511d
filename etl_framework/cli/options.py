"""What every ``etl`` subcommand shares: the profile options, the profile they select, and
``etl COMMAND ACTION`` parsers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

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


def child_options(ns: argparse.Namespace) -> list[str]:
    """The profile options again, for the scheduler's child processes (the same profile)."""
    options = ["--env", ns.env, *(x for item in ns.sets for x in ("--set", item))]
    return options + [x for item in ns.confs for x in ("--conf", item)]


def add_actions(
    sub: argparse._SubParsersAction,
    command: str,
    text: str,
    actions: dict[str, str],
    handler: Callable[[argparse.Namespace], int],
) -> dict[str, argparse.ArgumentParser]:
    """``etl COMMAND ACTION ...``: a parser per action (name -> help), each with the profile options
    and ``handler``; the caller adds each action's own arguments."""
    parser = sub.add_parser(command, help=text, allow_abbrev=False)
    children = parser.add_subparsers(dest="action", required=True)
    out = {}
    for name, help_text in actions.items():
        out[name] = children.add_parser(name, help=help_text, allow_abbrev=False)
        profile_options(out[name])
        out[name].set_defaults(handler=handler)
    return out
