"""Transforms over one or two frames, as methods and as Glue's transform classes."""

import inspect
import json

import pytest

from etl_framework import DynamicFrameCollection, ErrorThresholdExceeded, EtlContext, EtlError, transforms
from etl_framework.dynamicframe import Step
from etl_framework.transforms import (
    ALL_TRANSFORMS,
    ApplyMapping,
    DropNullFields,
    FindMatches,
    FlatMap,
    GlueTransform,
    Join,
    MapToCollection,
    ResolveChoice,
    SelectFields,
    SelectFromCollection,
    SplitFields,
    SplitRows,
)
from etl_framework.types import ChoiceType, DoubleType, LongType, StringType, StructType

PERSONS = [
    {"id": "p1", "name": {"given": "Ana", "family": "Lima"}, "birth": 1970, "gender": "female"},
    {"id": "p2", "name": {"given": "Bo", "family": "Berg"}, "birth": 1985, "gender": None},
    {"id": "p3", "name": {"given": "Cy", "family": "Roy"}, "birth": 1990, "gender": None},
]
MEMBERSHIPS = [
    {"person_id": "p1", "organization_id": "o1", "role": "member"},
    {"person_id": "p2", "organization_id": "o1", "role": "chair"},
    {"person_id": "p2", "organization_id": "o2", "role": "member"},
]
ORGS = [{"org_id": "o1", "org_name": "Senate"}, {"org_id": "o2", "org_name": "House"}]


@pytest.fixture
def ctx(spark_session):
    return EtlContext(spark_session)


@pytest.fixture
def read(ctx, tmp_path):
    def read(name, records, *raw_lines):
        path = tmp_path / name / "data.json"
        path.parent.mkdir()
        path.write_text("\n".join([json.dumps(r) for r in records] + list(raw_lines)) + "\n")
        return ctx.create_dynamic_frame.from_options("file", {"paths": [str(path)]}, "json", transformation_ctx=name)

    return read


def collect(frame, key):
    return sorted((r.asDict(recursive=True) for r in frame.toDF().collect()), key=lambda r: str(r[key]))


def test_legislators_style_join_with_transform_classes(read):
    persons, memberships, orgs = read("persons", PERSONS), read("memberships", MEMBERSHIPS), read("orgs", ORGS)
    joined = Join.apply(orgs, Join.apply(persons, memberships, "id", "person_id"), "org_id", "organization_id")
    history = joined.drop_fields(["person_id", "org_id"])
    rows = collect(history, "role")
    assert [(r["name"]["given"], r["org_name"], r["role"]) for r in rows] == [
        ("Bo", "Senate", "chair"),
        ("Ana", "Senate", "member"),
        ("Bo", "House", "member"),
    ]
    assert "person_id" not in history.schema().names()
    assert history.errorsCount() == 0


def test_join_on_nested_key_and_fields_both_frames_have(read):
    persons = read("persons", PERSONS)
    names = read("names", [{"family_name": "Lima", "origin": "PT"}])
    joined = persons.join("name.family", "family_name", names)
    assert [(r["id"], r["origin"]) for r in collect(joined, "id")] == [("p1", "PT")]
    # A field of both frames is kept once (Glue's legislators walkthrough: persons and organizations
    # both have links and image); frame2's value where it has one, its types merged into a choice.
    extra = read("extra", [{"pid": "p1", "gender": "f", "birth": "1970"}, {"pid": "p2", "birth": 1985}])
    both = persons.join("id", "pid", extra)
    assert both.schema().names() == ["birth", "gender", "id", "name", "pid"]
    assert both.schema().field("birth").dataType == ChoiceType([LongType(), StringType()])
    rows = collect(both.resolveChoice(specs=[("birth", "cast:string")]), "id")
    assert [(r["id"], r["pid"], r["gender"], r["birth"]) for r in rows] == [
        ("p1", "p1", "f", "1970"),
        ("p2", "p2", None, "1985"),
    ]
    assert persons.join("id", "id", persons).schema().names() == ["birth", "gender", "id", "name"]


