"""``etl studio generate|parse|validate|import|export``: visual jobs (Glue Studio's job graph) as files;
``etl studio [--env PROFILE] [--port N] [--host H]`` without an action serves the web app (cli/studio_web.py).

    etl studio generate jobs/x.glue.json [-o jobs/x.py]     the script Glue Studio writes for the graph
    etl studio parse jobs/x.py [-o jobs/x.glue.json]        the graph of a generated script; hand-edited
                                                            lines the graph cannot express are listed
    etl studio validate jobs/x.glue.json                    every error, naming node and field
    etl studio import get-job.json -o jobs/x.glue.json      aws glue get-job output -> job file
    etl studio export jobs/x.glue.json [-o request.json] --script-location s3://... [--role ARN]

Without ``-o`` the output goes to stdout. Bad input exits 2 with the errors on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import EtlError


def _write(text: str, output: str | None, what: str) -> None:
    from ..studio.graph import write_atomic

    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        print(f"wrote {output}: {what}", file=sys.stderr)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EtlError(f"{path}: cannot read: {exc.strerror}") from None


def cmd_studio(ns: argparse.Namespace) -> int:
    from ..studio import generate, load_graph, validate
    from ..studio.glue_job import export_request, import_job
    from ..studio.graph import dump_graph, parse_text
    from ..studio.parse import parse_script

    if ns.action is None:  # etl studio [--env PROFILE] [--port N] [--host H]: the web app
        from .studio_web import cmd_serve

        return cmd_serve(ns)
    if ns.action == "generate":
        _write(generate(load_graph(ns.file)), ns.output, "the generated script")
    elif ns.action == "validate":
        errors = validate(load_graph(ns.file))
        for error in errors:
            print(f"{ns.file}: {error}", file=sys.stderr)
        if errors:
            return 2
        print(f"{ns.file}: valid")
    elif ns.action == "parse":
        parsed = parse_script(_read(ns.file), ns.file)
        for leftover in parsed.leftovers:
            print(f"{ns.file} {leftover}: not expressed by the graph", file=sys.stderr)
        yaml_out = bool(ns.output and ns.output.endswith((".yaml", ".yml")))
        _write(dump_graph(parsed.graph, yaml_out), ns.output, "the job graph")
        return 1 if parsed.leftovers else 0
    elif ns.action == "import":
        graph = import_job(parse_text(_read(ns.file), ns.file), ns.file)
        generate(graph)  # refuse a graph that cannot run here, naming node and field
        _write(dump_graph(graph, ns.output.endswith((".yaml", ".yml"))), ns.output, "the job graph")
    elif ns.action == "export":
        graph = load_graph(ns.file)
        generate(graph)
        name = ns.name or Path(ns.file).name.split(".", 1)[0]
        request = export_request(graph, name, ns.role, ns.script_location or f"s3://REPLACE-ME/scripts/{name}.py")
        _write(json.dumps(request, indent=2, ensure_ascii=False) + "\n", ns.output, "the create_job request")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from .studio_web import register_serve

    parser = sub.add_parser(
        "studio", help="the Studio web app; visual jobs: generate, parse, validate, import, export", allow_abbrev=False
    )
    register_serve(parser)
    actions = parser.add_subparsers(dest="action")
    for name, help_text, output in (
        ("generate", "write the script for a job graph", False),
        ("parse", "read a generated script back into a job graph", False),
        ("validate", "check a job graph", None),
        ("import", "aws glue get-job output -> job file", True),
        ("export", "job file -> create_job request", False),
    ):
        action = actions.add_parser(name, help=help_text, allow_abbrev=False)
        action.add_argument("file")
        if output is not None:
            action.add_argument("-o", "--output", required=output)
    export = actions.choices["export"]
    export.add_argument("--name", help="the Glue job's name (default: the file's name)")
    export.add_argument("--role", default="arn:aws:iam::123456789012:role/REPLACE-ME", help="the job's IAM role")
    export.add_argument("--script-location", help="where the script is in S3")
    parser.set_defaults(handler=cmd_studio, parser=parser)
