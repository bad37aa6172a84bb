"""Cube model and query building without a database: parsing, SQL shape, parameters, errors."""
from __future__ import annotations

import re

import pytest
import yaml

from cube.model import CUBES_DIR, SEMANTIC_DIR, ModelError, load_cube, load_cubes
from cube.query import (
    AggregateQuery,
    Cut,
    QueryError,
    build_request,
    parse_cut,
    parse_cuts,
    parse_drilldowns,
    parse_measures,
    parse_order,
    parse_paging,
    split_escaped,
    unescape,
)


@pytest.fixture(scope="module")
def cube():
    return load_cubes()["pension"]


def sql_text(q: AggregateQuery) -> tuple[str, dict]:
    stmt, params = q.build()
    return stmt.as_string(None), params


# -- cuts ---------------------------------------------------------------------------------------

def test_month_range_cut(cube):
    c = parse_cut(cube, "month:202401-202406")
    assert c == Cut("time", "month", "range", low=202401, high=202406)


def test_time_level_inferred_from_value(cube):
    assert parse_cut(cube, "time:2024").level == "year"
    assert parse_cut(cube, "time:2024Q2").level == "quarter"
    assert parse_cut(cube, "time:202402").level == "month"
    assert parse_cut(cube, "time:2023-2024") == Cut("time", "year", "range", low=2023, high=2024)
    assert parse_cut(cube, "time@quarter:2024Q1-2024Q3").high == "2024Q3"


def test_open_ranges(cube):
    assert parse_cut(cube, "month:202401-") == Cut("time", "month", "range", low=202401, high=None)
    assert parse_cut(cube, "month:-202406") == Cut("time", "month", "range", low=None, high=202406)


def test_point_and_set_cuts(cube):
    assert parse_cut(cube, "district:110105") == Cut("district", "district", "point", values=("110105",))
    c = parse_cut(cube, "district:110105;110108;110105")
    assert c.kind == "set" and c.values == ("110105", "110108")


def test_inverted_cut(cube):
    c = parse_cut(cube, "!person_type:retired")
    assert c.invert and c.values == ("retired",)


def test_dash_is_literal_outside_time(cube):
    c = parse_cut(cube, "age_band:16-29;30-39")
    assert c.kind == "set" and c.values == ("16-29", "30-39")


def test_several_cuts_and_escapes(cube):
    cuts = parse_cuts(cube, ["month:202401-202406|district:110105", "gender:1"])
    assert [c.dimension for c in cuts] == ["time", "district", "gender"]
    assert split_escaped(r"a\|b|c", "|") == [r"a\|b", "c"]
    assert unescape(r"a\|b") == "a|b"


@pytest.mark.parametrize("text, message", [
    ("district", "malformed cut"),
    ("district:", "malformed cut"),
    ("nowhere:1", "unknown dimension"),
    ("time@week:1", "unknown level"),
    ("month:202413", "malformed value"),
    ("month:2024-01", "malformed value"),
    ("month:202406-202401", "from is after to"),
    ("month:-", "both ends empty"),
    ("month:202401-202402-202403", "malformed range"),
    ("time:2024-202406", "different levels"),
    ("time:abc", "cannot tell the level"),
    ("district:1101050", "malformed value"),
    ("district:110105;;110108", "empty value"),
    ("industry_section:Z", "malformed value"),
])
def test_bad_cuts(cube, text, message):
    with pytest.raises(QueryError, match=message):
        parse_cut(cube, text)


# -- drilldowns, measures, order, paging --------------------------------------------------------

def test_drilldown_forms(cube):
    assert [(d.dimension, d.level) for d in parse_drilldowns(cube, "district")] == [("district", "district")]
    assert [(d.dimension, d.level) for d in parse_drilldowns(cube, "month")] == [("time", "month")]
    assert [(d.dimension, d.level) for d in parse_drilldowns(cube, "time@year")] == [("time", "year")]
    assert [(d.dimension, d.level) for d in parse_drilldowns(cube, "time:quarter")] == [("time", "quarter")]
    both = parse_drilldowns(cube, ["district|gender", "month"])
    assert [d.dimension for d in both] == ["district", "gender", "time"]


def test_drilldown_goes_below_the_cut_level(cube):
    assert parse_drilldowns(cube, "time")[0].level == "year"
    assert parse_drilldowns(cube, "time", parse_cuts(cube, "year:2024"))[0].level == "quarter"
    assert parse_drilldowns(cube, "time", parse_cuts(cube, "quarter:2024Q1"))[0].level == "month"
    assert parse_drilldowns(cube, "time", parse_cuts(cube, "month:202401"))[0].level == "month"


