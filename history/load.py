"""Loading the history database: the real published figures (initial history) and, after every publish, the
warehouse month's indicators from the official release, reconciled with the marts they came from.

    python -m history load-published
    python -m history load-warehouse [--month 202501]
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from history import store

DATA = Path(__file__).resolve().parent / "data"
PUBLISHED = DATA / "published_statistics.csv"
SOURCES = DATA / "published_statistics.sources.md"
OFFICIAL = "official"
REGION_CODES = {"北京": "110000", "天津": "120000", "河北": "130000", "全国": "100000"}
GRADE_RANK = {"A": 0, "B": 1, "C": 2}


class LoadError(ValueError):
    pass


def source_grades() -> dict[str, str]:
    """URL → reliability grade (A/B/C) from sources.md."""
    grades, url = {}, None
    for line in SOURCES.read_text(encoding="utf-8").splitlines():
        m = re.search(r"地址: (\S+)", line)
        if m:
            url = m.group(1)
        m = re.search(r"分级: ([ABC])", line)
        if m and url:
            grades[url] = m.group(1)
            url = None
    return grades


def period_of(period: str, frequency: str) -> tuple[str, str]:
    """Published period → (stored period, freq). Quarterly values come under the quarter's last month."""
    if re.fullmatch(r"\d{4}", period):
        return period, "Y"
    m = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if not m:
        raise LoadError(f"期别 {period!r} 不是 YYYY 或 YYYY-MM")
    if frequency == "Q":
        mon = int(m.group(2))
        if mon % 3:
            raise LoadError(f"季度指标的期别 {period} 不是季末月")
        return f"{m.group(1)}Q{mon // 3}", "Q"
    return period, "M"


def known_from_of(period: str) -> datetime:
    """When a published figure became known, by the usual publication calendar (annual bulletins by the end of
    the following February, monthly/quarterly releases by the 20th of the following month). The exact day of
    each source page is not in the file; this estimate is what makes "as of" queries on published data usable."""
    y = int(period[:4])
    if len(period) == 4:
        return datetime(y + 1, 3, 1, tzinfo=timezone.utc)
    mon = int(period[5:7]) if "-" in period else int(period[-1]) * 3
    y2, m2 = (y + 1, 1) if mon == 12 else (y, mon + 1)
    return datetime(y2, m2, 20, tzinfo=timezone.utc)


