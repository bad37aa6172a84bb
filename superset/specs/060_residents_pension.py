"""Superset dashboard spec: 城乡居民养老保险."""
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
    pie,
    ratio,
    stock,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    r = DS("residents_pension_overview", "rpt_residents_pension_overview",
           "城乡居民养老保险概览：月份 × 区县（official）", [
               stock("insured", "参保人数"), stock("beneficiaries", "待遇领取人数"),
               flow("contributors", "缴费人数"), wan("personal_contribution", "个人缴费（万元）"),
               wan("government_subsidy", "政府补贴（万元）"), wan("benefit_paid", "待遇支出（万元）"),
               ratio("beneficiary_share", "待遇领取人员占比", "beneficiaries", "insured"),
               M("avg_monthly_benefit", "人均月待遇（元）", "SUM(benefit_paid) / NULLIF(SUM(paid_persons), 0)",
                 ",.2f", "待遇支出 ÷ 发放人数（先求和再相除）")])
    rg = DS("residents_pension_by_grade", "rpt_residents_pension_by_grade",
            "城乡居民养老保险缴费档次：月份 × 区县 × 档次（official）", [
                flow("contributors", "缴费人数"), wan("personal_contribution", "个人缴费（万元）")])
    with_district_shape(r)   # the district map's outlines (district_shape)
    with_district_shape(rg, add_name=True)
    dashes.append(Dash("residents_pension", "residents-pension-overview", "城乡居民养老保险概览", [
        [kpi("ri_insured", r, "insured", "参保人数", good="up"),
         kpi("ri_benef", r, "beneficiaries", "待遇领取人数"),
         kpi("ri_contrib", r, "personal_contribution_wan", "个人缴费（万元）", ",.2f", good="up"),
         kpi("ri_paid", r, "benefit_paid_wan", "待遇支出（万元）", ",.2f")],
        [trend("ri_trend", r, ["personal_contribution_wan", "government_subsidy_wan", "benefit_paid_wan"],
               "缴费、补贴与待遇支出月度趋势（万元）", ",.2f"),
         pie("ri_grade_pie", rg, "contribution_grade_name", "contributors", "缴费人数按缴费档次（所选月份）")],
        [district_map("ri_map", r, "insured", "区县地图：城乡居民养老保险参保人数（所选月份，点击区县筛选本页）"),
         district_bar("ri_district_bar", r, ["insured", "beneficiaries"],
                      "各区县参保人数与待遇领取人数（所选月份）")],
        [district_table("ri_district_table", r, ["insured", "beneficiaries", "beneficiary_share", "contributors",
                                                  "personal_contribution_wan", "government_subsidy_wan",
                                                  "benefit_paid_wan", "avg_monthly_benefit"],
                        "分区县城乡居民养老保险指标（所选月份）")],
    ], r, r, "城乡居民养老保险参保、缴费、补贴与待遇（正式版）"))
    return dashes
