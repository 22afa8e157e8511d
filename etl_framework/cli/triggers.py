"""``etl triggers list|show NAME``: the trigger definitions in ``conf/triggers/``, validated.

An invalid definition (any trigger, workflow or job-settings file) exits 1 with the error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import yaml

from ..errors import ConfigError, EtlError
from .options import add_actions

if TYPE_CHECKING:
    from ..scheduler.definitions import Trigger


def cmd_triggers(ns: argparse.Namespace) -> int:
    from ..scheduler.definitions import load_definitions

    try:
        triggers = load_definitions().triggers
        if ns.action == "list":
            _print_list([triggers[name] for name in sorted(triggers)], _instant(ns.at))
            return 0
        if ns.name not in triggers:
            raise ConfigError(
                f"no trigger {ns.name!r} in conf/triggers/ (triggers: {', '.join(sorted(triggers)) or 'none'})"
            )
        print(yaml.safe_dump(triggers[ns.name].to_api(), sort_keys=False), end="")
        return 0
    except EtlError as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 1


def _print_list(triggers: list[Trigger], at: datetime) -> None:
    rows = [("NAME", "TYPE", "SCHEDULE", "NEXT FIRE (UTC)", "WORKFLOW")]
    for t in triggers:
        fire = t.cron.next_after(at) if t.cron else None
        rows.append(
            (
                t.Name,
                t.Type,
                t.Schedule or "-",
                fire.strftime("%Y-%m-%d %H:%M") if fire else ("never" if t.cron else "-"),
                t.WorkflowName or "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])


def _instant(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--at {text!r}: not an ISO date-time (e.g. 2027-01-31T12:00)") from exc
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_actions(
        sub,
        "triggers",
        "list or show the trigger definitions in conf/triggers/",
        {"list": "name, type, schedule, next fire time and workflow of each trigger", "show": "one trigger, as YAML"},
        cmd_triggers,
    )
    actions["list"].add_argument(
        "--at", metavar="ISO_TIME", help="give the next fire times after this instant (UTC unless it says; default now)"
    )
    actions["show"].add_argument("name", help="the trigger's name (conf/triggers/NAME.yaml)")
