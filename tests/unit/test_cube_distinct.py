"""Distinct counts over periods without a database: which structure the planner picks for contributors
(缴费人数 = distinct persons with a contribution in the period), the SQL it builds, the month masks, and the
model's checks of ``distinct_aggregates`` declarations."""
from __future__ import annotations

import pytest
import yaml

from cube.model import CUBES_DIR, ModelError, load_cube, load_cubes
from cube.query import QueryError, build_request

AGG, PERIOD, YEAR = "agg_pension_month", "agg_pension_contributor_period", "agg_pension_contributor_year"
ALL = {AGG, PERIOD, YEAR}
A, P, Y = f"aggregate:{AGG}", f"aggregate:{AGG} + distinct:{PERIOD}", f"aggregate:{AGG} + distinct:{YEAR}"
FP, FY, F = f"fact + distinct:{PERIOD}", f"fact + distinct:{YEAR}", "fact"


@pytest.fixture(scope="module")
def cube():
    return load_cubes()["pension"]


def paths(cube, available=ALL, **kw):
    cells, summary = build_request(cube, "marts", available=available, **kw)
    return cells.path, summary.path


def test_pension_declares_its_distinct_aggregates(cube):
    period, year = cube.distinct_aggregates
    assert (period.table, period.type, period.measure, period.grains) == (PERIOD, "period_counts", "contributors",
                                                                           ("year", "quarter"))
    assert period.order == ("district", "gender", "age_band", "industry", "person_type")
    assert period.dimensions["industry"] == ("industry_section",)      # divisions are not kept: the fact answers
    assert (year.table, year.type, year.column) == (YEAR, "year_bitmask", "person_id")
    assert cube.aggregate_tables == [AGG, PERIOD, YEAR]
    assert "contributors" in cube.default_measures


@pytest.mark.parametrize("kw, cells, summary", [
    # within one month: the month aggregate still answers everything (sum of is_contributor is exact)
    ({"cut": "month:202406", "drilldown": "district", "measures": "contributors"}, A, A),
    # one calendar year or quarter per cell, other cuts single members: the stored counts
    ({"cut": "year:2024", "drilldown": "district", "measures": "contributors,pension_paid"}, P, P),
    ({"drilldown": "time@year", "measures": "contributors"}, P, Y),          # summary over all years: bitmask
    ({"cut": "year:2024", "drilldown": "time@quarter|gender", "measures": "contributors"}, P, P),
    ({"cut": "quarter:2024Q2|district:110105", "drilldown": "age_band", "measures": "contributors"}, P, P),
    ({"cut": "time@quarter:2024Q2-2024Q2", "measures": "contributors"}, P, P),
    ({"cut": "year:2023;2024", "drilldown": "time@year", "measures": "average_contribution_base"}, P, Y),
    ({"cut": "!district:110105|year:2024", "drilldown": "district", "measures": "contributors"}, P, Y),
    ({"cut": "year:2024|industry_section:C", "measures": "contributors"}, P, P),
    ({"cut": "year:2024", "drilldown": "industry", "measures": "contributors"}, P, P),
    # any other month range or set, sets and inversions on undrilled dimensions: the month masks
    ({"cut": "month:202401-202406", "drilldown": "district", "measures": "contributors"}, Y, Y),
    ({"cut": "month:202311-202502", "measures": "contributors,insured_total"}, Y, Y),
    ({"cut": "month:202401;202403", "measures": "contributors"}, Y, Y),
    ({"cut": "!month:202401", "measures": "contributors"}, Y, Y),
    ({"cut": "year:2024|district:110105;110108", "measures": "contributors"}, Y, Y),
    ({"cut": "year:2024|!gender:1", "drilldown": "district", "measures": "contributors"}, Y, Y),
    ({"measures": "contributors"}, Y, Y),
    ({"drilldown": "district", "measures": "contributors.share"}, Y, Y),
    # monthly cells with a multi-month summary: cells from the month aggregate, the summary from the masks
    ({"drilldown": "month", "measures": "contributors"}, A, Y),
    # not covered anywhere: divisions (not kept by the distinct structures)
    ({"drilldown": "industry@industry_division", "measures": "contributors"}, F, Y),   # the summary has no division
    ({"cut": "year:2024|industry_division:39", "measures": "contributors"}, F, F),
])
def test_planner_for_distinct_counts(cube, kw, cells, summary):
    assert paths(cube, **kw) == (cells, summary)


