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
write and the bookmark commit does not write twice.
"""

from __future__ import annotations

from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext, Job
from etl_framework.catalog import Column, Database, Partition, Table
from etl_framework.delta.table import live_partitions, table_uri
from etl_framework.types import hive_type

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


def main(ctx: EtlContext, args: dict[str, str]) -> None:
    log = ctx.get_logger()
    target = f"{ctx.warehouse_dir}/{OUTPUT[0]}/{OUTPUT[1]}"
    job = Job(ctx).init(args.get("JOB_NAME", "sample_orders"), args)

    orders = ctx.create_dynamic_frame.from_catalog(
        database=SOURCE[0], table_name=SOURCE[1], transformation_ctx="orders_source"
    )
    orders.printSchema()  # the choices found in the export, in Glue's tree format
    mapped = orders.resolveChoice(specs=CHOICES, transformation_ctx="resolve_orders").apply_mapping(
        MAPPING, transformation_ctx="map_orders", totalThreshold=50
    )
    mapped.assertErrorThreshold()  # fail before writing when more than 50 records were malformed

    # apply_mapping leaves out what this run's files do not have (as Glue does); the curated table
    # keeps every column, null where absent.
    df = mapped.toDF()
    for _, _, target_name, target_type in MAPPING:
        if target_name not in df.columns:
            df = df.withColumn(
                target_name, F.lit(None).cast("array<string>" if target_type == "array" else target_type)
            )
    # Money arrives as a number or as text with a currency sign; legacy rows carry only a name.
    curated = df.select(
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

    out = DynamicFrame.fromDF(curated, ctx, "curated_orders")
    ctx.write_dynamic_frame.from_options(
        frame=out,
        connection_type="file",
        connection_options={
            "path": target,
            "partitionKeys": ["order_date"],
            "mode": "merge",
            "mergeKeys": ["order_id"],
        },
        format="delta",
        transformation_ctx="orders_sink",
    )
    register_output(ctx, out, target)
    errors = orders.errorsAsDynamicFrame().toDF()
    for row in errors.select("error.source", "error.input").limit(5).collect():
        log.warning("malformed record in %s: %.80s", row.source, row.input)
    job.commit()
    print(f"output: {target}")


def register_output(ctx: EtlContext, frame: DynamicFrame, target: str) -> None:
    """Create ``sales.orders`` over the Delta table (or update its columns) and register its partitions.

    Not getSink(enableUpdateCatalog=True): it registers the partition values observed during its own
    write, and a rerun after a crash past the Delta commit skips that write (exactly-once), so the
    sink would wait for values never observed. The Delta log lists the live partitions either way;
    registering a known one again changes nothing."""
    database, name = OUTPUT
    columns = [Column(f.name, hive_type(f.dataType)) for f in frame.schema()]
    keys = [c for c in columns if c.name == "order_date"]
    table = Table(database, name, target, "delta", [c for c in columns if c not in keys], keys)
    catalog = ctx.catalog
    catalog.create_database(Database(database), exist_ok=True)
    if catalog.table_exists(database, name):
        current = catalog.get_table(database, name)
        if table_uri(current.location) != table_uri(target):  # another warehouse: its partitions point there
            catalog.delete_table(database, name)
        elif current.columns != table.columns:
            catalog.update_table(table)
    if not catalog.table_exists(database, name):
        catalog.create_table(table)
    values = sorted(v for (v,) in live_partitions(target, ["order_date"]))  # the live ones, on any store
    catalog.add_partitions(database, name, [Partition([v], f"{target}/order_date={v}") for v in values])
