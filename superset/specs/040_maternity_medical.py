"""Superset dashboard spec: 生育保险 / 医保个人账户."""
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
    m = DS("maternity_overview", "rpt_maternity_overview", "生育保险概览：月份 × 区县（official）", [
        stock("insured", "参保人数"), stock("insured_female", "女性参保人数"),
        wan("contribution_income", "征缴收入（万元）"), flow("allowance_recipients", "生育津贴享受人数"),
        wan("allowance_paid", "生育津贴（万元）"), wan("medical_paid", "生育医疗费用（万元）"),
        wan("benefit_paid", "待遇支出（万元）"),
        ratio("payout_ratio", "待遇支出占征缴收入比", "benefit_paid", "contribution_income"),
        M("avg_allowance", "人均生育津贴（元）", "SUM(allowance_paid) / NULLIF(SUM(allowance_recipients), 0)",
          ",.2f", "生育津贴 ÷ 享受人数（先求和再相除）")])
    a = DS("medical_account_overview", "rpt_medical_account_overview",
           "医保个人账户概览：月份 × 区县（official）", [
               stock("insured_total", "参保人数合计"), wan("credit_total", "个人账户划入（万元）"),
               wan("spent", "个人账户支出（万元）"), wan("balance_end", "期末余额（万元）", stock_=True),
               ratio("spending_rate", "使用率", "persons_spending", "insured_total"),
               ratio("pharmacy_share", "药店支出占比", "spend_pharmacy", "spent")])
    with_district_shape(m)   # the district map's outlines (district_shape)
    with_district_shape(a)
    dashes.append(Dash("maternity_medical", "maternity-medical-account", "生育保险与医保个人账户", [
        [kpi("mi_insured", m, "insured", "生育保险参保人数", good="up"),
         kpi("mi_benefit", m, "benefit_paid_wan", "生育保险待遇支出（万元）", ",.2f"),
         kpi("ai_credit", a, "credit_total_wan", "个人账户划入（万元）", ",.2f", good="up"),
         kpi("ai_spent", a, "spent_wan", "个人账户支出（万元）", ",.2f")],
        [trend("mi_trend", m, ["contribution_income_wan", "benefit_paid_wan"],
               "生育保险征缴收入与待遇支出月度趋势（万元）", ",.2f"),
         trend("ai_trend", a, ["credit_total_wan", "spent_wan"], "个人账户划入与支出月度趋势（万元）", ",.2f")],
        [district_map("mi_map", m, "insured", "区县地图：生育保险参保人数（所选月份，点击区县筛选本页）"),
         district_bar("ai_district_bar", a, ["credit_total_wan", "spent_wan"],
                      "各区县个人账户划入与支出（万元，所选月份）", ",.2f")],
        [district_table("mi_district_table", m, ["insured", "insured_female", "contribution_income_wan",
                                                  "allowance_recipients", "allowance_paid_wan", "medical_paid_wan",
                                                  "benefit_paid_wan", "payout_ratio", "avg_allowance"],
                        "分区县生育保险指标（所选月份）")],
    ], m, m, "生育保险参保与待遇；医疗保险个人账户划入、支出与余额（正式版）"))
    return dashes
