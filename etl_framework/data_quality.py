"""Glue Data Quality's ``EvaluateDataQuality``, for Glue Studio's default ruleset only.

Glue Studio puts ``EvaluateDataQuality().process_rows(frame=..., ruleset=DEFAULT_DATA_QUALITY_RULESET,
...)`` before every target that has data quality on, with the ruleset ``Rules = [ ColumnCount > 0 ]``.
That rule is evaluated here; any other DQDL rule is refused with an error naming it, rather than
passed without being checked (DQDL at large is a later step).

    >>> rules("# Example rules: ColumnCount > 10\\nRules = [\\n    ColumnCount > 0\\n]")
    ['ColumnCount > 0']
"""

from __future__ import annotations

import re

from pyspark.sql import functions as F

from .dynamicframe import DynamicFrame, DynamicFrameCollection, Step
from .errors import EtlError
from .types import ArrayType, Field, StringType, StructType

_COLUMN_COUNT = re.compile(r"ColumnCount\s*>\s*0")
_RULESET = re.compile(r"\s*Rules\s*=\s*\[(?P<rules>.*)\]\s*", re.DOTALL)
RULE_OUTCOMES_DDL = "Rule string, Outcome string, FailureReason string, EvaluatedMetrics map<string,double>"


def rules(ruleset: str) -> list[str]:
    """The rules of a DQDL ruleset ``Rules = [ rule, ... ]`` (``#`` comment lines dropped), each on one line."""
    text = "\n".join(line for line in ruleset.splitlines() if not line.lstrip().startswith("#"))
    match = _RULESET.fullmatch(text)
    if match is None:
        raise EtlError(f"EvaluateDataQuality: expected a ruleset 'Rules = [ ... ]', got {ruleset.strip()!r}")
    out, depth, quoted, start, body = [], 0, False, 0, match["rules"]
    for i, ch in enumerate(body):  # split on the commas between rules, not those inside quotes or brackets
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "[(":
            depth += 1
        elif not quoted and ch in "])":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            out.append(body[start:i])
            start = i + 1
    out.append(body[start:])
    return [" ".join(rule.split()) for rule in out if rule.strip()]


def evaluate(frame: DynamicFrame, ruleset: str) -> DynamicFrameCollection:
    """``ruleOutcomes`` (one row per rule), ``rowLevelOutcomes`` (the records with the rules each
    passed, failed or skipped, and ``DataQualityEvaluationResult``) and ``originalData`` (``frame``)."""
    given = rules(ruleset)
    for rule in given:
        if not _COLUMN_COUNT.fullmatch(rule):
            raise EtlError(
                f"EvaluateDataQuality: rule {rule!r} is not supported yet; only Glue Studio's default ruleset "
                "'Rules = [ ColumnCount > 0 ]' is evaluated"
            )
    columns = len(frame.schema().fields)
    passed = columns > 0
    reason = None if passed else f"ColumnCount is {columns}, not > 0"
    outcomes = [
        (rule, "Passed" if passed else "Failed", reason, {"Dataset.*.ColumnCount": float(columns)}) for rule in given
    ]
    df = frame.dataframe.sparkSession.createDataFrame(outcomes, RULE_OUTCOMES_DDL)
    rule_outcomes = DynamicFrame.fromDF(df, frame.glue_ctx, "ruleOutcomes")
    # ColumnCount is a rule on the whole dataset: no record passes or fails it, each lists it as skipped.
    strings = "array<string>"
    added = {
        "DataQualityRulesPass": F.array().cast(strings),
        "DataQualityRulesFail": F.array().cast(strings),
        "DataQualityRulesSkip": F.array(*[F.lit(r) for r in given]).cast(strings),
        "DataQualityEvaluationResult": F.lit("Passed"),
    }
    fields = [Field(n, StringType() if n == "DataQualityEvaluationResult" else ArrayType(StringType())) for n in added]
    row_level = frame.derive(
        frame.dataframe.withColumns(added), StructType([*frame.schema().fields, *fields]), Step("EvaluateDataQuality")
    )
    return DynamicFrameCollection(
        {"ruleOutcomes": rule_outcomes, "rowLevelOutcomes": row_level, "originalData": frame}, frame.glue_ctx
    )