def test_structures_missing_from_the_schema_mean_the_fact(cube):
    kw = {"cut": "month:202401-202406", "drilldown": "district", "measures": "contributors"}
    assert paths(cube, available={AGG}, **kw) == (F, F)
    assert paths(cube, available={AGG, YEAR}, **kw) == (Y, Y)
    assert paths(cube, available={YEAR}, **kw) == (FY, FY)         # the cells from the fact, counts from the masks
    assert paths(cube, available={AGG, PERIOD}, cut="year:2024", measures="contributors") == (P, P)
    assert paths(cube, available={PERIOD}, cut="year:2024", measures="contributors") == (FP, FP)


def test_forcing_onto_aggregates(cube):
    cells, _ = build_request(cube, "marts", cut="month:202401-202403", measures="contributors", use="aggregate")
    assert cells.path == Y
    cells, _ = build_request(cube, "marts", drilldown="industry@industry_division", measures="contributors",
                             use="aggregate")
    with pytest.raises(QueryError, match="no aggregate answers"):
        cells.build()
    cells, _ = build_request(cube, "marts", cut="month:202401-202403", measures="contributors", use="fact")
    assert cells.path == F


def test_month_masks(cube):
    def masks(cut):
        cells, _ = build_request(cube, "marts", available=ALL, cut=cut, measures="contributors")
        years, bits = cells.month_masks()
        return dict(zip(years, bits))

    assert masks("month:202311-202502") == {2023: 0b110000000000, 2024: 0xFFF, 2025: 0b11}
    assert masks("quarter:2024Q2") == {2024: 0b111000}
    assert masks("month:202401;202403") == {2024: 0b101}
    assert masks("year:2024|!month:202401") == {2024: 0xFFE}
    assert masks("time@quarter:2024Q4-2025Q1") == {2024: 0b111000000000, 2025: 0b111}
    assert masks("month:202412-")[2024] == 0b100000000000 and masks("month:202412-")[2100] == 0xFFF
    assert masks("month:202401|month:202402") == {}                # contradictory cuts: nothing


def test_period_counts_sql(cube):
    cells, summary = build_request(cube, "marts", available=ALL, cut="year:2024|gender:1", drilldown="district",
                                   measures="contributors,pension_paid")
    text, params = cells.build()
    text = text.as_string(None)
    assert f'"marts"."{PERIOD}" as f' in text and f'"marts"."{AGG}" as f' in text
    assert "fct_pension_person_month" not in text and "count(distinct" not in text
    assert '"f"."period_grain" = %(p' in text and '"f"."rolled_up" = %(p' in text
    # grouped by district and gender (cut to one member): only age band, industry and person type summed over
    assert "year" in params.values() and 0b00111 in params.values()
    d = text.split("d as (")[1]
    assert '"f"."year" = %(p' in d and "dim_month" not in d and "dim_gender" not in d


