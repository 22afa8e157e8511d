"""Glue Data Quality on Spark: DQDL parsed, evaluated in one pass, outcomes per rule and per record."""

from __future__ import annotations

import math

import pytest
from pyspark.sql import functions as F

from etl_framework import EtlContext
from etl_framework.config import load_profile
from etl_framework.data_quality import parse
from etl_framework.dynamicframe import DynamicFrame
from etl_framework.errors import EtlError
from etl_framework.transforms import EvaluateDataQuality

from .conftest import spark_jobs

ROWS = [  # id, the unit price (a dot in the name), the size (unicode name), a status, a code
    (1, 10.0, "S", "open", "ab1"),
    (2, 20.0, "M", "open", "cd2"),
    (3, None, "L", "closed", "ef3"),
    (4, 40.0, None, "closed", "xyz99"),
]
DDL = "id long, `unit.price` double, `größe` string, status string, code string"


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


def frame(ctx, rows=ROWS, ddl=DDL, name="orders"):
    return DynamicFrame.fromDF(ctx.spark_session.createDataFrame(rows, ddl), ctx, name)


def outcomes(dyf, ruleset, **options):
    rows = EvaluateDataQuality().process_rows(frame=dyf, ruleset=ruleset, **options)["ruleOutcomes"].toDF().collect()
    return {r.Rule: (r.Outcome, r.FailureReason, dict(r.EvaluatedMetrics)) for r in rows}


def test_parse_errors_name_the_rule_and_column():
    with pytest.raises(EtlError, match=r"""DQDL: rule 2 'ColumnValues "total" >> 0' at column 23: expected a value"""):
        parse('Rules = [ RowCount > 0,\n  ColumnValues "total" >> 0 ]')
    with pytest.raises(EtlError, match=r"rule 1 'RowCount between 1' at column 20: expected 'and', found '\]'"):
        parse("Rules = [ RowCount between 1 ]")
    with pytest.raises(EtlError, match=r"rule 1 '\(RowCount > 0\) and \(IsComplete \"a\"\) or .*mixed 'and' and 'or'"):
        parse('Rules = [ (RowCount > 0) and (IsComplete "a") or (RowCount > 1) ]')
    with pytest.raises(EtlError, match=r"line 1 column 1: expected 'Rules = \[ ... \]', found 'RowCount'"):
        parse("RowCount > 0")
    with pytest.raises(EtlError, match=r"line 2 column 22: unterminated string"):
        parse('Rules = [\n  ColumnValues "a" = "x ]')
    ruleset = parse(
        """Metadata = { "Version": "1.0" }
        # comments are ignored
        Rules = [ ColumnValues "d" > (now() - 3 days), RowCount > avg(last(3)) * 0.9, Sum "x" > 0 where "y = 'a'" ]"""
    )
    assert [str(r) for r in ruleset.rules] == [
        'ColumnValues "d" > (now() - 3 days)',
        "RowCount > avg(last(3)) * 0.9",
        'Sum "x" > 0 where "y = \'a\'"',
    ]
    assert ruleset.metadata == {"Version": "1.0"}


