"""The whole path on a scratch database: generate → load → dbt build; the mart equals direct SQL over
the loaded rows, and the balance tests fail loudly when the figures disagree."""
import subprocess
import sys

import psycopg
import pytest

from foundation import settings
from loaders.load import load_month
from synth.__main__ import generate

pytestmark = pytest.mark.integration
MONTHS = ["202407", "202408"]


def dbt(args, url, tmp):
    env_cmd = [sys.executable, "-m", "runtime.dbt", *args]
    import os

    env = {**os.environ, "WAREHOUSE_URL": url, "DBT_TARGET_PATH": str(tmp / "target"),
           "DBT_LOG_PATH": str(tmp / "logs")}
    return subprocess.run(env_cmd, cwd=settings.ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory, module_scratch_url):
    tmp = tmp_path_factory.mktemp("wh")
    url = module_scratch_url
    generate(MONTHS[0], len(MONTHS), 0.0005, 5, out=tmp / "exchange")
    for m in MONTHS:
        load_month(m, url=url, folder=tmp / "exchange" / m, log=lambda *_: None)
    res = dbt(["build", "--no-use-colors"], url, tmp)
    assert res.returncode == 0, res.stdout[-3000:]
    return url, tmp


def test_mart_equals_direct_sql_over_loaded_rows(built):
    url, _ = built
    with psycopg.connect(url) as c:
        mart = c.execute("""
            select month_start, sum(insured_active), sum(insured_retired), sum(contributors),
                   sum(contribution_income), sum(pension_paid)
            from marts.rpt_pension_overview where district_code <> '110000' group by 1 order by 1""").fetchall()
        beijing = c.execute("""
            select month_start, insured_active, insured_retired, contributors, contribution_income, pension_paid
            from marts.rpt_pension_overview where district_code = '110000' order by 1""").fetchall()
        direct = c.execute("""
            select to_date(p.data_month, 'YYYYMM'),
                   (select count(*) from raw.ent_pension_person x where x.data_month = p.data_month
                       and x.insured_status in ('1','2')),
                   (select count(*) from raw.ent_pension_retiree x where x.data_month = p.data_month),
                   (select count(distinct person_id) from raw.ent_pension_contribution x where x.data_month = p.data_month),
                   (select sum(employer_amount + employee_amount) from raw.ent_pension_contribution x
                       where x.data_month = p.data_month),
                   (select sum(amount) from raw.ent_pension_payment x where x.data_month = p.data_month)
            from (select distinct data_month from raw.ent_pension_person) p order by 1""").fetchall()
        assert len(mart) == len(MONTHS)
        assert mart == direct
        assert beijing == direct        # the Beijing row 110000 北京市(全市) = Σ districts = the loaded rows
        districts = c.execute("select count(distinct district_code) from marts.rpt_pension_overview "
                              "where district_code <> '110000'").fetchone()[0]
        assert districts == 16
        ratio = c.execute("""select dependency_ratio, round(insured_active::numeric / insured_retired, 4)
                             from marts.rpt_pension_overview where district_code = '110105' limit 1""").fetchone()
        assert ratio[0] == ratio[1]


def test_check_table_mismatch_fails_and_names_the_cell(built):
    url, tmp = built
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("""update raw.check_table set value = value + 1 where source = 'pension'
                     and data_month = '2024-08-01' and district_code = '110108' and measure = 'insured_active'""")
    try:
        res = dbt(["test", "--no-use-colors", "--select", "assert_pension_overview_equals_check_table"], url, tmp)
        assert res.returncode != 0
        assert "assert_pension_overview_equals_check_table" in res.stdout and "Got 1 result" in res.stdout
        with psycopg.connect(url) as c:
            row = c.execute("select month_start::text, district_code, measure, difference "
                            "from test_failures.assert_pension_overview_equals_check_table").fetchone()
        assert row == ("2024-08-01", "110108", "insured_active", -1)
    finally:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("""update raw.check_table set value = value - 1 where source = 'pension'
                         and data_month = '2024-08-01' and district_code = '110108' and measure = 'insured_active'""")
    assert dbt(["test", "--select", "assert_pension_overview_equals_check_table"], url, tmp).returncode == 0


def test_district_sum_balance_fails_when_a_district_row_is_wrong(built):
    url, tmp = built
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("update marts.rpt_pension_overview set pension_paid = pension_paid + 0.01 "
                  "where district_code = '110101' and month_start = '2024-07-01'")
    res = dbt(["test", "--no-use-colors", "--select", "assert_pension_districts_sum_to_beijing"], url, tmp)
    assert res.returncode != 0 and "Got 1 result" in res.stdout
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("update marts.rpt_pension_overview set pension_paid = pension_paid - 0.01 "
                  "where district_code = '110101' and month_start = '2024-07-01'")
    assert dbt(["test", "--select", "assert_pension_districts_sum_to_beijing"], url, tmp).returncode == 0


def test_docs_generate_and_every_model_and_column_is_described(built):
    import json

    url, tmp = built
    res = dbt(["docs", "generate", "--no-use-colors"], url, tmp)
    assert res.returncode == 0, res.stdout[-2000:]
    manifest = json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((tmp / "target" / "catalog.json").read_text(encoding="utf-8"))
    missing = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed", "snapshot") or node["package_name"] != "hrss_warehouse":
            continue
        if not node.get("description"):
            missing.append(uid)
        documented = {k.lower(): v.get("description") for k, v in node["columns"].items()}
        for col in catalog["nodes"].get(uid, {}).get("columns", {}):
            if not documented.get(col.lower()):
                missing.append(f"{uid}.{col}")
    assert missing == [], f"{len(missing)} undocumented: {missing[:20]}"
    pii = [c for n in manifest["nodes"].values() for c in n.get("columns", {}).values()
           if (c.get("meta") or {}).get("pii")]
    assert len(pii) >= 10


