"""The module marts and views behind the 区县宏观 / 宏观决策 / 历史数据库 module dashboards (issues 16 and 19).

Runs against the built and published warehouse of `make db generate build publish` (the session's drop). The dbt
tests sums_match_modules_* already prove each mart equals its sources district by district during the build; these
tests check what dbt cannot: independent totals (the overview marts' own Beijing rows), the flow identity of the
insurance profile, the projection method as documented, and district isolation of the history view for the
database roles the dashboards log in as.
"""
from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

import access
from foundation import settings
from tests.integration.official_release import require_official

pytestmark = pytest.mark.integration

DISTRICT = "110105"


@pytest.fixture(scope="module")
def admin():
    with psycopg.connect(settings.admin_url(), autocommit=True) as conn:
        require_official(conn, "rpt_modules_district_overview")
        yield conn


# the 综合情况 columns and, for each, the overview mart whose Beijing row (110000 = Σ districts) must equal their sum
OVERVIEW = {
    "rpt_pension_overview": {"ent_pension_insured": "insured_total", "ent_pension_income": "contribution_income",
                             "ent_pension_paid": "pension_paid"},
    "rpt_public_pension_overview": {"pub_pension_insured": "insured_total", "pub_pension_paid": "pension_paid"},
    "rpt_residents_pension_overview": {"res_pension_insured": "insured", "res_pension_paid": "benefit_paid"},
    "rpt_unemployment_overview": {"unemp_insured": "insured", "unemp_paid": "benefit_paid"},
    "rpt_injury_overview": {"injury_insured": "insured", "injury_paid": "settlement_paid"},
    "rpt_maternity_overview": {"maternity_insured": "insured", "maternity_income": "contribution_income"},
}


@pytest.mark.parametrize("source", sorted(OVERVIEW))
def test_district_overview_totals_equal_the_sources_beijing_rows(admin, source):
    cols = OVERVIEW[source]
    ours = ", ".join(f"sum({c})" for c in cols)
    theirs = ", ".join(cols.values())
    got = admin.execute(f"select month_start, {ours} from official.rpt_modules_district_overview "  # noqa: S608
                        f"group by 1 order by 1").fetchall()
    want = admin.execute(f"select month_start, {theirs} from official.{source} "  # noqa: S608
                         f"where district_code = '110000' order by 1").fetchall()
    assert got and got == want


def test_insurance_profile_flows_explain_the_change_of_the_stock(admin):
    """City-wide, per insurance and month: persons newly insured − persons no longer insured = Δ insured."""
    rows = admin.execute("""
        with m as (select insurance_type_code, month_start, sum(insured) as insured, sum(entries) as entries,
                          sum(exits) as exits
                   from official.rpt_modules_insurance_profile group by 1, 2)
        select c.insurance_type_code, c.month_start, c.entries - c.exits, c.insured - p.insured
        from m c join m p on p.insurance_type_code = c.insurance_type_code
                         and p.month_start = (c.month_start - interval '1 month')::date""").fetchall()
    assert {r[0] for r in rows} == {"110", "120", "170", "210", "410"}
    bad = [r for r in rows if r[2] != r[3]]
    assert not bad, bad
    # the first month in the warehouse has no previous month: its flows are unknown, not zero
    first = admin.execute("select count(*) filter (where entries is not null) from official.rpt_modules_insurance_profile "
                          "where month_start = (select min(month_start) from official.rpt_modules_insurance_profile)"
                          ).fetchone()[0]
    assert first == 0


