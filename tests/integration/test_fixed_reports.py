"""固定报表 on the session warehouse (built and published): every report's figures — each district row, the 全市
row, and a district edition's months and 本年累计 — equal the marts, computed here independently by SQL; the
archived XLSX of the official release carries the title, merged headers and the same 全市 total; the PDF book
exists."""
from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest
from openpyxl import load_workbook
from psycopg import sql

from foundation import settings
from pipeline.fixedreports import archive, data, render, spec
from tests.integration.official_release import require_official

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def conn(server_url):
    with psycopg.connect(server_url, autocommit=True) as c:
        require_official(c)
        yield c


@pytest.fixture(scope="module")
def month(conn) -> int:
    return int(conn.execute("select data_month from official.release_info").fetchone()[0])


def _mart(conn, schema, report, where, args):
    cols = sql.SQL(", ").join(sql.SQL("sum({0})").format(sql.Identifier(c.key)) if c.kind != "ratio" else
                              sql.SQL("max({0})").format(sql.Identifier(c.key)) for c in report.columns)
    q = sql.SQL("select {} from {}.{} where ").format(cols, sql.Identifier(schema), sql.Identifier(report.source))
    return dict(zip([c.key for c in report.columns], conn.execute(q + sql.SQL(where), args).fetchone()))


@pytest.mark.parametrize("report", spec.reports(), ids=lambda r: r.id)
def test_beijing_edition_equals_the_mart(conn, month, report):
    rows = data.beijing_edition(conn, report, "official", month)
    assert rows[-1][1] == "全市" and len(rows) >= 17, "16 districts (and 999999 if any) and 全市"
    for code, _, values in rows[:-1]:
        want = _mart(conn, "official", report, "month_key = %s and district_code = %s", (month, code))
        assert values == want, f"{report.id} {code}"
    total = rows[-1][2]
    districts = _mart(conn, "official", report, "month_key = %s and district_code <> '110000'", (month,))
    for c in report.columns:
        if c.kind == "ratio":
            continue
        assert total[c.key] == districts[c.key], f"{report.id} 全市 {c.key} ≠ Σ 区县 in the mart"
    if report.beijing_row == "110000":
        own = _mart(conn, "official", report, "month_key = %s and district_code = '110000'", (month,))
        assert total == own, f"{report.id}: 全市 row ≠ the mart's 110000 row"


@pytest.mark.parametrize("report", spec.reports(), ids=lambda r: r.id)
def test_district_edition_months_and_year_to_date_equal_the_mart(conn, month, report):
    rows = data.district_edition(conn, report, "official", month, "110105")
    year_start = month // 100 * 100
    want = _mart(conn, "official", report, "month_key > %s and month_key <= %s and district_code = '110105'",
                 (year_start, month))
    ytd = rows[-1][1]
    assert rows[-1][0].startswith("本年累计")
    for c in report.columns:
        if c.kind == "flow":
            assert ytd[c.key] == want[c.key], f"{report.id} 本年累计 {c.key}"
        else:
            assert ytd[c.key] is None


def test_official_archive_xlsx_has_layout_and_totals(conn, month):
    target = archive.out_dir(str(month), "official")
    index_path = target / "index.json"
    if not index_path.exists():      # the session's publish wrote it; regenerate XLSX only if it is missing
        archive.generate(str(month), "official", with_pdf=False, url=settings.warehouse_url(), log=lambda *_: None)
    idx = json.loads(index_path.read_text(encoding="utf-8"))
    entry = next(r for r in idx["reports"] if r["id"] == "collection")
    ws = load_workbook(target / entry["files"]["110000"]).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].value == "北京市社会保险费收缴固定报表"
    assert str(ws["A2"].value).startswith("报告期:") and str(ws["A3"].value).startswith("计量单位")
    heads = {ws.cell(4, c).value for c in range(1, 13)}
    assert {"地区", "企业职工基本养老保险", "机关事业单位养老保险", "城乡居民养老保险", "收缴合计"} <= heads
    assert "A4:A5" in merged and "B4:D4" in merged                     # 地区 spans 2 rows; a 3-column group
    total_row = next(r for r in range(6, ws.max_row + 1) if ws.cell(r, 1).value == "全市")
    col = next(c for c in range(2, ws.max_column + 1) if ws.cell(5, c).value == "本月")     # 收缴合计 · 本月
    want = conn.execute("select sum(total_collection) from official.rpt_dmp_collection_fixed_report "
                        "where month_key = %s", (month,)).fetchone()[0]
    assert Decimal(str(ws.cell(total_row, col).value)).quantize(Decimal("0.01")) == want
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("制表单位" in t and "制表日期" in t and "审核人" in t for t in texts)
    assert any(t.startswith("1. 企业职工基本养老保险") for t in texts), "口径 notes"
    if idx["books"]:
        assert (target / idx["books"]["110000"]).stat().st_size > 10_000


def test_review_edition_is_marked_and_reads_marts(conn, month):
    t = render.table(conn, spec.get("pension"), "review", month, "110000", "全市")
    assert t.watermark == "审核版" and "审核版" in t.notes[0]


def test_build_run_log_records_the_review_edition(conn, month):
    """The build's run-log entry says what the 审核版 produced (it was written, then overwritten by the entry's
    other details): the counts equal the archive's index."""
    detail = conn.execute("""select detail->'fixed_reports' from audit.run_log
                              where action = 'build' and data_month = %s and detail ? 'fixed_reports'
                              order by run_id desc limit 1""", (str(month),)).fetchone()
    assert detail, f"no build of {month} recorded its fixed reports in audit.run_log"
    idx = json.loads((archive.out_dir(str(month), "review") / "index.json").read_text(encoding="utf-8"))
    assert detail[0] == {"reports": len(idx["reports"]), "books": len(idx["books"])}
    assert detail[0]["reports"] > 0
