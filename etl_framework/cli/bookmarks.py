"""``etl bookmarks show|reset|rewind|set JOB``: a job's bookmark state, versioned."""

from __future__ import annotations

import argparse

from .options import profile_of, profile_options


def cmd_bookmarks(ns: argparse.Namespace) -> int:
    from ..bookmarks import admin
    from ..bookmarks.store import BookmarkStore

    store = BookmarkStore(profile_of(ns).state_dir)
    if ns.action == "show":
        print(admin.show(store, ns.job))
        return 0
    if ns.action == "reset":
        version = admin.reset(store, ns.job)
    elif ns.action == "rewind":
        version = admin.rewind(store, ns.job, ns.to_run)
    else:
        keys = ns.keys.split(",") if ns.keys else None
        version = admin.set_high_water(store, ns.job, ns.ctx, ns.high_water, ns.type, keys)
    print(f"job {ns.job!r}: wrote bookmark version {version.version} ({version.note})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    bookmarks = sub.add_parser("bookmarks", help="show or change a job's bookmark state", allow_abbrev=False)
    actions = bookmarks.add_subparsers(dest="action", required=True)
    for name, text in [
        ("show", "print every version of the state"),
        ("reset", "read everything next run"),
        ("rewind", "go back to what a run committed"),
        ("set", "set a source's mark by hand"),
    ]:
        action = actions.add_parser(name, help=text, allow_abbrev=False)
        action.add_argument("job")
        profile_options(action)
        action.set_defaults(handler=cmd_bookmarks)
        if name == "rewind":
            action.add_argument("--to-run", required=True, metavar="RUN_ID")
        if name == "set":
            action.add_argument("--ctx", required=True, help="the source's transformation_ctx")
            action.add_argument(
                "--high-water",
                required=True,
                help="files: epoch ms or ISO date-time; JDBC: key values, comma-separated",
            )
            action.add_argument(
                "--type", choices=("files", "jdbc", "delta"), help="needed when the source has no state"
            )
            action.add_argument("--keys", help="JDBC key columns, comma-separated")
