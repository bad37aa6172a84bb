"""The figures of a fixed report, read from one release: the review release (schema `marts`, 审核版) or the
official one (`official`, 正式版). Nothing is computed here that the mart does not hold, except the sums a
definition asks for (全市 = Σ 区县 where the mart has no 全市 row; 本年累计 = Σ months of a flow column)."""
from __future__ import annotations

from decimal import Decimal

from psycopg import sql

from pipeline.fixedreports.spec import Report

BEIJING = "110000"
SCHEMAS = {"review": "marts", "official": "official"}


def _select(report: Report, schema: str) -> sql.Composable:
    cols = sql.SQL(", ").join(sql.Identifier(c.key) for c in report.columns)
    return sql.SQL("select month_key, district_code, district_name, {} from {}.{}").format(
        cols, sql.Identifier(schema), sql.Identifier(report.source))


def _values(report: Report, row) -> dict:
    return {c.key: v for c, v in zip(report.columns, row[3:])}


def months(conn, report: Report, schema: str) -> list[int]:
    return [r[0] for r in conn.execute(sql.SQL("select distinct month_key from {}.{} order by 1").format(
        sql.Identifier(schema), sql.Identifier(report.source)))]


def beijing_edition(conn, report: Report, schema: str, month: int) -> list[tuple[str, str, dict]]:
    """(district code, label, values) for every district of the month in the mart's order, then 全市."""
    q = sql.SQL("{} where month_key = %s order by district_sort, district_code").format(_select(report, schema))
    rows = conn.execute(q, (month,)).fetchall()
    out = [(r[1], r[2] or r[1], _values(report, r)) for r in rows if r[1] != BEIJING]
    if report.beijing_row == BEIJING:
        total = [r for r in rows if r[1] == BEIJING]
        if not total:
            raise LookupError(f"{schema}.{report.source} 没有 {month} 的全市行(110000)")
        out.append((BEIJING, "全市", _values(report, total[0])))
    else:
        sums = {}
        for c in report.columns:
            vals = [v[c.key] for _, _, v in out]
            sums[c.key] = (sum((x or 0 for x in vals), Decimal(0)) if c.kind in ("flow", "flow_count", "stock")
                           and any(x is not None for x in vals) else None)
        out.append((BEIJING, "全市", sums))
    return out


def district_edition(conn, report: Report, schema: str, month: int, district: str) -> list[tuple[str, dict]]:
    """(label, values) of one district (or 全市) for each month of the year up to `month`, then 本年累计:
    flows summed over the months in the warehouse; levels, monthly person counts and ratios have no year sum."""
    if district == BEIJING and report.beijing_row == "sum":
        by_month = []
        for m in months(conn, report, schema):
            if month // 100 * 100 < m <= month:
                rows = beijing_edition(conn, report, schema, m)
                by_month.append((m, rows[-1][2]))
    else:
        q = sql.SQL("{} where district_code = %s and month_key > %s and month_key <= %s order by month_key").format(
            _select(report, schema))
        by_month = [(r[0], _values(report, r)) for r in conn.execute(q, (district, month // 100 * 100, month))]
    out = [(f"{m // 100}年{m % 100}月", v) for m, v in by_month]
    ytd = {c.key: (sum((v[c.key] or 0 for _, v in by_month), Decimal(0)) if c.kind == "flow" else None)
           for c in report.columns}
    out.append((f"本年累计({len(by_month)}个月)", ytd))
    return out
