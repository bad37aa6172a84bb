"""Which raw interfaces may lose old months: only those every reading model rebuilds incrementally (from the dbt
manifest, through views and ephemeral models)."""
from pipeline.raw_retention import whole_readers


def _model(name, materialized):
    return {"resource_type": "model", "name": name, "config": {"materialized": materialized}}


MANIFEST = {
    "sources": {
        "source.p.raw_a.a": {"schema": "raw", "name": "a", "identifier": "a"},
        "source.p.raw_b.b": {"schema": "raw", "name": "b", "identifier": "b"},
        "source.p.raw_c.c": {"schema": "raw", "name": "c", "identifier": "c"},
        "source.p.audit.x": {"schema": "audit", "name": "x", "identifier": "x"},
    },
    "nodes": {
        "model.p.stg_a": _model("stg_a", "view"),
        "model.p.int_a": _model("int_a", "ephemeral"),
        "model.p.fct_a": _model("fct_a", "incremental"),
        "model.p.rpt_a": _model("rpt_a", "table"),          # reads the incremental fact: not raw
        "model.p.stg_b": _model("stg_b", "view"),
        "model.p.int_b": _model("int_b", "table"),          # reads raw b whole through a view
        "model.p.stg_c": _model("stg_c", "view"),
        "snapshot.p.snap_c": {"resource_type": "snapshot", "name": "snap_c", "config": {}},
        "test.p.not_null_stg_a": {"resource_type": "test", "name": "not_null_stg_a", "config": {}},
    },
    "child_map": {
        "source.p.raw_a.a": ["model.p.stg_a"],
        "model.p.stg_a": ["model.p.int_a", "test.p.not_null_stg_a"],
        "model.p.int_a": ["model.p.fct_a"],
        "model.p.fct_a": ["model.p.rpt_a"],
        "source.p.raw_b.b": ["model.p.stg_b"],
        "model.p.stg_b": ["model.p.int_b", "model.p.int_a"],
        "source.p.raw_c.c": ["model.p.stg_c"],
        "model.p.stg_c": ["snapshot.p.snap_c"],
        "source.p.audit.x": ["model.p.int_b"],
    },
}


def test_only_interfaces_read_incrementally_may_be_archived():
    readers = whole_readers(MANIFEST)
    assert readers == {"a": [], "b": ["int_b"], "c": ["snap_c"]}


def test_a_model_reading_only_the_newest_months_holds_no_older_month():
    """A model rebuilt whole that reads a view only within the newest N months (declared: meta reads_newest_months)
    does not hold the interface whole when the rule keeps at least N months; read through another view, or with
    fewer months kept, or without the declaration, it does."""
    nodes = dict(MANIFEST["nodes"])
    nodes["model.p.stg_d"] = _model("stg_d", "view")
    nodes["model.p.stg_e"] = _model("stg_e", "view")
    nodes["model.p.topic_d"] = _model("topic_d", "table") | {"meta": {"reads_newest_months": {"stg_d": 12}}}
    manifest = {
        "sources": MANIFEST["sources"] | {"source.p.raw_d.d": {"schema": "raw", "name": "d", "identifier": "d"},
                                          "source.p.raw_e.e": {"schema": "raw", "name": "e", "identifier": "e"}},
        "nodes": nodes,
        "child_map": MANIFEST["child_map"] | {"source.p.raw_d.d": ["model.p.stg_d"], "model.p.stg_d": ["model.p.topic_d"],
                                              "source.p.raw_e.e": ["model.p.stg_e"], "model.p.stg_e": ["model.p.topic_d"]},
    }
    assert whole_readers(manifest, 13)["d"] == [] and whole_readers(manifest, 12)["d"] == []
    assert whole_readers(manifest, 11)["d"] == ["topic_d"]
    assert whole_readers(manifest)["d"] == ["topic_d"]           # no number of months kept given: declarations ignored
    assert whole_readers(manifest, 13)["e"] == ["topic_d"]       # the view it reads whole
    assert whole_readers(manifest, 13)["b"] == ["int_b"]


def test_an_incremental_model_that_recomputes_every_row_at_a_monthly_build_holds_the_interface():
    """The topic libraries' daily merge (macros/topic_incremental.sql) is incremental, but a monthly build recomputes
    every row from staging: found by an archive and a rebuild at scale 0.001 (bench/results/scale.md §5b)."""
    nodes = dict(MANIFEST["nodes"])
    nodes["model.p.fct_a"] = _model("fct_a", "incremental") | {
        "depends_on": {"macros": ["macro.p.daily_incremental_since", "macro.p.in_months_to_build"]}}
    readers = whole_readers(MANIFEST | {"nodes": nodes}, 13)
    assert readers["a"] == ["fct_a"] and readers["b"] == ["fct_a", "int_b"]
