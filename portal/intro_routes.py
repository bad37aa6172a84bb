"""前言: the landing page of the whole system (no login: it shows no figures, only what exists and where) — what
the system covers, the month the official release holds, the monthly calendar (file arrivals from the interface
specs' arrival days; build, sign-off and publish), links to every Superset dashboard (read from the dashboard
bundle, so a new dashboard appears by itself), the portal's sections, the cube API docs and the services."""
from __future__ import annotations

import os
from collections import defaultdict

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from foundation import settings
from foundation.spec import load_specs
from history import store
from portal import access
from portal.app import COOKIE, page

router = APIRouter()
DASHBOARDS = settings.ROOT / "superset" / "dashboards" / "dashboards"
# the monthly routine after the files (DOMAIN: validation ~5th–6th, release ~10th, fixed-report review 12th–15th)
ROUTINE = [
    (6, "校验与汇总: make build 生成审核版, 数据质量报告与数据治理反馈, 审核版固定报表"),
    (8, "审核确认: 各业务处室在门户“审核确认”逐模块确认审核版(或驳回并说明原因)"),
    (10, "发布正式版: make publish (全部模块确认后), 生成正式版固定报表与监督快报, 历史数据库入库"),
    (15, "收缴固定报表审核与正式版部署完成"),
]
PERIOD = {"previous_month": "上月数据", "current_month": "当月数据"}
SECTIONS = [
    ("/fixed-reports", "固定报表", "收缴固定报表与各险种月报, 按月份与区县下载 XLSX / PDF"),
    ("/signoff", "审核确认", "各处室对审核版的逐模块确认; 审核确认单打印"),
    ("/bulletins", "监督快报", "每月数据质量、治理异常与主要指标变化"),
    ("/catalogue", "指标目录", "历史数据库的指标体系与口径"),
    ("/query", "自由组合查询", "指标 × 时期 × 地区, 七种计算方法"),
    ("/reports", "监测月报", "历史数据库的月度监测报告"),
    ("/fixed", "固定图表·京津冀", "京津冀比较与固定图表"),
]


def dashboards() -> list[dict]:
    out = []
    for p in sorted(DASHBOARDS.glob("*.yaml")):
        d = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        if d.get("slug"):
            out.append({"slug": d["slug"], "title": d.get("dashboard_title") or d["slug"],
                        "description": d.get("description") or ""})
    return out


def calendar() -> list[tuple[int, str]]:
    by_day: dict[tuple[int, str], list[str]] = defaultdict(list)
    for s in load_specs().values():
        by_day[(s.arrival_day, s.period)].append(s.title)
    rows = [(day, f"到达: {PERIOD.get(period, period)} — " + "、".join(sorted(set(titles))))
            for (day, period), titles in by_day.items()]
    return sorted(rows + ROUTINE, key=lambda r: r[0])


def data_as_of() -> dict | None:
    try:
        with store.connect(autocommit=True) as c:
            if not c.execute("select to_regclass('official.release_info')").fetchone()[0]:
                return None
            row = c.execute("select data_month, published_at, release_id from official.release_info").fetchone()
    except Exception:  # noqa: BLE001 — the landing page shows without the database
        return None
    return None if row is None else {"month": row[0], "published_at": row[1], "release_id": row[2]}


@router.get("/intro", response_class=HTMLResponse, include_in_schema=False)
def intro(request: Request):
    s = settings.get()
    services = os.environ.get("SERVICES_PORT")
    return page("intro.html", request, access.read_session(request.cookies.get(COOKIE)),
                asof=data_as_of(), calendar=calendar(), dashboards=dashboards(), sections=SECTIONS,
                superset=f"http://127.0.0.1:{s.superset_port}", cube=f"http://127.0.0.1:{s.cube_port}",
                services=f"http://127.0.0.1:{services}" if services else None)
