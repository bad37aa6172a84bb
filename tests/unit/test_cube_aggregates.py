"""Aggregate awareness without a database: the planner's choice, the SQL it builds, the model's checks."""
from __future__ import annotations

import pytest
import yaml

from cube.model import CUBES_DIR, ModelError, load_cube, load_cubes
from cube.query import QueryError, build_request

AGG = "agg_pension_month"
HAVE = {AGG}


@pytest.fixture(scope="module")
def cube():
    return load_cubes()["pension"]


def plan(cube, **kw):
    cells, summary = build_request(cube, "marts", available=HAVE, **kw)
    return cells.path, summary.path


def test_pension_declares_its_aggregate(cube):
    (a,) = cube.aggregates
    assert a.table == AGG and a.row_count == "fact_rows"
    assert set(a.dimensions) == set(cube.dimensions) and a.dimensions["time"] == ("year", "quarter", "month")
    assert set(a.measures) == set(cube.measures)
    assert a.measures["contributors"].exact_within == "month" and a.measures["contributors"].filter_in_column


@pytest.mark.parametrize("kw, cells, summary", [
    ({"measures": "pension_paid,insured_total,dependency_ratio"}, "agg", "agg"),
    ({"drilldown": "district|month", "measures": "pension_paid,insured_total"}, "agg", "agg"),
    ({"cut": "month:202401-202406", "drilldown": "district", "measures": "insured_active,average_pension"}, "agg", "agg"),
    ({"cut": "year:2024", "drilldown": "time@quarter", "measures": "insured_total"}, "agg", "agg"),
    # contributors: exact from the aggregate only when each cell lies within one month
    ({"cut": "month:202406", "drilldown": "district", "measures": "contributors"}, "agg", "agg"),
    ({"cut": "month:202406-202406", "measures": "contributors"}, "agg", "agg"),
    ({"drilldown": "month", "measures": "contributors"}, "agg", "fact"),
    ({"cut": "year:2024", "drilldown": "time", "measures": "contributors"}, "fact", "fact"),      # quarters
    ({"cut": "quarter:2024Q1", "drilldown": "time", "measures": "contributors"}, "agg", "fact"),  # months
    ({"cut": "month:202401-202406", "drilldown": "district", "measures": "contributors"}, "fact", "fact"),
    ({"cut": "month:202401;202402", "measures": "contributors"}, "fact", "fact"),
    ({"cut": "!month:202401", "measures": "contributors"}, "fact", "fact"),
    ({"drilldown": "time@year", "measures": "average_contribution_base"}, "fact", "fact"),
    ({"drilldown": "district", "measures": "contributors.share"}, "fact", "fact"),
    # industry section > division: the aggregate keeps the division key, the dimension table gives the section
    ({"cut": "industry_section:C", "drilldown": "industry", "measures": "pension_paid,insured_total"}, "agg", "agg"),
    ({"cut": "month:202406|industry_section:C", "drilldown": "industry", "measures": "contributors"}, "agg", "agg"),
    ({"drilldown": "industry@industry_division", "measures": "contributors"}, "fact", "fact"),
])
def test_planner(cube, kw, cells, summary):
    name = {"agg": f"aggregate:{AGG}", "fact": "fact"}
    assert plan(cube, **kw) == (name[cells], name[summary])


def test_no_aggregate_in_the_schema_means_the_fact(cube):
    cells, summary = build_request(cube, "official", drilldown="district", measures="pension_paid")
    assert cells.path == summary.path == "fact"
    assert "not in schema official" in cells.plan()[1]


def test_forcing(cube):
    cells, _ = build_request(cube, "marts", drilldown="district", measures="pension_paid", available=HAVE, use="fact")
    assert cells.path == "fact"
    cells, _ = build_request(cube, "marts", drilldown="district", measures="pension_paid", use="aggregate")
    assert cells.path == f"aggregate:{AGG}"          # forced: the table is assumed to exist
    # without the distinct structures in the schema a multi-month distinct count goes back to the fact (with
    # them it is exact and forcing works: tests/unit/test_cube_distinct.py)
    cells, _ = build_request(cube, "marts", cut="month:202401-202403", measures="contributors", available=HAVE)
    assert "distinct count" in cells.plan()[1] and cells.path == "fact"


