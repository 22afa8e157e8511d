"""Benchmarks of etl_framework against plain PySpark: ``make bench`` or ``python -m bench``."""
