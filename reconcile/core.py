"""The reconciliation itself (see the package docstring)."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import psycopg
import yaml

from foundation import settings

BEIJING = "110000"
INDICATORS = settings.SEEDS / "indicators" / "indicator_definitions.csv"
SUPERSET_DATASETS = settings.ROOT / "superset" / "dashboards" / "datasets"


COMPARISON_LABELS = {"cube": "多维分析服务", "superset": "看板数据集", "check_table": "提供方核对表", "error": "无法核对"}


@dataclass
class Difference:
    indicator_code: str
    indicator_name: str
    comparison: str
    published_in: str
    month_key: int | None
    district_code: str | None
    mart_value: Decimal | None
    other_value: Decimal | None
    note: str = ""

    @property
    def difference(self) -> Decimal | None:
        if self.mart_value is None and self.other_value is None:
            return None
        return (self.other_value or 0) - (self.mart_value or 0)

    def cell(self) -> str:
        where = "全市" if self.district_code == BEIJING else (self.district_code or "")
        return f"{self.month_key or ''} {where}".strip()


def load_indicators(path: Path | None = None) -> list[dict]:
    with (path or INDICATORS).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _datasets(directory: Path | None = None) -> dict[str, dict]:
    """Superset datasets of the warehouse connection by table name (metrics by name)."""
    out = {}
    for p in sorted((directory or SUPERSET_DATASETS).glob("warehouse/*.yaml")):
        y = yaml.safe_load(p.read_text(encoding="utf-8"))
        out[y["table_name"]] = {"sql": y.get("sql"), "metrics": {m["metric_name"]: m["expression"]
                                                              for m in y.get("metrics") or []}}
    return out


def _q(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _scale(conn, schema: str, table: str, column: str) -> int | None:
    row = conn.execute("select data_type, numeric_scale from information_schema.columns where table_schema = %s "
                       "and table_name = %s and column_name = %s", (schema, table, column)).fetchone()
    if row is None:
        raise LookupError(f"{schema}.{table} has no column {column}")
    return 0 if row[0] in ("bigint", "integer", "smallint") else row[1]


def _round(v: Decimal | None, scale: int | None) -> Decimal | None:
    if v is None or scale is None:
        return v
    return v.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)


def _equal(a: Decimal | None, b: Decimal | None) -> bool:
    """Equal cells; a missing cell and 0 are the same (the marts list zero rows, the cube omits empty cells)."""
    return (a or Decimal(0)) == (b or Decimal(0)) if (a is None) != (b is None) else a == b


def _mart(conn, schema: str, mart: str, column: str, months: list[int] | None) -> dict[tuple[int, str], Decimal]:
    rows = conn.execute(f'select month_key, district_code, "{column}" from {schema}."{mart}"'  # noqa: S608
                        + (" where month_key = any(%s)" if months else ""), (months,) if months else ()).fetchall()
    return {(int(m), str(d)): _q(v) for m, d, v in rows}


def _compare(ind: dict, kind: str, where: str, mart: dict, other: dict, scale: int | None) -> list[Difference]:
    out = []
    for key in sorted(set(mart) | set(other)):
        a, b = mart.get(key), _round(other.get(key), scale)
        if not _equal(a, b):
            out.append(Difference(ind["indicator_code"], ind["indicator_name"], kind, where, key[0], key[1], a, b))
    return out


def _cube_cells(conn, schema: str, cube, measure: str, months: list[int] | None) -> dict[tuple[int, str], Decimal]:
    from cube.query import build_request

    present = {r[0] for r in conn.execute("select table_name from information_schema.tables where table_schema = %s",
                                          (schema,))}
    available = frozenset(a.table for a in (*cube.aggregates, *cube.distinct_aggregates) if a.table in present)
    out: dict[tuple[int, str], Decimal] = {}
    for drill, beijing in (("time:month,district", False), ("time:month", True)):
        cells_q, _ = build_request(cube, schema, drilldown=drill, measures=measure, pagesize=10000,
                                   available=available)
        stmt, params = cells_q.build()
        cur = conn.execute(stmt, params)
        cells = cells_q.format_rows([d.name for d in cur.description], cur.fetchall())[0]
        for c in cells:
            if months and int(c["time.month"]) not in months:
                continue
            out[(int(c["time.month"]), BEIJING if beijing else str(c["district"]))] = _q(c[measure])
    return out


def _superset_cells(conn, schema: str, ds: dict, table: str, metric: str,
                    months: list[int] | None) -> dict[tuple[int, str], Decimal]:
    expr = ds["metrics"][metric]
    # a virtual dataset (e.g. a mart joined with the district outlines for the map) reads the published release by
    # name; what is reconciled is `schema` (the review build before it is published), as for a table dataset
    sql = re.sub(r"\bofficial\.", f"{schema}.", ds["sql"]) if ds["sql"] else None
    source = f"({sql}) d" if sql else f'{schema}."{table}" d'
    filt = f"where district_code <> '{BEIJING}'" + (" and month_key = any(%s)" if months else "")
    args = (months, months) if months else ()
    rows = conn.execute(f"""select month_key, district_code, {expr} from {source} {filt} group by 1, 2
                            union all
                            select month_key, '{BEIJING}', {expr} from {source} {filt} group by 1""",  # noqa: S608
                        args).fetchall()
    return {(int(m), str(d)): _q(v) for m, d, v in rows}


def _check_cells(conn, schema: str, source: str, measure: str,
                 months: list[int] | None) -> dict[tuple[int, str], Decimal]:
    """The provider's check table for months it was delivered in full (stg_audit__undelivered_sources)."""
    undelivered = "true"
    if conn.execute("select to_regclass('staging.stg_audit__undelivered_sources')").fetchone()[0]:
        undelivered = ("(c.data_month, c.source) not in (select month_start, source from "
                       "staging.stg_audit__undelivered_sources)")
    rows = conn.execute(f"""
        select (extract(year from c.data_month) * 100 + extract(month from c.data_month))::int, c.district_code,
               c.value
        from raw.check_table c
        where c.source = %s and c.measure = %s and {undelivered}""", (source, measure)).fetchall()
    out: dict[tuple[int, str], Decimal] = {}
    for m, d, v in rows:
        if months and m not in months:
            continue
        out[(m, d)] = _q(v)
        if d != BEIJING:
            out[(m, BEIJING)] = out.get((m, BEIJING), Decimal(0)) + _q(v)
    return out


