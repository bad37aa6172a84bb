"""Distinct counts over periods without a database: which structure the planner picks for contributors
(缴费人数 = distinct persons with a contribution in the period), the SQL it builds, the month masks, and the
model's checks of ``distinct_aggregates`` declarations."""
from __future__ import annotations

import datetime

import pytest
import yaml

from cube.model import CUBES_DIR, ModelError, load_cube, load_cubes
from cube.query import QueryError, build_request

AGG, PERIOD, YEAR = "agg_pension_month", "agg_pension_contributor_period", "agg_pension_contributor_year"
SPELL, MOVER = "agg_pension_contributor_spell", "agg_pension_contributor_mover_spell"
ALL = {AGG, PERIOD, SPELL, MOVER, YEAR}
NO_SPELLS = {AGG, PERIOD, YEAR}
A, P, Y = f"aggregate:{AGG}", f"aggregate:{AGG} + distinct:{PERIOD}", f"aggregate:{AGG} + distinct:{YEAR}"
S = f"aggregate:{AGG} + distinct:{SPELL}"
FP, FY, F = f"fact + distinct:{PERIOD}", f"fact + distinct:{YEAR}", "fact"


@pytest.fixture(scope="module")
def cube():
    return load_cubes()["pension"]


def paths(cube, available=ALL, **kw):
    cells, summary = build_request(cube, "marts", available=available, **kw)
    return cells.path, summary.path


def test_pension_declares_its_distinct_aggregates(cube):
    period, spell, pattern, year = cube.distinct_aggregates
    assert (period.table, period.type, period.measure, period.grains) == (PERIOD, "period_counts", "contributors",
                                                                           ("year", "quarter"))
    assert period.order == ("district", "gender", "age_band", "industry", "person_type")
    assert period.dimensions["industry"] == ("industry_section",)      # divisions are not kept: the fact answers
    assert (spell.table, spell.type, spell.column, spell.rollup_column) == (SPELL, "spell_counts", "contributors",
                                                                             "rolled_up")
    assert spell.order == period.order              # the same GROUPING() bits
    assert (spell.mover_table, spell.movers_column, spell.mover_entity_column) == (MOVER, "movers", "entity_no")
    assert (pattern.table, pattern.type, pattern.column, pattern.window_column, pattern.pattern_column) == (
        "agg_pension_contributor_pattern", "pattern_counts", "contributors", "window_no", "pattern")
    assert pattern.order == period.order
    assert (year.table, year.type, year.column) == (YEAR, "year_bitmask", "person_id")
    assert cube.aggregate_tables == [AGG, PERIOD, SPELL, "agg_pension_contributor_pattern", YEAR, MOVER]
    assert "contributors" in cube.default_measures