def test_aggregate_sql(cube):
    cells, _ = build_request(cube, "marts", available=HAVE, cut="month:202401-202406|person_type:active",
                             drilldown="district", measures="insured_active,pension_paid,contributors")
    assert cells.path == "fact"         # contributors over six months
    cells, _ = build_request(cube, "marts", available=HAVE, cut="month:202406|person_type:active",
                             drilldown="district", measures="insured_active,pension_paid,contributors")
    text = cells.build()[0].as_string(None)
    assert f'"marts"."{AGG}" as f' in text and "fct_pension_person_month" not in text
    assert 'sum("f"."fact_rows") filter (where "f"."person_type" = ' in text       # count → sum of row counts
    assert 'sum("f"."contributors") as "m_contributors"' in text                  # filter already in the column
    assert "count(distinct" not in text and "left join d" not in text
    assert "filter (where __t = __last)" in text                                   # stocks: still the last month


def test_industry_drills_from_section_to_its_divisions(cube):
    """A cut on a section drills to that section's divisions, from the aggregate (it keeps both keys)."""
    dim = cube.dimensions["industry"]
    assert [lv.name for lv in dim.levels] == ["industry_section", "industry_division"]
    assert [lv.label for lv in dim.levels] == ["行业门类", "行业大类"]
    cells, summary = build_request(cube, "marts", available=HAVE, cut="industry_section:C", drilldown="industry",
                                   measures="pension_paid,insured_total")
    assert [(d.dimension, d.level) for d in cells.drilldowns] == [("industry", "industry_division")]
    assert [a.ref for a in cells.attributes()] == ["industry.industry_section", "industry.industry_division"]
    text, params = cells.build()
    text = text.as_string(None)
    assert f'"marts"."{AGG}" as f' in text
    assert '"f"."industry_section_code" = %(p' in text and "C" in params.values()
    assert 'group by 1, 2, 3, 4' in text          # section and division keys with their order columns
    with pytest.raises(QueryError, match="malformed value"):
        build_request(cube, "marts", cut="industry_division:399", measures="pension_paid")
    with pytest.raises(QueryError, match="malformed value"):
        build_request(cube, "marts", cut="industry_section:Z", measures="pension_paid")


def test_industry_labels_are_the_code_tables():
    """The industry levels' labels are the GB/T 4754-2017 code tables (seeds) plus dim_industry's unknown
    members: per section '<section>99' 未知大类（<section name>）, and '99' 未知."""
    import csv

    from foundation import settings

    def rows(name):
        with (settings.SEEDS / "codes" / f"code_{name}.csv").open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    sections = {r["code"]: r["name"] for r in rows("industry_section")}
    divisions = {r["code"]: r["name"] for r in rows("industry_division")}
    divisions |= {f"{c}99": f"未知大类（{n}）" for c, n in sections.items()} | {"99": "未知"}
    sections |= {"99": "未知"}
    section_level, division_level = load_cubes()["pension"].dimensions["industry"].levels
    assert section_level.members == sections
    assert division_level.members == divisions
    assert all(division_level.matches(k) for k in divisions) and all(section_level.matches(k) for k in sections)
    dim_sql = (settings.ROOT / "warehouse/models/marts/dw/conformed/dim_industry.sql").read_text(encoding="utf-8")
    assert "'未知大类（' || s.name || '）'" in dim_sql and "'99', '未知', '99', '未知'" in dim_sql


def test_facts_always_read_the_fact(cube):
    from cube.query import build_facts

    stmt, _, _ = build_facts(cube, "marts", cut="month:202406")
    assert '"marts"."fct_pension_person_month"' in stmt.as_string(None)


