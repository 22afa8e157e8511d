"""AWS's sample jobs (aws-glue-samples ``examples/``), as scripts of our own that make the same calls
in the same order, on data of the same shape (tests/glue_samples_data.py), checked against what
Glue's walkthroughs print. As in the walkthroughs, a crawler first catalogs the data (in-process,
into the session's catalog) and the scripts read the tables by name; they import ``awsglue``
through the shim (``install()``), as a Glue script is written.
"""

import pytest

from etl_framework.catalog import catalog_for
from etl_framework.config import load_profile
from etl_framework.crawler import Crawler, CrawlerDefinition, Target
from etl_framework.glue_compat import install
from etl_framework.runtime.launcher import run_job

from .conftest import ROOT
from .glue_samples_data import HOUSE, SENATE, write_legislators, write_medicare

install()
SCRIPTS = ROOT / "tests" / "glue_scripts"

# The fields of l_history as the walkthrough prints them (Glue prints them in its own order).
HISTORY_FIELDS = {
    "role", "seats", "org_name", "links", "type", "sort_name", "area_id", "images", "on_behalf_of_id",
    "other_names", "contact_details", "name", "birth_date", "organization_id", "gender", "classification",
    "death_date", "legislative_period_id", "identifiers", "image", "given_name", "family_name", "id",
    "start_date", "end_date",
}  # fmt: skip

# The medicare table's schema as the walkthroughs print it, with ``{provider id}`` for that field.
MEDICARE_SCHEMA = """root
|-- drg definition: string
{provider id}
|-- provider name: string
|-- provider street address: string
|-- provider city: string
|-- provider state: string
|-- provider zip code: long
|-- hospital referral region description: string
|-- total discharges: long
|-- average covered charges: string
|-- average total payments: string
|-- average medicare payments: string
"""


@pytest.fixture(scope="module")
def crawl(spark_session, tmp_path_factory):
    """Crawl a folder into a database, as the walkthroughs' first step does."""
    state = tmp_path_factory.mktemp("state")

    def run(name: str, path, database: str):
        definition = CrawlerDefinition(name, [Target(str(path))], database)
        return Crawler(definition, catalog_for(None, spark_session), spark_session, str(state)).run()

    return run


@pytest.fixture(scope="module")
def payments(crawl, tmp_path_factory):
    """The medicare CSV crawled into the database ``payments``."""
    result = crawl("medicare", write_medicare(tmp_path_factory.mktemp("examples")), "payments")
    assert result.tables_created == ["medicare"]


@pytest.fixture(scope="module")
def legislators(crawl, tmp_path_factory):
    """The legislators' files (one per shape, as everypolitician has them) crawled into ``legislators``."""
    root = tmp_path_factory.mktemp("legislators") / "us-legislators"
    write_legislators(root / "all")
    return crawl("legislators", root, "legislators")


def printed(frame, capsys) -> str:
    capsys.readouterr()
    frame.printSchema()
    return capsys.readouterr().out