def test_rule_types_on_known_data(ctx):
    dyf = frame(ctx)
    ruleset = """Rules = [
        RowCount = 4, ColumnCount = 5, ColumnExists "größe",
        ColumnNamesMatchPattern "[a-zß.ö]+",
        ColumnDataType "code" = "STRING",
        ColumnLength "code" <= 3,
        ColumnValues "status" in ["open", "closed"],
        ColumnValues "unit.price" between 5 and 50,
        ColumnValues "code" matches "[a-z]+[0-9]",
        Completeness "unit.price" >= 0.75, IsComplete "größe", IsComplete "id",
        Uniqueness "status" = 0, IsUnique "id", IsPrimaryKey "id", UniqueValueRatio "id" = 1,
        DistinctValuesCount "status" = 2, Entropy "status" > 0.69,
        Mean "unit.price" = 70 / 3, Sum "unit.price" = 70, StandardDeviation "id" > 1.1,
        ColumnCorrelation "id" "unit.price" > 0.99
    ]"""
    results = outcomes(dyf, ruleset)
    assert results['ColumnLength "code" <= 3'] == (
        "Failed",
        "75.00 % of rows passed the threshold",
        {
            "Column.code.LengthCompliance": 0.75,  # Glue's metric names
            "Column.code.MaximumLength": 5.0,
            "Column.code.MinimumLength": 3.0,
        },
    )
    assert results['ColumnValues "unit.price" between 5 and 50'][:2] == (
        "Failed",
        "75.00 % of rows passed the threshold",
    )
    assert results['ColumnValues "unit.price" between 5 and 50'][2] == {
        "Column.unit.price.ColumnValues.Compliance": 0.75,  # the null fails
        "Column.unit.price.Maximum": 40.0,
        "Column.unit.price.Minimum": 10.0,
    }
    assert results['ColumnValues "code" matches "[a-z]+[0-9]"'] == (
        "Failed",
        "75.00 % of rows passed the threshold",
        {"Column.code.PatternMatch": 0.75},
    )
    assert results['IsComplete "größe"'] == (
        "Failed",
        "Value: 0.75 does not meet the constraint requirement!",
        {"Column.größe.Completeness": 0.75},
    )
    assert results['IsPrimaryKey "id"'] == (
        "Passed",
        None,
        {"Column.id.Uniqueness": 1.0, "Column.id.Completeness": 1.0},
    )
    assert results['Entropy "status" > 0.69'] == ("Passed", None, {"Column.status.Entropy": pytest.approx(math.log(2))})
    assert results['StandardDeviation "id" > 1.1'][2] == {"Column.id.StandardDeviation": pytest.approx(math.sqrt(1.25))}
    assert results['ColumnCorrelation "id" "unit.price" > 0.99'][2] == {
        "Multicolumn.id,unit.price.ColumnCorrelation": pytest.approx(1.0)
    }
    failed = {rule for rule, (outcome, _, _) in results.items() if outcome == "Failed"}
    assert failed == {
        'ColumnLength "code" <= 3',
        'ColumnValues "unit.price" between 5 and 50',
        'ColumnValues "code" matches "[a-z]+[0-9]"',
        'IsComplete "größe"',
    }
    assert results["RowCount = 4"][2] == {"Dataset.*.RowCount": 4.0}
    assert results['Uniqueness "status" = 0'][2] == {"Column.status.Uniqueness": 0.0}
    assert results['UniqueValueRatio "id" = 1'][2] == {"Column.id.UniqueValueRatio": 1.0}
    assert results['Mean "unit.price" = 70 / 3'][2] == {"Column.unit.price.Mean": pytest.approx(70 / 3)}


def test_a_ruleset_runs_as_many_spark_jobs_as_one_aggregation(ctx):
    dyf = frame(ctx)
    ruleset = """Rules = [
        RowCount > 0, ColumnCount = 5, ColumnExists "id", ColumnDataType "code" = "STRING", ColumnLength "code" <= 5,
        ColumnValues "status" in ["open", "closed"], ColumnValues "unit.price" > 0,
        ColumnValues "code" matches "[a-z0-9]+",
        Completeness "unit.price" > 0.5, IsComplete "id", IsComplete "status", DistinctValuesCount "status" = 2,
        Mean "unit.price" > 1, Sum "id" = 10, StandardDeviation "id" > 1, ColumnCorrelation "id" "unit.price" > 0.5,
        Completeness "größe" > 0.5 where "status = 'open'", RowCount > 1 where "id > 2",
        (IsComplete "id") and (Mean "id" > 1), ColumnValues "id" between 0 and 5 with threshold > 0.9
    ]"""
    outcome, jobs = spark_jobs(ctx.spark_session, lambda: EvaluateDataQuality.apply(frame=dyf, ruleset=ruleset))
    df = dyf.toDF()
    _, by_hand = spark_jobs(ctx.spark_session, lambda: df.agg(F.count("*"), F.count_distinct("status")).first())
    assert jobs == by_hand  # all 20 rules' metrics from one aggregation, as written by hand
    failed = [r.Rule for r in outcome.toDF().filter("Outcome = 'Failed'").collect()]
    assert failed == ['ColumnValues "unit.price" > 0']  # the null price


