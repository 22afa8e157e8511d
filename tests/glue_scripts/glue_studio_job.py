import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job
from awsgluedq.transforms import EvaluateDataQuality
from awsglue import DynamicFrame
from awsglue.dynamicframe import DynamicFrameCollection
from awsglue.gluetypes import *
from pyspark.sql import functions as SqlFuncs
import re

# A job in the shape Glue Studio generates (helpers first, then one block per node of the visual
# graph, data quality before each target), written for etl_framework's tests; only the input and
# output locations come from arguments. tests/test_glue_port.py runs it with `etl run`.


def sparkSqlQuery(glueContext, query, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql(query)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)


def sparkUnion(glueContext, unionType, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql("(select * from source1) UNION " + unionType + " (select * from source2)")
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)


def sparkAggregate(glueContext, parentFrame, groups, aggs, transformation_ctx) -> DynamicFrame:
    aggsFuncs = [getattr(SqlFuncs, func)(column) for column, func in aggs]
    df = parentFrame.toDF()
    result = df.groupBy(*groups).agg(*aggsFuncs) if len(groups) > 0 else df.agg(*aggsFuncs)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)


def _find_null_fields(ctx, schema, path, output, nullStringSet, nullIntegerSet, frame):
    if isinstance(schema, StructType):
        for field in schema:
            field_path = path + "." + field.name if path != "" else field.name
            output = _find_null_fields(ctx, field.dataType, field_path, output, nullStringSet, nullIntegerSet, frame)
    elif isinstance(schema, ArrayType):
        if isinstance(schema.elementType, StructType):
            output = _find_null_fields(ctx, schema.elementType, path, output, nullStringSet, nullIntegerSet, frame)
    elif isinstance(schema, NullType):
        output.append(path)
    else:
        values = set()
        for row in frame.toDF().select(path).distinct().collect():
            value = row[0]
            if value is not None:
                values.add(value.strip() if isinstance(value, str) else value)
        if isinstance(schema, StringType):
            if values.issubset(nullStringSet):
                output.append(path)
        elif isinstance(schema, IntegerType) or isinstance(schema, LongType) or isinstance(schema, DoubleType):
            if values.issubset(nullIntegerSet):
                output.append(path)
    return output


def drop_nulls(glueContext, frame, nullStringSet, nullIntegerSet, transformation_ctx) -> DynamicFrame:
    nullColumns = _find_null_fields(frame.glue_ctx, frame.schema(), "", [], nullStringSet, nullIntegerSet, frame)
    return DropFields.apply(frame=frame, paths=nullColumns, transformation_ctx=transformation_ctx)


# Script generated for node Custom Transform
def AddCents(glueContext, dfc) -> DynamicFrameCollection:
    df = dfc.select(list(dfc.keys())[0]).toDF()
    df = df.withColumn("amount_cents", SqlFuncs.round(df["amount"] * 100).cast("long"))
    return DynamicFrameCollection({"CustomTransform0": DynamicFrame.fromDF(df, glueContext, "cents")}, glueContext)


args = getResolvedOptions(sys.argv, ["JOB_NAME", "orders_csv", "orders_json", "customers", "target"])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

# Default ruleset used by all target nodes with data quality enabled
DEFAULT_DATA_QUALITY_RULESET = """
    Rules = [
        ColumnCount > 0
    ]
"""

# Script generated for node Orders CSV
OrdersCSV_node1733000000001 = glueContext.create_dynamic_frame.from_options(format_options={"quoteChar": "\"", "withHeader": True, "separator": ",", "optimizePerformance": False}, connection_type="s3", format="csv", connection_options={"paths": [args["orders_csv"]], "recurse": True}, transformation_ctx="OrdersCSV_node1733000000001")

# Script generated for node Orders JSON
OrdersJSON_node1733000000002 = glueContext.create_dynamic_frame.from_options(format_options={"multiline": False}, connection_type="s3", format="json", connection_options={"paths": [args["orders_json"]], "recurse": True}, transformation_ctx="OrdersJSON_node1733000000002")

# Script generated for node Customers
Customers_node1733000000003 = glueContext.create_dynamic_frame.from_options(format_options={"quoteChar": "\"", "withHeader": True, "separator": ",", "optimizePerformance": False}, connection_type="s3", format="csv", connection_options={"paths": [args["customers"]], "recurse": True}, transformation_ctx="Customers_node1733000000003")

# Script generated for node Change Schema CSV
ChangeSchemaCSV_node1733000000004 = ApplyMapping.apply(frame=OrdersCSV_node1733000000001, mappings=[("order_id", "long", "order_id", "long"), ("customer", "string", "customer", "string"), ("amount", "double", "amount", "double"), ("note", "string", "note", "string")], transformation_ctx="ChangeSchemaCSV_node1733000000004")

