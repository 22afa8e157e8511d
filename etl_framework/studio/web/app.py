"""The Studio's HTTP server: a Flask app with a JSON API and the built front end.

Flask because it is the smallest well-known Python web framework that does what this needs (routes,
JSON, static files) with a threaded server of its own (Werkzeug's) for a one-user local app, and
the suite's moto server already brings it. Every request goes through ``security.check_request``
(foreign ``Origin`` or ``Host``: 403) and no CORS header is ever sent.

Endpoints (JSON in and out; an error is ``{"error": message}`` with 400 for a bad request naming
the field, 403 for a refusal, 404 for what does not exist):

    GET  /api                                   this list
    GET  /api/profile                           the profile, project and state dir served
    GET  /api/jobs                              each job with runs: its latest run, its run count
    GET  /api/runs[?job=NAME]                   runs, newest first: status, duration, read/written/errors
    GET  /api/runs/RUN_ID                       one run, its arguments and its log's tail
    GET  /api/bookmarks                         each job's latest bookmark version, per source
    GET  /api/catalog                           the catalog's databases and their tables
    GET  /api/catalog/DB/TABLE                  a table: columns, partition keys, partitions, location
    GET  /api/crawlers                          crawlers and their last crawls
    GET  /api/workflows                         triggers, and workflows with their runs
    GET  /api/workflows/NAME/runs/RUN_ID        a workflow run's graph, node states, Statistics (RUN_ID: latest)
    GET  /api/node-types                        the palette: node types, their inputs and fields
    GET  /api/job-files                         the visual jobs (jobs/*.glue.json, .glue.yaml)
    GET  /api/job-file?path=P                   a job file's graph and its errors
    PUT  /api/job-file       {path, graph}      save (temp file + rename); the graph's errors
    POST /api/validate       {graph}            the graph's errors, each naming node and field
    POST /api/script         {graph}            the generated script, or the errors
    POST /api/preview        {graph, node, limit?}  rows and printSchema tree of a node's output
    POST /api/job-runs       {path}             run a saved job file as etl run does (local: in this process)
    GET  /api/job-runs/RUN_ID                   that run: status, summary, log tail, failing node
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify, request, send_file
from werkzeug.exceptions import HTTPException
from werkzeug.serving import make_server

from ...config import Profile
from ...errors import EtlError
from ...runtime.modules import jobs_dir
from ..codegen import generate
from ..graph import InvalidGraphError
from .api import BadRequest, JobFiles, errors_of, field, graph_of, node_types
from .console import Console
from .runs import StudioRuns
from .security import LOOPBACK, PathRefused, RequestRefused, allowed_hosts, check_request

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

STATIC = Path(__file__).parent / "static"
DEFAULT_PORT = 8642


def create_app(
    profile: Profile,
    spark: Callable[[], SparkSession],
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    profile_options: list[str] | None = None,
    project: Path | None = None,
) -> Flask:
    """The app for ``profile``, serving ``project`` (default: the working directory) on ``host:port``;
    ``spark`` makes the session the catalog and previews use, and a local profile's runs; a cluster
    profile's runs are ``etl run`` with ``profile_options``."""
    project = (project or Path.cwd()).resolve()
    console = Console(profile, spark)
    files = JobFiles(project, jobs_dir(), console.state_dir)
    runs = StudioRuns(console, profile, spark, profile_options or [])
    hosts = allowed_hosts(host, port)
    app = Flask(__name__, static_folder=str(STATIC / "assets"), static_url_path="/assets")

    @app.before_request
    def refuse_foreign() -> None:
        check_request(request.headers, hosts)

    @app.errorhandler(EtlError)
    def etl_error(exc: EtlError) -> tuple[Response, int]:
        code = 403 if isinstance(exc, RequestRefused | PathRefused) else 400
        return jsonify(error=str(exc)), code

    @app.errorhandler(LookupError)
    def missing(exc: LookupError) -> tuple[Response, int]:
        return jsonify(error=str(exc.args[0] if exc.args else exc)), 404

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        return jsonify(error=f"{exc.code} {exc.name}: {exc.description}"), exc.code or 500

    def body() -> Any:
        data = request.get_json(silent=True)
        if data is None:
            raise BadRequest("the request body is not JSON (send Content-Type: application/json)")
        return data

    @app.get("/")
    def index() -> Response:
        return send_file(STATIC / "index.html")

    @app.get("/api")
    def endpoints() -> Response:
        lines = (__doc__ or "").split("Endpoints", 1)[1].splitlines()
        return jsonify([line.strip() for line in lines if line.strip().startswith(("GET", "PUT", "POST"))])

    @app.get("/api/profile")
    def profile_info() -> Response:
        return jsonify(profile=profile.name, source=str(profile.source), project=str(project),
                       state_dir=str(console.state_dir))  # fmt: skip

    # --- the console ---------------------------------------------------------------------------------
    def listing(path: str, read: Callable[[], Any]) -> None:
        app.add_url_rule(path, path, lambda: jsonify(read()))

    listing("/api/jobs", console.jobs)
    listing("/api/bookmarks", console.bookmarks)
    listing("/api/catalog", console.databases)
    listing("/api/crawlers", console.crawlers)
    listing("/api/workflows", console.workflows)

    @app.get("/api/runs")
    def run_list() -> Response:
        return jsonify(console.runs(request.args.get("job") or None))

    @app.get("/api/runs/<run_id>")
    def run_detail(run_id: str) -> Response:
        return jsonify(console.run(run_id))

    @app.get("/api/catalog/<database>/<table>")
    def table(database: str, table: str) -> Response:
        return jsonify(console.table(database, table))

    @app.get("/api/workflows/<name>/runs/<run_id>")
    def workflow_run(name: str, run_id: str) -> Response:
        return jsonify(console.workflow_run(name, None if run_id == "latest" else run_id))

    # --- the editor ----------------------------------------------------------------------------------
    listing("/api/node-types", node_types)
    listing("/api/job-files", files.list)

    @app.get("/api/job-file")
    def read_file() -> Response:
        return jsonify(files.read(request.args.get("path")))

    @app.put("/api/job-file")
    def save_file() -> Response:
        data = body()
        path = field(data, "path", str)
        return jsonify(files.save(path, graph_of(data, path)))

    @app.post("/api/validate")
    def validate_graph() -> Response:
        return jsonify(errors=errors_of(graph_of(body())))

    @app.post("/api/script")
    def script() -> Response:
        try:
            return jsonify(script=generate(graph_of(body())), errors=[])
        except InvalidGraphError as exc:
            return jsonify(script=None, errors=[e.as_dict() for e in exc.errors])

    @app.post("/api/preview")
    def preview_node() -> Response:
        from .preview import preview  # pyspark: on the first preview only

        data = body()
        limit = field(data, "limit", int, required=False) or 20
        return jsonify(preview(graph_of(data), field(data, "node", str), spark(), profile, min(limit, 500)))

    @app.post("/api/job-runs")
    def start_run() -> tuple[Response, int]:
        data = body()
        path = files.path(field(data, "path", str))
        from ..graph import load_graph
        from ..validate import check

        graph = check(load_graph(path))  # the saved file runs: refuse it now, naming node and field
        return jsonify(run_id=runs.start(graph, path), path=files.relative(path)), 202

    @app.get("/api/job-runs/<run_id>")
    def run_status(run_id: str) -> Response:
        return jsonify(runs.status(run_id))

    return app


class Server:
    """The app on a threaded Werkzeug server: ``serve_forever()`` in the foreground, or ``start()``
    in a thread (the tests) and ``stop()``."""

    def __init__(self, app: Flask, host: str, port: int):
        self.http = make_server(host, port, app, threaded=True)
        self.host, self.port = host, self.http.server_port
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}/"

    def start(self) -> Server:
        import threading

        threading.Thread(target=self.http.serve_forever, name="etl-studio", daemon=True).start()
        return self

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def warn_if_exposed(host: str) -> None:
    if host not in LOOPBACK:
        print(
            f"etl studio: warning: serving on {host}, not only this machine: anyone who can reach it can read the "
            "state dir and catalog, change job files and run jobs (there is no login)",
            file=sys.stderr,
        )
