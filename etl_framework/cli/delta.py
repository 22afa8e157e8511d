"""``etl delta history|vacuum|optimize PATH``: Delta table maintenance."""

from __future__ import annotations

import argparse

from .options import add_actions, profile_of


def cmd_delta(ns: argparse.Namespace) -> int:
    from .. import delta
    from ..runtime.session import build_session

    profile = profile_of(ns)
    spark = build_session(profile, "etl-delta")  # Hadoop paths (s3a://) and the staging cleanup need Spark
    on = {"spark": spark, "engine": profile.delta.engine}
    if ns.action == "history":
        print(delta.history(ns.path, ns.limit, **on))
    elif ns.action == "vacuum":
        print(delta.vacuum(ns.path, ns.retain_hours, dry_run=ns.dry_run, **on))
    else:
        print(delta.optimize(ns.path, **on))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_actions(
        sub,
        "delta",
        "Delta table maintenance: history, vacuum, optimize",
        {
            "history": "the table's commits",
            "vacuum": "delete files no version needs",
            "optimize": "compact small files",
        },
        cmd_delta,
    )
    for action in actions.values():
        action.add_argument("path", help="the table's folder or URI")
    actions["history"].add_argument("--limit", type=int, default=20)
    actions["vacuum"].add_argument("--retain-hours", type=int, default=168)
    actions["vacuum"].add_argument("--dry-run", action="store_true")