def test_failing_rules_where_thresholds_composites_and_missing_columns(ctx):
    dyf = frame(ctx)
    ctx.spark_session.range(7).createOrReplaceTempView("primary")  # the user's own view of that name
    results = outcomes(
        dyf,
        """Rules = [
            RowCount between 4 and 10,
            Completeness "unit.price" > 0.9 where "status = 'open'",
            ColumnValues "code" matches "[a-z]+[0-9]" with threshold > 0.7,
            ColumnValues "größe" in ["S", "M", NULL] with threshold >= 0.75,
            (IsComplete "id") and (IsUnique "status"),
            (IsComplete "größe") or (RowCount > 1),
            (IsComplete "größe") and (RowCount > 10),
            IsComplete "missing", ColumnExists "missing",
            ColumnDataType "status" = "INTEGER",
            CustomSql "select count(*) from primary where status = 'open'" = 2,
            CustomSql "with o as (select * from primary where status = 'open') select sum(id) from o;" = 3
        ]""",
    )
    assert ctx.spark_session.table("primary").count() == 7  # evaluated without replacing it
    assert [v.name for v in ctx.spark_session.catalog.listTables() if v.name.startswith("_dq")] == []
    assert results["RowCount between 4 and 10"][:2] == ("Failed", "Value: 4 does not meet the constraint requirement!")
    assert results['Completeness "unit.price" > 0.9 where "status = \'open\'"'] == (
        "Passed",
        None,
        {"Column.unit.price.Completeness": 1.0},
    )
    assert results['ColumnValues "code" matches "[a-z]+[0-9]" with threshold > 0.7'][0] == "Passed"
    assert results['ColumnValues "größe" in ["S", "M", NULL] with threshold >= 0.75'][0] == "Passed"
    assert results['(IsComplete "id") and (IsUnique "status")'] == (
        "Failed",
        "Value: 0 does not meet the constraint requirement!",
        {"Column.id.Completeness": 1.0, "Column.status.Uniqueness": 0.0},
    )
    assert results['(IsComplete "größe") or (RowCount > 1)'][0] == "Passed"
    assert results['(IsComplete "größe") and (RowCount > 10)'][:2] == (  # Glue's reasons, one a line
        "Failed",
        "Value: 0.75 does not meet the constraint requirement!\nValue: 4 does not meet the constraint requirement!",
    )
    missing = 'Column "missing" does not exist (columns: id, unit.price, größe, status, code)'
    assert results['IsComplete "missing"'] == ("Failed", missing, {})
    assert results['ColumnExists "missing"'] == ("Failed", missing, {})
    assert results['ColumnDataType "status" = "INTEGER"'][:2] == (
        "Failed",
        "Value: 0 does not meet the constraint requirement!",
    )
    assert results["CustomSql \"select count(*) from primary where status = 'open'\" = 2"] == (
        "Passed",
        None,
        {"Dataset.*.CustomSQL": 2.0},
    )
    assert (
        results["CustomSql \"with o as (select * from primary where status = 'open') select sum(id) from o;\" = 3"][0]
        == "Passed"
    )
    with pytest.raises(EtlError, match=r"rule 'Frobnicate \"id\"': unknown rule type 'Frobnicate'"):
        outcomes(dyf, 'Rules = [ RowCount > 0, Frobnicate "id" ]')
    with pytest.raises(EtlError, match=r"DetectAnomalies is not available here: its anomaly model is trained"):
        outcomes(dyf, 'Rules = [ DetectAnomalies "RowCount" ]')
    with pytest.raises(
        EtlError, match=r"rule 'Sum \"id\" > 0 where \"nope >\"': where clause 'nope >' is not valid SQL"
    ):
        outcomes(dyf, 'Rules = [ Sum "id" > 0 where "nope >" ]')
    with pytest.raises(EtlError, match=r"rule 'RowCount > \"many\"': expected a number in '>'"):
        outcomes(dyf, 'Rules = [ RowCount > "many" ]')
    with pytest.raises(EtlError, match=r"rule 'ColumnValues \"id\" > avg\(last\(2\)\)': .* cannot be compared with"):
        outcomes(dyf, 'Rules = [ ColumnValues "id" > avg(last(2)) ]')
    with pytest.raises(EtlError, match=r"unknown publishing_options key\(s\) resultsPrefix"):
        outcomes(dyf, "Rules = [ RowCount > 0 ]", publishing_options={"resultsPrefix": "s3://x"})


