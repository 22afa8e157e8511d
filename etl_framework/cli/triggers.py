"""``etl triggers list|show|start|stop NAME|push``: the trigger definitions in ``conf/triggers/``, validated;
``push`` creates or updates them and the workflows in AWS Glue (``scheduler/push.py``).

``start`` fires an ON_DEMAND trigger (the scheduler starts its actions at its next tick: ``etl
scheduler``, or ``etl scheduler --once``) or activates a SCHEDULED or CONDITIONAL one, or the
SCHEDULED or EVENT start trigger of a workflow; ``stop`` deactivates one. An invalid definition
(any trigger, workflow or job-settings file) exits 1 with the error.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import yaml

from ..errors import ConfigError, EtlError
from .options import add_actions, profile_of

if TYPE_CHECKING:
    from ..scheduler.definitions import Trigger


def cmd_triggers(ns: argparse.Namespace) -> int:
    from ..scheduler.definitions import load_definitions

    try:
        if ns.action == "push":
            return _push(ns)
        triggers = load_definitions().triggers
        if ns.action == "list":
            _print_list([triggers[name] for name in sorted(triggers)], instant(ns.at))
            return 0
        if ns.name not in triggers:
            raise ConfigError(
                f"no trigger {ns.name!r} in conf/triggers/ (triggers: {', '.join(sorted(triggers)) or 'none'})"
            )
        if ns.action in ("start", "stop"):
            print(_start_or_stop(triggers[ns.name], ns.action == "start", profile_of(ns).state_dir))
            return 0
        print(yaml.safe_dump(triggers[ns.name].to_api(), sort_keys=False), end="")
        return 0
    except EtlError as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 1


def _push(ns: argparse.Namespace) -> int:
    from ..catalog.glue import GlueCatalog
    from ..scheduler.definitions import load_definitions
    from ..scheduler.push import push_definitions

    definitions = load_definitions()
    # The account of the profile's catalog section, unless the options say otherwise.
    settings = profile_of(ns).catalog
    settings = dataclasses.replace(
        settings, endpoint_url=ns.endpoint_url or settings.endpoint_url, region=ns.region or settings.region
    )
    for done in push_definitions(definitions, GlueCatalog.from_settings(settings).client):
        print(done)
    return 0


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


def _start_or_stop(trigger: Trigger, start: bool, state_dir: str) -> str:
    """Glue's StartTrigger / StopTrigger, kept in the scheduler's state."""
    from ..scheduler.state import SchedulerState, utc_now

    flow = trigger.WorkflowName
    if flow is not None and trigger.Type in ("CONDITIONAL", "ON_DEMAND"):
        raise ConfigError(
            f"trigger {trigger.Name} is a {trigger.Type} trigger of workflow {flow}: it fires within the workflow's"
            f" runs; start one with etl workflows run {flow}"
        )
    state = SchedulerState(state_dir)
    if trigger.Type == "ON_DEMAND":
        if not start:
            raise ConfigError(
                f"trigger {trigger.Name} is ON_DEMAND: it is never activated, so there is nothing to stop"
            )
        state.request(trigger.Name)
        return f"trigger {trigger.Name}: fire requested; the scheduler starts its actions (etl scheduler [--once])"
    state.set_active(trigger.Name, start, utc_now())
    return f"trigger {trigger.Name}: {'ACTIVATED' if start else 'DEACTIVATED'}"


def instant(text: str | None) -> datetime:
    """``--at``: an ISO date-time, UTC unless it says; None is now."""
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
        "list, show, start, stop or push the trigger definitions in conf/triggers/",
        {
            "list": "name, type, schedule, next fire time and workflow of each trigger",
            "show": "one trigger, as YAML",
            "start": "fire an ON_DEMAND trigger, or activate a SCHEDULED or CONDITIONAL one",
            "stop": "deactivate a SCHEDULED or CONDITIONAL trigger",
            "push": "create or update the workflows and triggers in AWS Glue (create_workflow, create_trigger)",
        },
        cmd_triggers,
    )
    actions["list"].add_argument(
        "--at", metavar="ISO_TIME", help="give the next fire times after this instant (UTC unless it says; default now)"
    )
    for action in ("show", "start", "stop"):
        actions[action].add_argument("name", help="the trigger's name (conf/triggers/NAME.yaml)")
    push = actions["push"]
    push.add_argument("--endpoint-url", metavar="URL", help="the Glue API endpoint (default: the profile's catalog's)")
    push.add_argument("--region", metavar="R", help="the AWS region (default: the profile catalog's, then AWS_REGION)")
