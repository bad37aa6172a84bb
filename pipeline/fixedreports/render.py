"""A fixed report's edition as a documents.layout.Table: the official title lines, 计量单位, merged headers,
the figures, the 口径 notes and the 制表单位 / 制表日期 / 审核人 line."""
from __future__ import annotations

import datetime as dt

from documents.layout import Table
from pipeline.fixedreports import data
from pipeline.fixedreports.spec import Report, notes

ISSUER = "北京市人力资源和社会保障局"
RELEASE_LABEL = {"review": "审核版", "official": "正式版"}


def _period(month: int) -> str:
    return f"{month // 100}年{month % 100}月"


def table(conn, report: Report, release: str, month: int, district: str, district_name: str,
          reviewer: str = "", made: dt.date | None = None) -> Table:
    schema = data.SCHEMAS[release]
    if district == data.BEIJING:
        rows = [(label, values) for _, label, values in data.beijing_edition(conn, report, schema, month)]
        label_header, scope = "地区", "全市(分区县)"
    else:
        rows = data.district_edition(conn, report, schema, month, district)
        label_header, scope = "月份", f"{district_name}(本年逐月)"
    return Table(
        title=report.title, label_header=label_header, columns=[c.layout() for c in report.columns], rows=rows,
        subtitle=[f"报告期: {_period(month)}    编制范围: {scope}"],
        unit_line=f"计量单位: {report.unit}",
        notes=["注: 1. 数据来源: 数据仓库" + ("正式版(已发布)" if release == "official" else "审核版(待各处室审核确认, 未发布)")
               + f", 报表集市 {report.source}; 区县按参保(统筹)区县归属, 全市含未知区县(999999)。",
               "口径:", *notes(report)],
        footer=[("制表单位", f"{ISSUER}"), ("制表日期", (made or dt.date.today()).isoformat()),
                ("审核人", reviewer or "__________")],
        total_rows={len(rows) - 1},
        watermark="" if release == "official" else RELEASE_LABEL[release],
    )
