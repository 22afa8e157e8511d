"""The Studio's web app (``etl studio``): its API's refusals and its console over real HTTP, and the
app itself in a real browser (Debian's chromium driven by Playwright; ``make browser`` installs it).

One server for the file, in this process on the suite's Spark session (the catalog and the data
preview use it), over a state dir with real runs made in-process: a Glue script run twice with
bookmarks (a bookmark, runs with counts), a job that fails, and a crawl (a crawler run and a
catalog table with partitions). Screenshots of each page go to ``tests/artifacts/studio/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from etl_framework.catalog import catalog_for
from etl_framework.config import load_profile
from etl_framework.crawler import Crawler, CrawlerDefinition, Target
from etl_framework.runtime.launcher import run_job

from .conftest import ROOT
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
    definition = CrawlerDefinition("sales_crawler", [Target(str(sales))], "studio_shop")
    crawl = Crawler(definition, catalog_for(None, spark_session), spark_session, str(state)).run()
    assert [r.status for r in runs] == ["SUCCEEDED", "SUCCEEDED", "FAILED"] and crawl.tables_created == ["sales"]
    return {"root": root, "profile": profile, "sets": sets, "runs": runs, "inbox": inbox}


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
    status, body = call(server, "GET", "/api/job-files")
    assert "jobs/draft.glue.json" in body
    status, body = call(server, "POST", "/api/script", {"graph": bad})
    assert body["script"] is None and body["errors"][0]["field"] == "Paths"


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
    _, body = call(server, "POST", "/api/preview", {"graph": job, "node": "node-3"})
    assert body == {"node": "node-3", "ok": False, "message": body["message"]}
    assert "node-3 (Out) is a target" in body["message"]
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
    page.get_by_test_id("nav-catalog").click()
    # The suite's metastore has other databases (and tables named sales): the one in studio_shop.
    shop = page.get_by_test_id("catalog-tree").locator("li").filter(has=page.locator("b", has_text="studio_shop"))
    shop.get_by_role("link", name="sales", exact=True).click()
    detail = page.get_by_test_id("table-detail")
    assert "studio_shop.sales" in detail.inner_text() and "2026-01-02" in detail.inner_text()
    shot(page, "catalog")
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


def test_build_a_job_by_dragging_nodes_save_see_the_script_preview_and_run_it(page, server, project):
    out = project["root"] / "visual_out"
    page.goto(server.url + "#/editor")
    page.get_by_test_id("job-path").fill("jobs/people_visual.glue.json")
    canvas = page.get_by_test_id("canvas")

    def drop(node_type: str, x: int) -> str:
        page.get_by_test_id(f"palette-{node_type}").drag_to(canvas, target_position={"x": x, "y": 120})
        node = page.locator(".react-flow__node").last
        return node.get_attribute("data-id")

    def fill(field: str, value: str) -> None:
        page.get_by_test_id(f"field-{field}").fill(value)
        page.get_by_test_id(f"field-{field}").press("Tab")  # lists and JSON fields take the value on leaving

    source = drop("S3JsonSource", 60)
    # The server's validation shows on the node: a new source has no Paths yet.
    assert "Paths: is required" in page.get_by_test_id(f"errors-{source}").inner_text()
    fill("Name", "People")
    fill("Paths", str(project["inbox"]))
    select = drop("SelectFields", 380)
    fill("Name", "Keep")
    fill("Paths", '[["id"], ["name"]]')
    target = drop("S3DirectTarget", 700)
    fill("Name", "Out")
    fill("Path", str(out))
    page.get_by_test_id("field-Format").select_option("json")

    def handle(node: str, kind: str):
        return page.locator(f'.react-flow__node[data-id="{node}"] .react-flow__handle.{kind}')

    handle(source, "source").drag_to(handle(select, "target"))
    handle(select, "source").drag_to(handle(target, "target"))
    page.get_by_test_id(f"errors-{target}").wait_for(state="detached")  # connected: no "Inputs" error left

    page.get_by_test_id("save-button").click()
    page.get_by_text("Saved jobs/people_visual.glue.json").wait_for()
    saved = json.loads((project["root"] / "jobs" / "people_visual.glue.json").read_text())
    assert saved == {
        "CodeGenConfigurationNodes": {
            source: {"S3JsonSource": {"Name": "People", "Paths": [str(project["inbox"])]}},
            select: {"SelectFields": {"Name": "Keep", "Inputs": [source], "Paths": [["id"], ["name"]]}},
            target: {"S3DirectTarget": {"Name": "Out", "Inputs": [select], "Path": str(out), "Format": "json"}},
        }
    }
    script = page.get_by_test_id("script-text")
    page.get_by_text("# Script generated for node Keep").wait_for()
    assert "SelectFields.apply(frame=People_" in script.inner_text()

    page.locator(f'.react-flow__node[data-id="{select}"]').click()
    page.get_by_test_id("preview-button").click()
    rows = page.get_by_test_id("preview-rows")
    rows.wait_for(timeout=120_000)
    assert page.get_by_test_id("preview-schema").inner_text().strip() == "root\n|-- id: long\n|-- name: string"
    assert {"Ann", "Bo", "Cy"} <= set(rows.inner_text().split())
    # Each arrow runs from its source's right handle to its target's left handle, not from a box's edge.
    assert edge_ends(page) == {
        f"{source}->{select}": [(source, "right"), (select, "left")],
        f"{select}->{target}": [(select, "right"), (target, "left")],
    }
    shot(page, "editor")

    page.get_by_test_id("run-button").click()
    page.locator('[data-testid="run-status"]', has_text="SUCCEEDED").wait_for(timeout=240_000)
    assert "read 3 · written 3 · errors 0" in page.get_by_test_id("run-summary").inner_text()
    assert sorted(p.name for p in out.glob("*.json"))  # the job wrote its output
    shot(page, "run")
    page.get_by_test_id("nav-runs").click()
    assert "people_visual" in page.get_by_test_id("jobs-table").inner_text()
