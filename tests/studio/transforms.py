import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job
from awsgluedq.transforms import EvaluateDataQuality
from awsglue import DynamicFrame
from awsglue.dynamicframe import DynamicFrameCollection
from pyspark.sql import functions as SqlFuncs


def sparkSqlQuery(glueContext, query, mapping, transformation_ctx) -> DynamicFrame:
    for alias, frame in mapping.items():
        frame.toDF().createOrReplaceTempView(alias)
    result = spark.sql(query)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)


def sparkAggregate(glueContext, parentFrame, groups, aggs, transformation_ctx) -> DynamicFrame:
    aggsFuncs = [getattr(SqlFuncs, func)(column) for column, func in aggs]
    df = parentFrame.toDF()
    result = df.groupBy(*groups).agg(*aggsFuncs) if len(groups) > 0 else df.agg(*aggsFuncs)
    return DynamicFrame.fromDF(result, glueContext, transformation_ctx)


# Script generated for node Add Cents
def AddCents(glueContext, dfc) -> DynamicFrameCollection:
    df = dfc.select(list(dfc.keys())[0]).toDF()
    df = df.withColumn("amount_cents", (df["amount"] * 100).cast("long"))
    return DynamicFrameCollection({"CustomTransform0": DynamicFrame.fromDF(df, glueContext, "cents")}, glueContext)


args = getResolvedOptions(sys.argv, ['JOB_NAME'])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args['JOB_NAME'], args)

# Script generated for node Customers
Customers_node1734000000001 = glueContext.create_dynamic_frame.from_catalog(database="studio", table_name="customers", transformation_ctx="Customers_node1734000000001")

# Script generated for node Orders
Orders_node1734000000002 = glueContext.create_dynamic_frame.from_options(format_options={}, connection_type="s3", format="parquet", connection_options={"paths": ["s3://studio-tests/orders_parquet_in/"], "recurse": True}, transformation_ctx="Orders_node1734000000002")

# Script generated for node Returns
Returns_node1734000000003 = glueContext.create_dynamic_frame.from_catalog(database="studio", table_name="returns", additional_options={}, transformation_ctx="Returns_node1734000000003")

# Script generated for node Join Customers
JoinCustomers_node1734000000004 = Join.apply(frame1=Orders_node1734000000002, frame2=Customers_node1734000000001, keys1=["customer"], keys2=["name"], transformation_ctx="JoinCustomers_node1734000000004")

# Script generated for node Join Returns
JoinCustomers_node1734000000004DF = JoinCustomers_node1734000000004.toDF()
Returns_node1734000000003DF = Returns_node1734000000003.toDF()
JoinReturns_node1734000000005 = DynamicFrame.fromDF(JoinCustomers_node1734000000004DF.join(Returns_node1734000000003DF, (JoinCustomers_node1734000000004DF["order_id"] == Returns_node1734000000003DF["returned_id"]), "leftanti"), glueContext, "JoinReturns_node1734000000005")

# Script generated for node Split Fields
SplitFields_node1734000000006 = SplitFields.apply(frame=JoinReturns_node1734000000005, paths=["order_id", "amount", "country"], name1="SplitFields_node17340000000060", name2="SplitFields_node17340000000061", transformation_ctx="SplitFields_node1734000000006")

# Script generated for node Selected Fields
SelectedFields_node1734000000007 = SelectFromCollection.apply(dfc=SplitFields_node1734000000006, key=list(SplitFields_node1734000000006.keys())[0], transformation_ctx="SelectedFields_node1734000000007")

# Script generated for node Drop Duplicates
DropDuplicates_node1734000000008 = DynamicFrame.fromDF(SelectedFields_node1734000000007.toDF().dropDuplicates(["order_id"]), glueContext, "DropDuplicates_node1734000000008")

# Script generated for node Add Cents
AddCents_node1734000000009 = AddCents(glueContext, DynamicFrameCollection({"DropDuplicates_node1734000000008": DropDuplicates_node1734000000008}, glueContext))

# Script generated for node With Cents
WithCents_node1734000000010 = SelectFromCollection.apply(dfc=AddCents_node1734000000009, key=list(AddCents_node1734000000009.keys())[0], transformation_ctx="WithCents_node1734000000010")

# Script generated for node Cents By Country
SqlQuery0 = '''select country, sum(amount_cents) as cents
from orders group by country'''
CentsByCountry_node1734000000011 = sparkSqlQuery(glueContext, query = SqlQuery0, mapping = {"orders": WithCents_node1734000000010}, transformation_ctx = "CentsByCountry_node1734000000011")

# Script generated for node Totals
Totals_node1734000000012 = sparkAggregate(glueContext, parentFrame = WithCents_node1734000000010, groups = ["country"], aggs = [["amount", "sum"], ["order_id", "count"]], transformation_ctx = "Totals_node1734000000012")

# Script generated for node Drop Cents
DropCents_node1734000000013 = DropFields.apply(frame=WithCents_node1734000000010, paths=["amount_cents"], transformation_ctx="DropCents_node1734000000013")

# Script generated for node Check Orders
CheckOrders_node1734000000014_ruleset = """
    Rules = [
        RowCount > 0,
        IsComplete "order_id"
    ]
"""
CheckOrders_node1734000000014 = EvaluateDataQuality().process_rows(frame=DropCents_node1734000000013, ruleset=CheckOrders_node1734000000014_ruleset, publishing_options={"dataQualityEvaluationContext": "orders_check", "enableDataQualityResultsPublishing": True}, additional_options={"performanceTuning.caching": "CACHE_NOTHING"})

# Script generated for node Rule Outcomes
RuleOutcomes_node1734000000015 = SelectFromCollection.apply(dfc=CheckOrders_node1734000000014, key=list(CheckOrders_node1734000000014.keys())[0], transformation_ctx="RuleOutcomes_node1734000000015")

# Script generated for node Orders Delta
additional_options = {"path": "s3://studio-tests/out/orders_delta/", "write.parquet.compression-codec": "snappy", "mergeSchema": "true"}
OrdersDelta_node1734000000016_df = DropCents_node1734000000013.toDF()
OrdersDelta_node1734000000016_df.write.format("delta").options(**additional_options).mode("append").partitionBy("country").save()

# Script generated for node Country Cents
CountryCents_node1734000000017 = glueContext.write_dynamic_frame.from_catalog(frame=CentsByCountry_node1734000000011, database="studio", table_name="country_cents", additional_options={"enableUpdateCatalog": True, "updateBehavior": "UPDATE_IN_DATABASE"}, transformation_ctx="CountryCents_node1734000000017")

# Script generated for node Totals Table
TotalsTable_node1734000000018 = glueContext.write_dynamic_frame.from_catalog(frame=Totals_node1734000000012, database="studio", table_name="totals", transformation_ctx="TotalsTable_node1734000000018")

# Script generated for node Rule Outcomes Out
RuleOutcomesOut_node1734000000019 = glueContext.write_dynamic_frame.from_options(frame=RuleOutcomes_node1734000000015, connection_type="s3", format="json", connection_options={"path": "s3://studio-tests/out/rule_outcomes/"}, transformation_ctx="RuleOutcomesOut_node1734000000019")
job.commit()