def test_rules_on_additional_data_sources(ctx):
    dyf, reference = frame(ctx), frame(ctx, rows=[(1, "a"), (2, "b"), (3, "c")], ddl="id long, code string")
    results = {
        r.Rule: (r.Outcome, r.FailureReason, dict(r.EvaluatedMetrics))
        for r in EvaluateDataQuality()
        .process_rows(
            frame=dyf,
            ruleset="""Rules = [ RowCountMatch "reference" >= 1.3, RowCountMatch "reference" = 1.0,
                ReferentialIntegrity "id" "reference.id" = 0.75,
                ReferentialIntegrity "id,code" "reference.{id,code}" = 0,
                SchemaMatch "reference" = 1.0, AggregateMatch "sum(id)" "sum(reference.id)" = 10 / 6,
                AggregateMatch "count(id)" "count(unit.price)" > 1 ]""",
            additional_data_sources={"reference": reference},
        )["ruleOutcomes"]
        .toDF()
        .collect()
    }
    assert results['RowCountMatch "reference" >= 1.3'] == ("Passed", None, {"Dataset.reference.RowCountMatch": 4 / 3})
    assert results['RowCountMatch "reference" = 1.0'][0] == "Failed"
    assert results['ReferentialIntegrity "id" "reference.id" = 0.75'] == (
        "Passed",
        None,
        {"Column.reference.ReferentialIntegrity": 0.75},
    )
    assert results['ReferentialIntegrity "id,code" "reference.{id,code}" = 0'][0] == "Passed"  # no (id, code) pair
    assert results['SchemaMatch "reference" = 1.0'] == (
        "Failed",
        "Columns differ (name, type): [('größe', 'string'), ('status', 'string'), ('unit.price', 'double')]",
        {"Dataset.reference.SchemaMatch": 0.0},
    )
    assert results['AggregateMatch "sum(id)" "sum(reference.id)" = 10 / 6'] == (
        "Passed",
        None,
        {"Column.id.AggregateMatch": 10 / 6},
    )
    assert results['AggregateMatch "count(id)" "count(unit.price)" > 1'] == (
        "Passed",
        None,
        {"Column.id,unit.price.AggregateMatch": 4 / 3},
    )
    with pytest.raises(EtlError, match=r"no data source 'other' in additional_data_sources \(given: none\)"):
        outcomes(dyf, 'Rules = [ RowCountMatch "other" = 1 ]')