@pytest.mark.parametrize("kw, cells, summary", [
    # within one month: the month aggregate still answers everything (sum of is_contributor is exact)
    ({"cut": "month:202406", "drilldown": "district", "measures": "contributors"}, A, A),
    # one calendar year or quarter per cell, other cuts single members: the stored counts
    ({"cut": "year:2024", "drilldown": "district", "measures": "contributors,pension_paid"}, P, P),
    ({"drilldown": "time@year", "measures": "contributors"}, P, S),          # summary over all years: spells
    ({"cut": "year:2024", "drilldown": "time@quarter|gender", "measures": "contributors"}, P, P),
    ({"cut": "quarter:2024Q2|district:110105", "drilldown": "age_band", "measures": "contributors"}, P, P),
    ({"cut": "time@quarter:2024Q2-2024Q2", "measures": "contributors"}, P, P),
    ({"cut": "year:2023;2024", "drilldown": "time@year", "measures": "average_contribution_base"}, P, S),
    ({"cut": "year:2024|industry_section:C", "measures": "contributors"}, P, P),
    ({"cut": "year:2024", "drilldown": "industry", "measures": "contributors"}, P, P),
    # any other contiguous month range, and cells by year or quarter over one: the counted spells
    ({"cut": "month:202401-202406", "drilldown": "district", "measures": "contributors"}, S, S),
    ({"cut": "month:202311-202502", "measures": "contributors,insured_total"}, S, S),
    ({"cut": "month:202402-202411", "drilldown": "time@quarter|district", "measures": "contributors"}, S, S),
    ({"cut": "month:202406-|district:110105;110108", "drilldown": "district", "measures": "contributors"}, S, S),
    ({"measures": "contributors"}, S, S),
    ({"drilldown": "district", "measures": "contributors.share"}, S, S),
    # sets and inversions on undrilled dimensions: steady counts + the movers' spells (DISTINCT)
    ({"cut": "year:2024|district:110105;110108", "measures": "contributors"}, S, S),
    ({"cut": "year:2024|!gender:1", "drilldown": "district", "measures": "contributors"}, S, S),
    ({"cut": "!district:110105|year:2024", "drilldown": "district", "measures": "contributors"}, P, S),
    # months with a gap: the month masks
    ({"cut": "month:202401;202403", "measures": "contributors"}, Y, Y),
    ({"cut": "!month:202401", "measures": "contributors"}, Y, Y),
    ({"cut": "month:202401;202403", "drilldown": "time@quarter", "measures": "contributors"}, Y, Y),
    ({"cut": "month:202401;202403|district:110105;110108", "measures": "contributors"}, Y, Y),
    # monthly cells with a multi-month summary: cells from the month aggregate, the summary from the spells
    ({"drilldown": "month", "measures": "contributors"}, A, S),
    # not covered anywhere: divisions (not kept by the distinct structures)
    ({"drilldown": "industry@industry_division", "measures": "contributors"}, F, S),   # the summary has no division
    ({"cut": "year:2024|industry_division:39", "measures": "contributors"}, F, F),
])
def test_planner_for_distinct_counts(cube, kw, cells, summary):
    assert paths(cube, **kw) == (cells, summary)


def test_structures_missing_from_the_schema_mean_the_fact(cube):
    kw = {"cut": "month:202401-202406", "drilldown": "district", "measures": "contributors"}
    assert paths(cube, available={AGG}, **kw) == (F, F)
    assert paths(cube, available={AGG, YEAR}, **kw) == (Y, Y)
    assert paths(cube, available={AGG, SPELL}, **kw) == (S, S)
    assert paths(cube, available={AGG, SPELL}, cut="month:202401;202403", measures="contributors") == (F, F)
    # a set of districts needs the movers' spells too
    kw = {"cut": "month:202401-202406|district:110105;110108", "measures": "contributors"}
    assert paths(cube, available={AGG, SPELL, MOVER}, **kw) == (S, S)
    assert paths(cube, available={AGG, SPELL, YEAR}, **kw) == (Y, Y)
    assert paths(cube, available={AGG, SPELL}, **kw) == (F, F)
    assert paths(cube, available={YEAR}, **kw) == (FY, FY)         # the cells from the fact, counts from the masks
    assert paths(cube, available={AGG, PERIOD}, cut="year:2024", measures="contributors") == (P, P)
    assert paths(cube, available={PERIOD}, cut="year:2024", measures="contributors") == (FP, FP)