def _write(tmp_path, raw):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("change, message", [
    (lambda a: a["measures"].update(contributors="contributors"), "count-distinct measure is not additive"),
    (lambda a: a["measures"].update(nothing="x"), "not a stored measure"),
    (lambda a: a.update(dimensions=["planet"]), "not a dimension"),
    (lambda a: a.update(dimensions=[{"time": ["week"]}]), "unknown or no levels"),
    (lambda a: a.update(dimensions=["district"]), "needs the time dimension"),
    (lambda a: a.update(dimensions=["time", "district"]), "filter column"),        # person_type not kept
    (lambda a: a["measures"].update(pension_paid={"column": "pension_paid", "exact_within": "month"}),
     "only applies to count-distinct"),
])
def test_invalid_aggregate_declarations(tmp_path, change, message):
    raw = yaml.safe_load((CUBES_DIR / "pension.yaml").read_text(encoding="utf-8"))
    change(raw["aggregates"][0])
    with pytest.raises(ModelError, match=message):
        load_cube(_write(tmp_path, raw))


def _documented_models() -> dict[str, set[str]]:
    """dbt model name → its documented columns, from the warehouse's model YAML files."""
    root = CUBES_DIR.parents[1] / "warehouse" / "models"
    out: dict[str, set[str]] = {}
    for path in root.rglob("_*.yml"):
        for m in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            out[m["name"]] = {c["name"] for c in m.get("columns", [])}
    return out


def test_every_declared_aggregate_is_a_documented_model():
    """The pre-aggregates and distinct structures the cubes may read are dbt models, and every column the
    planner reads from them (keys, counts, measures, spell and mask columns) is one of theirs."""
    models = _documented_models()
    checked = 0
    for cube in load_cubes().values():
        def keys(dims: dict) -> set[str]:
            out = set()
            for dname, levels in dims.items():
                d = cube.dimensions[dname]
                out |= {d.fact_key} if d.table else {d.level(lv).key for lv in levels}
            return out

        for a in cube.aggregates:
            assert a.table in models, (cube.name, a.table)
            want = keys(a.dimensions) | {a.row_count} | {m.column for m in a.measures.values()}
            assert want <= models[a.table], (cube.name, a.table, want - models[a.table])
            checked += 1
        for d in cube.distinct_aggregates:
            assert d.table in models, (cube.name, d.table)
            cols = {d.column, d.rollup_column, d.period_column, d.year_column, d.months_column, d.single_column,
                    d.first_column, d.last_column, d.prior_column, d.movers_column} - {None}
            want = keys(d.dimensions) | cols - {d.mover_entity_column, None}
            assert want <= models[d.table], (cube.name, d.table, want - models[d.table])
            checked += 1
            if d.mover_table:
                want = keys(d.dimensions) | {d.mover_entity_column, d.first_column, d.last_column}
                assert want <= models[d.mover_table], (cube.name, d.mover_table, want - models[d.mover_table])
    assert checked >= 8


def test_dmp_relations_read_their_month_aggregate():
    cube = load_cubes()["dmp_person_relation"]
    cells, summary = build_request(cube, "marts", available={"agg_dmp_person_relation_month"}, cut="month:202412",
                                   drilldown="insurance_type|district", measures="insured,active,retired")
    assert cells.path == summary.path == "aggregate:agg_dmp_person_relation_month"
    cells, _ = build_request(cube, "marts", available={"agg_dmp_person_relation_month"}, drilldown="time@year",
                             measures="insured,new_relations,dependency_ratio")
    assert cells.path == "aggregate:agg_dmp_person_relation_month"


def test_injury_insured_reads_its_month_aggregate():
    cube = load_cubes()["injury_insured"]
    cells, summary = build_request(cube, "marts", available={"agg_injury_person_month"}, cut="month:202412",
                                   drilldown="district", measures="insured,person_records,insured_rate")
    assert cells.path == summary.path == "aggregate:agg_injury_person_month"
