"""Superset dashboard spec: 区县宏观 · 财务预算 — fund budget execution against the time progress, fund income and
spending by district (DMP)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal  # noqa: E402

from bundle_kit import DS, M, cat_bar, district_table, kpi, ratio, table, trend, wan  # noqa: E402


def dashboards() -> list:
    b = DS("dmp_budget_execution", "rpt_dmp_budget_execution", "社会保险基金预算执行：月份 × 险种 × 预算科目（全市，official）", [
        wan("planned_amount", "年度预算数（万元）", stock_=True), wan("executed_month_amount", "本月执行数（万元）"),
        wan("executed_ytd_amount", "累计执行数（万元）", stock_=True),
        wan("remaining_amount", "预算余额（万元）", stock_=True),
        ratio("execution_rate", "预算执行率", "executed_ytd_amount", "planned_amount"),
        M("time_progress", "时间进度", "MAX(time_progress_pct) / 100.0", ".2%", "月份 ÷ 12",
          why="日历参数（月份 ÷ 12，每行相同），不是度量"),
        M("progress_gap_pp", "执行进度差（百分点）",
          "100.0 * SUM(executed_ytd_amount) / NULLIF(SUM(planned_amount), 0) - MAX(time_progress_pct)", "+,.2f",
          "预算执行率 − 时间进度（百分点，先求和再相除）",
          why="累计执行数 ÷ 预算数（所选各月之和）与日历参数时间进度之差（百分点），展示用")])
    f = DS("dmp_fund_income_expenditure", "rpt_dmp_fund_income_expenditure",
           "社会保险基金收支：月份 × 区县 × 险种（official）", [
               wan("total_income", "基金收入合计（万元）"), wan("total_expenditure", "基金支出合计（万元）"),
               wan("net_balance", "当期收支结余（万元）"), wan("basic_contribution_income", "基本养老保险费收入（万元）"),
               wan("fiscal_subsidy_income", "财政补贴收入（万元）"), wan("pension_expenditure", "基本养老金支出（万元）"),
               ratio("income_expenditure_ratio_sum", "收支比", "total_income", "total_expenditure", fmt=",.2f",
                     desc="基金收入合计 ÷ 基金支出合计（先求和再相除）")])
    bsrc = "来源：DMP 社会保险基金预算执行情况（rpt_dmp_budget_execution，全市，无区县）。"
    fsrc = "来源：DMP 基金收支明细账（rpt_dmp_fund_income_expenditure）。"
    return [ModuleDash("finance_budget", "dmp-finance-budget", "区县宏观：财务预算", [
        [cal(kpi("fb_rate", b, "execution_rate", "预算执行率（全市）", ".2%"),
             "累计执行数 ÷ 年度预算数，全部险种和科目先求和再相除。" + bsrc),
         cal(kpi("fb_progress", b, "time_progress", "时间进度", ".2%"), "所选月份 ÷ 12。" + bsrc),
         cal(kpi("fb_income", f, "total_income_wan", "基金收入合计（万元）", ",.2f"), "当月收入方向科目发生额之和。" + fsrc),
         cal(kpi("fb_balance", f, "net_balance_wan", "当期收支结余（万元）", ",.2f"), "收入合计 − 支出合计，当月。" + fsrc)],
        [cal(cat_bar("fb_exec_vs_time", b, "insurance_type_name", ["execution_rate", "time_progress"],
                     "各险种预算执行率与时间进度（所选月份）", fmt=".1%", district=False),
             "执行率 = 累计执行数 ÷ 年度预算数（先求和再相除）；时间进度 = 月份 ÷ 12。" + bsrc),
         cal(cat_bar("fb_district", f, "district_name", ["total_income_wan", "total_expenditure_wan"],
                     "各区县基金收入与支出（万元，所选月份）", fmt=",.2f"), fsrc)],
        [cal(table("fb_budget_table", b, ["insurance_type_name", "budget_item_code", "budget_item_name"],
                   ["planned_amount_wan", "executed_month_amount_wan", "executed_ytd_amount_wan", "remaining_amount_wan",
                    "execution_rate", "time_progress", "progress_gap_pp"],
                   "预算执行明细：险种 × 预算科目（全市，所选月份）", height=60, district=False),
             "进度差为正表示执行快于时间进度。" + bsrc)],
        [cal(trend("fb_trend", f, ["total_income_wan", "total_expenditure_wan", "net_balance_wan"],
                   "基金收入、支出与结余月度趋势（万元）", ",.2f"), "各月发生额，全部月份。" + fsrc),
         cal(cat_bar("fb_ins", f, "insurance_type_name", ["total_income_wan", "total_expenditure_wan"],
                     "各险种基金收入与支出（万元，所选月份）", fmt=",.2f"), fsrc)],
        [cal(district_table("fb_fund_table", f, ["total_income_wan", "basic_contribution_income_wan",
                                                 "fiscal_subsidy_income_wan", "total_expenditure_wan",
                                                 "pension_expenditure_wan", "net_balance_wan",
                                                 "income_expenditure_ratio_sum"],
                            "分区县基金收支（所选月份）"), fsrc)],
    ], f, f, "社保中心财务预算：基金预算执行率对比时间进度（全市），基金收支分区县（正式版，DMP 数据）")]
