"""Superset dashboard spec: 工伤保险."""
from __future__ import annotations

from bundle_kit import (
    DS,
    Dash,
    M,
    district_bar,
    district_map,
    district_table,
    flow,
    kpi,
    ratio,
    stock,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    i = DS("injury_overview", "rpt_injury_overview", "工伤保险概览：月份 × 区县（official）", [
        stock("insured", "参保人数"), stock("contributing_units", "缴费单位数"),
        stock("contributors", "缴费人数"), wan("contribution_income", "征缴收入（万元）"),
        flow("determinations", "工伤认定结论数"), flow("recognised", "认定（视同）工伤数"),
        flow("appraisals", "劳动能力鉴定数"), flow("settlement_cases", "待遇结算案件数"),
        wan("settlement_paid", "工伤保险待遇支出（万元）"),
        ratio("recognition_rate", "认定率", "recognised", "determinations"),
        M("recognised_per_10k", "万名参保人员认定工伤数", "SUM(recognised) * 10000.0 / NULLIF(SUM(insured), 0)",
          ",.2f", "认定工伤数 ÷ 参保人数 × 10000（先求和再相除）",
          why="认定工伤数 ÷ 参保人数（均为所选各月之和）× 10000：两列之比的展示用换算，分子分母见已认证指标")])
    with_district_shape(i)   # the district map's outlines (district_shape)
    dashes.append(Dash("injury", "injury-overview", "工伤保险概览", [
        [kpi("ii_insured", i, "insured", "参保人数", width=3, good="up"),
         kpi("ii_income", i, "contribution_income_wan", "征缴收入（万元）", ",.2f", width=3, good="up"),
         kpi("ii_recognised", i, "recognised", "认定（视同）工伤数", width=3, good="down"),
         kpi("ii_paid", i, "settlement_paid_wan", "工伤保险待遇支出（万元）", ",.2f", width=3)],
        [district_map("ii_map", i, "insured", "区县地图：工伤保险参保人数（所选月份，点击区县筛选本页）"),
         district_bar("ii_district_bar", i, ["insured"], "各区县工伤保险参保人数（所选月份）")],
        [trend("ii_trend", i, ["contribution_income_wan", "settlement_paid_wan"],
               "征缴收入与待遇支出月度趋势（万元）", ",.2f", width=12)],
        [district_table("ii_district_table", i, ["insured", "contributing_units", "contributors",
                                                  "contribution_income_wan", "determinations", "recognised",
                                                  "recognition_rate", "appraisals", "settlement_cases",
                                                  "settlement_paid_wan"],
                        "分区县工伤保险指标（所选月份）")],
    ], i, i, "工伤保险参保、认定、鉴定与待遇（正式版）"))
    return dashes
