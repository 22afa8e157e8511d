"""Deploy the definitions to AWS Glue: ``push_definitions(load_definitions(), boto3.client("glue"))``.

Workflows go first (a trigger names its workflow), then triggers, each by its ``to_api()`` mapping
unchanged. What Glue has already is compared and updated in place (``update_workflow``,
``update_trigger``) rather than created again; nothing is deleted. The jobs and crawlers the
triggers start must exist in the account: this creates neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import EtlError
from .definitions import Definitions, Trigger, Workflow

# The members UpdateTrigger's TriggerUpdate and UpdateWorkflow take; the others are fixed at creation.
_TRIGGER_UPDATE = ("Description", "Schedule", "Actions", "Predicate", "EventBatchingCondition")
_TRIGGER_FIXED = ("Type", "WorkflowName")
_WORKFLOW_UPDATE = ("Description", "DefaultRunProperties", "MaxConcurrentRuns")


class PushError(EtlError):
    """A Glue call refused a definition; the message names its file and Glue's error."""


@dataclass(frozen=True)
class Pushed:
    """What ``push_definitions`` did with one definition: ``created``, ``updated`` or ``unchanged``."""

    kind: str  # "workflow" or "trigger"
    name: str
    outcome: str

    def __str__(self) -> str:
        return f"{self.outcome} {self.kind} {self.name}"


def push_definitions(definitions: Definitions, client: Any) -> list[Pushed]:
    """Create or update every workflow, then every trigger, of ``definitions`` in the Glue account
    ``client`` (a boto3 Glue client) talks to, in name order; returns what was done to each."""
    out = [_push_workflow(w, client) for _, w in sorted(definitions.workflows.items())]
    return out + [_push_trigger(t, client) for _, t in sorted(definitions.triggers.items())]


def _push_workflow(workflow: Workflow, client: Any) -> Pushed:
    api = workflow.to_api()
    current = _get(client, "get_workflow", workflow, "Workflow")
    if current is None:
        _call(client, "create_workflow", workflow, **api)
        return Pushed("workflow", workflow.Name, "created")
    update = {key: api.get(key) for key in _WORKFLOW_UPDATE if key in api}
    if all(current.get(key) == value for key, value in update.items()):
        return Pushed("workflow", workflow.Name, "unchanged")
    _call(client, "update_workflow", workflow, Name=workflow.Name, **update)
    return Pushed("workflow", workflow.Name, "updated")


def _push_trigger(trigger: Trigger, client: Any) -> Pushed:
    api = trigger.to_api()
    current = _get(client, "get_trigger", trigger, "Trigger")
    if current is None:
        _call(client, "create_trigger", trigger, **api)
        return Pushed("trigger", trigger.Name, "created")
    for key in _TRIGGER_FIXED:
        if current.get(key) != api.get(key):
            raise PushError(
                f"{trigger.path}: key {key!r}: trigger {trigger.Name!r} is {current.get(key)!r} in Glue and"
                f" {api.get(key)!r} here; Glue cannot change a trigger's {key}: delete the trigger there first"
            )
    update = {key: api[key] for key in _TRIGGER_UPDATE if key in api}
    if all(current.get(key) == api.get(key) for key in _TRIGGER_UPDATE):
        return Pushed("trigger", trigger.Name, "unchanged")
    # TriggerUpdate replaces the trigger's members wholesale, as the file does.
    _call(client, "update_trigger", trigger, Name=trigger.Name, TriggerUpdate={"Name": trigger.Name, **update})
    return Pushed("trigger", trigger.Name, "updated")


def _get(client: Any, method: str, item: Trigger | Workflow, key: str) -> dict[str, Any] | None:
    try:
        return _call(client, method, item, Name=item.Name)[key]
    except PushError as exc:
        cause = exc.__cause__
        if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") == "EntityNotFoundException":
            return None
        raise


def _call(client: Any, method: str, item: Trigger | Workflow, **kwargs: Any) -> dict[str, Any]:
    try:
        return getattr(client, method)(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise PushError(f"{item.path}: Glue {method} {item.Name!r} failed: {exc}") from exc
