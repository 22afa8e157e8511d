"""The Studio's web app (``etl studio``): its API's refusals and its console over real HTTP, and the
app itself in a real browser (Debian's chromium driven by Playwright; ``make browser`` installs it).

One server for the file, in this process on the suite's Spark session (the catalog, the data
preview and the editor's runs use it), over a state dir with real runs made in-process: a Glue
script run twice with bookmarks (a bookmark, runs with counts), a job that fails, and crawls (a
catalog table with partitions, and the bundled order export as shop_raw.orders, the sample job's
input). In the browser, the sample orders job is built from the palette as the README walks
through it (Data Catalog source -> Change Schema -> Delta target), previewed at each node, saved,
run and found in the console. Screenshots of each page go to ``tests/artifacts/studio/`` (the
README's, ``docs/studio/``, are copies of ``editor``, ``run`` and ``catalog``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from etl_framework.catalog import catalog_for
from etl_framework.config import load_profile
from etl_framework.crawler import Crawler, CrawlerDefinition, Target
from etl_framework.runtime.launcher import run_job
from etl_framework.studio import from_data, generate, load_graph

from .conftest import ROOT, needs_package
from .spark_cluster import free_port

UI = ROOT / "studio-ui"
STATIC = ROOT / "etl_framework" / "studio" / "web" / "static"
ARTIFACTS = ROOT / "tests" / "artifacts" / "studio"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

LOAD_PEOPLE = """\
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "inbox", "out"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
people = glueContext.create_dynamic_frame.from_options(
    "file", {"paths": [args["inbox"]]}, "json", transformation_ctx="people_source"
)
glueContext.write_dynamic_frame.from_options(people, "file", {"path": args["out"]}, "json")
job.commit()
"""

BROKEN = 'raise ValueError("no orders today")\n'


def source_hash(root: Path = UI) -> str:
    """The hash studio-ui/stamp.mjs records in the build: every source file's path and bytes, in path order."""
    names = ["index.html", "package.json", "package-lock.json", "stamp.mjs", "vite.config.js"]
    files = [root / n for n in names] + [p for p in (root / "src").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def test_the_committed_build_matches_its_sources():
    recorded = (STATIC / "source-hash.txt").read_text().strip()
    assert recorded == source_hash(), (
        "etl_framework/studio/web/static/ was not built from the studio-ui/ sources as committed: run `make studio`"
        " and commit the result"
    )
    assert (STATIC / "index.html").is_file() and list((STATIC / "assets").glob("*.js"))


@pytest.fixture(scope="module")
def project(spark_session, tmp_path_factory):
    """A project with a job file folder, and a state dir with real runs, a bookmark and a crawl."""
    root = tmp_path_factory.mktemp("studio")
    state, warehouse = root / "state", root / "warehouse"
    inbox = root / "data" / "people"
    inbox.mkdir(parents=True)
    (inbox / "part-0.json").write_text('{"id": 1, "name": "Ann", "age": 41}\n{"id": 2, "name": "Bo", "age": 7}\n')
    (root / "jobs").mkdir()
    (root / "jobs" / "load_people.py").write_text(LOAD_PEOPLE)
    (root / "jobs" / "broken.py").write_text(BROKEN)
    sets = [f"state_dir={state}", f"warehouse_dir={warehouse}"]
    profile = load_profile(str(ROOT / "conf" / "local.yaml"), sets=sets)
    args = ["--JOB_NAME", "load_people", "--job-bookmark-option", "job-bookmark-enable"]
    args += ["--inbox", str(inbox), "--out", str(root / "out")]
    runs = [run_job(str(root / "jobs" / "load_people.py"), args, profile)]
    (inbox / "part-1.json").write_text('{"id": 3, "name": "Cy", "age": 30}\n')
    runs.append(run_job(str(root / "jobs" / "load_people.py"), args, profile))
    runs.append(run_job(str(root / "jobs" / "broken.py"), [], profile))
    sales = root / "sales"
    for day, rows in (("2026-01-01", '{"sku": "a", "qty": 1}\n'), ("2026-01-02", '{"sku": "b", "qty": 2}\n')):
        (sales / f"day={day}").mkdir(parents=True)
        (sales / f"day={day}" / "part-0.json").write_text(rows)
    catalog = catalog_for(None, spark_session)
    definition = CrawlerDefinition("sales_crawler", [Target(str(sales))], "studio_shop")
    crawl = Crawler(definition, catalog, spark_session, str(state)).run()
    assert [r.status for r in runs] == ["SUCCEEDED", "SUCCEEDED", "FAILED"] and crawl.tables_created == ["sales"]
    # The sample job's input, as `make run` crawls it (conf/crawlers/sample_orders.yaml): shop_raw.orders.
    export = root / "data" / "orders"
    shutil.copytree(ROOT / "jobs" / "sample_data" / "orders", export)
    orders = CrawlerDefinition("sample_orders", [Target(str(export))], "shop_raw")
    assert Crawler(orders, catalog, spark_session, str(state)).run().tables_created == ["orders"]
    yield {"root": root, "profile": profile, "sets": sets, "runs": runs, "inbox": inbox, "spark": spark_session}
    catalog.delete_table("shop_raw", "orders")  # the suite's metastore: other files crawl their own


@pytest.fixture(scope="module")
def server(project, spark_session):
    from etl_framework.studio.web.app import Server, create_app

    port = free_port()
    options = ["--env", str(ROOT / "conf" / "local.yaml")] + [x for s in project["sets"] for x in ("--set", s)]
    app = create_app(project["profile"], lambda: spark_session, "127.0.0.1", port, options, project["root"])
    running = Server(app, "127.0.0.1", port).start()
    yield running
    running.stop()


def call(server, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None):
    """(status, JSON) of a request to the server."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url.rstrip("/") + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def graph(path: str, out: str) -> dict:
    """A small valid job: JSON files -> SelectFields -> JSON files."""
    return {
        "CodeGenConfigurationNodes": {
            "node-1": {"S3JsonSource": {"Name": "People", "Paths": [path]}},
            "node-2": {"SelectFields": {"Name": "Keep", "Inputs": ["node-1"], "Paths": [["id"], ["name"]]}},
            "node-3": {"S3DirectTarget": {"Name": "Out", "Inputs": ["node-2"], "Path": out, "Format": "json"}},
        }
    }


def test_requests_from_other_origins_or_hosts_are_refused(server, project):
    status, body = call(server, "GET", "/api/jobs", headers={"Origin": "http://evil.example"})
    assert status == 403 and "Origin 'http://evil.example' is not this server's page" in body["error"]
    target = project["root"] / "jobs" / "from_evil.glue.json"
    status, body = call(
        server, "PUT", "/api/job-file", {"path": "jobs/from_evil.glue.json", "graph": graph("x", "y")},
        headers={"Origin": "http://evil.example"},
    )  # fmt: skip
    assert status == 403 and not target.exists()
    # A DNS-rebinding page reaches the server under its own name: the Host is not this server's.
    status, body = call(server, "GET", "/api/runs", headers={"Host": f"evil.example:{server.port}"})
    assert status == 403 and f"Host 'evil.example:{server.port}' is not this server" in body["error"]
    status, _ = call(server, "GET", "/api/jobs", headers={"Origin": server.url.rstrip("/")})
    assert status == 200


def test_paths_cannot_leave_the_project(server, project):
    outside = project["root"].parent / "outside.glue.json"
    status, body = call(server, "PUT", "/api/job-file", {"path": "../outside.glue.json", "graph": graph("x", "y")})
    assert status == 403 and "job file '../outside.glue.json' is outside" in body["error"] and not outside.exists()
    status, body = call(server, "GET", "/api/job-file?path=/etc/passwd")
    assert status == 403 and "job file '/etc/passwd' is outside" in body["error"]
    (project["root"] / "jobs" / "link").symlink_to(project["root"].parent, target_is_directory=True)
    status, body = call(
        server, "PUT", "/api/job-file", {"path": "jobs/link/outside.glue.json", "graph": graph("x", "y")}
    )
    assert status == 403 and "is outside" in body["error"] and not outside.exists()
    status, body = call(server, "GET", "/api/job-file?path=jobs/load_people.py")
    assert status == 403 and "a visual job's file ends with .glue.json" in body["error"]


def test_bad_request_bodies_name_the_field(server, project):
    status, body = call(server, "PUT", "/api/job-file", raw=b'{"path": "jobs/a.glue.json", ')
    assert status == 400 and "the request body is not JSON" in body["error"]
    status, body = call(server, "PUT", "/api/job-file", {"path": 3, "graph": {}})
    assert status == 400 and body["error"] == "field 'path': expected a string, got int 3"
    status, body = call(server, "PUT", "/api/job-file", {"path": "jobs/a.glue.json", "graph": {"Nodes": {}}})
    assert status == 400 and body["error"].startswith("field 'graph': jobs/a.glue.json: a job file is an object")
    status, body = call(server, "POST", "/api/preview", {"graph": graph("x", "y")})
    assert status == 400 and body["error"] == "field 'node' is required"
    assert not (project["root"] / "jobs" / "a.glue.json").exists()


def test_saving_writes_the_job_file_and_returns_its_errors(server, project):
    bad = graph(str(project["inbox"]), "out")
    del bad["CodeGenConfigurationNodes"]["node-2"]["SelectFields"]["Paths"]
    status, body = call(server, "PUT", "/api/job-file", {"path": "jobs/draft.glue.json", "graph": bad})
    assert status == 200 and body["saved"] is True
    assert body["errors"] == [{"node": "node-2", "name": "Keep", "field": "Paths", "message": "is required"}]
    assert json.loads((project["root"] / "jobs" / "draft.glue.json").read_text()) == bad
    assert body["script"] is None and not (project["root"] / "jobs" / "draft.py").exists()  # a draft has none
    # A valid graph's script goes beside it; a script with hand edits is kept, and the answer says so.
    good = graph(str(project["inbox"]), "out")
    status, body = call(server, "PUT", "/api/job-file", {"path": "jobs/people_saved.glue.json", "graph": good})
    script = project["root"] / "jobs" / "people_saved.py"
    assert status == 200 and body["script"] == "jobs/people_saved.py"
    assert script.read_text() == generate(from_data(good))
    script.write_text(script.read_text() + 'print("my edit")\n')
    _, body = call(server, "PUT", "/api/job-file", {"path": "jobs/people_saved.glue.json", "graph": good})
    assert body["script"] is None and script.read_text().endswith('print("my edit")\n')
    assert body["script_kept"].startswith("jobs/people_saved.py has lines no graph generates: not overwritten")
    status, body = call(server, "GET", "/api/job-files")
    assert "jobs/draft.glue.json" in body
    status, body = call(server, "POST", "/api/script", {"graph": bad})
    assert body["script"] is None and body["errors"][0]["field"] == "Paths"


def test_a_run_from_the_editor_that_fails_names_the_node_and_keeps_its_log(server, project):
    job = graph(str(project["inbox"]), str(project["root"] / "never"))
    nodes = job["CodeGenConfigurationNodes"]
    nodes["node-2"] = {"SparkSQL": {"Name": "Query", "Inputs": ["node-1"], "SqlQuery": "select nosuch from people",
                                    "SqlAliases": [{"From": "node-1", "Alias": "people"}]}}  # fmt: skip
    assert call(server, "PUT", "/api/job-file", {"path": "jobs/failing.glue.json", "graph": job})[0] == 200
    status, started = call(server, "POST", "/api/job-runs", {"path": "jobs/failing.glue.json"})
    assert status == 202 and started["path"] == "jobs/failing.glue.json"
    deadline = time.monotonic() + 240
    while (run := call(server, "GET", f"/api/job-runs/{started['run_id']}")[1])["status"] in ("STARTING", "RUNNING"):
        assert time.monotonic() < deadline, run
        time.sleep(0.5)
    assert run["status"] == "FAILED" and "nosuch" in run["error"]
    assert run["failed_node"]["id"] == "node-2" and run["failed_node"]["name"] == "Query"
    assert "Traceback" in run["log"] and "etl run summary: job=failing" in run["log"]
    assert not (project["root"] / "never").exists()
    status, body = call(server, "POST", "/api/job-runs", {"path": "jobs/no_such.glue.json"})
    assert status == 400 and "no_such.glue.json: cannot read the job file" in body["error"]


def test_console_lists_runs_bookmarks_catalog_and_crawls(server, project):
    first, second, broken = project["runs"]
    _, jobs = call(server, "GET", "/api/jobs")
    by_job = {j["job"]: j for j in jobs}
    assert by_job["load_people"]["runs"] == 2 and by_job["load_people"]["latest"]["run_id"] == second.run_id
    assert by_job["broken"]["latest"]["status"] == "FAILED"
    _, runs = call(server, "GET", "/api/runs?job=load_people")
    assert [(r["run_id"], r["status"], r["read"], r["written"], r["errors"]) for r in runs] == [
        (second.run_id, "SUCCEEDED", 1, 1, 0),  # the bookmark: only the new file
        (first.run_id, "SUCCEEDED", 2, 2, 0),
    ]
    _, run = call(server, "GET", f"/api/runs/{broken.run_id}")
    assert run["error"] == "ValueError: no orders today" and run["log"] is None  # etl run keeps no log file
    status, body = call(server, "GET", "/api/runs/jr_nothing")
    assert status == 404 and "no run 'jr_nothing'" in body["error"]

    _, bookmarks = call(server, "GET", "/api/bookmarks")
    (mark,) = [b for b in bookmarks if b["job"] == "load_people"]
    assert mark["version"] == 2 and mark["run_id"] == second.run_id
    assert [s["ctx"] for s in mark["sources"]] == ["people_source"]
    assert mark["sources"][0]["state"].startswith("files modified up to ")

    _, databases = call(server, "GET", "/api/catalog")
    assert {"name": "studio_shop", "tables": ["sales"]}.items() <= {**databases_of(databases, "studio_shop")}.items()
    _, table = call(server, "GET", "/api/catalog/studio_shop/sales")
    assert [(c["name"], c["type"]) for c in table["columns"]] == [("qty", "bigint"), ("sku", "string")]
    assert table["partition_keys"] == [{"name": "day", "type": "string"}] and table["format"] == "json"
    assert sorted(p["values"] for p in table["partitions"]) == [["2026-01-01"], ["2026-01-02"]]
    status, body = call(server, "GET", "/api/catalog/studio_shop/nothing")
    assert status == 400 and "nothing" in body["error"]

    _, crawlers = call(server, "GET", "/api/crawlers")
    (crawler,) = [c for c in crawlers if c["name"] == "sales_crawler"]
    assert crawler["crawls"] == 1 and crawler["last_crawl"]["status"] == "SUCCEEDED"
    _, flows = call(server, "GET", "/api/workflows")
    assert "sample_orders" in [w["name"] for w in flows["workflows"]]


def databases_of(databases: list[dict], name: str) -> dict:
    (found,) = [d for d in databases if d["name"] == name]
    return found


def test_preview_shows_rows_and_schema_or_says_why_not(server, project):
    job = graph(str(project["inbox"]), str(project["root"] / "never"))
    status, body = call(server, "POST", "/api/preview", {"graph": job, "node": "node-2"})
    assert status == 200 and body["ok"] is True, body
    assert body["columns"] == ["id", "name"] and sorted(r["name"] for r in body["rows"]) == ["Ann", "Bo", "Cy"]
    assert body["schema"] == "root\n|-- id: long\n|-- name: string\n"
    # A target shows what it would write (its input's rows) and writes nothing.
    _, target = call(server, "POST", "/api/preview", {"graph": job, "node": "node-3"})
    assert target["ok"] is True
    assert target["note"] == "the rows node node-3 (Out) would write, from its input node-2 (Keep)"
    assert (target["columns"], target["schema"]) == (body["columns"], body["schema"])
    assert sorted(r["name"] for r in target["rows"]) == ["Ann", "Bo", "Cy"]
    lonely = {"CodeGenConfigurationNodes": {"node-3": job["CodeGenConfigurationNodes"]["node-3"]}}
    _, body = call(server, "POST", "/api/preview", {"graph": lonely, "node": "node-3"})
    assert body["ok"] is False and "node-3 (Out) is a target without an input" in body["message"]
    job["CodeGenConfigurationNodes"]["node-1"]["S3JsonSource"]["Paths"] = "not a list"
    _, body = call(server, "POST", "/api/preview", {"graph": job, "node": "node-2"})
    assert body["ok"] is False and "node node-1 (People) field Paths" in body["message"]
    assert not (project["root"] / "never").exists()  # a preview writes nothing


# --- the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}: run `make browser`")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_table(page, database: str, table: str) -> str:
    """Open ``database.table`` in the console's catalog tree (the suite's metastore has other
    databases, with tables of the same names); returns the table detail's text."""
    page.get_by_test_id("nav-catalog").click()
    tree = page.get_by_test_id("catalog-tree").locator("li").filter(has=page.locator("b", has_text=database))
    tree.get_by_role("link", name=table, exact=True).click()
    return page.get_by_test_id("table-detail").inner_text()