def test_dataset_match_joins_on_the_key_mapping_and_compares_the_other_columns(ctx):
    changed = [r if r[0] != 4 else (4, 41.0, None, "closed", "xyz99") for r in ROWS]  # nulls as they were
    sources = {
        "copy": frame(
            ctx, rows=[(1, "open"), (2, "closed"), (3, "closed"), (5, "open")], ddl="order_id long, status string"
        ),
        "same": frame(ctx, rows=changed),
        "dups": frame(ctx, rows=[(1, "open"), (1, "x"), (2, "open")], ddl="id long, status string"),
        "codes": frame(ctx, rows=[("open",), ("closed",)], ddl="status string"),
    }
    rules = [
        'DatasetMatch "copy" "id->order_id" "status" >= 0.5',
        'DatasetMatch "same" "id" > 0.7',
        'DatasetMatch "dups" "id" "status" > 0',
        'DatasetMatch "codes" "status" "status" > 0',
        'DatasetMatch "copy" "id->nope" > 0',
    ]
    checked = EvaluateDataQuality().process_rows(
        frame=frame(ctx), ruleset=f"Rules = [ {', '.join(rules)} ]", additional_data_sources=sources
    )
    results = {
        r.Rule: (r.Outcome, r.FailureReason, dict(r.EvaluatedMetrics)) for r in checked["ruleOutcomes"].toDF().collect()
    }
    # 1 and 3 have the copy's status; 2 has another, 4 is not in the copy
    assert results[rules[0]] == ("Passed", None, {"Dataset.copy.DatasetMatch": 0.5})
    assert results[rules[1]] == ("Passed", None, {"Dataset.same.DatasetMatch": 0.75})  # 4's price differs
    not_key = "Provided key map not suitable for given data frames: the key is null or repeated in "
    assert results[rules[2]] == ("Failed", not_key + "1 of the 3 records of 'dups'", {})
    assert results[rules[3]] == ("Failed", not_key + "2 records of the frame", {"Dataset.codes.DatasetMatch": 1.0})
    assert results[rules[4]] == ("Failed", "Column 'copy.nope' does not exist", {})
    rows = sorted(checked["rowLevelOutcomes"].toDF().collect(), key=lambda r: r.id)
    assert [(r.id, rules[0] in r.DataQualityRulesPass, rules[0] in r.DataQualityRulesFail) for r in rows] == [
        (1, True, False),
        (2, False, True),
        (3, True, False),
        (4, False, True),
    ]


def test_empty_frame(ctx):
    empty = frame(ctx, rows=[])
    # Glue Studio's default ruleset shape: a comment with rules in it, then the rules
    results = outcomes(
        empty,
        """
        # Example rules: Completeness "colA" between 0.4 and 0.8, ColumnCount > 10
        Rules = [
            RowCount = 0, ColumnCount > 0, IsComplete "id", ColumnValues "id" > 0
        ]""",
    )
    assert results["RowCount = 0"] == ("Passed", None, {"Dataset.*.RowCount": 0.0})
    assert results["ColumnCount > 0"] == ("Passed", None, {"Dataset.*.ColumnCount": 5.0})
    assert results['IsComplete "id"'] == (
        "Failed",
        "Column.id.Completeness could not be computed: no rows to evaluate",
        {},
    )
    assert results['ColumnValues "id" > 0'][:2] == (
        "Failed",
        "Column.id.ColumnValues.Compliance could not be computed: no rows to evaluate",
    )


def test_row_level_outcomes_list_the_rules_each_record_passed_failed_or_skipped(ctx):
    dyf = frame(ctx)
    rules = [
        'IsComplete "unit.price"',
        'ColumnLength "code" <= 3 where "status = \'open\'"',
        "RowCount > 3",
        'Mean "id" > 10',
    ]
    results = EvaluateDataQuality().process_rows(
        frame=dyf,
        ruleset=f"Rules = [ {', '.join(rules)} ]",
        publishing_options={"dataQualityEvaluationContext": "orders_dq", "enableDataQualityResultsPublishing": True},
        additional_options={"performanceTuning.caching": "CACHE_NOTHING", "observations.scope": "ALL"},
    )
    assert sorted(results.keys()) == ["originalData", "rowLevelOutcomes", "ruleOutcomes"]
    assert results.select("originalData") is dyf
    rows = sorted(results.select("rowLevelOutcomes").toDF().collect(), key=lambda r: r.id)
    assert [
        (r.id, r.DataQualityRulesPass, r.DataQualityRulesFail, r.DataQualityRulesSkip, r.DataQualityEvaluationResult)
        for r in rows
    ] == [
        (1, [rules[0], rules[1], rules[2]], [rules[3]], [], "Failed"),
        (2, [rules[0], rules[1], rules[2]], [rules[3]], [], "Failed"),
        (3, [rules[2]], [rules[0], rules[3]], [rules[1]], "Failed"),
        (4, [rules[0], rules[2]], [rules[3]], [rules[1]], "Failed"),
    ]
    assert rows[0]["unit.price"] == 10.0 and rows[0]["größe"] == "S"  # the records as they were
    assert [f.name for f in results.select("rowLevelOutcomes").schema().fields][-2:] == [
        "DataQualityRulesSkip",
        "DataQualityEvaluationResult",
    ]


