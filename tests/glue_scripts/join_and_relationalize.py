"""The calls of aws-glue-samples' ``examples/join_and_relationalize.py``, in its order: join the
crawled legislators tables into a history, write it to files three ways, relationalize it and write
each flat table through the JDBC connection ``redshift3`` (a profile's connection here).

Only the locations are arguments: ``--output_dir`` for the ``s3://glue-sample-target/output-dir``
folders and ``--temp_dir`` for the Redshift temp dir.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job  # noqa: F401 - imported by the sample, which never uses it
from awsglue.transforms import Join
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["output_dir", "temp_dir"])
glueContext = GlueContext(SparkContext.getOrCreate())  # noqa: N816 - the sample's name

db_name = "legislators"
tbl_persons = "persons_json"
tbl_membership = "memberships_json"
tbl_organization = "organizations_json"

output_history_dir = f"{args['output_dir']}/legislator_history"
output_lg_single_dir = f"{args['output_dir']}/legislator_single"
output_lg_partitioned_dir = f"{args['output_dir']}/legislator_part"
redshift_temp_dir = args["temp_dir"]

persons = glueContext.create_dynamic_frame.from_catalog(database=db_name, table_name=tbl_persons)
memberships = glueContext.create_dynamic_frame.from_catalog(database=db_name, table_name=tbl_membership)
orgs = glueContext.create_dynamic_frame.from_catalog(database=db_name, table_name=tbl_organization)

orgs = orgs.drop_fields(["other_names", "identifiers"]).rename_field("id", "org_id").rename_field("name", "org_name")

l_history = Join.apply(orgs, Join.apply(persons, memberships, "id", "person_id"), "org_id", "organization_id")
l_history = l_history.drop_fields(["person_id", "org_id"])

print("Writing to /legislator_history ...")
glueContext.write_dynamic_frame.from_options(
    frame=l_history, connection_type="s3", connection_options={"path": output_history_dir}, format="parquet"
)

s_history = l_history.toDF().repartition(1)
print("Writing to /legislator_single ...")
s_history.write.parquet(output_lg_single_dir)

print("Writing to /legislator_part, partitioned by Senate and House ...")
l_history.toDF().write.parquet(output_lg_partitioned_dir, partitionBy=["org_name"])

print("Converting to flat tables ...")
dfc = l_history.relationalize("hist_root", redshift_temp_dir)

for df_name in dfc.keys():
    m_df = dfc.select(df_name)
    print("Writing to Redshift table: ", df_name, " ...")
    glueContext.write_dynamic_frame.from_jdbc_conf(
        frame=m_df,
        catalog_connection="redshift3",
        connection_options={"dbtable": df_name, "database": "testdb"},
        redshift_tmp_dir=redshift_temp_dir,
    )
