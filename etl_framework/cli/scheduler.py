"""``etl scheduler [--once [--at ISO_TIME]]``: fire the triggers in ``conf/triggers/`` and run their
jobs and crawlers (``etl_framework.scheduler.loop``).

Exits 0 when it ends (``--once``: when every run it started, and every run that conditional
triggers started as those ended, is over; otherwise on SIGTERM or Ctrl-C, after stopping its
runs), 1 when the definitions are invalid or another scheduler holds the state dir.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import EtlError
from ..logs import setup_logging
from .options import child_options, profile_of, profile_options
from .triggers import instant


def cmd_scheduler(ns: argparse.Namespace) -> int:
    from ..scheduler.definitions import load_definitions
    from ..scheduler.loop import Scheduler

    try:
        if ns.at is not None and not ns.once:
            raise EtlError("--at is for --once: the scheduler in the foreground runs on the clock")
        profile = profile_of(ns)
        setup_logging(profile.log_level)
        Scheduler(profile, child_options(ns), load_definitions()).run(ns.once, instant(ns.at) if ns.at else None)
        return 0
    except EtlError as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 1


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "scheduler",
        help="fire the triggers in conf/triggers/ and run their jobs and crawlers (foreground)",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="fire what is due now (or --at), wait for those runs and what they trigger, then exit",
    )
    parser.add_argument("--at", metavar="ISO_TIME", help="with --once: the instant to fire for (UTC unless it says)")
    profile_options(parser)
    parser.set_defaults(handler=cmd_scheduler)
