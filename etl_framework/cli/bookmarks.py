"""``etl bookmarks show|reset|rewind|set JOB``: a job's bookmark state, versioned."""

from __future__ import annotations

import argparse

from .options import add_actions, profile_of


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
    actions = add_actions(
        sub,
        "bookmarks",
        "show or change a job's bookmark state",
        {
            "show": "print every version of the state",
            "reset": "read everything next run",
            "rewind": "go back to what a run committed",
            "set": "set a source's mark by hand",
        },
        cmd_bookmarks,
    )
    for action in actions.values():
        action.add_argument("job")
    actions["rewind"].add_argument("--to-run", required=True, metavar="RUN_ID")
    mark = actions["set"]
    mark.add_argument("--ctx", required=True, help="the source's transformation_ctx")
    mark.add_argument(
        "--high-water", required=True, help="files: epoch ms or ISO date-time; JDBC: key values, comma-separated"
    )
    mark.add_argument("--type", choices=("files", "jdbc", "delta"), help="needed when the source has no state")
    mark.add_argument("--keys", help="JDBC key columns, comma-separated")
