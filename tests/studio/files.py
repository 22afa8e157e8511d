import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job
from awsgluedq.transforms import EvaluateDataQuality
from awsglue import DynamicFrame
from awsglue.gluetypes import *
import re


def sparkUnion(glueContext, unionType, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql("(select * from source1) UNION " + unionType + " (select * from source2)")
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


args = getResolvedOptions(sys.argv, ['JOB_NAME'])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args['JOB_NAME'], args)

# Default ruleset used by all target nodes with data quality enabled
DEFAULT_DATA_QUALITY_RULESET = """
    Rules = [
        ColumnCount > 0
    ]
"""

# Script generated for node Orders CSV
OrdersCSV_node1733000000001 = glueContext.create_dynamic_frame.from_options(format_options={"quoteChar": "\"", "withHeader": True, "separator": ",", "optimizePerformance": False}, connection_type="s3", format="csv", connection_options={"paths": ["s3://studio-tests/orders_csv/"], "recurse": True, "exclusions": "[\"**.bak\"]"}, transformation_ctx="OrdersCSV_node1733000000001")

# Script generated for node Orders JSON
OrdersJSON_node1733000000002 = glueContext.create_dynamic_frame.from_options(format_options={"multiline": False}, connection_type="s3", format="json", connection_options={"paths": ["s3://studio-tests/orders_json/"], "recurse": True}, transformation_ctx="OrdersJSON_node1733000000002")

# Script generated for node Change Schema CSV
ChangeSchemaCSV_node1733000000003 = ApplyMapping.apply(frame=OrdersCSV_node1733000000001, mappings=[("order_id", "long", "order_id", "long"), ("customer", "string", "customer", "string"), ("amount", "double", "amount", "double"), ("note", "string", "note", "string"), ("day", "string", "day", "string")], transformation_ctx="ChangeSchemaCSV_node1733000000003")

# Script generated for node Change Schema JSON
ChangeSchemaJSON_node1733000000004 = ApplyMapping.apply(frame=OrdersJSON_node1733000000002, mappings=[("id", "long", "order_id", "long"), ("buyer.name", "string", "customer", "string"), ("amount", "double", "amount", "double"), ("note", "string", "note", "string"), ("day", "string", "day", "string")], transformation_ctx="ChangeSchemaJSON_node1733000000004")

# Script generated for node Union
Union_node1733000000005 = sparkUnion(glueContext, unionType = "ALL", mapping = {"source1": ChangeSchemaCSV_node1733000000003, "source2": ChangeSchemaJSON_node1733000000004}, transformation_ctx = "Union_node1733000000005")

# Script generated for node Filter
Filter_node1733000000006 = Filter.apply(frame=Union_node1733000000005, f=lambda row: (bool(re.match("^[A-Z]", row["customer"])) and row["amount"] > 6 and not (row["order_id"] is None)), transformation_ctx="Filter_node1733000000006")

# Script generated for node Drop Null Fields
DropNullFields_node1733000000007 = drop_nulls(glueContext, frame=Filter_node1733000000006, nullStringSet={"", "null"}, nullIntegerSet={}, transformation_ctx="DropNullFields_node1733000000007")

# Script generated for node Rename Field
RenameField_node1733000000008 = RenameField.apply(frame=DropNullFields_node1733000000007, old_name="amount", new_name="total", transformation_ctx="RenameField_node1733000000008")

# Script generated for node Select Fields
SelectFields_node1733000000009 = SelectFields.apply(frame=RenameField_node1733000000008, paths=["order_id", "customer", "total", "day"], transformation_ctx="SelectFields_node1733000000009")

# Script generated for node Orders JSON Out
EvaluateDataQuality().process_rows(frame=SelectFields_node1733000000009, ruleset=DEFAULT_DATA_QUALITY_RULESET, publishing_options={"dataQualityEvaluationContext": "EvaluateDataQuality_node1733000000020", "enableDataQualityResultsPublishing": True}, additional_options={"dataQualityResultsPublishing.strategy": "BEST_EFFORT", "observations.scope": "ALL"})
OrdersJSONOut_node1733000000010 = glueContext.write_dynamic_frame.from_options(frame=SelectFields_node1733000000009, connection_type="s3", format="json", connection_options={"path": "s3://studio-tests/out/orders_json/", "partitionKeys": ["day"]}, format_options={"compression": "gzip"}, transformation_ctx="OrdersJSONOut_node1733000000010")

# Script generated for node Orders Parquet
OrdersParquet_node1733000000011 = glueContext.getSink(path="s3://studio-tests/out/orders_parquet/", connection_type="s3", enableUpdateCatalog=True, updateBehavior="UPDATE_IN_DATABASE", partitionKeys=["day"], transformation_ctx="OrdersParquet_node1733000000011")
OrdersParquet_node1733000000011.setCatalogInfo(catalogDatabase="studio",catalogTableName="orders_parquet")
OrdersParquet_node1733000000011.setFormat("glueparquet", compression="snappy")
OrdersParquet_node1733000000011.writeFrame(SelectFields_node1733000000009)
job.commit()
