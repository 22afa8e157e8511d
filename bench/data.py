"""Deterministic order-like JSON lines, generated once per size and shared by the benchmarks.

Records have a nested struct (``customer.address``), an array of structs (``items``) and a field,
``total``, that is a number in every file but the last, where it is a text such as ``"$12.50"``.
"""

from __future__ import annotations

import json
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pyspark.sql import SparkSession

from etl_framework import DynamicFrame, EtlContext

FILES = 4
SEED = 20261125
STATUSES = ("placed", "paid", "shipped", "delivered", "returned")
CITIES = (("Lisbon", "PT"), ("Berlin", "DE"), ("Lyon", "FR"), ("Austin", "US"), ("Osaka", "JP"))
CHANNELS = ("web", "app", "store")

ORDERS_SCHEMA = (
    "channel string, currency string, "
    "customer struct<address: struct<city: string, country: string>, id: bigint, name: string>, "
    "items array<struct<price: double, qty: bigint, sku: string>>, "
    "order_id bigint, placed_at string, status string, total string"
)
"""The records' schema as a user would write it by hand (``total`` as text: it is both)."""


def _write_file(path: Path, first_id: int, count: int, seed: int, total_as_text: bool) -> None:
    rng = random.Random(seed)
    with path.open("w") as out:
        for order_id in range(first_id, first_id + count):
            items = [
                {
                    "sku": f"SKU-{rng.randrange(10_000):04d}",
                    "qty": rng.randint(1, 5),
                    "price": rng.randrange(100, 10_000) / 100,
                }
                for _ in range(rng.randint(1, 4))
            ]
            total = round(sum(i["qty"] * i["price"] for i in items), 2)
            city, country = rng.choice(CITIES)
            record = {
                "order_id": order_id,
                "placed_at": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randrange(24):02d}:"
                f"{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
                "status": rng.choice(STATUSES),
                "customer": {
                    "id": rng.randrange(1, 1_000_000),
                    "name": f"Customer {rng.randrange(100_000)}",
                    "address": {"city": city, "country": country},
                },
                "items": items,
                "total": f"${total:.2f}" if total_as_text else total,
                "currency": "USD",
                "channel": rng.choice(CHANNELS),
            }
            out.write(json.dumps(record, separators=(",", ":")))
            out.write("\n")


def generate(folder: Path, records: int) -> Path:
    """Write ``records`` orders as ``FILES`` JSON-lines files into ``folder`` (in parallel); return it."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-records // FILES)
    jobs = []
    with ProcessPoolExecutor() as pool:
        for i in range(FILES):
            first = i * per_file
            count = min(per_file, records - first)
            path = folder / f"orders-{i}.jsonl"
            jobs.append(pool.submit(_write_file, path, first, count, SEED + i, i == FILES - 1))
        for job in jobs:
            job.result()
    return folder


def inferred(spark: SparkSession, folder: Path | str) -> DynamicFrame:
    """The JSON records in ``folder`` as a DynamicFrame with their choices inferred: the pass that
    ``json_read_inference`` measures, which other benchmarks do once, untimed, per size."""
    return EtlContext(spark).create_dynamic_frame.from_options("file", {"paths": [str(folder)]}, "json")