def test_glue_documented_data_freshness_null_behaviour_and_row_composites(ctx):
    # Glue's DataFreshness page: a null date fails the rule ("80.00 % of rows passed the threshold");
    # the composite with ColumnValues = NULL allows nulls when composites are judged row by row.
    spark = ctx.spark_session
    df = spark.sql(
        "select id, if(id = 5, null, current_timestamp() - make_interval(0, 0, 0, 0, id, 0, 0)) as Order_Date "
        "from range(1, 6)"
    )
    dyf = DynamicFrame.fromDF(df, ctx, "orders")
    ruleset = """Rules = [
        DataFreshness "Order_Date" <= 24 hours,
        DataFreshness "Order_Date" between 2 days and 5 days,
        (DataFreshness "Order_Date" <= 24 hours) OR (ColumnValues "Order_Date" = NULL)
    ]"""
    by_column = outcomes(dyf, ruleset)
    assert by_column['DataFreshness "Order_Date" <= 24 hours'][:2] == ("Failed", "80.00 % of rows passed the threshold")
    assert by_column['DataFreshness "Order_Date" between 2 days and 5 days'][0] == "Failed"
    composite = '(DataFreshness "Order_Date" <= 24 hours) OR (ColumnValues "Order_Date" = NULL)'
    assert by_column[composite][0] == "Failed"  # COLUMN: each part on the whole column, then or
    by_row = outcomes(dyf, ruleset, additional_options={"compositeRuleEvaluation.method": "ROW"})
    assert by_row[composite][0] == "Passed"


def test_dynamic_rules_compare_with_the_stored_runs_of_the_context(spark_session, tmp_path):
    ctx = EtlContext(spark_session, load_profile("local", sets=[f"state_dir={tmp_path}"]))
    ruleset = "Rules = [ RowCount >= avg(last(3)) * 0.9, RowCount > max(last(2)) ]"
    seen = []
    for n in (10, 12, 14, 8):
        dyf = DynamicFrame.fromDF(spark_session.range(n), ctx, "numbers")
        seen.append(outcomes(dyf, ruleset, publishing_options={"dataQualityEvaluationContext": "numbers_dq"}))
    first = seen[0]["RowCount >= avg(last(3)) * 0.9"]
    assert first[:2] == (
        "Failed",
        "Value: 10: no earlier values of Dataset.*.RowCount stored for this job and context to compare with",
    )
    assert [s["RowCount > max(last(2))"][0] for s in seen[1:]] == ["Passed", "Passed", "Failed"]
    # the 4th run: 8 < 0.9 * avg(10, 12, 14) = 10.8
    assert seen[3]["RowCount >= avg(last(3)) * 0.9"][:2] == (
        "Failed",
        "Value: 8 does not meet the constraint requirement!",
    )
    stored = (tmp_path / "data_quality" / "_no_job" / "numbers_dq.jsonl").read_text().splitlines()
    assert len(stored) == 8
    with pytest.raises(EtlError, match=r"data quality numbers_dq: 2 of 2 rules failed: RowCount >= avg"):
        EvaluateDataQuality().process_rows(
            frame=DynamicFrame.fromDF(spark_session.range(1), ctx, "numbers"),
            ruleset=ruleset,
            publishing_options={"dataQualityEvaluationContext": "numbers_dq"},
            additional_options={"stopJobOnFailure": True},
        )


JOB = """
from etl_framework import DynamicFrame
from etl_framework.transforms import EvaluateDataQuality


def main(ctx, args):
    numbers = DynamicFrame.fromDF(ctx.spark_session.range(3), ctx, "numbers")
    EvaluateDataQuality.apply(frame=numbers, ruleset="Rules = [ RowCount = 3, ColumnCount = 1, RowCount > 5 ]")
"""


