"""KPIs: value of a cube measure in a month, its goal and status, and the trend against the previous month.

Goals come from the dbt seed warehouse/seeds/caliber/caliber_kpi_goals.csv (also loaded into the warehouse as
caliber.caliber_kpi_goals, described in the dbt docs; read here from the file so a goal changed in the repository
applies to the cube at once):
``kpi,label,cube,measure,goal,warning_limit,direction,scope,unit,scaled``.

* ``scaled: true`` — a count or amount goal, written for Beijing as it is (scale 1); it is compared at the month's
  data scale (``dim_month.data_scale`` of the release: 1 for real deliveries, a synthetic drop's scale from its
  manifest), so a demo drop at 1/50 of Beijing is held to 1/50 of the goal. Rates and ratios are ``false``.

* status, ``direction: higher`` (higher is better): good when value ≥ goal, warning when value ≥
  warning_limit, else bad; ``direction: lower``: good when value ≤ goal, warning when ≤ warning_limit.
* trend: change against the previous month (up / down / flat) and whether that is an improvement.
* ``scope: city`` — the goal is Beijing-wide (a count or amount); a district role gets the value of its
  district but no status (the goal does not apply). ``scope: any`` — a rate/ratio goal valid everywhere.
KPIs whose cube or measure is outside the caller's perspective are left out.
"""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from psycopg import sql

from cube.query import QueryError

GOALS_FILE = Path(__file__).resolve().parent.parent / "warehouse" / "seeds" / "caliber" / "caliber_kpi_goals.csv"


def load_goals(path: Path = GOALS_FILE) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["goal"] = Decimal(r["goal"])
        r["warning_limit"] = Decimal(r["warning_limit"])
        if r["direction"] not in ("higher", "lower") or r["scope"] not in ("city", "any"):
            raise ValueError(f"{path}: kpi {r['kpi']}: direction must be higher|lower, scope city|any")
        if r.get("scaled") not in ("true", "false"):
            raise ValueError(f"{path}: kpi {r['kpi']}: scaled must be true|false")
        r["scaled"] = r["scaled"] == "true"
    return rows


def data_scales(ctx) -> dict[int, Decimal]:
    """month_key → the scale of the release's data (dim_month.data_scale); {} when the release predates it."""
    try:
        _, rows = ctx.run(sql.SQL("select month_key, data_scale from {}.dim_month").format(sql.Identifier(ctx.schema)))
    except Exception:       # noqa: BLE001 — a release built before data_scale existed: goals at scale 1
        return {}
    return {int(k): Decimal(str(v)) for k, v in rows if v is not None}


def status(value: Any, goal: Decimal, warning: Decimal, direction: str) -> str | None:
    if value is None:
        return None
    v = Decimal(str(value))
    if direction == "higher":
        return "good" if v >= goal else "warning" if v >= warning else "bad"
    return "good" if v <= goal else "warning" if v <= warning else "bad"


def _prev_month(m: int) -> int:
    return m - 1 if m % 100 > 1 else (m // 100 - 1) * 100 + 12


def evaluate(ctx, month: int | None, aggregate: Callable) -> list[dict]:
    out = []
    scales = None
    for g in load_goals():
        try:
            cube = ctx.cube(g["cube"])
        except Exception:        # cube hidden from the role, or not deployed
            continue
        if cube.resolve_measure(g["measure"]) is None or not cube.time_dimension:
            continue
        tdim = cube.time_dim
        mlevel = tdim.level_of_grain("month")
        cut = f"{tdim.name}@{mlevel.name}:-{month}" if month else None
        try:
            res = aggregate(ctx, cube, cut=cut, drilldown=f"{tdim.name}@{mlevel.name}", measures=g["measure"],
                            order=f"{tdim.name}:desc", pagesize=2)
        except QueryError:
            continue
        ref = f"{tdim.name}.{mlevel.name}"
        cells = res["cells"]
        cur = cells[0] if cells else None
        if month and cur and cur[ref] != month:
            cur = None
        prev = cells[1] if cur and len(cells) > 1 and cells[1][ref] == _prev_month(cur[ref]) else None
        value = cur[g["measure"]] if cur else None
        prev_value = prev[g["measure"]] if prev else None
        applies = not (ctx.role.district and g["scope"] == "city")
        goal, warning, scale = g["goal"], g["warning_limit"], Decimal(1)
        if g["scaled"] and cur:
            scales = data_scales(ctx) if scales is None else scales
            scale = scales.get(int(cur[ref]), Decimal(1))
            goal, warning = goal * scale, warning * scale
        change = (Decimal(str(value)) - Decimal(str(prev_value))) if value is not None and prev_value is not None else None
        trend = None if change is None else "up" if change > 0 else "down" if change < 0 else "flat"
        good_way = "up" if g["direction"] == "higher" else "down"
        out.append({
            "kpi": g["kpi"], "label": g["label"], "cube": cube.name, "measure": g["measure"],
            "measure_label": cube.measure_label(g["measure"]), "unit": g["unit"] or None,
            "month": cur[ref] if cur else month,
            "value": value, "goal": goal if applies else None,
            "warning_limit": warning if applies else None, "direction": g["direction"],
            "goal_scale": scale if g["scaled"] else None,
            "status": status(value, goal, warning, g["direction"]) if applies else None,
            "previous_value": prev_value, "change": change, "trend": trend,
            "trend_status": None if trend is None else "flat" if trend == "flat"
            else "improving" if trend == good_way else "worsening",
        })
    return out
