"""Sample job: ingest a shop's order export (JSON lines) into a partitioned Parquet dataset.

The export is messy the way real ones are: ``total`` is a number in most files and a text such as
``"€29.25"`` in one, ``customer.id`` turns from a number into ``"C-5008"``, ``customer`` is a plain
name in legacy rows, quantities are sometimes quoted, and a few lines are not JSON at all.

    etl run jobs/sample_orders.py --env local [--source_path DIR] [--target_path DIR]

Output: ``<warehouse>/sales/orders``, partitioned by ``order_date``; malformed lines are counted as
errors and kept out of the output.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from etl_framework import EtlContext

SAMPLE_DATA = Path(__file__).parent / "sample_data" / "orders"

# Each output column as a Spark SQL expression over the raw record `v` (a VARIANT).
_CUSTOMER_IS_OBJECT = "schema_of_variant(v:customer) LIKE 'OBJECT%'"
COLUMNS = {
    "order_id": "try_variant_get(v, '$.order_id', 'bigint')",
    "placed_at": "try_variant_get(v, '$.placed_at', 'timestamp')",
    "status": "try_variant_get(v, '$.status', 'string')",
    "customer_id": "regexp_replace(try_variant_get(v, '$.customer.id', 'string'), '^C-', '')",
    "customer_name": f"CASE WHEN {_CUSTOMER_IS_OBJECT} THEN try_variant_get(v, '$.customer.name', 'string') "
    "ELSE try_variant_get(v, '$.customer', 'string') END",
    "city": "try_variant_get(v, '$.customer.address.city', 'string')",
    "country": "try_variant_get(v, '$.customer.address.country', 'string')",
    "item_count": "CAST(aggregate(try_variant_get(v, '$.items', 'array<variant>'), 0D, "
    "(acc, i) -> acc + coalesce(try_variant_get(i, '$.qty', 'double'), 0D)) AS INT)",
    # Totals arrive as numbers or as text with a currency sign.
    "total_amount": "CAST(coalesce(try_variant_get(v, '$.total', 'decimal(12,2)'), "
    "try_cast(regexp_replace(try_variant_get(v, '$.total', 'string'), '[^0-9.-]', '') AS DECIMAL(12,2))) "
    "AS DECIMAL(12,2))",
    "currency": "try_variant_get(v, '$.currency', 'string')",
    "coupon_code": "try_variant_get(v, '$.coupon.code', 'string')",
    "channel": "try_variant_get(v, '$.channel', 'string')",
}


def read_orders(ctx: EtlContext, source: str) -> DataFrame:
    """Every line as one VARIANT ``v``; a line that is not JSON lands in ``_corrupt_record``."""
    return (
        ctx.spark_session.read.option("singleVariantColumn", "v")
        .option("columnNameOfCorruptRecord", "_corrupt_record")
        .schema("v variant, _corrupt_record string")
        .json(source)
        .select("*", F.col("_metadata.file_path").alias("_source_file"))
    )


def curate(raw: DataFrame) -> DataFrame:
    out = raw.where("_corrupt_record IS NULL").selectExpr(*(f"{expr} AS {name}" for name, expr in COLUMNS.items()))
    return out.withColumn("order_date", F.to_date("placed_at"))


def main(ctx: EtlContext, args: dict[str, str]) -> None:
    log = ctx.get_logger()
    source = args.get("source_path", str(SAMPLE_DATA))
    target = args.get("target_path", f"{ctx.warehouse_dir}/sales/orders")

    raw = read_orders(ctx, source).cache()
    total = raw.count()
    malformed = raw.where("_corrupt_record IS NOT NULL")
    errors = malformed.count()
    for row in malformed.select("_source_file", "_corrupt_record").limit(5).collect():
        log.warning("malformed record in %s: %.80s", row._source_file, row._corrupt_record)

    orders = curate(raw)
    orders.write.mode("overwrite").partitionBy("order_date").parquet(target)
    written = total - errors
    raw.unpersist()
    ctx.metrics.add(read=total, written=written, errors=errors)
    log.info("wrote %d orders to %s (%d malformed records skipped)", written, target, errors)
    print(f"output: {target}")
