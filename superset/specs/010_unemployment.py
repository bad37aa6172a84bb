"""Superset dashboard spec: 失业保险."""
from __future__ import annotations

from bundle_kit import (
    DS,
    Dash,
    M,
    city_wide,
    district_bar,
    district_map,
    district_table,
    flow,
    kpi,
    ratio,
    stock,
    table,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    u = DS("unemployment_overview", "rpt_unemployment_overview", "失业保险概览：月份 × 区县（official）", [
        stock("insured", "参保人数"), stock("contributors", "缴费人数"),
        wan("contribution_income", "征缴收入（万元）"), stock("benefit_recipients", "领取失业保险金人数"),
        flow("new_claimants", "新增领金人数"), wan("benefit_paid", "失业保险金发放（万元）"),
        ratio("recipient_ratio", "领金人数占参保人数比", "benefit_recipients", "insured"),
        M("avg_benefit", "人均失业保险金（元）", "SUM(benefit_paid) / NULLIF(SUM(benefit_recipients), 0)", ",.2f",
          "失业保险金发放 ÷ 领金人数（先求和再相除）")])
    with_district_shape(u)   # the district map's outlines (district_shape)
    ub = DS("unemployment_fund_budget", "rpt_unemployment_fund_budget",
            "失业保险基金预算执行（手工录入，全市，official）", [
                wan("budget_amount", "本月预算执行（万元）"),
                wan("budget_ytd", "年初至今累计（万元）", stock_=True),
                wan("annual_budget", "年度预算（万元）", stock_=True),
                ratio("ytd_share_of_annual", "累计执行进度", "budget_ytd", "annual_budget")])
    city_wide(ub)            # no districts: its charts are outside the 区县 filter (district=False)
    dashes.append(Dash("unemployment", "unemployment-overview", "失业保险概览", [
        [kpi("ui_insured", u, "insured", "参保人数", good="up"),
         kpi("ui_recipients", u, "benefit_recipients", "领取失业保险金人数", good="down"),
         kpi("ui_income", u, "contribution_income_wan", "征缴收入（万元）", ",.2f", good="up"),
         kpi("ui_ratio", u, "recipient_ratio", "领金人数占参保人数比", ".2%", good="down")],
        [district_map("ui_map", u, "insured", "区县地图：失业保险参保人数（所选月份，点击区县筛选本页）"),
         district_bar("ui_district_bar", u, ["insured"], "各区县失业保险参保人数（所选月份）")],
        [trend("ui_trend", u, ["contribution_income_wan", "benefit_paid_wan"],
               "征缴收入与失业保险金发放月度趋势（万元）", ",.2f", width=12)],
        [district_table("ui_district_table", u, ["insured", "contributors", "contribution_income_wan",
                                                  "benefit_recipients", "new_claimants", "benefit_paid_wan",
                                                  "recipient_ratio", "avg_benefit"],
                        "分区县失业保险指标（所选月份）")],
        [table("ui_budget", ub, ["budget_item_code", "budget_item_name", "direction"],
               ["budget_amount_wan", "budget_ytd_wan", "annual_budget_wan", "ytd_share_of_annual"],
               "失业保险基金预算执行（全市，所选月份）", height=50, district=False)],
    ], u, u, "失业保险参保、征缴与待遇（正式版）"))
    return dashes