@pytest.mark.parametrize("text, message", [
    ("nowhere", "unknown dimension"),
    ("time@week", "unknown level"),
    ("district,district", "more than once"),
])
def test_bad_drilldowns(cube, text, message):
    with pytest.raises(QueryError, match=message):
        parse_drilldowns(cube, text)


def test_measures(cube):
    assert parse_measures(cube, None) == list(cube.default_measures)
    assert parse_measures(cube, "pension_paid|dependency_ratio,pension_paid") == ["pension_paid", "dependency_ratio"]
    with pytest.raises(QueryError, match="unknown measure"):
        parse_measures(cube, "pension_paid,bogus")


def test_order(cube):
    dd = parse_drilldowns(cube, "district")
    orders = parse_order(cube, "pension_paid:desc,district", dd, ["pension_paid"])
    assert [(o.ref, o.is_measure, o.descending) for o in orders] == [("pension_paid", True, True),
                                                                     ("district", False, False)]
    with pytest.raises(QueryError, match="not drilled down"):
        parse_order(cube, "gender", dd, ["pension_paid"])
    with pytest.raises(QueryError, match="direction"):
        parse_order(cube, "pension_paid:up", dd, ["pension_paid"])
    with pytest.raises(QueryError, match="cannot order"):
        parse_order(cube, "contributors", dd, ["pension_paid"])


def test_paging():
    assert parse_paging(None, None) == (0, 1000)
    assert parse_paging(3, 50) == (3, 50)
    for page, size in [(-1, 10), (0, 0), (0, 10001)]:
        with pytest.raises(QueryError):
            parse_paging(page, size)


# -- SQL ------------------------------------------------------------------------------------------

def test_values_are_parameters_not_sql(cube):
    evil = "x' or '1'='1 drop table x --"
    cells, _ = build_request(cube, "marts", cut=f"person_type:{evil}", drilldown="district")
    text, params = sql_text(cells)
    assert "drop table" not in text
    assert evil in params.values()


def test_sql_shape_for_stock_over_months(cube):
    cells, summary = build_request(cube, "marts", cut="month:202401-202406|district:110105;110108",
                                   drilldown="district", measures="insured_active,contribution_income")
    text, params = sql_text(cells)
    assert '"marts"."fct_pension_person_month"' in text
    assert '"marts"."dim_district"' in text and '"marts"."dim_month"' in text
    assert "max(__t) over ()" in text                 # last month over the whole range
    assert "filter (where __t = __last)" in text       # stock: only the last month
    assert 'sum("m_contribution_income")' in text      # flow: summed
    assert '"f"."district_code" = any(' in text        # district key read from the fact, no join needed
    assert 202401 in params.values() and 202406 in params.values() and ["110105", "110108"] in params.values()
    assert "limit" in text and "limit" not in sql_text(summary)[0]


def test_stock_partitioned_by_time_drilldown(cube):
    cells, _ = build_request(cube, "marts", drilldown="time@year", measures="insured_total")
    text, _ = sql_text(cells)
    assert re.search(r'max\(__t\) over \(partition by "k0"\)', text)


def test_flow_only_query_has_no_window(cube):
    cells, _ = build_request(cube, "marts", drilldown="district", measures="pension_paid")
    text, _ = sql_text(cells)
    assert "__last" not in text and "dim_month" not in text


def test_opening_balance_takes_the_first_month_of_each_period():
    arb = load_cubes()["arbitration"]
    cells, _ = build_request(arb, "marts", drilldown="time@quarter", measures="carried_over,accepted,closure_rate")
    text, _ = sql_text(cells)
    assert re.search(r'min\(__t\) over \(partition by "k0", "k1"\)', text)   # year, quarter
    assert 'sum("m_carried_over") filter (where __t = __first) as "m_carried_over"' in text      # 上期结转: the first month only
    assert 'sum("m_accepted") as "m_accepted"' in text                     # 受理: summed over the months
    assert "__last" not in text                                                    # no closing balance asked
    # 结案率 = 结案 ÷ 应处理 (上期结转 + 受理, each aggregated by its own rule)
    assert re.search(r'nullif\(\(coalesce\("a"."m_carried_over", 0\) \+ coalesce\("a"."m_accepted", 0\)\)', text)


