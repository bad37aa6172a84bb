"""Superset dashboard spec: 区县宏观 · 人社部数据核查 — the business backup database (DMP) against the statistics
built from the interface files, item by item (marts.rpt_modules_data_check)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal, once  # noqa: E402

from bundle_kit import DS, M, cat_bar, flow, kpi, table, trend  # noqa: E402

SRC = ("核查口径：业务库（DMP 参保关系统计、基金收支明细账）与接口数据统计（各险种人员月度事实汇总的概览报表）逐项比较，"
       "差异 = 业务库 − 接口数据；来源：rpt_modules_data_check。")


@once
def check_ds() -> DS:
    return DS("modules_data_check", "rpt_modules_data_check", "人社部数据核查：月份 × 区县 × 核查项（official）", [
        M("check_cells", "核查单元数", "COUNT(*)", ",d", "核查项 × 区县 × 月份的单元数",
          why="报表的行数（核查项 × 区县 × 月份的单元数），不是某一列的度量"),
        flow("is_discrepant", "存在差异的单元数"),
        M("consistency_rate", "一致率", "SUM(is_consistent)::numeric / NULLIF(COUNT(*), 0)", ".2%",
          "一致的单元数 ÷ 核查单元数",
          why="一致单元数 ÷ 报表行数（核查单元数）：分母是行数，不是度量"),
        M("dmp_total", "业务库数值", "SUM(dmp_value)", ",.0f"), M("interface_total", "接口数据数值", "SUM(interface_value)", ",.0f"),
        M("difference_total", "差异（业务库 − 接口）", "SUM(difference)", "+,.0f"),
        M("abs_difference", "差异绝对值合计", "SUM(ABS(difference))", ",.0f"),
        M("difference_rate_sum", "差异率", "SUM(difference) / NULLIF(SUM(interface_value), 0)", "+.2%",
          "差异合计 ÷ 接口数据数值合计（先求和再相除）")])


def dashboards() -> list:
    c = check_ds()
    return [ModuleDash("ministry_check", "dmp-ministry-check", "区县宏观：人社部数据核查", [
        [cal(kpi("mc_cells", c, "check_cells", "核查单元数"), "9 个核查项 × 区县（所选月份）。" + SRC),
         cal(kpi("mc_discrepant", c, "is_discrepant", "存在差异的单元数"), "业务库与接口数据不相等的单元数。" + SRC),
         cal(kpi("mc_rate", c, "consistency_rate", "一致率", ".2%"), "一致的单元数 ÷ 核查单元数。" + SRC),
         cal(kpi("mc_abs", c, "abs_difference", "差异绝对值合计"), "各单元 |业务库 − 接口| 之和（人、元混合，仅作提示）。" + SRC)],
        [cal(table("mc_items", c, ["check_code", "check_name", "unit"],
                   ["dmp_total", "interface_total", "difference_total", "difference_rate_sum", "is_discrepant"],
                   "核查项比对（所选月份，全市或所选区县）", width=12, height=60), SRC)],
        [cal(cat_bar("mc_district", c, "district_name", ["is_discrepant"], "各区县存在差异的核查项数（所选月份）",
                     groupby=["insurance_type_name"], stack=True), SRC),
         cal(trend("mc_trend", c, ["is_discrepant"], "存在差异的单元数月度趋势"), "各月差异单元数，全部月份。" + SRC)],
        [cal(table("mc_detail", c, ["district_name", "check_name", "unit"],
                   ["dmp_total", "interface_total", "difference_total", "difference_rate_sum"],
                   "分区县核查明细（所选月份）", height=80, order_by="abs_difference", order_desc=True), SRC)],
    ], c, c, "人社部数据核查：社保业务数据库备份（DMP）与接口数据统计逐项比对，列出每个区县每项差异（正式版）",
        extra_filters=[("insurance", "险种", "insurance_type_name", c, False, "险种（不选为全部）")])]
