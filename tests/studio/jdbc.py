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

# Script generated for node PostgreSQL Orders
PostgreSQLOrders_node1735000000001 = glueContext.create_dynamic_frame.from_options(connection_type="postgresql", connection_options={"useConnectionProperties": "true", "dbtable": "public.orders", "connectionName": "studio_pg", "database": "studio_db"}, transformation_ctx="PostgreSQLOrders_node1735000000001")

# Script generated for node Change Schema
ChangeSchema_node1735000000002 = ApplyMapping.apply(frame=PostgreSQLOrders_node1735000000001, mappings=[("id", "int", "order_id", "long"), ("amount", "decimal", "total", "double")], transformation_ctx="ChangeSchema_node1735000000002")

# Script generated for node PostgreSQL Copy
PostgreSQLCopy_node1735000000003 = glueContext.write_dynamic_frame.from_options(frame=ChangeSchema_node1735000000002, connection_type="postgresql", connection_options={"useConnectionProperties": "true", "dbtable": "public.orders_copy", "connectionName": "studio_pg"}, transformation_ctx="PostgreSQLCopy_node1735000000003")
job.commit()