def test_split_fields_and_rows(read):
    persons = read("persons", PERSONS)
    parts = persons.split_fields(["id", "name.given"], "keys", "rest")
    assert isinstance(parts, DynamicFrameCollection) and sorted(parts.keys()) == ["keys", "rest"]
    assert parts["keys"].schema().names() == ["id", "name"]
    assert parts["keys"].schema().field("name").dataType.names() == ["given"]
    assert "id" not in parts.select("rest").schema().names()
    rows = persons.split_rows({"birth": {">": 1975, "<=": 1990}}, "young", "old")
    assert sorted(r["id"] for r in collect(rows["young"], "id")) == ["p2", "p3"]
    assert [r["id"] for r in collect(rows["old"], "id")] == ["p1"]
    by_class = SplitRows.apply(frame=persons, comparison_dict={"gender": {"=": "female"}})
    assert [r["id"] for r in collect(by_class["frame1"], "id")] == ["p1"]
    assert len(collect(by_class["frame2"], "id")) == 2  # null never matches: it goes to the second frame
    assert sorted(SplitFields.apply(frame=persons, paths=["id"], name1="a", name2="b").keys()) == ["a", "b"]
    with pytest.raises(EtlError, match="unknown operator '~'"):
        persons.split_rows({"birth": {"~": 1}}, "a", "b")


def test_union_merges_schemas_into_choices(read):
    a = read("a", [{"id": 1, "price": 9.5, "tags": ["x"]}])
    b = read("b", [{"id": 2, "price": "n/a", "extra": True}])
    both = a.union(b)
    schema = both.schema()
    assert schema.field("price").dataType == ChoiceType([DoubleType(), StringType()])
    assert schema.field("extra") is not None and schema.field("tags") is not None
    resolved = both.resolveChoice(specs=[("price", "make_cols")])
    assert [(r["id"], r["price_double"], r["price_string"], r["extra"]) for r in collect(resolved, "id")] == [
        (1, 9.5, None, None),
        (2, None, "n/a", True),
    ]


def test_merge_dynamic_frame_replaces_by_key_and_keeps_the_rest(read):
    source = read("source", [{"id": 1, "v": "old"}, {"id": 2, "v": "keep"}, {"v": "no key"}])
    stage = read("stage", [{"id": 1, "v": "new"}, {"id": 3, "v": "added", "note": "fresh"}])
    merged = source.mergeDynamicFrame(stage, ["id"])
    got = sorted((r["id"] or 0, r["v"], r["note"]) for r in collect(merged, "v"))
    assert got == [(0, "no key", None), (1, "new", None), (2, "keep", None), (3, "added", "fresh")]
    with pytest.raises(EtlError, match="primary key 'nope' must be a field of both frames"):
        source.mergeDynamicFrame(stage, ["nope"])


def test_spigot_writes_a_sample_and_returns_the_frame(read, tmp_path, spark_session):
    persons = read("persons", PERSONS)
    assert persons.spigot(str(tmp_path / "top"), {"topk": 2}) is persons
    assert spark_session.read.json(str(tmp_path / "top")).count() == 2
    persons.spigot(str(tmp_path / "all"), {"prob": 1.0})
    assert spark_session.read.json(str(tmp_path / "all")).count() == 3
    with pytest.raises(EtlError, match="'prob' must be between 0 and 1"):
        persons.spigot(str(tmp_path / "x"), {"prob": 2})


def test_drop_null_fields_removes_fields_null_everywhere(read):
    frame = read(
        "n",
        [
            {"id": 1, "gone": None, "meta": {"a": None, "b": 1}, "empty": {"x": None}},
            {"id": 2, "gone": None, "meta": {"a": None, "b": None}},
        ],
    )
    dropped = DropNullFields.apply(frame=frame)
    assert dropped.schema().names() == ["id", "meta"]
    assert dropped.schema().field("meta").dataType.names() == ["b"]
    assert sorted(r["id"] for r in collect(dropped, "id")) == [1, 2]


def test_unbox_json_and_csv_strings(read):
    frame = read(
        "u",
        [
            {"id": 1, "payload": '{"sku": "A1", "qty": 2}', "row": "7|x|1.5"},
            {"id": 2, "payload": '{"sku": "B2", "qty": "3"}', "row": "8|y|2"},
            {"id": 3, "payload": "{not json", "row": "9|z|AB"},
        ],
    )
    unboxed = frame.unbox("payload", "json")
    t = unboxed.schema().field("payload").dataType
    assert isinstance(t, StructType) and t.field("qty").dataType == ChoiceType([LongType(), StringType()])
    assert unboxed.count() == 2 and unboxed.stageErrorsCount() == 1
    assert unboxed.errorsAsDynamicFrame().toDF().first().error.msg == "unbox: payload does not hold valid JSON"
    csv = frame.unbox("row", "csv", separator="|")
    row_type = csv.schema().field("row").dataType
    assert row_type.names() == ["col0", "col1", "col2"]
    assert row_type.field("col0").dataType == LongType()
    assert row_type.field("col2").dataType == ChoiceType([DoubleType(), LongType(), StringType()])
    assert [r["row"]["col0"] for r in collect(csv.resolveChoice(choice="cast:string"), "id")] == [7, 8, 9]


