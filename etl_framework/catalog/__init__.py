"""The Data Catalog: databases, tables and partitions, with embedded, Hive metastore and AWS Glue backends."""