def test_retiree_projection_follows_the_documented_method(admin):
    """Year k: retirees of the base × (1 − q)^k + Σ new retirees of year j × (1 − q)^(k − j); new retirees of year j
    = the active insured aged (60 men / 55 women) − j in the pyramid; q = deaths ÷ retirees × 12 (capped at 0.2)."""
    month, ins, gender = admin.execute(
        "select month_start, insurance_type_code, gender_code from official.rpt_modules_retiree_projection "
        "order by month_start desc, retired_base desc limit 1").fetchone()
    pyramid = admin.execute("select age, active_count, retired_count, deaths from official.rpt_dmp_actuarial_pyramid "
                            "where month_start = %s and insurance_type_code = %s and gender_code = %s",
                            (month, ins, gender)).fetchall()
    retired = sum(r[2] for r in pyramid)
    q = min(Decimal(sum(r[3] for r in pyramid)) * 12 / retired, Decimal("0.2"))
    base_age = 60 if gender == "1" else 55
    new = {k: sum(r[1] for r in pyramid if base_age - r[0] == k) for k in range(1, 11)}
    got = dict(admin.execute("select projection_year, projected_retirees from official.rpt_modules_retiree_projection "
                             "where month_start = %s and insurance_type_code = %s and gender_code = %s",
                             (month, ins, gender)).fetchall())
    q = round(q, 6)   # the mart keeps the rate it used, to six places, and projects with the unrounded one
    for k in (1, 5, 10):
        want = float(retired) * (1 - float(q)) ** k + sum(float(new[j]) * (1 - float(q)) ** (k - j)
                                                          for j in range(1, k + 1))
        assert abs(got[k] - want) <= max(1.0, want * 1e-5), (k, got[k], want)


def test_data_check_compares_dmp_with_the_interface_statistics(admin):
    """C03 (enterprise collection) is equal by construction of the synthetic ledger; the relation counts are
    compared cell by cell and the flags agree with the values."""
    rows = admin.execute("select check_code, dmp_value, interface_value, difference, is_consistent, is_discrepant "
                         "from official.rpt_modules_data_check").fetchall()
    assert {r[0] for r in rows} == {f"C0{i}" for i in range(1, 10)}
    for code, dmp, iface, diff, ok, bad in rows:
        assert diff == dmp - iface and ok == int(dmp == iface) and bad == 1 - ok, (code, dmp, iface)
    pension = admin.execute("select sum(insured_total) from official.rpt_pension_overview "
                            "where district_code <> '110000'").fetchone()[0]
    assert sum(r[2] for r in rows if r[0] == "C01") == pension


def test_quality_mart_counts_every_batch_once(admin):
    got = admin.execute("select sum(files), sum(rows_read), sum(rows_rejected) from official.rpt_modules_quality"
                        ).fetchone()
    want = admin.execute("select count(*), sum(rows_read), sum(rows_rejected) from audit.load_batch "
                         "where status <> 'superseded' and data_month in "
                         "(select distinct month_start from official.rpt_modules_quality)").fetchone()
    assert got == want


def _regions(role: str) -> set[tuple[str, str]]:
    """(region, origin) pairs the role sees through the view (and, for the same role, the table under it)."""
    with psycopg.connect(settings.role_url(role), autocommit=True, connect_timeout=10) as conn:
        seen = {tuple(r) for r in conn.execute("select distinct region_code, origin from history.v_observation_latest")}
        table = {r[0] for r in conn.execute("select distinct region_code from history.observation")}
        assert table == {r for r, _ in seen}
        return seen


def test_history_view_district_login_sees_its_district_and_the_published_regions_only(admin):
    if not admin.execute("select to_regclass('history.v_observation_latest')").fetchone()[0]:
        pytest.fail("no history view: `make publish` migrates the history schema")
    everyone = _regions("wh_superset")
    districts = set(access.districts())
    assert districts | {"110000", "100000", "120000", "130000"} <= {r for r, _ in everyone}
    assert ("110000", "warehouse") in everyone
    own = _regions(access.district_database_role(DISTRICT))
    assert {r for r, _ in own} & districts == {DISTRICT}
    # the public statistics of the city, the nation and 京津冀 — but not the warehouse's Beijing totals
    assert {("110000", "published"), ("100000", "published"), ("120000", "published")} <= own
    assert not [x for x in own if x[0] not in districts and x[1] == "warehouse"], own


def test_history_view_shows_the_newest_vintage(admin):
    rows = admin.execute("""
        select v.indicator_code, v.region_code, v.period, v.value, v.vintages,
               (select o.value from history.observation o where o.indicator_code = v.indicator_code
                  and o.region_code = v.region_code and o.period = v.period and o.freq = v.freq
                order by o.known_from desc limit 1),
               (select count(*) from history.observation o where o.indicator_code = v.indicator_code
                  and o.region_code = v.region_code and o.period = v.period and o.freq = v.freq)
        from history.v_observation_latest v""").fetchall()
    assert rows
    bad = [r for r in rows if r[3] != r[5] or r[4] != r[6]]
    assert not bad, bad[:5]