def test_collection_transforms(read):
    persons = read("persons", PERSONS)
    coll = persons.split_fields(["id"], "ids", "rest")
    assert SelectFromCollection.apply(dfc=coll, key="ids").schema().names() == ["id"]
    mapped = MapToCollection.apply(dfc=coll, callable=lambda frame, ctx: frame.select_fields(["id"]))
    assert mapped["ids"].schema().names() == ["id"] and mapped["rest"].schema().names() == []
    flat = FlatMap.apply(dfc=coll, BaseTransform=SelectFields, frame_name="frame", paths=["id"])
    assert sorted(flat.keys()) == ["ids", "rest"]
    assert len(coll) == 2 and sorted(coll.values(), key=lambda f: f.name)[0] is not None
    with pytest.raises(KeyError, match="no frame 'nope'"):
        coll["nope"]


def test_transform_classes_match_methods_and_aws_only_ones_refuse(read):
    frame = read("p", [{"id": "7", "v": 1}, {"id": 8, "v": 2}])
    resolved = ResolveChoice.apply(frame=frame, specs=[("id", "cast:long")])
    mapped = ApplyMapping.apply(frame=resolved, mappings=[("id", "long", "key", "long")])
    assert [r["key"] for r in collect(mapped, "key")] == [7, 8]
    with pytest.raises(EtlError, match="FindMatches runs on AWS Glue's machine-learning transforms"):
        FindMatches.apply(frame=frame)


def test_registry_holds_every_transform_class_and_describes_it_by_its_doc():
    exported = {getattr(transforms, name) for name in transforms.__all__}
    classes = {c for c in exported if isinstance(c, type) and issubclass(c, GlueTransform) and c is not GlueTransform}
    assert len(classes) == len(transforms.__all__) - 1
    assert {c for c in ALL_TRANSFORMS if c.__module__ == transforms.__name__} == classes
    for c in classes:
        assert c.name() == c.__name__
        own_doc = c.__dict__.get("__doc__")  # each class documents itself, none inherits a doc
        assert own_doc and c.describe() == inspect.cleandoc(own_doc), c.__name__
    assert Join.describe() == "Equijoin ``frame1`` and ``frame2`` on ``keys1`` = ``keys2`` (see DynamicFrame.join)."


def test_custom_transform_through_derive_keeps_lineage_and_thresholds(read):
    class Doubled(GlueTransform):
        """v times two."""

        def __call__(self, frame, transformation_ctx="", info="", stageThreshold=0, totalThreshold=0):
            step = Step("Doubled", transformation_ctx, info, stageThreshold, totalThreshold)
            return frame.derive(frame.toDF().selectExpr("id", "v * 2 AS v"), frame.schema(), step)

    try:
        frame = read("p", [{"id": 1, "v": 1}, {"id": 2, "v": 5}], "{broken", "[1,")
        doubled = Doubled.apply(frame=frame, transformation_ctx="double")
        assert Doubled in ALL_TRANSFORMS and Doubled.describe() == "v times two."
        assert [(r["id"], r["v"]) for r in collect(doubled, "id")] == [(1, 2), (2, 10)]
        assert doubled.name == "double" and doubled.errorsCount() == 2 and doubled.stageErrorsCount() == 0
        errors = doubled.errorsAsDynamicFrame().toDF().collect()
        assert sorted(e.error.input for e in errors) == ["[1,", "{broken"]
        strict = Doubled.apply(frame=frame, transformation_ctx="strict", totalThreshold=1)
        with pytest.raises(
            ErrorThresholdExceeded,
            match="Doubled \\(transformation_ctx 'strict'\\): 2 error records up to this step exceed totalThreshold 1",
        ):
            strict.count()
    finally:
        ALL_TRANSFORMS.discard(Doubled)
