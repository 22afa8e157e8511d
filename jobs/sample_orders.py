"""Sample job: ingest a shop's order export (JSON lines) into a partitioned Delta table.

The export is messy the way real ones are: ``total`` is a number in most files and a text such as
``"€29.25"`` in one, ``customer.id`` turns from a number into ``"C-5008"``, ``customer`` is a plain
name in legacy rows, quantities are sometimes quoted, and a few lines are not JSON at all. Reading
keeps every observed type as a choice; the job decides what each one means.

    etl run jobs/sample_orders.py --env local --job-bookmark-option job-bookmark-enable \
        [--source_path DIR] [--target_path DIR]

Output: ``<warehouse>/sales/orders``, a Delta table partitioned by ``order_date``. Orders are
upserted on ``order_id``: an order exported again (a status change, a re-sent file) replaces its
row instead of duplicating it. Malformed lines become error records, counted in the run summary and
kept out of the output. With bookmarks enabled, a run reads only the files that arrived since the
last successful run, and its Delta commit records the run, so a rerun after a crash between the
write and the bookmark commit does not write twice.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import functions as F

from etl_framework import DynamicFrame, EtlContext, Job

SAMPLE_DATA = Path(__file__).parent / "sample_data" / "orders"

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
    source = args.get("source_path", str(SAMPLE_DATA))
    target = args.get("target_path", f"{ctx.warehouse_dir}/sales/orders")
    job = Job(ctx).init(args.get("JOB_NAME", "sample_orders"), args)

    orders = ctx.create_dynamic_frame.from_options(
        connection_type="file",
        connection_options={"paths": [source], "recurse": True},
        format="json",
        transformation_ctx="orders_source",
    )
    if not orders.schema().fields:
        log.info("no new order files since the last run; nothing to do")
        print(f"output: {target} (unchanged)")
        job.commit()
        return
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

    ctx.write_dynamic_frame.from_options(
        frame=DynamicFrame.fromDF(curated, ctx, "curated_orders"),
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
    errors = orders.errorsAsDynamicFrame().toDF()
    for row in errors.select("error.source", "error.input").limit(5).collect():
        log.warning("malformed record in %s: %.80s", row.source, row.input)
    job.commit()
    print(f"output: {target}")
