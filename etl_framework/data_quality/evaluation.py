"""A DQDL ruleset evaluated on a DynamicFrame: rule outcomes, row-level outcomes, stored results."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..dynamicframe import DynamicFrame, DynamicFrameCollection, Step
from ..errors import EtlError
from ..logs import get_logger
from ..types import ArrayType, Field, StringType, StructType, literal
from .parser import parse
from .results import ResultStore
from .rules import Check, Plan, compile_rule

RULE_OUTCOMES_DDL = "Rule string, Outcome string, FailureReason string, EvaluatedMetrics map<string,double>"
PUBLISHING_OPTIONS = (
    "dataQualityEvaluationContext",
    "enableDataQualityCloudWatchMetrics",
    "enableDataQualityResultsPublishing",
    "resultsS3Prefix",
)
# Glue's additional_options, plus ours: stopJobOnFailure raises when a rule fails (Glue scripts assert instead).
ADDITIONAL_OPTIONS = (
    "performanceTuning.caching",
    "observations.scope",
    "dataQualityResultsPublishing.strategy",
    "compositeRuleEvaluation.method",
    "stopJobOnFailure",
)
DEFAULT_CONTEXT = "default_context"  # Glue's default dataQualityEvaluationContext


def evaluate(
    frame: DynamicFrame,
    ruleset: str,
    publishing_options: Mapping[str, Any] | None = None,
    additional_options: Mapping[str, Any] | None = None,
    additional_data_sources: Mapping[str, DynamicFrame] | None = None,
    row_level: bool = True,
) -> DynamicFrameCollection:
    """``ruleOutcomes`` (one row per rule), ``rowLevelOutcomes`` (the records with the rules each
    passed, failed or skipped, and ``DataQualityEvaluationResult``; left out when ``row_level`` is
    false) and ``originalData`` (``frame``).
    Rules comparing with other data (RowCountMatch, SchemaMatch, ReferentialIntegrity) name them
    by their alias in ``additional_data_sources``."""
    publishing = _options(publishing_options, PUBLISHING_OPTIONS, "publishing_options")
    additional = _options(additional_options, ADDITIONAL_OPTIONS, "additional_options")
    log = get_logger("data_quality")
    if publishing.get("enableDataQualityCloudWatchMetrics"):
        log.info("EvaluateDataQuality: CloudWatch metrics are not available here; results go to the state dir")
    method = str(additional.get("compositeRuleEvaluation.method", "COLUMN")).upper()
    if method not in ("COLUMN", "ROW"):
        raise EtlError(
            f"EvaluateDataQuality: additional_options compositeRuleEvaluation.method {method!r}: use COLUMN or ROW"
        )
    context = str(publishing.get("dataQualityEvaluationContext") or DEFAULT_CONTEXT)

    rules = parse(ruleset).rules
    df = frame.toDF()
    if additional.get("performanceTuning.caching") == "CACHE_INPUT":
        df = df.cache()
    sources = {alias: other.toDF() for alias, other in (additional_data_sources or {}).items()}
    plan = Plan(df, row_composites=method == "ROW", sources=sources)
    checks = [compile_rule(rule, plan) for rule in rules]
    values = plan.run()  # every aggregate metric of the ruleset, in one pass

    services = frame.glue_ctx
    profile = services.profile if services is not None else None
    store = ResultStore(profile.state_dir, services.job_name, context) if profile is not None else None
    history = store.history if store is not None else (lambda metric: [])
    outcomes = []
    for check in checks:
        reason, metrics = check.outcome(values, history)
        kept = {k: float(v) for k, v in metrics.items() if v is not None}
        outcomes.append((check.text, "Failed" if reason else "Passed", reason, kept))
    if store is not None:
        store.add(uuid.uuid4().hex, services.run_id, outcomes)

    failed = [o for o in outcomes if o[1] == "Failed"]
    if services is not None:  # the run summary's counts
        services.metrics.add_rules(len(outcomes) - len(failed), len(failed))
    log.info("EvaluateDataQuality %s: %d of %d rules passed", context, len(outcomes) - len(failed), len(outcomes))
    if failed and additional.get("stopJobOnFailure"):
        listed = "; ".join(f"{rule}: {reason}" for rule, _, reason, _ in failed)
        raise EtlError(f"data quality {context}: {len(failed)} of {len(outcomes)} rules failed: {listed}")

    rule_outcomes = DynamicFrame.fromDF(_outcomes_frame(df.sparkSession, outcomes), services, "ruleOutcomes")
    frames = {"ruleOutcomes": rule_outcomes, "originalData": frame}
    if row_level:
        frames["rowLevelOutcomes"] = _row_level(frame, plan, checks, [o[1] == "Passed" for o in outcomes])
    return DynamicFrameCollection(frames, services)


def _outcomes_frame(spark: SparkSession, outcomes: list[tuple[str, str, str | None, dict[str, float]]]) -> DataFrame:
    """The rule outcomes as a local relation, schema ``RULE_OUTCOMES_DDL``: inline ``VALUES``, which
    Spark evaluates on the driver. ``createDataFrame`` of a list parallelizes it instead: a Spark job
    each time the outcomes are read, a fifth of a small evaluation's time. Metrics go as their
    ``repr`` text, which casts back to the same double (``nan`` and ``inf`` too), in their order."""

    def text(value: str | None) -> str:
        return "CAST(NULL AS STRING)" if value is None else literal(value)

    def metrics(kept: dict[str, float]) -> str:
        pairs = (f"{literal(k)}, CAST('{v!r}' AS DOUBLE)" for k, v in kept.items())
        return f"CAST(map({', '.join(pairs)}) AS MAP<STRING, DOUBLE>)"

    rows = [f"({text(r)}, {text(o)}, {text(reason)}, {metrics(m)})" for r, o, reason, m in outcomes]
    # A row of nulls past the LIMIT makes every column nullable, as in the DDL (literals are not).
    values = ", ".join([*rows, "(NULL, NULL, NULL, NULL)"])
    names = ", ".join(column.split()[0] for column in RULE_OUTCOMES_DDL.split(", "))
    return spark.sql(f"SELECT * FROM VALUES {values} AS t({names}) LIMIT {len(rows)}")


def _options(given: Mapping[str, Any] | None, known: tuple[str, ...], what: str) -> dict[str, Any]:
    unknown = sorted(set(given or {}) - set(known))
    if unknown:
        raise EtlError(f"EvaluateDataQuality: unknown {what} key(s) {', '.join(unknown)} (known: {', '.join(known)})")
    return dict(given or {})


def _row_level(frame: DynamicFrame, plan: Plan, checks: list[Check], passed: list[bool]) -> DynamicFrame:
    """The records with the rules each passed, failed or skipped: a row-level rule judges each record
    (those outside its ``where`` skip it); any other rule lists its dataset outcome on every record."""
    lists: dict[str, list[str]] = {"Pass": [], "Fail": [], "Skip": []}
    for check, ok in zip(checks, passed, strict=True):
        text = literal(check.text)
        if check.row is None:
            lists["Pass" if ok else "Fail"].append(text)
            continue
        inside = "true" if check.where is None else f"coalesce({check.where}, false)"
        lists["Pass"].append(f"CASE WHEN {inside} AND {check.row} THEN {text} END")
        lists["Fail"].append(f"CASE WHEN {inside} AND NOT {check.row} THEN {text} END")
        lists["Skip"].append(f"CASE WHEN NOT {inside} THEN {text} END")
    added = {
        f"DataQualityRules{k}": f"CAST(array_compact(array({', '.join(v)})) AS ARRAY<STRING>)" for k, v in lists.items()
    }
    added["DataQualityEvaluationResult"] = (
        f"CASE WHEN size({added['DataQualityRulesFail']}) > 0 THEN 'Failed' ELSE 'Passed' END"
    )
    internal = [c for c in plan.df.columns if c not in plan.columns]  # the window counts
    df = plan.df.withColumns({n: F.expr(e) for n, e in added.items()}).drop(*internal)
    fields = [Field(n, StringType() if n == "DataQualityEvaluationResult" else ArrayType(StringType())) for n in added]
    return frame.derive(df, StructType([*frame.schema().fields, *fields]), Step("EvaluateDataQuality"))