def test_dropped_rows_in_a_redelivery_fail_the_check_table_test(built):
    """A re-delivered payment file loses ten rows while the provider's check table still counts them:
    the incremental build restates the month and the check-table balance names the cells."""
    from synth.writer import write_marker

    url, tmp = built
    path = tmp / "exchange" / "202408" / "QYYL_DYFF_202408.txt"
    original = path.read_bytes()
    lines = original.splitlines(keepends=True)
    try:
        short = b"".join(lines[10:])
        path.write_bytes(short)
        write_marker(path, short, len(lines) - 10)
        load_month("202408", url=url, folder=path.parent, log=lambda *_: None)
        res = dbt(["build", "--no-use-colors", "--select", "+fct_pension_person_month+"], url, tmp)
        (tmp / "dropped.log").write_text(res.stdout)
        assert res.returncode != 0
        assert "FAIL" in res.stdout and "assert_pension_overview_equals_check_table" in res.stdout
        with psycopg.connect(url) as c:
            cells = c.execute("select distinct measure from test_failures.assert_pension_overview_equals_check_table"
                              ).fetchall()
        assert ("pension_paid",) in cells
    finally:
        path.write_bytes(original)
        write_marker(path, original, len(lines))
        load_month("202408", url=url, folder=path.parent, log=lambda *_: None)
    res = dbt(["build", "--no-use-colors", "--select", "+fct_pension_person_month+"], url, tmp)
    assert res.returncode == 0, res.stdout[-2000:]


def test_a_corrected_caliber_seed_restates_history(built, tmp_path):
    """Caliber parameters are joined at report time: correcting a seed (here the 2023 social average wage, the 2024
    pension adjustment and the 2024 fund budget) and building again restates every month already built, without
    reloading anything. Built from a copy of the dbt project so the repository's seeds stay untouched."""
    import shutil

    url, tmp = built
    project = tmp_path / "warehouse"
    shutil.copytree(settings.WAREHOUSE_DBT, project,
                    ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml"))
    caliber = project / "seeds" / "caliber"

    def edit(name: str, old: str, new: str) -> None:
        path = caliber / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    edit("caliber_social_average_wage.csv", "2023,10968,", "2023,20000,")
    edit("caliber_pension_adjustment.csv", "2024,0.030,", "2024,0.050,")
    edit("caliber_fund_budget.csv", "2024,110,480000000000,", "2024,110,960000000000,")
    select = ["--select", "caliber_social_average_wage+", "caliber_pension_adjustment+", "caliber_fund_budget+"]

    def figures():
        with psycopg.connect(url) as c:
            base = c.execute("select month_key, social_average_wage, average_base, base_to_average_wage "
                             "from marts.rpt_pension_contribution_base where district_code = '110105' "
                             "order by 1").fetchall()
            level = c.execute("select month_key, social_average_wage, adjustment_rate, pension_to_average_wage, "
                              "average_pension from marts.rpt_pension_benefit_level where district_code = '110105' "
                              "order by 1").fetchall()
            budget = c.execute("select month_key, income_budget, income_ytd, income_execution_rate, data_scale "
                               "from marts.rpt_fund_budget_caliber where insurance_type_code = '110' order by 1"
                               ).fetchall()
        return base, level, budget

    from decimal import Decimal

    def close(ratio, num, den, places):      # PostgreSQL's round() of num ÷ den
        return ratio is not None and abs(Decimal(ratio) - Decimal(num) / Decimal(den)) <= Decimal(5).scaleb(-places - 1)

    before = figures()
    assert [r[1] for r in before[0]] == [10968, 10968] and [r[2] for r in before[1]] == [Decimal("0.030")] * 2
    try:
        res = dbt(["build", "--no-use-colors", "--project-dir", str(project), *select], url, tmp)
        assert res.returncode == 0, res.stdout[-3000:]
        base, level, budget = figures()
        assert [r[1] for r in base] == [20000, 20000]                            # both months restated
        assert all(close(r[3], r[2], 20000, 4) for r in base)                     # and the ratios with them
        assert [r[1:3] for r in level] == [(20000, Decimal("0.050"))] * 2
        assert all(close(r[3], r[4], 20000, 4) for r in level)
        # Beijing's budget taken at the drop's scale (dim_month.data_scale, from its manifest)
        assert all(r[4] < 1 and r[1] == (960000000000 * r[4]).quantize(Decimal("0.01")) for r in budget)
        assert [r[2] for r in budget] == [r[2] for r in before[2]]               # actuals unchanged
        assert all(close(r[3], r[2], 960000000000 * r[4], 6) for r in budget)
    finally:
        res = dbt(["build", "--no-use-colors", *select], url, tmp)                # the repository's seeds again
    assert res.returncode == 0, res.stdout[-3000:]
    assert figures() == before


def test_every_built_table_has_planner_statistics(built):
    """dbt analyses every table and incremental model right after building it (macros/analyze_relation.sql), so the
    next model is planned with the new month's statistics; views are not tables and have none."""
    url, _ = built
    with psycopg.connect(url) as c:
        missing = c.execute("""
            select t.table_schema || '.' || t.table_name
            from information_schema.tables t
            left join pg_stat_user_tables s on s.schemaname = t.table_schema and s.relname = t.table_name
            where t.table_schema in ('intermediate', 'marts') and t.table_type = 'BASE TABLE'
              and s.last_analyze is null""").fetchall()
        tables = c.execute("select count(*) from information_schema.tables where table_schema in "
                           "('intermediate', 'marts') and table_type = 'BASE TABLE'").fetchone()[0]
    assert tables > 100 and missing == []