def test_the_legislators_walkthrough_joins_the_crawled_tables(legislators, capsys):
    result = legislators
    # Files of different shapes in one folder are tables named after the files, as the walkthrough lists.
    assert sorted(result.tables_created) == [
        "areas_json", "countries_r_json", "events_json", "memberships_json", "organizations_json", "persons_json",
    ]  # fmt: skip

    from awsglue.context import GlueContext
    from awsglue.transforms import Join
    from pyspark.context import SparkContext

    glueContext = GlueContext(SparkContext.getOrCreate())  # noqa: N806 - the sample's name
    persons = glueContext.create_dynamic_frame.from_catalog(database="legislators", table_name="persons_json")
    memberships = glueContext.create_dynamic_frame.from_catalog(database="legislators", table_name="memberships_json")
    orgs = glueContext.create_dynamic_frame.from_catalog(database="legislators", table_name="organizations_json")
    assert (persons.count(), memberships.count(), orgs.count()) == (10, 20, 5)
    orgs = (
        orgs.drop_fields(["other_names", "identifiers"]).rename_field("id", "org_id").rename_field("name", "org_name")
    )
    assert orgs.schema().names() == ["classification", "org_id", "image", "links", "org_name", "seats", "type"]
    assert sorted(
        r.organization_id for r in memberships.select_fields(["organization_id"]).toDF().distinct().collect()
    ) == sorted([HOUSE, SENATE])

    l_history = Join.apply(
        orgs, Join.apply(persons, memberships, "id", "person_id"), "org_id", "organization_id"
    ).drop_fields(["person_id", "org_id"])
    assert l_history.count() == 20
    assert set(l_history.schema().names()) == HISTORY_FIELDS
    senate = l_history.toDF().where(f"organization_id = '{SENATE}'").select("org_name", "seats", "type", "name")
    assert sorted(tuple(r) for r in senate.collect()) == [
        ("Senate", 100, "upper house", n) for n in ["Ana Lima", "Cy Roy", "Eli Eng", "Gus Gray", "Mike Ross"]
    ]

    assert printed(l_history.select_fields("contact_details"), capsys) == (
        "root\n|-- contact_details: array\n|    |-- element: struct\n"
        "|    |    |-- type: string\n|    |    |-- value: string\n"
    )


def test_join_and_relationalize_script_writes_files_and_redshift_tables_to_postgresql(
    legislators, spark_session, postgres, tmp_path, capfd
):
    """The sample script itself (tests/glue_scripts/join_and_relationalize.py) run as a job, its
    Redshift connection ``redshift3`` a profile connection to PostgreSQL's database ``testdb``."""
    postgres.psql("DROP DATABASE IF EXISTS testdb", database="postgres")
    postgres.psql("CREATE DATABASE testdb", database="postgres")
    profile = load_profile(
        "local",
        sets=[
            f"warehouse_dir={tmp_path}/wh", f"state_dir={tmp_path}/state",
            f"connections.redshift3.url={postgres.url}", f"connections.redshift3.user={postgres.user}",
        ],
    )  # fmt: skip
    out, temp = tmp_path / "output-dir", tmp_path / "temp-dir"
    args = ["--output_dir", str(out), "--temp_dir", str(temp)]
    record = run_job(str(SCRIPTS / "join_and_relationalize.py"), args, profile)
    assert record.status == "SUCCEEDED", record.error

    spark = spark_session
    history = spark.read.parquet(str(out / "legislator_history"))
    assert history.count() == 20 and set(history.columns) == HISTORY_FIELDS
    assert len(list((out / "legislator_single").glob("part-*"))) == 1
    assert sorted(p.name for p in (out / "legislator_part").glob("org_name=*")) == [
        "org_name=House of Representatives",
        "org_name=Senate",
    ]
    tables = sorted(
        ["hist_root", "hist_root_contact_details", "hist_root_links", "hist_root_other_names", "hist_root_images",
         "hist_root_identifiers"]
    )  # fmt: skip
    printed_lines = capfd.readouterr().out
    assert [f"Writing to Redshift table:  {t}  ..." in printed_lines for t in tables] == [True] * len(tables)
    in_testdb = "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables"
    assert postgres.psql(f"{in_testdb} WHERE table_schema = 'public'", database="testdb") == ",".join(tables)
    assert postgres.psql("SELECT count(*) FROM hist_root", database="testdb") == "20"
    columns = "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns"
    assert postgres.psql(f"{columns} WHERE table_name = 'hist_root_contact_details'", database="testdb") == (
        "id,index,contact_details.val.type,contact_details.val.value"
    )
    # Mike Ross's contact details in the 113th term, by the id hist_root keeps for them.
    mike = postgres.psql(
        "SELECT contact_details FROM hist_root WHERE given_name = 'Mike' AND legislative_period_id = 'term/113'",
        database="testdb",
    )
    rows = postgres.psql(
        "SELECT string_agg(index || ':' || \"contact_details.val.type\" || '=' || \"contact_details.val.value\", "
        f"' ' ORDER BY index) FROM hist_root_contact_details WHERE id = {mike}",
        database="testdb",
    )
    assert rows == "0:fax=202-225-1000 1:phone=202-225-2000 2:twitter=MikeRoss"


