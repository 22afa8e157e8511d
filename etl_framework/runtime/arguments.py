"""Job arguments the way AWS Glue hands them to a script: ``--NAME value`` pairs in ``sys.argv``.

>>> from etl_framework import get_resolved_options
>>> args = get_resolved_options(["job.py", "--JOB_NAME", "orders", "--day", "2026-11-01"], ["JOB_NAME", "day"])
>>> args["JOB_NAME"], args["day"], args["job_bookmark_option"]
('orders', '2026-11-01', 'job-bookmark-disable')
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ..errors import JobArgumentError

BOOKMARK_OPTIONS = ("job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause")

# Arguments Glue reserves for itself: always accepted, returned in the result dict under the
# argparse names (dashes become underscores), never required.
RESERVED = {
    "job-bookmark-option": "job-bookmark-disable",
    "job-bookmark-from": None,
    "job-bookmark-to": None,
    "continuation-option": None,
    "JOB_ID": None,
    "JOB_RUN_ID": None,
    "SECURITY_CONFIGURATION": None,
    "encryption-type": None,
    "enable-data-lineage": None,
    "RedshiftTempDir": None,
    "TempDir": None,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print usage and exit(2)
        raise JobArgumentError(message)


def get_resolved_options(argv: Sequence[str], options: Sequence[str]) -> dict[str, str | None]:
    """Return the named ``--NAME value`` arguments of ``argv`` as a dict, as Glue's
    ``awsglue.utils.getResolvedOptions`` does.

    Every name in ``options`` is required; Glue's reserved arguments (``--job-bookmark-option``,
    ``--TempDir``, ...) are accepted and included; other arguments are ignored. Names must be
    spelled out in full (no prefix abbreviation).
    """
    parser = _Parser(prog="job", add_help=False, allow_abbrev=False)
    for name, default in RESERVED.items():
        kwargs = {"choices": BOOKMARK_OPTIONS} if name == "job-bookmark-option" else {}
        parser.add_argument(f"--{name}", default=default, **kwargs)
    for name in options:
        if name in RESERVED or name.replace("_", "-") in RESERVED:
            continue
        parser.add_argument(f"--{name}", dest=name, required=True)
    parsed, _ = parser.parse_known_args(list(argv[1:]))
    values = vars(parsed)
    if values.get("job_bookmark_option") == "job-bookmark-pause" and bool(values.get("job_bookmark_from")) != bool(
        values.get("job_bookmark_to")
    ):
        raise JobArgumentError("--job-bookmark-from and --job-bookmark-to must be given together")
    return values


getResolvedOptions = get_resolved_options


def parse_job_args(argv: Sequence[str]) -> dict[str, str]:
    """Every ``--key value`` pair of a job's arguments (what ``main(ctx, args)`` receives).

    A flag followed by another flag or by nothing gets the value ``"true"``.
    """
    out: dict[str, str] = {}
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if not item.startswith("--") or item == "--":
            raise JobArgumentError(f"job argument {item!r}: expected --NAME VALUE")
        name, eq, value = item[2:].partition("=")
        if not eq:
            nxt = items[i + 1] if i + 1 < len(items) else None
            if nxt is not None and not nxt.startswith("--"):
                value = nxt
                i += 1
            else:
                value = "true"
        out[name] = value
        i += 1
    return out