def published_rows(path: Path = PUBLISHED) -> list[dict]:
    """The published CSV as observation rows in each indicator's catalogue unit. Rows for the same indicator,
    region and period from different sources: the most reliable (grade A > B > C, then the more precise value) is
    the value; the others are kept in its footnote with their value, unit and source."""
    cat = store.catalogue()
    grades = source_grades()
    groups: dict[tuple, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            ind = cat.indicators.get(r["indicator_code"])
            if ind is None:
                raise LoadError(f"{path.name} 第 {line} 行 indicator_code: 指标 {r['indicator_code']} 不在指标体系中")
            region = REGION_CODES.get(r["region"])
            if region is None:
                raise LoadError(f"{path.name} 第 {line} 行 region: 未知地区 {r['region']}")
            try:
                value = cat.convert_unit(float(r["value"]), r["unit"], ind["unit"])
            except KeyError as e:
                raise LoadError(f"{path.name} 第 {line} 行 unit: {e.args[0]}") from None
            period, freq = period_of(r["period"], ind["frequency"])
            grade = grades.get(r["source_url"], "C")
            groups[(ind["code"], region, period)].append(
                {"indicator": ind["code"], "region": region, "period": period, "freq": freq,
                 "value": round(value, 6), "grade": grade, "digits": len(r["value"].replace(".", "").strip("0")),
                 "raw": f"{r['value']} {r['unit']}", "source_url": r["source_url"], "note": r["note"],
                 "name": r["indicator_name_zh"], "published_period": r["period"],
                 "change": r["published_change"], "change_unit": r["published_change_unit"]})
    out = []
    for key, rows in groups.items():
        rows.sort(key=lambda x: (GRADE_RANK[x["grade"]], -x["digits"]))
        best = rows[0]
        foot = [f"来源({best['grade']}级): {best['note']}" if best["note"] else f"来源({best['grade']}级)"]
        if best["change"]:
            foot.append(f"来源公布的变化: {best['change']} {best['change_unit']}")
        for o in rows[1:]:
            foot.append(f"另一来源({o['grade']}级)为 {o['raw']}: {o['note']} <{o['source_url']}>")
        out.append({**{k: best[k] for k in ("indicator", "region", "period", "freq", "value", "source_url")},
                    "footnote": "; ".join(foot), "source": f"{best['name']} — {best['source_url']}",
                    "known_from": known_from_of(best["published_period"] if best["freq"] != "Q" else best["period"])})
    return out


def load_published(conn, who: str | None = None, log=print) -> dict:
    store.sync_catalogue(conn)
    rows = published_rows()
    load_id = store.start_load(conn, "published", who=who, detail={"file": PUBLISHED.name, "rows": len(rows)})
    counts = {"new": 0, "revised": 0, "unchanged": 0}
    by_time = defaultdict(list)
    for r in rows:
        by_time[r["known_from"]].append(r)
    for kf, rs in sorted(by_time.items()):
        c = store.write_vintage(conn, rs, load_id, known_from=kf, who=who)
        for k in counts:
            counts[k] += c[k]
    conn.execute(f"update {store.SCHEMA}.load set detail = detail || %s::jsonb where load_id = %s",
                 (__import__("json").dumps(counts), load_id))
    log(f"[history] 公开发布数据: {len(rows)} 个值 (新增 {counts['new']}, 修订 {counts['revised']}, 未变 {counts['unchanged']})")
    return counts


# --- warehouse → history after publish ----------------------------------------------------------------------

def _dec(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def _q(x: Decimal, decimals: int) -> Decimal:
    return x.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _mart_values(conn, ind: dict, month_key: int | None) -> dict[tuple[str, str], Decimal | None]:
    """(period, district) → mart value × scale, per district row of the official mart (the mart's own 全市 row
    110000, = Σ districts incl. 999999 by the warehouse's tests, is left out: Beijing is summed here once)."""
    scale = Decimal(str(ind.get("scale", 1)))
    rows = conn.execute(
        f"select month_key, district_code, ({ind['column']}) from {OFFICIAL}.{ind['mart']} "
        f"where district_code <> '110000' and (%s::int is null or month_key = %s)", (month_key, month_key)).fetchall()
    return {(f"{mk // 100}-{mk % 100:02d}", d): (None if v is None else _dec(v) * scale) for mk, d, v in rows}


def warehouse_rows(conn, month_key: int | None = None) -> list[dict]:
    """Every warehouse indicator for each district (as in the mart) and for Beijing (sum over all rows incl.
    未知区县; ratios recomputed from the Beijing numerator and denominator, rounded to the indicator's decimals)."""
    cat = store.catalogue()
    inds = [d for d in cat.indicators.values() if d["origin"] == "warehouse"]
    base = {d["code"]: _mart_values(conn, d, month_key) for d in inds}
    beijing: dict[str, dict[str, Decimal | None]] = {}
    out = []
    for d in inds:
        if d["kind"] != "ratio":
            tot: dict[str, Decimal] = defaultdict(Decimal)
            for (p, dist), v in base[d["code"]].items():
                if v is not None:
                    tot[p] += v
            beijing[d["code"]] = dict(tot)
    for d in inds:
        vals = base[d["code"]]
        if d["kind"] == "ratio":
            num, den = beijing[d["numerator"]], beijing[d["denominator"]]
            sc = Decimal(str(d.get("ratio_scale", 1)))
            bj = {p: (_q(num[p] / den[p] * sc, d["decimals"]) if den.get(p) else None) for p in num}
        else:
            bj = beijing[d["code"]]
        src = f"{OFFICIAL}.{d['mart']}.{d['column']}"
        if not d.get("beijing_only"):
            for (p, dist), v in vals.items():
                if dist == "999999":
                    continue
                out.append({"indicator": d["code"], "region": dist, "period": p, "freq": "M", "value": v,
                            "source": src})
        for p, v in bj.items():
            out.append({"indicator": d["code"], "region": "110000", "period": p, "freq": "M", "value": v,
                        "source": src + (" (全市 = 各区县合计)" if d["kind"] != "ratio" else " (全市由分子分母合计重算)")})
    return out


def reconcile(conn, load_id: int, month_key: int | None = None) -> list[dict]:
    """Compare what the history database now knows with the official marts, computed independently in SQL
    (district rows as they are; Beijing as SQL sums, ratios as rounded ratio of SQL sums)."""
    cat = store.catalogue()
    inds = {c: d for c, d in cat.indicators.items() if d["origin"] == "warehouse"}
    expected: dict[tuple, Decimal | None] = {}
    for d in inds.values():
        scale = d.get("scale", 1)
        if not d.get("beijing_only"):
            for mk, dist, v in conn.execute(
                    f"select month_key, district_code, ({d['column']}) * %s::numeric from {OFFICIAL}.{d['mart']} "
                    f"where district_code not in ('999999', '110000') and (%s::int is null or month_key = %s)",
                    (str(scale), month_key, month_key)):
                expected[(d["code"], dist, f"{mk // 100}-{mk % 100:02d}")] = v
        if d["kind"] == "ratio":
            n, q = inds[d["numerator"]], inds[d["denominator"]]
            sql = (f"select month_key, round(sum({n['column']}) * %s::numeric / nullif(sum({q['column']}), 0) * %s::numeric"
                   f" / %s::numeric, %s) from {OFFICIAL}.{d['mart']} where district_code <> '110000'"
                   f" and (%s::int is null or month_key = %s) group by 1")
            params = (str(n.get("scale", 1)), str(d.get("ratio_scale", 1)), str(q.get("scale", 1)), d["decimals"],
                      month_key, month_key)
        else:
            sql = (f"select month_key, sum({d['column']}) * %s::numeric from {OFFICIAL}.{d['mart']} "
                   f"where district_code <> '110000' and (%s::int is null or month_key = %s) group by 1")
            params = (str(scale), month_key, month_key)
        for mk, v in conn.execute(sql, params):
            expected[(d["code"], "110000", f"{mk // 100}-{mk % 100:02d}")] = v
    got = store.current(conn, list(expected))
    rows = []
    for k, ev in expected.items():
        hv = got.get(k, {}).get("value")
        ok = store._same(hv, ev)
        rows.append({"indicator": k[0], "region": k[1], "period": k[2], "history": hv, "mart": ev, "ok": ok})
    with conn.cursor() as cur:
        cur.executemany(f"insert into {store.SCHEMA}.reconciliation values (%s,%s,%s,%s,%s,%s,%s)",
                        [(load_id, r["indicator"], r["region"], r["period"], r["history"], r["mart"], r["ok"])
                         for r in rows])
    return rows


def load_warehouse(conn, month: str | None = None, release_id=None, who: str | None = None, log=print) -> dict:
    """Write the official release's indicators as a new vintage (values unchanged since the last publish are not
    repeated) and reconcile them with the marts. Raises LoadError when the reconciliation fails; the caller's
    transaction then rolls back, so the history database never holds figures that disagree with the marts."""
    store.sync_catalogue(conn)
    if not conn.execute(f"select to_regclass('{OFFICIAL}.rpt_pension_overview')").fetchone()[0]:
        raise LoadError("没有正式版(schema official): 先发布 (make publish)")
    rows = warehouse_rows(conn)
    load_id = store.start_load(conn, "warehouse", month, who, {"release_id": release_id, "rows": len(rows)})
    counts = store.write_vintage(conn, rows, load_id, who=who)
    rec = reconcile(conn, load_id)
    bad = [r for r in rec if not r["ok"]]
    detail = {**counts, "reconciled": len(rec), "mismatches": len(bad)}
    conn.execute(f"update {store.SCHEMA}.load set detail = detail || %s::jsonb where load_id = %s",
                 (__import__("json").dumps(detail), load_id))
    if bad:
        ex = "; ".join(f"{r['indicator']} {r['region']} {r['period']}: 历史库 {r['history']} ≠ mart {r['mart']}" for r in bad[:5])
        raise LoadError(f"发布后写入历史数据库核对不一致 {len(bad)} 处: {ex}")
    log(f"[history] 正式版 {month or ''} 写入历史数据库: 新增 {counts['new']}, 修订 {counts['revised']}, 未变 "
        f"{counts['unchanged']}; 与 mart 核对 {len(rec)} 个值全部一致 (load {load_id})")
    return {**detail, "load_id": load_id}


def after_publish(month: str, release_id=None, log=print, url: str | None = None) -> dict:
    """The publish hook (pipeline/release.py), on the database that was published: one transaction; then the 监测月报
    of the month."""
    with store.connect(dsn=url) as conn:
        store.sync_catalogue(conn)
        if not conn.execute(f"select 1 from {store.SCHEMA}.load where kind = 'published' limit 1").fetchone():
            load_published(conn, log=log)
        res = load_warehouse(conn, month, release_id, log=log)
    try:
        from history import report

        paths = report.generate(month, log=log, url=url)
        res["report"] = {k: str(v) for k, v in paths.items()}
    except Exception as e:  # noqa: BLE001 — the report failing must not hide that the data was written
        log(f"[history] 监测月报 {month} 生成失败: {e}")
        res["report_error"] = str(e)
    return res
