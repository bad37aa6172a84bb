"""Superset dashboard spec: 企业养老：人员流动、待遇水平、基金预算执行（口径参数）."""
from __future__ import annotations

from bundle_kit import DS, Dash, M, district_table, flow, kpi, ratio, stock, table, trend, wan


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    pf = DS("pension_flows", "rpt_pension_flows", "企业养老保险人员流动：月份 × 区县（official）", [
        stock("insured_start", "期初参保人数"), stock("insured_end", "期末参保人数"),
        flow("active_joiners", "新增在职参保人数"), flow("retired_joiners", "新增离退休人数"),
        flow("retirements", "新退休人数"), flow("active_leavers", "在职减少人数"),
        flow("retiree_exits", "离退休减少人数"), flow("transfers_in", "区县转入人数"),
        flow("transfers_out", "区县转出人数"),
        ratio("joiner_rate", "新增率", "active_joiners + retired_joiners", "insured_start"),
        ratio("leaver_rate", "减少率", "active_leavers + retiree_exits", "insured_start")])
    pb = DS("pension_benefit_level", "rpt_pension_benefit_level", "企业养老金待遇水平：月份 × 区县（official）", [
        stock("insured_retired", "离退休人数"), wan("pension_paid", "养老金发放（万元）"),
        M("average_pension", "人均养老金（元）", "SUM(basic_pension_paid) / NULLIF(SUM(insured_retired), 0)", ",.2f",
          "基本养老金发放 ÷ 离退休人数（先求和再相除；不含补发和丧葬补助金）"),
        M("adjustment_rate", "当年养老金调整水平", "MAX(adjustment_rate)", ".1%", "口径参数",
          why="口径参数（当年养老金调整水平，每行相同），不是度量"),
        M("social_average_wage", "社平工资（元/月）", "MAX(social_average_wage)", ",.0f", "口径参数，上年度",
          why="口径参数（上年度社平工资，每行相同），不是度量"),
        M("replacement_rate", "养老金替代率（社平口径）",
          "SUM(basic_pension_paid) / NULLIF(SUM(insured_retired), 0) / NULLIF(MAX(social_average_wage), 0)", ".2%",
          "人均养老金 ÷ 上年度社平工资",
          why="已认证比率（人均基本养老金）再除以口径参数社平工资，展示用换算"),
        M("to_minimum_wage", "人均养老金 ÷ 最低工资",
          "SUM(basic_pension_paid) / NULLIF(SUM(insured_retired), 0) / NULLIF(MAX(minimum_wage), 0)", ",.2f",
          "人均养老金 ÷ 当月最低工资标准",
          why="已认证比率（人均基本养老金）再除以口径参数最低工资，展示用换算")])
    fb = DS("fund_budget_caliber", "rpt_fund_budget_caliber", "社会保险基金收支预算执行（口径预算，全市，official）", [
        wan("income_budget", "年度收入预算（万元）", stock_=True), wan("income_ytd", "本年累计收入（万元）", stock_=True),
        wan("expense_budget", "年度支出预算（万元）", stock_=True), wan("expense_ytd", "本年累计支出（万元）", stock_=True),
        wan("income_month", "本月收入（万元）"), wan("expense_month", "本月支出（万元）"),
        ratio("income_execution", "收入预算执行率", "income_ytd", "income_budget"),
        ratio("expense_execution", "支出预算执行率", "expense_ytd", "expense_budget"),
        M("time_progress", "时间进度", "MAX(time_progress)", ".2%", "月份 ÷ 12",
          why="日历参数（月份 ÷ 12，每行相同），不是度量")])
    dashes.append(Dash("pension_flows_benefits", "pension-flows-benefits", "企业养老保险人员流动与待遇水平", [
        [kpi("pf_joiners", pf, "active_joiners", "新增在职参保人数", good="up"),
         kpi("pf_retirements", pf, "retirements", "新退休人数"),
         kpi("pb_average", pb, "average_pension", "人均养老金（元）", ",.2f", good="up"),
         kpi("pb_replacement", pb, "replacement_rate", "养老金替代率（社平口径）", ".2%", good="up")],
        [trend("pf_trend", pf, ["active_joiners", "active_leavers", "retirements", "retiree_exits"],
               "参保人员增减月度趋势", bar=True),
         trend("pb_trend", pb, ["average_pension"], "人均养老金月度趋势（元）", ",.2f")],
        [district_table("pf_district_table", pf, ["insured_start", "active_joiners", "retired_joiners", "retirements",
                                                  "active_leavers", "retiree_exits", "transfers_in", "transfers_out",
                                                  "insured_end", "joiner_rate", "leaver_rate"],
                        "分区县参保人员流动（所选月份；期末 = 期初 + 流入 − 流出）")],
        [district_table("pb_district_table", pb, ["insured_retired", "pension_paid_wan", "average_pension",
                                                  "adjustment_rate", "social_average_wage", "replacement_rate",
                                                  "to_minimum_wage"],
                        "分区县养老金待遇水平与口径参数（所选月份）")],
        [table("fb_budget", fb, ["insurance_type_code", "insurance_type_name"],
               ["income_budget_wan", "income_ytd_wan", "income_execution", "expense_budget_wan", "expense_ytd_wan",
                "expense_execution", "time_progress"],
               "社会保险基金收支预算执行（口径预算，全市，所选月份）", height=50, district=False)],
    ], pf, pf, "企业养老保险参保人员增减（新参保、退休、减少、区县转移）、养老金待遇水平与调整口径、各险种基金预算执行（正式版）"))
    return dashes
