import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job


args = getResolvedOptions(sys.argv, ['JOB_NAME'])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args['JOB_NAME'], args)

# Script generated for node Amazon S3
AmazonS3_node1764547200001 = glueContext.create_dynamic_frame.from_options(format_options={"multiline": False}, connection_type="s3", format="json", connection_options={"paths": ["jobs/sample_data/orders/"], "recurse": True}, transformation_ctx="AmazonS3_node1764547200001")

# Script generated for node Change Schema
ChangeSchema_node1764547200002 = ApplyMapping.apply(frame=AmazonS3_node1764547200001, mappings=[("order_id", "long", "order_id", "long"), ("placed_at", "string", "placed_at", "timestamp"), ("placed_at", "string", "order_date", "date"), ("status", "string", "status", "string"), ("currency", "string", "currency", "string"), ("channel", "string", "channel", "string")], transformation_ctx="ChangeSchema_node1764547200002")

# Script generated for node Amazon S3
additional_options = {"path": "warehouse/sales/orders_visual", "write.parquet.compression-codec": "snappy"}
AmazonS3_node1764547200003_df = ChangeSchema_node1764547200002.toDF()
AmazonS3_node1764547200003_df.write.format("delta").options(**additional_options).mode("append").partitionBy("order_date").save()
job.commit()
