"""``etl workflows export-airflow NAME -o FILE [--operator bash|spark-submit]``: a workflow of
``conf/workflows/`` and its triggers as an Airflow DAG file.

An invalid definition, or a workflow Airflow cannot express, exits 1 with the error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EtlError
from .options import add_actions


def cmd_workflows(ns: argparse.Namespace) -> int:
    from ..scheduler.airflow import export_dag
    from ..scheduler.definitions import load_definitions

    try:
        text = export_dag(load_definitions(), ns.name, operator=ns.operator, profile=ns.env)
        out = Path(ns.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except (EtlError, OSError) as exc:
        print(f"etl: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}: the Airflow DAG {ns.name!r}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    actions = add_actions(
        sub,
        "workflows",
        "work with the workflow definitions in conf/workflows/",
        {"export-airflow": "write a workflow and its triggers as an Airflow DAG file"},
        cmd_workflows,
    )
    export = actions["export-airflow"]
    export.add_argument("name", help="the workflow's name (conf/workflows/NAME.yaml)")
    export.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the DAG file to write, e.g. dags/NAME.py"
    )
    export.add_argument(
        "--operator",
        default="bash",
        metavar="bash|spark-submit",  # checked by export_dag
        help="how job tasks run: `etl run` through BashOperator (default), or the launcher through"
        " SparkSubmitOperator (cluster profiles: --env standalone, emr, ...)",
    )