def test_data_cleaning_and_lambda(payments, tmp_path, capsys):
    from awsglue.context import GlueContext
    from awsglue.dynamicframe import DynamicFrame
    from pyspark.context import SparkContext
    from pyspark.sql.functions import udf
    from pyspark.sql.types import StringType

    glueContext = GlueContext(SparkContext.getOrCreate())  # noqa: N806 - the sample's name
    medicare_dyf = glueContext.create_dynamic_frame.from_catalog(database="payments", table_name="medicare")
    choice = "|-- provider id: choice\n|    |-- long\n|    |-- string"
    assert printed(medicare_dyf, capsys) == MEDICARE_SCHEMA.format_map({"provider id": choice})

    medicare_res = medicare_dyf.resolveChoice(specs=[("provider id", "cast:long")])
    assert printed(medicare_res, capsys) == MEDICARE_SCHEMA.format_map({"provider id": "|-- provider id: long"})
    medicare_df = medicare_res.toDF()
    assert [r["provider name"] for r in medicare_df.where("`provider id` is NULL").collect()] == [
        "INC",
        "INC- ST JOSEPH",
    ]
    medicare_df = medicare_df.where("`provider id` is NOT NULL")

    chop_f = udf(lambda x: x[1:], StringType())
    medicare_df = (
        medicare_df.withColumn("ACC", chop_f(medicare_df["average covered charges"]))
        .withColumn("ATP", chop_f(medicare_df["average total payments"]))
        .withColumn("AMP", chop_f(medicare_df["average medicare payments"]))
    )
    medicare_tmp = DynamicFrame.fromDF(medicare_df, glueContext, "nested")
    medicare_nest = medicare_tmp.apply_mapping(
        [
            ("drg definition", "string", "drg", "string"),
            ("provider id", "long", "provider.id", "long"),
            ("provider name", "string", "provider.name", "string"),
            ("provider city", "string", "provider.city", "string"),
            ("provider state", "string", "provider.state", "string"),
            ("provider zip code", "long", "provider.zip", "long"),
            ("hospital referral region description", "string", "rr", "string"),
            ("ACC", "string", "charges.covered", "double"),
            ("ATP", "string", "charges.total_pay", "double"),
            ("AMP", "string", "charges.medicare_pay", "double"),
        ]
    )
    assert printed(medicare_nest, capsys) == (
        "root\n|-- drg: string\n|-- provider: struct\n|    |-- id: long\n|    |-- name: string\n"
        "|    |-- city: string\n|    |-- state: string\n|    |-- zip: long\n|-- rr: string\n"
        "|-- charges: struct\n|    |-- covered: double\n|    |-- total_pay: double\n|    |-- medicare_pay: double\n"
    )
    output_dir = tmp_path / "medicare_parquet"
    glueContext.write_dynamic_frame.from_options(
        frame=medicare_nest, connection_type="s3", connection_options={"path": str(output_dir)}, format="parquet"
    )
    first = glueContext.spark_session.read.parquet(str(output_dir)).orderBy("provider.id").first()
    assert (first.provider.id, first.provider.zip, first.rr, tuple(first.charges)) == (
        10001, 36301, "AL - Dothan", (32963.07, 5777.24, 4763.73),
    )  # fmt: skip