def test_bitmask_sql(cube):
    cells, _ = build_request(cube, "marts", available=ALL, cut="month:202402-202406", drilldown="district",
                             measures="contributors")
    text, params = cells.build()
    text = text.as_string(None)
    assert f'from "marts"."{YEAR}" as b join unnest(' in text
    d = text.split("d as (")[1]
    # one year: persons with a single row that year are counted by count(*), only the others need count(distinct)
    assert 'count(*)::bigint as n' in d and 'where "f"."is_single_row"' in d and 'where not "f"."is_single_row"' in d
    assert "union all" in d
    assert "left join \"marts\".\"dim_district\"" not in text.split("d as (")[1]    # keys are own columns
    assert [2024] in params.values() and [0b111110] in params.values()
    cells, _ = build_request(cube, "marts", available=ALL, cut="month:202311-202502", measures="contributors")
    text = cells.build()[0].as_string(None)
    assert '"is_single_row"' not in text.split("d as (")[1].split(") as f")[1]        # across years: all distinct
    # distinct persons by a hashed DISTINCT of (cell, person), then counted
    assert 'select distinct "f"."person_id"::text collate "C" as __e' in text and "count(distinct" not in text
    cells, _ = build_request(cube, "marts", available=ALL, cut="year:2024|district:110105;110108",
                             drilldown="time@quarter", measures="contributors")
    text = cells.build()[0].as_string(None)
    assert "generate_series(1, 4) as q(q)" in text and "(b.\"year\" || 'Q' || q.q) as \"year_quarter\"" in text
    assert "dim_month" not in text.split("d as (")[1]              # time keys are the aggregate's own columns


def _write(tmp_path, raw):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("index, change, message", [
    (0, lambda a: a.update(measure="pension_paid"), "not a count-distinct measure"),
    (0, lambda a: a.update(type="magic"), "type"),
    (0, lambda a: a.update(grains=["month"]), "grains"),
    (0, lambda a: a.update(dimensions=["time", "district"]), "time dimension is implied"),
    (0, lambda a: a.update(dimensions=["planet"]), "not a dimension"),
    (1, lambda a: a.update(column="unit_id"), "own column"),
    (1, lambda a: a.pop("months_column"), "months_column"),
    (1, lambda a: a.update(table="fct_pension_person_month"), "fact table itself"),
    (1, lambda a: a.update(table=AGG), "declared twice"),
])
def test_invalid_distinct_declarations(tmp_path, index, change, message):
    raw = yaml.safe_load((CUBES_DIR / "pension.yaml").read_text(encoding="utf-8"))
    change(raw["distinct_aggregates"][index])
    with pytest.raises(ModelError, match=message):
        load_cube(_write(tmp_path, raw))


def test_period_counts_from_data_months(cube):
    """With the months that have data known, a month range that selects exactly the data of whole years or
    quarters is read from the stored counts, listing the periods instead of the months."""
    def plan(cut, drilldown=None, data=None):
        cells, summary = build_request(cube, "marts", available=ALL, cut=cut, drilldown=drilldown,
                                       measures="contributors", data_months=data)
        return cells, summary

    data = {2024: 0xFFF, 2025: 0b1}                      # all of 2024, January 2025
    assert plan("month:202401-202412")[1].path == Y                     # not known: masks
    cells, summary = plan("month:202401-202412", data=data)
    assert summary.path == P
    text, params = summary.build()
    assert '"f"."year" = any(' in text.as_string(None) and [2024] in params.values()
    assert plan("month:202401-202501", data=data)[1].path == Y          # two years, not drilled
    assert plan("month:202401-202501", "time@year", data)[0].path == P  # each year whole within the data
    assert plan("month:202402-202412", "time@year", data)[0].path == Y  # January 2024 left out
    assert plan("month:202404-202409", "time@quarter", data)[0].path == P
    assert plan("month:202404-202408", "time@quarter", data)[0].path == Y
    assert plan(None, data={2024: 0b111111})[1].path == P               # the whole history is one (partial) year
    assert plan("month:202312-202406", data={2024: 0b111111})[1].path == P
    assert plan("!month:202403", data={2024: 0b111111})[1].path == Y


def test_single_year_of_data_counts_rows_of_single_persons(cube):
    cells, summary = build_request(cube, "marts", available={AGG, YEAR}, drilldown="gender", measures="contributors",
                                   data_months={2024: 0xFFF})
    assert "union all" in summary.build()[0].as_string(None).split("d as (")[1]
    cells, summary = build_request(cube, "marts", available={AGG, YEAR}, drilldown="gender", measures="contributors",
                                   data_months={2024: 0xFFF, 2025: 1})
    assert "union all" not in summary.build()[0].as_string(None).split("d as (")[1]
