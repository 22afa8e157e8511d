"""etl studio: visual jobs as Glue's job graph, the scripts generated from them, and back.

Golden graphs under tests/studio/ cover every supported node type; their generated scripts are
committed next to them and compared byte for byte, read back into the same graph, and run
in-process on the shared session on small data (the graphs' ``s3://studio-tests/`` paths
pointed at the test's folder).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from etl_framework.catalog import Column, Database, Table
from etl_framework.config import load_profile
from etl_framework.context import EtlContext
from etl_framework.runtime.launcher import run_job
from etl_framework.studio import GraphFileError, InvalidGraphError, from_data, generate, load_graph, validate
from etl_framework.studio.glue_job import import_job
from etl_framework.studio.parse import parse_script

from .conftest import ROOT, needs_package, run_etl, set_args

GOLDEN = ROOT / "tests" / "studio"
GRAPHS = sorted(GOLDEN.glob("*.glue.json"))
VISUAL_JOB = ROOT / "jobs" / "orders_visual.glue.json"
BUCKET = "s3://studio-tests/"


def nodes(graph) -> dict:
    return graph.to_data()["CodeGenConfigurationNodes"]


@pytest.mark.parametrize("path", [*GRAPHS, VISUAL_JOB], ids=lambda p: p.name)
def test_the_committed_script_is_the_generated_one_and_reads_back_into_the_graph(path):
    graph = load_graph(path)
    script = generate(graph)
    assert script == generate(load_graph(path))  # same graph, same bytes
    assert path.with_name(path.name.removesuffix(".glue.json") + ".py").read_text() == script
    parsed = parse_script(script, "generated.py")
    assert nodes(parsed.graph) == nodes(graph) and parsed.leftovers == []


def test_the_golden_graphs_cover_every_supported_node_type():
    from etl_framework.studio.codegen import EMITTERS
    from etl_framework.studio.nodes import SUPPORTED

    used = {n.type for path in GRAPHS for n in load_graph(path).nodes.values()}
    assert used == set(SUPPORTED) == set(EMITTERS)


def retargeted(name: str, tmp_path: Path) -> Path:
    """The golden graph ``name`` with its S3 paths in ``tmp_path``, as a job file there."""
    text = (GOLDEN / f"{name}.glue.json").read_text().replace(BUCKET, f"{tmp_path}/")
    job = tmp_path / f"{name}.glue.json"
    job.write_text(text)
    return job


def local_profile(tmp_path, monkeypatch, *sets: str):
    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    return load_profile("local", sets=[f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state", *sets])


def rows(df, *columns) -> list[tuple]:
    return sorted(tuple(r) for r in df.select(*columns).collect())


def test_files_graph_runs(spark_session, tmp_path, monkeypatch):
    """S3 CSV and JSON sources, ApplyMapping, Union, Filter, DropNullFields, RenameField, SelectFields;
    a JSON target partitioned and gzipped after data quality, a glueparquet target that updates the catalog."""
    (tmp_path / "orders_csv").mkdir()
    (tmp_path / "orders_csv" / "a.csv").write_text("order_id,customer,amount,note,day\n1,Ann,10.5,,d1\n2,bob,20,,d1\n")
    (tmp_path / "orders_csv" / "old.bak").write_text("not,a,csv\n")
    (tmp_path / "orders_json").mkdir()
    (tmp_path / "orders_json" / "b.json").write_text(
        '{"id": 3, "buyer": {"name": "Cy"}, "amount": 30.0, "note": "null", "day": "d2"}\n'
        '{"id": 4, "buyer": {"name": "Dee"}, "amount": 5.0, "note": "", "day": "d2"}\n'
    )
    spark_session.sql("DROP TABLE IF EXISTS studio.orders_parquet")
    profile = local_profile(tmp_path, monkeypatch)
    EtlContext(spark_session, profile).catalog.create_database(Database("studio"), exist_ok=True)
    record = run_job(str(retargeted("files", tmp_path)), [], profile)
    assert record.status == "SUCCEEDED", record.error
    assert record.job == "files"

    out = tmp_path / "out"
    written = spark_session.read.json(str(out / "orders_json"))  # bob: lower case; Dee: amount 5
    assert rows(written, "order_id", "customer", "total", "day") == [(1, "Ann", 10.5, "d1"), (3, "Cy", 30.0, "d2")]
    assert sorted(p.name for p in (out / "orders_json").glob("day=*")) == ["day=d1", "day=d2"]
    assert all(f.name.endswith(".gz") for f in (out / "orders_json").rglob("part-*"))
    table = EtlContext(spark_session, profile).catalog.get_table("studio", "orders_parquet")
    assert (table.column_names, [c.name for c in table.partition_keys]) == (
        ["order_id", "customer", "total", "day"],
        ["day"],
    )
    kept = tmp_path / "state" / "data_quality" / "files" / "EvaluateDataQuality_node1733000000020.jsonl"
    assert [json.loads(line)["outcome"] for line in kept.read_text().splitlines()] == ["Passed"]


def test_transforms_graph_runs(spark_session, tmp_path, monkeypatch):
    """Catalog and Parquet sources, an equijoin and a left anti join, SplitFields, SelectFromCollection,
    DropDuplicates, custom code, SparkSQL, Aggregate, DropFields, EvaluateDataQuality; Delta, catalog
    and JSON targets."""
    needs_package(spark_session, "delta")
    spark = spark_session
    profile = local_profile(tmp_path, monkeypatch)
    catalog = EtlContext(spark, profile).catalog
    catalog.create_database(Database("studio"), exist_ok=True)
    tables = {
        "customers": ("name string, country string", [("Ann", "PT"), ("Bob", "FR")]),
        "returns": ("returned_id long, reason string", [(2, "broken")]),
        "country_cents": ("country string, cents long", []),
        "totals": ("country string, `sum(amount)` double, `count(order_id)` long", []),
    }
    for name, (ddl, data) in tables.items():
        spark.sql(f"DROP TABLE IF EXISTS studio.{name}")
        spark.createDataFrame(data, ddl).write.json(str(tmp_path / name))
        columns = [Column(f.name, f.dataType.simpleString()) for f in spark.createDataFrame([], ddl).schema]
        catalog.create_table(Table("studio", name, str(tmp_path / name), "json", columns))
    orders = [(1, "Ann", 10.5), (1, "Ann", 10.5), (2, "Ann", 3.0), (3, "Bob", 4.25), (4, "Zed", 1.0)]
    spark.createDataFrame(orders, "order_id long, customer string, amount double").write.parquet(
        str(tmp_path / "orders_parquet_in")
    )
    record = run_job(str(retargeted("transforms", tmp_path)), [], profile)
    assert record.status == "SUCCEEDED", record.error

    out = tmp_path / "out"
    delta = spark.read.format("delta").load(str(out / "orders_delta"))
    # Zed has no customer row, order 2 was returned, order 1 came twice.
    assert rows(delta, "order_id", "amount", "country") == [(1, 10.5, "PT"), (3, 4.25, "FR")]
    cents = EtlContext(spark, profile).create_dynamic_frame.from_catalog("studio", "country_cents").toDF()
    assert rows(cents, "country", "cents") == [("FR", 425), ("PT", 1050)]
    totals = EtlContext(spark, profile).create_dynamic_frame.from_catalog("studio", "totals").toDF()
    assert rows(totals, "country", "`sum(amount)`", "`count(order_id)`") == [("FR", 4.25, 1), ("PT", 10.5, 1)]
    outcomes = spark.read.json(str(out / "rule_outcomes"))
    assert rows(outcomes, "Rule", "Outcome") == [('IsComplete "order_id"', "Passed"), ("RowCount > 0", "Passed")]
    assert (tmp_path / "state" / "data_quality" / "transforms" / "orders_check.jsonl").exists()


def test_jdbc_graph_runs_against_a_profile_connection(spark_session, postgres, tmp_path, monkeypatch):
    """The source reads the node's Database; the target writes where the connection's URL points."""
    postgres.psql("DROP TABLE IF EXISTS orders_copy")
    postgres.psql("DROP DATABASE IF EXISTS studio_db", database="postgres")
    postgres.psql("CREATE DATABASE studio_db", database="postgres")
    postgres.psql("CREATE TABLE orders (id int PRIMARY KEY, amount numeric(8,2)); "
                  "INSERT INTO orders VALUES (1, 9.50), (2, 20.00)", database="studio_db")  # fmt: skip
    profile = local_profile(
        tmp_path,
        monkeypatch,
        f"connections.studio_pg.url={postgres.url}",
        f"connections.studio_pg.user={postgres.user}",
    )
    record = run_job(str(GOLDEN / "jdbc.glue.json"), [], profile)
    assert record.status == "SUCCEEDED", record.error
    copied = "SELECT string_agg(order_id || ':' || total, ' ' ORDER BY order_id) FROM orders_copy"
    assert postgres.psql(copied) == "1:9.5 2:20"


def test_hand_edits_beyond_the_graph_are_reported_with_their_lines():
    script = (GOLDEN / "files.py").read_text()
    lines = script.splitlines()
    at = lines.index("# Script generated for node Union")
    lines.insert(at, 'print("debugging")')
    edited = "\n".join(lines).replace('new_name="total"', 'new_name="total_amount"') + "\n"
    parsed = parse_script(edited, "files.py")
    # The rename is in the graph; the print is not, and is reported rather than dropped.
    rename = parsed.graph.nodes["node-1733000000008"]
    assert rename.fields["TargetPath"] == ["total_amount"]
    assert [(x.first, x.text) for x in parsed.leftovers] == [(at + 1, 'print("debugging")')]


def get_job_output() -> dict:
    """``aws glue get-job`` output of a visual job, written from the API reference."""
    return {"Job": {
        "Name": "orders-visual", "JobMode": "VISUAL", "Role": "arn:aws:iam::123456789012:role/glue",
        "CreatedOn": "2026-11-30T10:00:00+00:00", "GlueVersion": "5.0", "WorkerType": "G.1X", "NumberOfWorkers": 2,
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/orders-visual.py", "PythonVersion": "3"},
        "DefaultArguments": {"--job-bookmark-option": "job-bookmark-disable"},
        "CodeGenConfigurationNodes": {
            "node-1700000000001": {"S3JsonSource": {
                "Name": "Amazon S3", "Paths": ["s3://studio-tests/in/"], "Recurse": True,
                "OutputSchemas": [{"Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "v", "Type": "string"}]}]}},
            "node-1700000000002": {"DropFields": {"Name": "Drop Fields", "Inputs": ["node-1700000000001"],
                                                  "Paths": [["v"]]}},
            "node-1700000000003": {"S3DirectTarget": {
                "Name": "Amazon S3 target", "Inputs": ["node-1700000000002"], "Path": "s3://studio-tests/out/",
                "Format": "parquet", "Compression": "snappy", "PartitionKeys": []}},
        },
    }}  # fmt: skip


def test_a_get_job_output_imports_generates_and_runs(spark_session, tmp_path, monkeypatch):
    graph = import_job(get_job_output())
    assert list(graph.nodes) == ["node-1700000000001", "node-1700000000002", "node-1700000000003"]
    assert graph.job == {"GlueVersion": "5.0", "WorkerType": "G.1X", "NumberOfWorkers": 2,
                         "DefaultArguments": {"--job-bookmark-option": "job-bookmark-disable"}}  # fmt: skip
    assert import_job(get_job_output()["Job"]) == graph
    assert nodes(import_job(get_job_output()["Job"]["CodeGenConfigurationNodes"])) == nodes(graph)
    script = generate(graph)
    assert 'DropFields.apply(frame=AmazonS3_node1700000000001, paths=["v"]' in script

    # It runs here as it ran there: its S3 paths in this folder, its DefaultArguments taken.
    from etl_framework.studio import save_graph

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part-0.json").write_text('{"id": 1, "v": "a"}\n{"id": 2, "v": "b"}\n')
    imported = from_data(json.loads(json.dumps(graph.to_data()).replace(BUCKET, f"{tmp_path}/")))
    save_graph(imported, tmp_path / "orders-visual.glue.json")
    record = run_job(str(tmp_path / "orders-visual.glue.json"), [], local_profile(tmp_path, monkeypatch))
    assert record.status == "SUCCEEDED", record.error
    assert record.args["argv"][:2] == ["--job-bookmark-option", "job-bookmark-disable"]
    assert rows(spark_session.read.parquet(str(tmp_path / "out")), "*") == [(1,), (2,)]


def test_the_cli_validates_generates_imports_and_exports(tmp_path):
    """One process per command: none starts a JVM."""
    get_job = tmp_path / "get-job.json"
    get_job.write_text(json.dumps(get_job_output()))
    job, script, request = tmp_path / "jobs" / "x.glue.json", tmp_path / "x.py", tmp_path / "request.json"
    assert run_etl("studio", "import", str(get_job), "-o", str(job)).code == 0
    assert run_etl("studio", "generate", str(job), "-o", str(script)).code == 0
    assert script.read_text() == generate(load_graph(job))
    exported = run_etl("studio", "export", str(job), "-o", str(request), "--script-location", "s3://b/x.py")
    assert exported.code == 0, exported.stderr

    import botocore.session
    from botocore.validate import validate_parameters

    body = json.loads(request.read_text())
    assert (body["Name"], body["Command"]["ScriptLocation"], body["GlueVersion"]) == ("x", "s3://b/x.py", "5.0")
    glue = botocore.session.get_session().get_service_model("glue")
    validate_parameters(body, glue.operation_model("CreateJob").input_shape)

    bad = tmp_path / "bad.glue.json"
    bad.write_text('{"CodeGenConfigurationNodes": {"a": {"Join": {"Name": "J", "Inputs": ["a"]}}}')
    result = run_etl("studio", "validate", str(bad))
    assert result.code == 2 and "not valid JSON: line 1 column 78" in result.stderr


def graph_of(node_map: dict):
    return from_data({"CodeGenConfigurationNodes": node_map}, "bad.glue.json")


def messages(node_map: dict) -> list[str]:
    return [str(e) for e in validate(graph_of(node_map))]


SOURCE = {"S3JsonSource": {"Name": "In", "Paths": ["s3://b/"]}}


def test_bad_graphs_are_refused_with_every_error_naming_node_and_field():
    assert messages({
        "src": SOURCE,
        "x": {"Whatever": {"Name": "X"}},
        "fill": {"FillMissingValues": {"Name": "Fill", "Inputs": ["src"], "ImputedPath": "a"}},
        "sel": {"SelectFields": {"Name": "Sel", "Inputs": ["src", "missing"], "Paths": "a"}},
        "sql": {"SparkSQL": {"Name": "Q", "Inputs": ["src"], "SqlQuery": "select 1",
                             "SqlAliases": [{"From": "sel", "Alias": "t"}]}},
        "csv": {"S3CsvSource": {"Name": "C", "Paths": ["s3://b/"], "Separator": "space", "QuoteChar": "quote",
                                "GroupSize": 5, "Recurse": "yes"}},
        "t": {"S3DirectTarget": {"Name": "T", "Inputs": ["src"], "Path": "s3://o/", "Format": "json",
                                 "NumberTargetPartitions": "4"}},
    }) == [
        "node x (X): unknown node type Whatever (not a member of Glue's CodeGenConfigurationNode)",
        "node fill (Fill): node type FillMissingValues is not supported: Glue fills the values with a "
        "machine-learning model that runs in the AWS service",
        "node sel (Sel) field Paths: must be a list, got 'a'",
        "node sel (Sel) field Inputs: names no node of the graph: 'missing'",
        "node sel (Sel) field Inputs: SelectFields takes 1 input, got 2",
        "node sql (Q) field SqlAliases[0].From: 'sel' is not one of the node's Inputs",
        "node csv (C) field Separator: must be one of comma, ctrla, pipe, semicolon, tab, got 'space'",
        "node csv (C) field GroupSize: must be a string, got 5",
        "node csv (C) field Recurse: must be true or false, got 'yes'",
        "node t (T) field NumberTargetPartitions: is not supported by etl studio for S3DirectTarget "
        "(it would be lost in the script)",
    ]  # fmt: skip
    assert messages(
        {
            "a": {"DropFields": {"Name": "A", "Inputs": ["b"], "Paths": [["x"]]}},
            "b": {"DropFields": {"Name": "B", "Inputs": ["a"], "Paths": [["x"]]}},
        }
    ) == ["node a (A) field Inputs: is on a cycle (a -> b)", "node b (B) field Inputs: is on a cycle (a -> b)"]
    assert messages({"in-1": SOURCE, "in1": SOURCE}) == [
        "node in1 (In) field Name: gives the same script variable as node in-1"
    ]
    with pytest.raises(InvalidGraphError, match=r"bad.glue.json: 2 errors in the job graph"):
        generate(graph_of({"a": {"Join": {"Name": "J", "Inputs": ["a", "a"], "JoinType": "left"}}}))


def test_job_files_that_are_not_json_or_yaml_or_not_graphs(tmp_path):
    bad = tmp_path / "x.glue.yaml"
    bad.write_text("CodeGenConfigurationNodes:\n  a: [unclosed\n")
    with pytest.raises(GraphFileError, match=r"x.glue.yaml: not valid YAML: line 3 column 1"):
        load_graph(bad)
    bad.write_text("CodeGenConfigurationNodes:\n  a: {Join: {}, Union: {}}\n")
    with pytest.raises(GraphFileError, match=r"node a: must hold exactly one node type"):
        load_graph(bad)
    bad.write_text("nodes: {}\n")
    with pytest.raises(GraphFileError, match=r"a job file is an object with a CodeGenConfigurationNodes object"):
        load_graph(bad)


def test_etl_run_runs_the_sample_visual_job(spark_session, tmp_path, dirs):
    """`etl run jobs/orders_visual.glue.json` as a user runs it from the project folder: the script is
    generated in memory, malformed lines of the export are counted, the Delta table is partitioned by day."""
    needs_package(spark_session, "delta")
    shutil.copytree(ROOT / "jobs" / "sample_data", tmp_path / "jobs" / "sample_data")
    shutil.copy(VISUAL_JOB, tmp_path / "jobs")
    env = {"ETL_CONF_DIR": str(ROOT / "conf")}
    result = run_etl("run", "jobs/orders_visual.glue.json", *set_args(dirs), cwd=tmp_path, env=env)
    assert result.code == 0, result.stderr
    summary = result.stdout.splitlines()[-1]
    assert "job=orders_visual " in summary and "status=SUCCEEDED" in summary and "errors=0" not in summary
    target = tmp_path / "warehouse" / "sales" / "orders_visual"  # the graph's relative path
    table = spark_session.read.format("delta").load(str(target))
    assert table.columns == ["order_id", "placed_at", "order_date", "status", "currency", "channel"]
    assert table.where("order_id IS NULL").count() == 0 and table.count() > 0
    days = sorted(p.name for p in target.glob("order_date=*"))
    assert days[0] == "order_date=2026-10-01" and len(days) >= 4


LEGACY = """import sys
from awsglue.transforms import *
## @type: DataSource
## @args: [database = "jira-glue", table_name = "issues", transformation_ctx = "datasource0"]
## @return: datasource0
## @inputs: []
datasource0 = glueContext.create_dynamic_frame.from_catalog(database = "jira-glue", table_name = "issues", redshift_tmp_dir = args["TempDir"], transformation_ctx = "datasource0")
## @type: ApplyMapping
## @args: [mapping = [("key", "string", "key", "string")], transformation_ctx = "applymapping1"]
## @return: applymapping1
## @inputs: [frame = datasource0]
applymapping1 = ApplyMapping.apply(frame = datasource0, mappings = [("key", "string", "key", "string")], transformation_ctx = "applymapping1")
## @type: ResolveChoice
## @args: [choice = "make_cols", transformation_ctx = "resolvechoice2"]
## @return: resolvechoice2
## @inputs: [frame = applymapping1]
resolvechoice2 = ResolveChoice.apply(frame = applymapping1, choice = "make_cols", transformation_ctx = "resolvechoice2")
## @type: DataSink
## @args: [connection_type = "s3", connection_options = {"path": "s3://out/issues"}, format = "parquet", transformation_ctx = "datasink3"]
## @return: datasink3
## @inputs: [frame = resolvechoice2]
datasink3 = glueContext.write_dynamic_frame.from_options(frame = resolvechoice2, connection_type = "s3", connection_options = {"path": "s3://out/issues"}, format = "parquet", transformation_ctx = "datasink3")
"""  # noqa: E501 - the shape Glue wrote


def test_a_legacy_annotated_script_reads_into_a_graph():
    parsed = parse_script(LEGACY, "legacy.py")
    assert nodes(parsed.graph) == {
        "datasource0": {"CatalogSource": {"Name": "datasource0", "Database": "jira-glue", "Table": "issues"}},
        "applymapping1": {"ApplyMapping": {"Name": "applymapping1", "Inputs": ["datasource0"], "Mapping": [
            {"ToKey": "key", "FromPath": ["key"], "FromType": "string", "ToType": "string"}]}},
        "datasink3": {"S3DirectTarget": {"Name": "datasink3", "Inputs": ["applymapping1"], "Path": "s3://out/issues",
                                         "Format": "parquet"}},
    }  # fmt: skip
    assert [str(x) for x in parsed.leftovers] == [
        "line 13: ## @type: ResolveChoice (resolvechoice2) has no node type in Glue Studio's graph: passed through"
    ]
    assert validate(parsed.graph) == []


PEOPLE_GRAPH = {
    "DefaultArguments": {"--job-bookmark-option": "job-bookmark-enable"},
    "CodeGenConfigurationNodes": {
        "node-1": {"S3JsonSource": {"Name": "People", "Paths": ["{inbox}"]}},
        "node-2": {"SelectFields": {"Name": "Keep", "Inputs": ["node-1"], "Paths": [["id"]]}},
        "node-3": {"S3DirectTarget": {"Name": "Out", "Inputs": ["node-2"], "Path": "{out}", "Format": "json"}},
    },
}


def test_a_visual_job_deploys_as_its_generated_script(spark_session, tmp_path, monkeypatch, etl_here, env_cache):
    """`etl run x.glue.json` with a profile that deploys it (YARN, cluster deploy mode; and plain
    spark-submit in cluster mode): the package carries the generated script as module x, the command
    names it with the graph's DefaultArguments, and that module, found as the cluster's driver finds it
    (the code zip on its path), runs. A jobs/x.py that is another script is refused, naming both."""
    import zipfile

    from etl_framework.bookmarks.store import BookmarkStore
    from etl_framework.deploy.package import cache_dir
    from etl_framework.studio.graph import dump_graph

    from .conftest import JOB_REQUIREMENTS, use_project

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "a.json").write_text('{"id": 1, "name": "Ann"}\n{"id": 2, "name": "Bo"}\n')
    text = json.dumps(PEOPLE_GRAPH).replace("{inbox}", str(inbox)).replace("{out}", str(out))
    cluster = {"spark": {"master": "yarn", "deploy_mode": "cluster"}, "state_dir": str(tmp_path / "state")}
    catalog = {"catalog": {"backend": "hive", "metastore_uri": "thrift://127.0.0.1:9"}}
    use_project(
        tmp_path,
        {
            "jobs/people_deploy.glue.json": dump_graph(from_data(json.loads(text))),
            # the deploy tests' requirements: the suite's one environment archive serves this test too
            "conf/requirements.txt": JOB_REQUIREMENTS,
            "conf/yarn.yaml": json.dumps(
                {
                    **cluster,
                    **catalog,
                    "deploy": {"target": "yarn", "stage_dir": "hdfs:///etl/deploy", "requirements": "requirements.txt"},
                }
            ),
            "conf/submit.yaml": json.dumps({**cluster, **catalog}),
            "hadoop/yarn-site.xml": "<configuration/>",
        },
        monkeypatch,
    )
    monkeypatch.setenv("HADOOP_CONF_DIR", str(tmp_path / "hadoop"))
    monkeypatch.setenv("ETL_CACHE_DIR", str(env_cache))
    script = generate(load_graph(tmp_path / "jobs" / "people_deploy.glue.json"))

    result = etl_here("run", "jobs/people_deploy.glue.json", "--env", "yarn", "--dry-run")
    assert result.code == 0, result.stderr
    argv = json.loads(result.stdout)["spark-submit"]
    code, shim = argv[argv.index("--py-files") + 1].split(",")
    assert code.startswith("hdfs:///etl/deploy/")  # staged there; the built file is in the cache
    code = str(cache_dir() / "package" / Path(code).name)
    assert zipfile.ZipFile(code).read("people_deploy.py").decode() == script
    job_args = argv[argv.index("--module") :]
    assert job_args[:3] == ["--module", "people_deploy", "--"]
    assert job_args[3:7] == ["--job-bookmark-option", "job-bookmark-enable", "--JOB_NAME", "people_deploy"]

    # Plain spark-submit in cluster deploy mode ships the script beside the framework, as the module.
    result = etl_here("run", "jobs/people_deploy.glue.json", "--env", "submit", "--dry-run")
    assert result.code == 0, result.stderr
    shipped = [Path(p) for p in result.stdout.split("--py-files ")[1].split()[0].split(",")]
    assert [p.read_text() for p in shipped if p.name == "people_deploy.py"] == [script]
    assert " --module people_deploy -- --job-bookmark-option job-bookmark-enable\n" in result.stdout

    # What the driver does: the module from the code zip, with the command's arguments.
    monkeypatch.syspath_prepend(code)
    profile = local_profile(tmp_path, monkeypatch)
    record = run_job("people_deploy", job_args[3:7], profile, module=True)
    assert record.status == "SUCCEEDED", record.error
    assert sorted(r.id for r in spark_session.read.json(str(out)).collect()) == [1, 2]
    assert BookmarkStore(profile.state_dir).latest("people_deploy").run_id == record.run_id  # enabled by default

    (tmp_path / "jobs" / "people_deploy.py").write_text("print('an older script')\n")
    result = etl_here("run", "jobs/people_deploy.glue.json", "--env", "yarn", "--dry-run")
    assert result.code != 0 and "its script would be module people_deploy on the cluster" in result.stderr
    assert f"{tmp_path}/jobs/people_deploy.py is another module of that name; regenerate it" in result.stderr