def test_resolve_choice(payments, tmp_path, capsys):
    from awsglue.context import GlueContext
    from awsglue.dynamicframe import DynamicFrame
    from pyspark.context import SparkContext

    glueContext = GlueContext(SparkContext.getOrCreate())  # noqa: N806 - the sample's name
    spark = glueContext.spark_session
    medicare_dyf = glueContext.create_dynamic_frame.from_catalog(database="payments", table_name="medicare")

    medicare_res_cast = medicare_dyf.resolveChoice(specs=[("provider id", "cast:long")])
    medicare_res_project = medicare_dyf.resolveChoice(specs=[("provider id", "project:long")])
    medicare_res_make_cols = medicare_dyf.resolveChoice(specs=[("provider id", "make_cols")])
    medicare_res_make_struct = medicare_dyf.resolveChoice(specs=[("provider id", "make_struct")])
    long_id = MEDICARE_SCHEMA.format_map({"provider id": "|-- provider id: long"})
    assert printed(medicare_res_cast, capsys) == long_id
    assert printed(medicare_res_project, capsys) == long_id
    # make_cols: the long column in the choice's place, the string one last, as the walkthrough prints.
    assert printed(medicare_res_make_cols, capsys) == (
        MEDICARE_SCHEMA.format_map({"provider id": "|-- provider id_long: long"}) + "|-- provider id_string: string\n"
    )
    struct = "|-- provider id: struct\n|    |-- long: long\n|    |-- string: string"
    assert printed(medicare_res_make_struct, capsys) == MEDICARE_SCHEMA.format_map({"provider id": struct})

    medicare_df = medicare_dyf.toDF()
    medicare_df.createOrReplaceTempView("medicareTable")
    medicare_sql_df = spark.sql("SELECT * FROM medicareTable WHERE `total discharges` > 30")
    medicare_sql_dyf = DynamicFrame.fromDF(medicare_sql_df, glueContext, "medicare_sql_dyf")

    out = tmp_path / "output-dir"
    frames = {
        "medicare_json_cast": medicare_res_cast,
        "medicare_json_project": medicare_res_project,
        "medicare_json_make_cols": medicare_res_make_cols,
        "medicare_json_make_struct": medicare_res_make_struct,
        "medicare_json_sql": medicare_sql_dyf,
    }
    for name, frame in frames.items():
        glueContext.write_dynamic_frame.from_options(
            frame=frame, connection_type="s3", connection_options={"path": str(out / name)}, format="json"
        )
    cast = spark.read.json(str(out / "medicare_json_cast")).select("`provider id`").collect()
    assert sorted(r[0] for r in cast if r[0] is not None) == [10001, 10005, 10006, 10011, 10016]
    cols = spark.read.json(str(out / "medicare_json_make_cols")).where("`provider id_string` IS NOT NULL")
    assert sorted(r["provider id_string"] for r in cols.collect()) == ["ABC12", "XYZ34"]
    struct_rows = spark.read.json(str(out / "medicare_json_make_struct")).select("`provider id`.*").collect()
    assert sorted((r.long, r.string) for r in struct_rows if r.string) == [(None, "ABC12"), (None, "XYZ34")]
    sql_rows = spark.read.json(str(out / "medicare_json_sql")).collect()
    assert [(r["provider name"], r["total discharges"]) for r in sql_rows] == [("SOUTHEAST ALABAMA MEDICAL CENTER", 91)]