def test_calculated_sum_needs_summable_stored_terms(tmp_path):
    raw = yaml.safe_load((CUBES_DIR / "arbitration.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "arb.yaml"
    for terms, message in ((["carried_over"], "at least two"), (["carried_over", "nothing"], "not summable"),
                           (["carried_over", "carried_over"], "different")):
        raw["calculated_measures"]["caseload"]["terms"] = terms
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ModelError, match=message):
            load_cube(path)


def test_distinct_measure_computed_from_facts(cube):
    cells, _ = build_request(cube, "marts", drilldown="industry_section", measures="contributors")
    text, _ = sql_text(cells)
    assert "count(distinct \"f\".\"person_id\"::text collate \"C\")" in text
    assert "is not distinct from" in text             # null industry (retirees) joins too


def test_ratio_is_ratio_of_sums(cube):
    cells, _ = build_request(cube, "marts", measures="dependency_ratio")
    text, _ = sql_text(cells)
    assert "nullif(" in text and '"m_insured_retired"' in text and '"m_insured_active"' in text


def test_schema_is_quoted(cube):
    cells, _ = build_request(cube, "review", measures="pension_paid")
    assert '"review"."fct_pension_person_month"' in sql_text(cells)[0]


# -- the model and its alignment with MetricFlow ------------------------------------------------

def _semantic_yaml():
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SEMANTIC_DIR.rglob("*.yml"))]
    metrics = {m["name"]: m for d in docs for m in d.get("metrics") or []}
    models = {s["name"]: s for d in docs for s in d.get("semantic_models") or []}
    return metrics, models


@pytest.mark.parametrize("name", sorted(load_cubes()))
def test_cube_measures_are_metricflow_metrics(name):
    cube = load_cubes()[name]
    metrics, models = _semantic_yaml()
    assert cube.semantic_model in models
    sm_measures = {m["name"]: m for m in models[cube.semantic_model]["measures"]}
    for mname in [*cube.measures, *cube.calculated]:
        m = cube.measures.get(mname) or cube.calculated[mname]
        metric = m.metric or mname
        assert metric in metrics, f"cube measure {mname} has no MetricFlow metric"
        assert cube.measure_label(mname) == metrics[metric]["label"]
    for mname, m in cube.measures.items():
        mf = sm_measures[m.metric or mname]
        nad = mf.get("non_additive_dimension")
        assert (nad is not None) == (m.additivity in ("stock", "opening")), mname
        if nad:     # closing balances take the last month of a span, opening balances the first
            assert nad["window_choice"] == {"stock": "max", "opening": "min"}[m.additivity], mname
        assert (mf["agg"] == "count_distinct") == (m.agg == "count_distinct"), mname
    for cname, c in cube.calculated.items():
        metric = metrics[c.metric or cname]
        tp = metric["type_params"]
        if c.type == "ratio":
            num, den = (cube.measures.get(x) or cube.calculated[x] for x in (c.numerator, c.denominator))
            assert metric["type"] == "ratio"
            assert (tp["numerator"], tp["denominator"]) == (num.metric or c.numerator, den.metric or c.denominator)
        elif c.type == "sum":       # a derived metric adding the terms' metrics
            terms = [cube.measures[t].metric or t for t in c.terms]
            assert metric["type"] == "derived" and [x["name"] for x in tp["metrics"]] == terms
        elif c.type == "ytd":
            assert metric["type"] == "cumulative" and tp["cumulative_type_params"]["grain_to_date"] == "year"
        elif c.type in ("yoy", "mom"):
            offsets = [x.get("offset_window") for x in tp["metrics"]]
            assert metric["type"] == "derived" and ("1 year" if c.type == "yoy" else "1 month") in offsets


def test_model_json_has_hierarchy_and_labels(cube):
    d = cube.to_dict()
    time = next(x for x in d["dimensions"] if x["name"] == "time")
    assert time["hierarchy"] == ["year", "quarter", "month"] and time["role"] == "time"
    assert d["level_aliases"]["month"] == "time@month"
    assert all(re.search(r"[\u4e00-\u9fff]", m["label"]) for m in d["measures"] + d["calculated_measures"])


def test_invalid_model_is_rejected(tmp_path):
    bad = yaml.safe_load((CUBES_DIR / "pension.yaml").read_text(encoding="utf-8"))
    bad["measures"]["insured_active"]["additivity"] = "sometimes"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelError, match="additivity"):
        load_cube(path)
    bad["measures"]["insured_active"]["additivity"] = "stock"
    bad["calculated_measures"]["dependency_ratio"]["denominator"] = "nothing"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ModelError, match="denominator"):
        load_cube(path)