# Script generated for node Change Schema JSON
ChangeSchemaJSON_node1733000000005 = ApplyMapping.apply(frame=OrdersJSON_node1733000000002, mappings=[("order_id", "long", "order_id", "long"), ("customer", "string", "customer", "string"), ("amount", "double", "amount", "double"), ("note", "string", "note", "string")], transformation_ctx="ChangeSchemaJSON_node1733000000005")

# Script generated for node Union
Union_node1733000000006 = sparkUnion(glueContext, unionType = "ALL", mapping = {"source1": ChangeSchemaCSV_node1733000000004, "source2": ChangeSchemaJSON_node1733000000005}, transformation_ctx = "Union_node1733000000006")

# Script generated for node Filter
Filter_node1733000000007 = Filter.apply(frame=Union_node1733000000006, f=lambda row: (bool(re.match("^[A-Z]", row["customer"]))), transformation_ctx="Filter_node1733000000007")

# Script generated for node Drop Null Fields
DropNullFields_node1733000000008 = drop_nulls(glueContext, frame=Filter_node1733000000007, nullStringSet={"", "null"}, nullIntegerSet={}, transformation_ctx="DropNullFields_node1733000000008")

# Script generated for node SQL Query
SqlQuery0 = '''
select o.order_id, o.customer, c.country, o.amount
from orders o join customers c on o.customer = c.name
'''
SQLQuery_node1733000000009 = sparkSqlQuery(glueContext, query = SqlQuery0, mapping = {"orders": DropNullFields_node1733000000008, "customers": Customers_node1733000000003}, transformation_ctx = "SQLQuery_node1733000000009")

# Script generated for node Custom Transform
CustomTransform_node1733000000010 = AddCents(glueContext, DynamicFrameCollection({"SQLQuery_node1733000000009": SQLQuery_node1733000000009}, glueContext))

# Script generated for node Select From Collection
SelectFromCollection_node1733000000011 = SelectFromCollection.apply(dfc=CustomTransform_node1733000000010, key=list(CustomTransform_node1733000000010.keys())[0], transformation_ctx="SelectFromCollection_node1733000000011")

# Script generated for node Aggregate
Aggregate_node1733000000012 = sparkAggregate(glueContext, parentFrame = SelectFromCollection_node1733000000011, groups = ["customer"], aggs = [["amount", "sum"], ["order_id", "count"]], transformation_ctx = "Aggregate_node1733000000012")

# Script generated for node Change Schema Totals
ChangeSchemaTotals_node1733000000013 = ApplyMapping.apply(frame=Aggregate_node1733000000012, mappings=[("customer", "string", "customer", "string"), ("`sum(amount)`", "double", "total", "double"), ("`count(order_id)`", "long", "orders", "long")], transformation_ctx="ChangeSchemaTotals_node1733000000013")

# Script generated for node Orders Delta
EvaluateDataQuality().process_rows(frame=SelectFromCollection_node1733000000011, ruleset=DEFAULT_DATA_QUALITY_RULESET, publishing_options={"dataQualityEvaluationContext": "EvaluateDataQuality_node1733000000020", "enableDataQualityResultsPublishing": True}, additional_options={"dataQualityResultsPublishing.strategy": "BEST_EFFORT", "observations.scope": "ALL"})
additional_options = {"path": args["target"] + "/orders_delta", "write.parquet.compression-codec": "snappy"}
OrdersDelta_node1733000000014_df = SelectFromCollection_node1733000000011.toDF()
OrdersDelta_node1733000000014_df.write.format("delta").options(**additional_options).mode("append").save()

# Script generated for node Customer Totals
EvaluateDataQuality().process_rows(frame=ChangeSchemaTotals_node1733000000013, ruleset=DEFAULT_DATA_QUALITY_RULESET, publishing_options={"dataQualityEvaluationContext": "EvaluateDataQuality_node1733000000021", "enableDataQualityResultsPublishing": True}, additional_options={"dataQualityResultsPublishing.strategy": "BEST_EFFORT", "observations.scope": "ALL"})
CustomerTotals_node1733000000015 = glueContext.getSink(path=args["target"] + "/customer_totals", connection_type="s3", updateBehavior="UPDATE_IN_DATABASE", partitionKeys=[], enableUpdateCatalog=True, transformation_ctx="CustomerTotals_node1733000000015")
CustomerTotals_node1733000000015.setCatalogInfo(catalogDatabase="default",catalogTableName="studio_customer_totals")
CustomerTotals_node1733000000015.setFormat("glueparquet", compression="snappy")
CustomerTotals_node1733000000015.writeFrame(ChangeSchemaTotals_node1733000000013)
job.commit()