def test_run_summary_counts_rules_and_etl_dq_runs_and_lists_evaluations(spark_session, tmp_path, monkeypatch, capsys):
    from etl_framework.cli import main
    from etl_framework.runtime.history import RunHistory
    from etl_framework.runtime.launcher import run_job

    from .conftest import ROOT

    monkeypatch.setenv("ETL_CONF_DIR", str(ROOT / "conf"))
    state = tmp_path / "state"
    sets = ["--set", f"state_dir={state}", "--set", f"warehouse_dir={tmp_path}/wh"]
    (tmp_path / "counted.py").write_text(JOB)
    profile = load_profile("local", sets=[f"state_dir={state}", f"warehouse_dir={tmp_path}/wh"])
    record = run_job(str(tmp_path / "counted.py"), [], profile)
    assert record.status == "SUCCEEDED", record.error
    summary = [line for line in capsys.readouterr().out.splitlines() if line.startswith("etl run summary:")]
    assert summary[0].endswith("read=0 written=0 errors=0 dq_rules_passed=2 dq_rules_failed=1")
    stored = RunHistory(str(state)).get(record.run_id).metrics
    assert (stored["dq_rules_passed"], stored["dq_rules_failed"]) == (2, 1)

    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "part-0.json").write_text('{"id": 1, "status": "open"}\n{"id": 2, "status": null}\n')
    (tmp_path / "copy.json").write_text('{"id": 1, "status": "open"}\n{"id": 2, "status": "closed"}\n')
    (tmp_path / "orders_rules.dqdl").write_text('Rules = [ RowCount = 2, DatasetMatch "copy" "id" = 0.5 ]')
    (tmp_path / "strict.dqdl").write_text('Rules = [ IsComplete "status" ]')
    on_files = ["--path", str(tmp_path / "orders"), "--format", "json", *sets]
    ruleset = ["dq", "run", "--ruleset", str(tmp_path / "orders_rules.dqdl")]
    assert main([*ruleset, *on_files, "--reference", f"copy={tmp_path / 'copy.json'}"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].split() == ["Passed", "RowCount", "=", "2", "Dataset.*.RowCount=2"]
    assert printed[2].split()[0] == "Passed" and printed[2].endswith("Dataset.copy.DatasetMatch=0.5")
    assert printed[-1] == "data quality orders_rules: 2 of 2 rules passed"  # the ruleset's name is the context
    assert main(["dq", "run", "--ruleset", str(tmp_path / "strict.dqdl"), "--context", "nightly", *on_files]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[1].split()[:3] == ["Failed", "IsComplete", '"status"']
    assert out.splitlines()[1].endswith("Value: 0.5 does not meet the constraint requirement!")
    assert err.splitlines()[-1] == "etl dq run: 1 of 1 rules failed"
    assert main([*ruleset, "--path", str(tmp_path / "orders"), *sets]) == 2
    assert f"etl dq run: --path {tmp_path / 'orders'} is a path: give its --format" in capsys.readouterr().err

    assert main(["dq", "results", *sets]) == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(row[1], row[3], row[4]) for row in listed] == [
        ("counted", "default_context", "Passed"),
        ("counted", "default_context", "Passed"),
        ("counted", "default_context", "Failed"),
        ("_no_job", "orders_rules", "Passed"),
        ("_no_job", "orders_rules", "Passed"),
        ("_no_job", "nightly", "Failed"),
    ]
    assert listed[0][2] == record.run_id and listed[3][2] == "-"
    assert main(["dq", "results", "--last", "1", *sets]) == 0
    assert [line.split()[3] for line in capsys.readouterr().out.splitlines()[1:]] == ["nightly"]
    assert main(["dq", "results", "counted", "--context", "nope", *sets]) == 0
    assert capsys.readouterr().out.strip() == "no data quality results stored for job counted"
