"""Glue Data Quality on Spark: DQDL rulesets (``parser``) evaluated as Spark SQL (``rules``), every
aggregate metric of a ruleset in one pass, results kept in the state dir (``results``) for dynamic rules.

    >>> [str(rule) for rule in parse('Rules = [ RowCount > 0, IsComplete "id" ]').rules]
    ['RowCount > 0', 'IsComplete "id"']
"""

from .evaluation import RULE_OUTCOMES_DDL, evaluate
from .parser import parse

__all__ = ["RULE_OUTCOMES_DDL", "evaluate", "parse"]
