"""Sample job: ingest a shop's order export (JSON lines), crawled into the catalog, into a partitioned
Delta table registered in the catalog.

The export is messy the way real ones are: ``total`` is a number in most files and a text such as
``"€29.25"`` in one, ``customer.id`` turns from a number into ``"C-5008"``, ``customer`` is a plain
name in legacy rows, quantities are sometimes quoted, and a few lines are not JSON at all. Reading
keeps every observed type as a choice; the job decides what each one means.

    etl crawl sample_orders --env local    # conf/crawlers/sample_orders.yaml: the export -> shop_raw.orders
    etl run jobs/sample_orders.py --env local --job-bookmark-option job-bookmark-enable

Input: the catalog table ``shop_raw.orders``, read by name. Output: ``<warehouse>/sales/orders``, a
Delta table partitioned by ``order_date``, registered as ``sales.orders`` with its partitions. Orders are
upserted on ``order_id``: an order exported again (a status change, a re-sent file) replaces its
row instead of duplicating it. Malformed lines become error records, counted in the run summary and
kept out of the output. With bookmarks enabled, a run reads only the files that arrived since the
last successful run, and its Delta commit records the run, so a rerun after a crash between the
write and the bookmark commit does not write twice. A run with nothing new goes through the same
steps and writes nothing.
"""

from __future__ import annotations

from pyspark.sql import functions as F

from etl_framework import DynamicFrame, GlueContext, Job
from etl_framework.catalog import Database

SOURCE = ("shop_raw", "orders")  # the crawler sample_orders keeps it current
OUTPUT = ("sales", "orders")

CHOICES = [
    ("total", "make_cols"),  # total_double and total_string: both kept, parsed below
    ("customer", "make_struct"),  # customer.struct (an object) or customer.string (a legacy name)
    ("customer.struct.id", "cast:string"),
    ("items[].qty", "cast:long"),
]

MAPPING = [
    ("order_id", "long", "order_id", "long"),
    ("placed_at", "string", "placed_at", "timestamp"),
    ("status", "string", "status", "string"),
    ("customer.struct.id", "string", "customer_id", "string"),
    ("customer.struct.name", "string", "customer_name", "string"),
    ("customer.string", "string", "legacy_customer_name", "string"),
    ("customer.struct.address.city", "string", "city", "string"),
    ("customer.struct.address.country", "string", "country", "string"),
    ("items", "array", "items", "array"),
    ("total_double", "double", "total_amount", "decimal(12,2)"),
    ("total_string", "string", "total_text", "string"),
    ("currency", "string", "currency", "string"),
    ("coupon.code", "string", "coupon_code", "string"),
    ("channel", "string", "channel", "string"),
]


def main(glue_context: GlueContext, args: dict[str, str]) -> None:
    log = glue_context.get_logger()
    target = f"{glue_context.warehouse_dir}/{OUTPUT[0]}/{OUTPUT[1]}"
    job = Job(glue_context).init(args.get("JOB_NAME", "sample_orders"), args)

    orders = glue_context.create_dynamic_frame.from_catalog(
        database=SOURCE[0], table_name=SOURCE[1], transformation_ctx="orders_source"
    )
    orders.printSchema()  # the choices found in the export, in Glue's tree format
    # fill_missing: a field this run's files lack (no coupon, no legacy customer) is null, not left out
    mapped = orders.resolveChoice(specs=CHOICES, transformation_ctx="resolve_orders").apply_mapping(
        MAPPING, transformation_ctx="map_orders", totalThreshold=50, fill_missing=True
    )
    mapped.assertErrorThreshold()  # fail before writing when more than 50 records were malformed

    # Money arrives as a number or as text with a currency sign; legacy rows carry only a name.
    curated = mapped.toDF().select(
        "order_id",
        "placed_at",
        F.to_date("placed_at").alias("order_date"),
        "status",
        F.regexp_replace("customer_id", "^C-", "").alias("customer_id"),
        F.coalesce("customer_name", "legacy_customer_name").alias("customer_name"),
        "city",
        "country",
        F.aggregate("items", F.lit(0).cast("bigint"), lambda acc, i: acc + F.coalesce(i.qty, F.lit(0))).alias(
            "item_count"
        ),
        F.coalesce("total_amount", F.regexp_replace("total_text", "[^0-9.-]", "").try_cast("decimal(12,2)")).alias(
            "total_amount"
        ),
        "currency",
        "coupon_code",
        "channel",
    )

    # Upserted on order_id; the sink creates sales.orders over the Delta table or keeps its columns
    # current, and registers the partitions the Delta log lists.
    glue_context.catalog.create_database(Database(OUTPUT[0]), exist_ok=True)
    sink = glue_context.getSink(
        connection_type="s3",
        path=target,
        enableUpdateCatalog=True,
        partitionKeys=["order_date"],
        mode="merge",
        mergeKeys=["order_id"],
        transformation_ctx="orders_sink",
    )
    sink.setFormat("delta")
    sink.setCatalogInfo(catalogDatabase=OUTPUT[0], catalogTableName=OUTPUT[1])
    sink.writeFrame(DynamicFrame.fromDF(curated, glue_context, "curated_orders"))

    errors = orders.errorsAsDynamicFrame().toDF()
    for row in errors.select("error.source", "error.input").limit(5).collect():
        log.warning("malformed record in %s: %.80s", row.source, row.input)
    job.commit()
    print(f"output: {target}")