def reconcile(url: str | None = None, schema: str = "marts", months: list[int] | None = None,
              cubes_dir: Path | None = None, indicators: list[dict] | None = None,
              datasets_dir: Path | None = None, only: set[str] | None = None) -> tuple[list[Difference], dict]:
    """All differences, and a summary {comparisons: n, cells: n, by kind} of what was compared."""
    from cube.model import load_cubes

    cubes = load_cubes(cubes_dir)
    datasets = _datasets(datasets_dir)
    diffs: list[Difference] = []
    summary = {"indicators": 0, "comparisons": 0, "cells": 0}
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        conn.execute("set statement_timeout = '300s'")
        for ind in indicators if indicators is not None else load_indicators():
            if only and ind["indicator_code"].split(".")[0] not in only and ind["indicator_code"] not in only:
                continue
            mart_name, col = ind["mart"], ind["mart_column"]
            if conn.execute("select to_regclass(%s)", (f'{schema}."{mart_name}"',)).fetchone()[0] is None:
                diffs.append(Difference(ind["indicator_code"], ind["indicator_name"], "error", mart_name, None, None,
                                        None, None, f"报表集市 {schema}.{mart_name} 不存在(未构建)"))
                continue
            summary["indicators"] += 1
            mart = _mart(conn, schema, mart_name, col, months)
            scale = _scale(conn, schema, mart_name, col)
            checks = []
            mart_for_check: dict = {}
            if ind.get("cube"):
                where = f"cube {ind['cube']}.{ind['cube_measure']}"
                try:
                    cube = cubes[ind["cube"]]
                    checks.append(("cube", where, _cube_cells(conn, schema, cube, ind["cube_measure"], months), scale))
                except Exception as exc:  # a cube that cannot answer is a difference too, never a skipped check
                    diffs.append(Difference(ind["indicator_code"], ind["indicator_name"], "error", where, None, None,
                                            None, None, f"{exc.__class__.__name__}: {exc}"[:300]))
            if ind.get("superset_dataset") and ind.get("superset_metric"):
                where = f"superset {ind['superset_dataset']}.{ind['superset_metric']}"
                try:
                    ds = datasets[ind["superset_dataset"]]
                    factor = Decimal(ind.get("superset_factor") or 1)
                    cells = _superset_cells(conn, schema, ds, ind["superset_dataset"], ind["superset_metric"], months)
                    # the chart shows mart × factor (万元); compared in the mart's unit at the mart's scale
                    cells = {k: (None if v is None else v / factor) for k, v in cells.items()}
                    checks.append(("superset", where, cells, scale))
                except Exception as exc:
                    diffs.append(Difference(ind["indicator_code"], ind["indicator_name"], "error", where, None, None,
                                            None, None, f"{exc.__class__.__name__}: {exc}"[:300]))
            if ind.get("check_source") and ind.get("check_measure"):
                where = f"核对表 {ind['check_source']}.{ind['check_measure']}"
                cells = _check_cells(conn, schema, ind["check_source"], ind["check_measure"], months)
                checked_months = {k[0] for k in cells}
                checks.append(("check_table", where, cells, scale))
                mart_for_check = {k: v for k, v in mart.items() if k[0] in checked_months}
            for kind, where, cells, sc in checks:
                base = mart_for_check if kind == "check_table" else mart
                summary["comparisons"] += 1
                summary["cells"] += len(set(base) | set(cells))
                diffs.extend(_compare(ind, kind, where, base, cells, sc))
    return diffs, summary