def test_forcing_onto_aggregates(cube):
    cells, _ = build_request(cube, "marts", cut="month:202401-202403", measures="contributors", use="aggregate")
    assert cells.path == S
    cells, _ = build_request(cube, "marts", cut="month:202401;202403", measures="contributors", use="aggregate")
    assert cells.path == f"aggregate:{AGG} + distinct:agg_pension_contributor_pattern"     # a gap: the patterns
    cells, _ = build_request(cube, "marts", cut="month:202401;202403|district:110105;110108", measures="contributors",
                             use="aggregate")
    assert cells.path == Y                  # and a district set: the month masks
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
    cells, _ = build_request(cube, "marts", available=NO_SPELLS, cut="month:202402-202406", drilldown="district",
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
    cells, _ = build_request(cube, "marts", available=NO_SPELLS, cut="month:202311-202502", measures="contributors")
    text = cells.build()[0].as_string(None)
    assert '"is_single_row"' not in text.split("d as (")[1].split(") as f")[1]        # across years: all distinct
    # distinct persons by a hashed DISTINCT of (cell, person), then counted
    assert 'select distinct "f"."person_id"::text collate "C" as __e' in text and "count(distinct" not in text
    cells, _ = build_request(cube, "marts", available=NO_SPELLS, cut="year:2024|district:110105;110108",
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
    (1, lambda a: a.pop("prior_column"), "prior_column"),
    (1, lambda a: a.pop("mover_table"), "go together"),
    (1, lambda a: a.update(mover_table=SPELL), "a table of its own"),
    (1, lambda a: a.update(dimensions=["time"]), "time dimension is implied"),
    (3, lambda a: a.update(column="unit_id"), "own column"),
    (3, lambda a: a.pop("months_column"), "months_column"),
    (3, lambda a: a.update(table="fct_pension_person_month"), "fact table itself"),
    (3, lambda a: a.update(table=AGG), "declared twice"),
    (2, lambda a: a.pop("pattern_column"), "pattern_column"),
    (2, lambda a: a.update(dimensions=["time"]), "time dimension is implied"),
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
        cells, summary = build_request(cube, "marts", available=NO_SPELLS, cut=cut, drilldown=drilldown,
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


def test_spell_ranges(cube):
    """Each cell's months as one contiguous range of month indexes (year * 12 + month - 1), or None."""
    def ranges(cut=None, drilldown=None, data=None):
        cells, _ = build_request(cube, "marts", available=ALL, cut=cut, drilldown=drilldown,
                                 measures="contributors", data_months=data)
        return cells.spell_ranges()

    i = lambda y, m: y * 12 + m - 1      # noqa: E731
    assert ranges("month:202311-202502") == [((), i(2023, 11), i(2025, 2))]
    assert ranges("quarter:2024Q2") == [((), i(2024, 4), i(2024, 6))]
    assert ranges() == [((), i(1900, 1), i(2100, 12))]                       # no time cut: everything
    assert ranges("month:202401;202403") is None                             # a gap
    assert ranges("month:202401;202402") == [((), i(2024, 1), i(2024, 2))]  # a set without a gap is a range
    assert ranges("month:202402-202411", "time@quarter") == [
        ((2024, "2024Q1"), i(2024, 2), i(2024, 3)), ((2024, "2024Q2"), i(2024, 4), i(2024, 6)),
        ((2024, "2024Q3"), i(2024, 7), i(2024, 9)), ((2024, "2024Q4"), i(2024, 10), i(2024, 11))]
    assert ranges("month:202401;202403", "time@quarter") is None             # Q1 without February
    assert ranges("month:202401;202403", "time@month") == [((2024, "2024Q1", 202401), i(2024, 1), i(2024, 1)),
                                                           ((2024, "2024Q1", 202403), i(2024, 3), i(2024, 3))]
    # drilled without a time cut: one range per year with data (when known)
    assert ranges(None, "time@year", {2024: 0xFFF, 2025: 1}) == [((2024,), i(2024, 1), i(2024, 12)),
                                                                  ((2025,), i(2025, 1), i(2025, 12))]
    assert len(ranges(None, "time@year")) == 201                             # not known: every year


def test_spell_counts_sql(cube):
    cells, summary = build_request(cube, "marts", available=ALL, cut="month:202408-202501|gender:1",
                                   drilldown="district|time@quarter", measures="contributors,pension_paid")
    text, params = cells.build()
    text = text.as_string(None)
    d = text.split("d as (")[1]
    assert f'from "marts"."{SPELL}" as s join unnest(' in d and "count(distinct" not in text
    assert 'on "s"."spell_first_month" <= p.__hi and "s"."spell_last_month" >= p.__lo' in d
    assert '("s"."prior_last_month" is null or "s"."prior_last_month" < p.__lo)' in d
    assert 'sum("f"."contributors")::bigint as "m_contributors"' in d
    assert "dim_month" not in d and "dim_district" not in d                 # keys are the table's own columns
    assert '"f"."rolled_up" = %(p' in d and 0b00111 in params.values()     # district and gender kept
    assert [2024, 2024, 2025] in params.values() and ["2024Q3", "2024Q4", "2025Q1"] in params.values()
    assert [datetime.date(2024, 8, 1), datetime.date(2024, 10, 1), datetime.date(2025, 1, 1)] in params.values()
    assert [datetime.date(2024, 9, 1), datetime.date(2024, 12, 1), datetime.date(2025, 1, 1)] in params.values()
    text, params = summary.build()
    assert 0b10111 in params.values()                                        # gender only (cut to one member)


def test_spell_counts_with_member_sets_sql(cube):
    """A set of districts not drilled: the steady persons' counts (each in one district) plus the movers counted
    once over their own spells."""
    cells, summary = build_request(cube, "marts", available=ALL, cut="month:202402-202411|district:110105;110108",
                                   drilldown="age_band", measures="contributors")
    text, params = cells.build()
    d = text.as_string(None).split("d as (")[1]
    assert f'"marts"."{SPELL}" as s' in d and f'"marts"."{MOVER}" as s' in d and "union all" in d
    assert 'not "f"."movers"' in d
    assert 'select distinct "f"."age_band_code" as "k0", "f"."entity_no" as __e' in d
    assert d.count('"f"."district_code" = any(') == 2                   # both parts cut to the set
    assert 'p.__lo and ("s"."prior_last_month"' in d                    # steady counts: first spell in range
    assert 0b01011 in params.values()                                    # district and age band kept
    # without a set the movers' rows are part of the counts: no DISTINCT, no movers' table
    text = build_request(cube, "marts", available=ALL, cut="month:202402-202411|district:110105",
                         drilldown="age_band", measures="contributors")[0].build()[0].as_string(None)
    d = text.split("d as (")[1].split("\nselect ")[0]
    assert MOVER not in text and '"movers"' not in d and "distinct" not in d and f'"marts"."{SPELL}"' in d


PATTERN = "agg_pension_contributor_pattern"


def test_pattern_cells_and_sql(cube):
    """Months with a gap as (window, signed bigint pattern) per cell: bit = month index % 64; a cell spanning two
    windows or an unbounded inverted cut without known data months is not answered; district sets pass."""
    def cells_of(cut, drilldown=None, data=None):
        cells, _ = build_request(cube, "marts", available=ALL | {PATTERN}, cut=cut, drilldown=drilldown,
                                 measures="contributors", data_months=data)
        return cells

    from cube import plan as planning
    i = lambda y, m: y * 12 + m - 1      # noqa: E731
    w, b1, b2 = i(2024, 1) // 64, i(2024, 1) % 64, i(2024, 11) % 64
    q = cells_of("month:202401;202411")
    assert planning.pattern_cells(q) == [((), w, (1 << b1) | (1 << b2))]
    assert q.path == f"aggregate:{AGG} + distinct:{PATTERN}"
    assert "spell" in planning.plan(q).why           # why the spells were passed over
    d = q.build()[0].as_string(None).split("d as (")[1]
    assert f'from "marts"."{PATTERN}" as s join unnest(' in d and "& p.__m) <> 0" in d and "count(distinct" not in d
    # a window boundary: 2026-08 is the last month of window 379, 2026-09 the first of 380
    assert i(2026, 8) // 64 == 379 and i(2026, 9) // 64 == 380
    assert planning.pattern_cells(cells_of("month:202608;202610")) is None
    assert cells_of("month:202608;202610").path.endswith(YEAR)
    assert len(planning.pattern_cells(cells_of("month:202608;202610", "time@month"))) == 2   # each cell one window
    # bit 63 set: stored as a negative bigint
    top = next(y * 100 + m for y in range(2020, 2030) for m in range(1, 13) if i(y, m) % 64 == 63)
    (_, _, bits), = planning.pattern_cells(cells_of(f"month:{top}"))
    assert bits == -(1 << 63)
    # inverted: only with the data months known (else every year 1900-2100)
    assert planning.pattern_cells(cells_of("!month:202406")) is None
    data = {2024: 0xFFF, 2025: 0x1}
    (_, _, bits), = planning.pattern_cells(cells_of("!month:202406", data=data))
    assert bin(bits & (1 << 64) - 1).count("1") == 12          # 11 months of 2024 and January 2025
    # two districts together: the month masks, and the plan says why
    q = cells_of("month:202401;202411|district:110105;110108")
    assert q.path.endswith(YEAR) and f"{PATTERN}" in planning.plan(q).why