def test_a_users_unit_tests_in_the_shape_of_glue_unit_testing_local_sample(pytester, spark_session):
    """A user's suite as AWS's GlueUnitTestingLocalSample has it: a job script imported by a test with
    test doubles for its reads and writes, built on the reader's ``_glue_context``."""
    pytester.makepyfile(
        my_script="""
        import sys
        from awsglue.transforms import *
        from awsglue.utils import getResolvedOptions
        from pyspark.context import SparkContext
        from awsglue.context import GlueContext
        from awsglue.job import Job

        args = getResolvedOptions(sys.argv, ["JOB_NAME"])
        sc = SparkContext.getOrCreate()
        glueContext = GlueContext(sc)
        spark = glueContext.spark_session
        job = Job(glueContext)
        job.init(args["JOB_NAME"], args)
        raw = glueContext.create_dynamic_frame.from_options(
            connection_type="s3", connection_options={"paths": ["s3://in-bucket/raw"]}, format="csv"
        )
        glueContext.purge_s3_path("s3://out-bucket/raw", {"retentionPeriod": 0})
        glueContext.write_dynamic_frame.from_options(
            frame=raw, connection_type="s3", format="parquet", connection_options={"path": "s3://out-bucket/raw"},
            format_options={"useGlueParquetWriter": True},
        )
        customers = glueContext.create_dynamic_frame.from_catalog(
            database="reporting", table_name="customers", transformation_ctx="customers_node"
        )
        customers = ApplyMapping.apply(frame=customers, mappings=[
            ("customerId", "string", "customerId", "int"),
            ("firstname", "string", "firstname", "string"),
        ], transformation_ctx="customer_mapping")
        glueContext.write_dynamic_frame.from_options(
            frame=customers, connection_type="postgresql",
            connection_options={"url": "jdbc:postgresql://db:5432/reporting", "dbtable": "poc.customer"},
        )
        job.commit()
        """,
        conftest="""
        from unittest.mock import MagicMock

        import pytest
        from awsglue import DynamicFrame
        from awsglue.context import GlueContext
        from awsglue.dynamicframe import DynamicFrameReader, DynamicFrameWriter
        from pyspark import SparkConf, SparkContext


        @pytest.fixture(scope="session")
        def spark_context():
            if SparkContext._active_spark_context is None:
                return SparkContext("local[2]", "GlueUnitTests", conf=SparkConf())
            return SparkContext._active_spark_context


        @pytest.fixture
        def glue_context(spark_context):
            return GlueContext(spark_context, minPartitions=2, targetPartitions=2)


        @pytest.fixture
        def reads(monkeypatch):
            by_table, in_order = {}, []

            def from_catalog(self, database, table_name, *args, **kwargs):
                df = self._glue_context.spark_session.createDataFrame(by_table[f"{database}.{table_name}"])
                return DynamicFrame.fromDF(df, self._glue_context, "double")

            def from_options(self, *args, **kwargs):
                df = self._glue_context.spark_session.createDataFrame(in_order.pop(0))
                return DynamicFrame.fromDF(df, self._glue_context, "double")

            monkeypatch.setattr(DynamicFrameReader, "from_catalog", from_catalog)
            monkeypatch.setattr(DynamicFrameReader, "from_options", from_options)
            return by_table, in_order


        @pytest.fixture
        def writes(monkeypatch):
            mock = MagicMock()
            monkeypatch.setattr(DynamicFrameWriter, "from_options", mock)
            return mock


        @pytest.fixture
        def purges(monkeypatch):
            mock = MagicMock()
            monkeypatch.setattr(GlueContext, "purge_s3_path", mock)
            return mock
        """,
        test_glue_script="""
        import importlib
        from unittest.mock import patch

        from pyspark import SparkContext
        from pyspark.sql.types import IntegerType, StringType, StructField, StructType


        def test_glue_script(reads, writes, purges, glue_context):
            assert glue_context.spark_session.sparkContext is SparkContext._active_spark_context
            by_table, in_order = reads
            in_order.append([{"id": 4545, "value": "1234"}])
            by_table["reporting.customers"] = [{"customerId": "1", "firstname": "John"}]
            with patch("sys.argv", ["", "--JOB_NAME", "myjob"]):
                importlib.import_module("my_script")
            purges.assert_called_with("s3://out-bucket/raw", {"retentionPeriod": 0})
            first, second = (call.kwargs for call in writes.call_args_list)
            assert first["connection_type"] == "s3"
            assert [tuple(r) for r in first["frame"].toDF().collect()] == [(4545, "1234")]
            assert second["connection_type"] == "postgresql"
            assert second["frame"].toDF().schema == StructType(
                [StructField("customerId", IntegerType(), True), StructField("firstname", StringType(), True)]
            )
        """,
    )
    # In this process, on the suite's session; without pytest-spark, whose session fixture would stop it.
    result = pytester.runpytest_inprocess("-p", "etl_framework.glue_compat.pytest_plugin", "-p", "no:spark")
    result.assert_outcomes(passed=1)