def test_console_pages_in_the_browser(page, server, project):
    first, second, broken = project["runs"]
    page.goto(server.url + "#/runs")
    jobs = page.get_by_test_id("jobs-table")
    assert "load_people" in jobs.inner_text() and "broken" in jobs.inner_text()
    page.get_by_test_id("runs-table").get_by_text(broken.run_id).click()
    assert "ValueError: no orders today" in page.get_by_test_id("run-detail").inner_text()
    shot(page, "runs")
    page.get_by_test_id("nav-bookmarks").click()
    row = page.get_by_test_id("bookmarks-table").locator("tr", has_text="people_source")
    assert "load_people" in row.inner_text() and second.run_id in row.inner_text()
    shot(page, "bookmarks")
    detail = open_table(page, "studio_shop", "sales")
    assert "studio_shop.sales" in detail and "2026-01-02" in detail
    shot(page, "catalog-partitions")
    page.get_by_test_id("nav-crawlers").click()
    assert "sales_crawler" in page.get_by_test_id("crawlers-table").inner_text()
    page.get_by_test_id("nav-workflows").click()
    assert "sample_orders_start" in page.get_by_test_id("triggers-table").inner_text()


EDGE_ENDS = """() => Object.fromEntries([...document.querySelectorAll('.react-flow__edge')].map((edge) => {
  const path = edge.querySelector('path.react-flow__edge-path');
  const toScreen = path.getScreenCTM();
  const ends = [0, path.getTotalLength()].map((at) => {
    const p = new DOMPoint(path.getPointAtLength(at).x, path.getPointAtLength(at).y).matrixTransform(toScreen);
    const handle = [...document.querySelectorAll('.react-flow__handle')].find((h) => {
      const r = h.getBoundingClientRect();
      return p.x >= r.left - 1 && p.x <= r.right + 1 && p.y >= r.top - 1 && p.y <= r.bottom + 1;
    });
    return handle ? [handle.dataset.nodeid, handle.dataset.handlepos] : [null, `(${p.x}, ${p.y})`];
  });
  return [edge.dataset.id, ends];
}))"""


