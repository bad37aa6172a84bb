"""pipeline.model_drift: which incremental models' tables differ from the code's columns, and the fix it names."""
from pipeline import model_drift


def node(name, materialized="incremental", on_schema_change="fail", columns=("a", "b"), schema="intermediate"):
    return {"resource_type": "model", "name": name, "schema": schema, "alias": name,
            "config": {"materialized": materialized, "on_schema_change": on_schema_change},
            "columns": {c: {"name": c} for c in columns}}


def test_only_incremental_models_that_fail_on_a_schema_change_are_checked():
    manifest = {"nodes": {f"model.p.{n['name']}": n for n in (
        node("inc"), node("tab", materialized="table"), node("appends", on_schema_change="append_new_columns"),
        {**node("seed"), "resource_type": "seed"})}}
    assert set(model_drift.incremental_models(manifest)) == {"inc"}
    assert model_drift.incremental_models(manifest, {"tab", "other"}) == {}


def test_compare_names_missing_and_undeclared_columns():
    assert model_drift.compare("m", "s.m", {"a", "B"}, {"A", "b"}) is None       # case does not matter
    assert model_drift.compare("m", "s.m", {"a"}, set()) is None                  # no table yet: nothing to compare
    assert model_drift.compare("m", "s.m", set(), {"a"}) is None                  # nothing declared
    d = model_drift.compare("m", "s.m", {"a", "new"}, {"a", "old"})
    assert (d.missing, d.extra) == (("new",), ("old",))


def test_message_names_each_model_its_columns_and_the_command():
    drifts = [model_drift.Drift("m1", "intermediate.m1", ("source_batch_id",), ()),
              model_drift.Drift("m2", "marts.m2", (), ("gone",))]
    text = model_drift.message(drifts, "202501")
    assert "m1 (intermediate.m1): 表中缺少 source_batch_id" in text
    assert "m2 (marts.m2): 代码已不再声明 gone" in text
    assert "make build MONTH=202501 REBUILD=m1,m2" in text
    assert "make build REBUILD=m1" in model_drift.message(drifts[:1])
