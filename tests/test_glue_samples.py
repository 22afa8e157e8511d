"""AWS's sample jobs (aws-glue-samples ``examples/``), as scripts of our own that make the same calls
in the same order, on data of the same shape (tests/glue_samples_data.py), checked against what
Glue's walkthroughs print. The tables are read with ``from_options`` where the samples read the
crawled tables with ``from_catalog``: crawling them as Glue names them is the crawler's part.
"""

import pytest

from etl_framework import DynamicFrame, EtlContext
from etl_framework.transforms import Join

from .glue_samples_data import HOUSE, SENATE, write_legislators, write_medicare

# The fields of l_history as the walkthrough prints them (Glue prints them in its own order).
HISTORY_FIELDS = {
    "role", "seats", "org_name", "links", "type", "sort_name", "area_id", "images", "on_behalf_of_id",
    "other_names", "contact_details", "name", "birth_date", "organization_id", "gender", "classification",
    "death_date", "legislative_period_id", "identifiers", "image", "given_name", "family_name", "id",
    "start_date", "end_date",
}  # fmt: skip


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


def test_join_and_relationalize(ctx, tmp_path, capsys):
    folders = write_legislators(tmp_path / "us-legislators" / "all")

    def table(name):
        return ctx.create_dynamic_frame.from_options("file", {"paths": [str(folders[name])]}, "json")

    persons, memberships, orgs = table("persons"), table("memberships"), table("organizations")
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

    out = tmp_path / "output-dir"
    ctx.write_dynamic_frame.from_options(
        frame=l_history, connection_type="file", connection_options={"path": str(out / "legislator_history")},
        format="parquet",
    )  # fmt: skip
    l_history.toDF().repartition(1).write.parquet(str(out / "legislator_single"))
    l_history.toDF().write.parquet(str(out / "legislator_part"), partitionBy=["org_name"])
    assert ctx.spark_session.read.parquet(str(out / "legislator_history")).count() == 20
    assert sorted(p.name for p in (out / "legislator_part").glob("org_name=*")) == [
        "org_name=House of Representatives",
        "org_name=Senate",
    ]

    dfc = l_history.relationalize("hist_root", str(tmp_path / "temp-dir"))
    assert sorted(dfc.keys()) == sorted(
        ["hist_root", "hist_root_contact_details", "hist_root_links", "hist_root_other_names", "hist_root_images",
         "hist_root_identifiers"]
    )  # fmt: skip
    capsys.readouterr()
    l_history.select_fields("contact_details").printSchema()
    assert capsys.readouterr().out == (
        "root\n|-- contact_details: array\n|    |-- element: struct\n"
        "|    |    |-- type: string\n|    |    |-- value: string\n"
    )
    contacts = dfc.select("hist_root_contact_details").toDF()
    assert contacts.columns == ["id", "index", "contact_details.val.type", "contact_details.val.value"]
    root = dfc.select("hist_root").toDF()
    mike = root.where("given_name = 'Mike' AND legislative_period_id = 'term/113'").first()
    mine = contacts.where(f"id = {mike.contact_details}").orderBy("index")
    assert [tuple(r)[1:] for r in mine.collect()] == [
        (0, "fax", "202-225-1000"),
        (1, "phone", "202-225-2000"),
        (2, "twitter", "MikeRoss"),
    ]


def test_data_cleaning_and_lambda(ctx, tmp_path):
    from pyspark.sql.functions import udf
    from pyspark.sql.types import StringType

    csv = ctx.create_dynamic_frame.from_options("file", {"paths": [str(write_medicare(tmp_path))]}, "csv",
                                                {"withHeader": True})  # fmt: skip
    # Stand-in for the crawled table: Glue's crawler stores the header's names trimmed and lower-cased.
    medicare_dyf = csv.apply_mapping([(f"`{n}`", n.strip().lower()) for n in csv.schema().names()])
    assert medicare_dyf.unresolved_choices() == ["provider id"]

    medicare_res = medicare_dyf.resolveChoice(specs=[("provider id", "cast:long")])
    assert medicare_res.schema().field("provider id").dataType.typeName() == "long"
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
    medicare_tmp = DynamicFrame.fromDF(medicare_df, ctx, "nested")
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
    assert medicare_nest.schema().names() == ["drg", "provider", "rr", "charges"]
    assert medicare_nest.schema().field("provider").dataType.names() == ["id", "name", "city", "state", "zip"]
    output_dir = tmp_path / "medicare_parquet"
    ctx.write_dynamic_frame.from_options(
        frame=medicare_nest, connection_type="file", connection_options={"path": str(output_dir)}, format="parquet"
    )
    first = ctx.spark_session.read.parquet(str(output_dir)).orderBy("provider.id").first()
    assert (first.provider.id, first.provider.zip, first.rr, tuple(first.charges)) == (
        10001, 36301, "AL - Dothan", (32963.07, 5777.24, 4763.73),
    )  # fmt: skip