# -- calculated members, access, masking ------------------------------------------------------------

def test_time_shifts(cube):
    from cube.calc import last_month, shift

    t = cube.dimensions["time"]
    assert shift(t.level("month"), 202401, -1) == 202312
    assert shift(t.level("month"), 202403, -12) == 202303
    assert shift(t.level("quarter"), "2024Q1", -3) == "2023Q4"
    assert shift(t.level("year"), 2024, -12) == 2023
    assert last_month(t.level("quarter"), "2024Q2") == 202406 and last_month(t.level("year"), 2024) == 202412


def test_calculated_member_syntax(cube):
    assert parse_measures(cube, "pension_paid.yoy,insured_total.share") == ["pension_paid.yoy", "insured_total.share"]
    assert cube.measure_label("pension_paid.mom") == "养老金支出环比增长率"
    with pytest.raises(QueryError, match="year-to-date is only defined for additive"):
        parse_measures(cube, "insured_total.ytd")
    with pytest.raises(QueryError, match="unknown measure"):
        parse_measures(cube, "pension_paid.median")
    cells, _ = build_request(cube, "marts", drilldown="month", measures="pension_paid.yoy")
    assert cells.sql_measures() == ["pension_paid"]
    with pytest.raises(QueryError, match="calculated members"):
        build_request(cube, "marts", drilldown="month", measures="pension_paid.yoy", order="pension_paid.yoy")


def test_masking():
    from cube.app import mask_value

    pid = mask_value("id_number", "11010519900101002X")
    assert re.fullmatch(r"P[0-9a-f]{16}", pid), pid                       # a keyed pseudonym, no digits kept
    assert pid == mask_value("id_number", "11010519900101002X")          # stable: rows of a person link up
    assert pid != mask_value("id_number", "11010519900101003X")
    assert mask_value("name", "张三") == "张*"
    phone = mask_value("phone", "13800000000")
    assert re.fullmatch(r"P[0-9a-f]{16}", phone) and "0000" not in phone[1:5]
    assert mask_value(None, "x") == "x" and mask_value("name", None) is None


def test_roles_and_perspectives(cube, tmp_path, monkeypatch):
    from cube import access

    roles = access.roles()
    assert {"admin", "leadership", "analyst", "reviewer"} <= set(roles)
    districts = [r for r in roles.values() if r.district]
    assert len(districts) == 16 and roles["district_110105"].district == "110105"
    assert roles["admin"].pii and not roles["analyst"].pii and roles["reviewer"].review and not roles["analyst"].review
    lead = access.view(cube, roles["leadership"])
    assert set(lead.dimensions) == {"time", "district"} and "contribution_base" not in lead.all_measure_names
    assert lead.resolve_measure("pension_paid.yoy") is not None and lead.resolve_measure("contribution_base") is None
    # every measure a perspective names exists
    cubes = load_cubes()
    for pname, p in access.access_config()["perspectives"].items():
        if p["cubes"] == "*":
            continue
        for cname, spec in p["cubes"].items():
            assert cname in cubes, (pname, cname)
            for m in spec.get("measures", []):
                assert m in cubes[cname].measures or m in cubes[cname].calculated, (pname, cname, m)
    # tokens: generated on first use, one per role, never in the repository
    monkeypatch.setenv("CUBE_TOKENS_FILE", str(tmp_path / "tokens.json"))
    access.ensure_tokens()
    tok = access.token_for("district_110108")
    assert access.role_for_token(tok).district == "110108"
    assert access.role_for_token("nonsense") is None and access.role_for_token(None) is None
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"
    access._token_index.cache_clear()


def test_hotline_hidden_from_district_roles():
    from cube import access

    cubes = load_cubes()
    assert access.view(cubes["hotline"], access.roles()["district_110101"]) is None
    assert access.view(cubes["hotline"], access.roles()["analyst"]) is not None


def test_kpi_status():
    from decimal import Decimal

    from cube.kpi import load_goals, status

    assert status(2.6, Decimal("2.5"), Decimal("2"), "higher") == "good"
    assert status(2.1, Decimal("2.5"), Decimal("2"), "higher") == "warning"
    assert status(1.9, Decimal("2.5"), Decimal("2"), "higher") == "bad"
    assert status(4800, Decimal("4500"), Decimal("5000"), "lower") == "warning"
    cubes = load_cubes()
    for g in load_goals():
        assert cubes[g["cube"]].resolve_measure(g["measure"]) is not None, g["kpi"]