def edge_ends(page) -> dict[str, list[tuple]]:
    """Each edge's id and the (node, side) of the handle its drawn path starts and ends on."""
    return {edge: [tuple(end) for end in ends] for edge, ends in page.evaluate(EDGE_ENDS).items()}


MAPPINGS = [  # (source path, type, target key, type, dropped)
    ("order_id", "long", "order_id", "long", False),
    ("placed_at", "string", "placed_at", "timestamp", False),
    ("placed_at", "string", "order_date", "date", False),
    ("status", "string", "status", "string", False),
    ("channel", "string", "channel", "string", True),
]


def test_build_the_sample_orders_job_preview_each_node_run_it_and_find_it_in_the_console(page, server, project):
    """The README's walk-through: the Data Catalog's shop_raw.orders -> Change Schema -> a Delta table,
    dragged from the palette and filled in the forms, previewed at each node, saved (job file and
    script), run from the editor, and its run, bookmark and input table found in the console."""
    needs_package(project["spark"], "delta")
    root, delta = project["root"], project["root"] / "warehouse" / "sales" / "orders_studio"
    page.goto(server.url + "#/editor")
    page.get_by_test_id("job-path").fill("jobs/orders_studio.glue.json")
    page.get_by_test_id("job-bookmark").select_option("job-bookmark-enable")
    canvas = page.get_by_test_id("canvas")

    def drop(node_type: str, x: int, y: int = 120) -> str:
        page.get_by_test_id(f"palette-{node_type}").drag_to(canvas, target_position={"x": x, "y": y})
        return page.locator(".react-flow__node").last.get_attribute("data-id")

    def fill(field: str, value: str) -> None:
        page.get_by_test_id(f"field-{field}").fill(value)
        page.get_by_test_id(f"field-{field}").press("Tab")  # lists and JSON fields take the value on leaving

    def handle(node: str, kind: str):
        return page.locator(f'.react-flow__node[data-id="{node}"] .react-flow__handle.{kind}')

    def preview(node: str) -> str:
        page.locator(f'.react-flow__node[data-id="{node}"]').click()
        page.get_by_test_id("preview-button").click()
        page.get_by_test_id("preview-rows").wait_for(timeout=120_000)
        return page.get_by_test_id("preview-schema").inner_text().strip()

    # A list field takes one value per line; a node the server finds incomplete says so, and goes.
    draft = drop("S3JsonSource", 20, 320)
    assert "Paths: is required" in page.get_by_test_id(f"errors-{draft}").inner_text()
    fill("Paths", "data/a\ndata/b")
    page.get_by_test_id(f"errors-{draft}").wait_for(state="detached")
    page.get_by_role("button", name="Delete node").click()
    assert page.locator(f'.react-flow__node[data-id="{draft}"]').count() == 0

    source = drop("CatalogSource", 20)
    assert "Database: is required" in page.get_by_test_id(f"errors-{source}").inner_text()
    fill("Name", "Orders")
    fill("Database", "shop_raw")
    fill("Table", "orders")
    schema = preview(source)  # the export as crawled: the choices the job decides on are there
    assert "\n|-- order_id: long\n" in schema and "\n|-- total: choice\n|    |-- double\n|    |-- string" in schema
    header, *lines = page.get_by_test_id("preview-rows").inner_text().split("\n")
    assert header.split("\t") == [
        "channel", "coupon", "currency", "customer", "items", "notes", "order_id", "placed_at", "status", "total"
    ]  # fmt: skip
    assert len(lines) == 20 and [line for line in lines if not re.search(r"\t1000\d\d\t2026-10-0\dT", line)] == []

    mapping = drop("ApplyMapping", 315)
    handle(source, "source").drag_to(handle(mapping, "target"))
    fill("Name", "Change Schema")
    for i, (path, from_type, key, to_type, dropped) in enumerate(MAPPINGS):
        page.get_by_test_id("mapping-add").click()
        page.get_by_test_id(f"mapping-from-{i}").fill(path)
        page.get_by_test_id(f"mapping-fromtype-{i}").fill(from_type)
        page.get_by_test_id(f"mapping-tokey-{i}").fill(key)
        page.get_by_test_id(f"mapping-totype-{i}").fill(to_type)
        if dropped:
            page.get_by_test_id(f"mapping-drop-{i}").check()
    assert preview(mapping) == (
        "root\n|-- order_id: long\n|-- placed_at: timestamp\n|-- order_date: date\n|-- status: string"
    )
    header, *lines = page.get_by_test_id("preview-rows").inner_text().split("\n")
    assert header.split("\t") == ["order_id", "placed_at", "order_date", "status"]  # channel: dropped
    assert [
        line for line in lines if not re.fullmatch(r"1000\d\d\t2026-10-0\dT\d\d:\d\d:00\.000Z\t2026-10-0\d\t\w+", line)
    ] == []

    target = drop("S3DeltaDirectTarget", 610)
    handle(mapping, "source").drag_to(handle(target, "target"))
    fill("Name", "Sales orders")
    fill("Path", str(delta))
    page.get_by_test_id("field-Compression").select_option("snappy")
    page.get_by_test_id("field-Format").select_option("delta")
    fill("PartitionKeys", '[["order_date"]]')
    page.get_by_test_id(f"errors-{target}").wait_for(state="detached")
    assert preview(target).endswith("|-- status: string")  # what it would write
    assert "would write" in page.get_by_test_id("preview-note").inner_text() and not delta.exists()
    shot(page, "editor")
    # Each arrow runs from its source's right handle to its target's left handle, not from a box's edge.
    assert edge_ends(page) == {
        f"{source}->{mapping}": [(source, "right"), (mapping, "left")],
        f"{mapping}->{target}": [(mapping, "right"), (target, "left")],
    }

    page.get_by_test_id("save-button").click()
    page.get_by_text("Saved jobs/orders_studio.glue.json and its script jobs/orders_studio.py").wait_for()
    job_file = root / "jobs" / "orders_studio.glue.json"
    assert (root / "jobs" / "orders_studio.py").read_text() == generate(load_graph(job_file))  # both to commit
    saved = json.loads(job_file.read_text())
    expected_mapping = [
        {"ToKey": k, "FromPath": [p], "FromType": f, "ToType": t, **({"Dropped": True} if d else {})}
        for p, f, k, t, d in MAPPINGS
    ]
    assert saved == {
        "DefaultArguments": {"--job-bookmark-option": "job-bookmark-enable"},
        "CodeGenConfigurationNodes": {
            source: {"CatalogSource": {"Name": "Orders", "Database": "shop_raw", "Table": "orders"}},
            mapping: {"ApplyMapping": {"Name": "Change Schema", "Inputs": [source], "Mapping": expected_mapping}},
            target: {
                "S3DeltaDirectTarget": {
                    "Name": "Sales orders",
                    "Inputs": [mapping],
                    "Path": str(delta),
                    "Compression": "snappy",
                    "Format": "delta",
                    "PartitionKeys": [["order_date"]],
                }
            },
        },
    }
    page.get_by_test_id("tab-script").click()
    page.get_by_text("# Script generated for node Change Schema").wait_for()
    script = page.get_by_test_id("script-text").inner_text()
    assert 'create_dynamic_frame.from_catalog(database="shop_raw", table_name="orders"' in script
    assert '.write.format("delta")' in script and '("channel", ' not in script
    page.locator(f'.react-flow__node[data-id="{mapping}"]').click()
    shot(page, "script")

    page.get_by_test_id("run-button").click()
    page.locator('[data-testid="run-status"]', has_text="SUCCEEDED").wait_for(timeout=240_000)
    summary = page.get_by_test_id("run-summary").inner_text()
    run_id = page.get_by_test_id("run-panel").locator(".mono").inner_text()
    shot(page, "run")
    # The export's 243 lines, 3 of them not JSON (error records); the Delta table has the other 240,
    # mapped, by day. (Glue Studio's Delta target writes with Spark's own writer: not counted as written.)
    assert "read 243 · " in summary and summary.endswith(" · errors 3")
    table = project["spark"].read.format("delta").load(str(delta))
    assert table.columns == ["order_id", "placed_at", "order_date", "status"] and table.count() == 240
    first = table.where("order_id = 100001").collect()
    assert [(str(r.placed_at), str(r.order_date), r.status) for r in first] == [
        ("2026-10-01 20:24:00", "2026-10-01", "paid")
    ]
    assert sorted(p.name for p in delta.glob("order_date=*"))[0] == "order_date=2026-10-01"

    page.get_by_test_id("nav-runs").click()
    assert "orders_studio" in page.get_by_test_id("jobs-table").inner_text()
    page.get_by_test_id("runs-table").get_by_text(run_id).click()
    detail = page.get_by_test_id("run-detail")
    detail.get_by_text("etl run summary: job=orders_studio").wait_for()  # the run's log, kept by the Studio
    assert "SUCCEEDED" in detail.inner_text()
    shot(page, "run-in-console")
    page.get_by_test_id("nav-bookmarks").click()
    row = page.get_by_test_id("bookmarks-table").locator("tr", has_text="orders_studio")
    assert f"Orders_{source.replace('-', '')}" in row.inner_text() and run_id in row.inner_text()
    shot(page, "bookmark")
    detail = open_table(page, "shop_raw", "orders")
    assert "shop_raw.orders" in detail and "placed_at" in detail
    shot(page, "catalog")
