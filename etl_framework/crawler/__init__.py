"""Crawlers: classify the files under a path, infer their schemas and keep catalog tables current.

>>> from etl_framework.crawler import Crawler, CrawlerDefinition, Target, load_crawler
"""

from .crawl import Crawler, CrawlerError, CrawlResult
from .definition import CrawlerDefinition, SchemaChangePolicy, Target, load_crawler

__all__ = [
    "CrawlResult",
    "Crawler",
    "CrawlerDefinition",
    "CrawlerError",
    "SchemaChangePolicy",
    "Target",
    "load_crawler",
]
