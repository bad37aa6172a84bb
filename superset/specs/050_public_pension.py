"""Superset dashboard spec: 机关事业单位养老保险."""
from __future__ import annotations

from bundle_kit import (
    DS,
    Dash,
    M,
    district_bar,
    district_map,
    district_table,
    kpi,
    ratio,
    stock,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    p = DS("public_pension_overview", "rpt_public_pension_overview",
           "机关事业单位养老保险概览：月份 × 区县（official）", [
               stock("units", "参保单位数"), stock("insured_active", "在职参保人数"),
               stock("insured_retired", "离退休人数"), stock("contributors", "缴费人数"),
               wan("contribution_income", "基金征缴收入（万元）"), wan("annuity_income", "职业年金缴费（万元）"),
               wan("pension_paid", "养老金发放（万元）"),
               ratio("dependency_ratio", "制度抚养比", "insured_active", "insured_retired", ".2f",
                     "在职参保人数 ÷ 离退休人数（先求和再相除）"),
               M("avg_contribution_base", "平均缴费基数（元）",
                 "SUM(contribution_base) / NULLIF(SUM(contributors), 0)", ",.2f",
                 "缴费基数合计 ÷ 缴费人数（先求和再相除）")])
    with_district_shape(p)   # the district map's outlines (district_shape)
    dashes.append(Dash("public_pension", "public-pension-overview", "机关事业单位养老保险概览", [
        [kpi("pi_active", p, "insured_active", "在职参保人数", width=2, good="up"),
         kpi("pi_retired", p, "insured_retired", "离退休人数", width=2),
         kpi("pi_income", p, "contribution_income_wan", "基金征缴收入（万元）", ",.2f", width=3, good="up"),
         kpi("pi_paid", p, "pension_paid_wan", "养老金发放（万元）", ",.2f", width=3),
         kpi("pi_ratio", p, "dependency_ratio", "制度抚养比", ".2f", width=2, good="up")],
        [district_map("pi_map", p, "insured_active", "区县地图：在职参保人数（所选月份，点击区县筛选本页）"),
         district_bar("pi_district_bar", p, ["insured_active", "insured_retired"],
                      "各区县参保人数（在职 / 离退休，所选月份）", stack=True)],
        [trend("pi_trend", p, ["contribution_income_wan", "pension_paid_wan"],
               "基金征缴收入与养老金发放月度趋势（万元）", ",.2f", width=12)],
        [district_table("pi_district_table", p, ["units", "insured_active", "insured_retired", "contributors",
                                                  "contribution_income_wan", "annuity_income_wan",
                                                  "pension_paid_wan", "dependency_ratio", "avg_contribution_base"],
                        "分区县机关事业单位养老保险指标（所选月份）")],
    ], p, p, "机关事业单位养老保险参保、征缴与待遇（正式版）"))
    return dashes