def record(diffs: list[Difference], schema: str, url: str | None = None) -> int:
    """Store one run's differences in audit.reconciliation; returns the run id (also when there are none)."""
    with psycopg.connect(url or settings.warehouse_url(), autocommit=True) as conn:
        if conn.execute("select to_regclass('audit.reconciliation')").fetchone()[0] is None:
            from loaders import db  # the audit schema's tables are defined (and owned) by the loader

            db.ensure_audit(conn)
        run_id = conn.execute("select coalesce(max(run_id), 0) + 1 from audit.reconciliation").fetchone()[0]
        rows = [(run_id, schema, d.indicator_code, d.indicator_name, d.comparison, d.published_in, d.month_key,
                 d.district_code, d.mart_value, d.other_value, d.difference, d.note) for d in diffs]
        # a marker row so an empty run is visible as a run
        rows.append((run_id, schema, "(run)", "本次核对", "run", json.dumps({"differences": len(diffs)}), None, None,
                     None, None, None, dt.datetime.now().isoformat(timespec="seconds")))
        with conn.cursor() as cur:
            cur.executemany("insert into audit.reconciliation (run_id, schema_name, indicator_code, indicator_name, "
                            "comparison, published_in, month_key, district_code, mart_value, other_value, difference, "
                            "note) values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)
    return run_id


def latest(conn) -> tuple[int | None, list[dict]]:
    """The differences of the latest run (for the quality report)."""
    if conn.execute("select to_regclass('audit.reconciliation')").fetchone()[0] is None:
        return None, []
    run_id = conn.execute("select max(run_id) from audit.reconciliation").fetchone()[0]
    cur = conn.execute("select indicator_code, indicator_name, comparison, published_in, month_key, district_code, "
                       "mart_value, other_value, difference, note from audit.reconciliation where run_id = %s "
                       "and comparison <> 'run' order by indicator_code, comparison, month_key, district_code",
                       (run_id,))
    names = [d.name for d in cur.description]
    return run_id, [dict(zip(names, r)) for r in cur.fetchall()]


def as_dicts(diffs: list[Difference]) -> list[dict]:
    return [{**asdict(d), "difference": d.difference} for d in diffs]
