"""Superset dashboard spec: 区县宏观 · 公务查询 — statistics of the insurance relations answered to official
queries (参保关系: valid, active, retired, new, ended, new retirements) from the business backup database."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal  # noqa: E402

from bundle_kit import DS, cat_bar, district_table, flow, kpi, ratio, stock, table, trend  # noqa: E402

SRC = "来源：DMP 人员参保关系（rpt_dmp_relation_summary，三项养老保险）。"


def dashboards() -> list:
    r = DS("dmp_relation_summary", "rpt_dmp_relation_summary", "人员参保关系统计：月份 × 区县 × 险种（official）", [
        stock("relations_insured", "有效参保关系数"), stock("relations_active", "在职参保关系数"),
        stock("relations_retired", "领取待遇关系数"), flow("relations_new", "新建关系数"),
        flow("relations_ended", "终止关系数"), flow("new_retirements", "新增领取待遇数"),
        ratio("dependency", "制度抚养比", "relations_active", "relations_retired", fmt=",.2f",
              desc="在职参保关系数 ÷ 领取待遇关系数（先求和再相除）")])
    return [ModuleDash("official_query", "dmp-official-query", "区县宏观：公务查询", [
        [cal(kpi("oq_insured", r, "relations_insured", "有效参保关系数"), "状态为参保缴费、暂停缴费、领取待遇的关系数，月末。" + SRC),
         cal(kpi("oq_retired", r, "relations_retired", "领取待遇关系数"), "状态 4 领取待遇的关系数，月末。" + SRC),
         cal(kpi("oq_new", r, "relations_new", "本月新建关系数"), "开始日期在当月的参保关系数。" + SRC),
         cal(kpi("oq_ended", r, "relations_ended", "本月终止关系数"), "状态 3 转出、5 死亡的关系数。" + SRC)],
        [cal(cat_bar("oq_ins", r, "insurance_type_name", ["relations_active", "relations_retired"],
                     "各险种在职与领取待遇关系（所选月份）", stack=True), SRC),
         cal(cat_bar("oq_district", r, "district_name", ["relations_new", "relations_ended", "new_retirements"],
                     "各区县新建、终止关系与新增领取待遇（所选月份）"),
             "新增领取待遇 = 本月状态 4 且上月同险种状态非 4 的人数（上月不在库时为空）。" + SRC)],
        [cal(trend("oq_trend", r, ["relations_new", "relations_ended", "new_retirements"],
                   "参保关系流动月度趋势"), "各月发生数，全部月份。" + SRC),
         cal(table("oq_ins_table", r, ["insurance_type_name"],
                   ["relations_insured", "relations_active", "relations_retired", "relations_new",
                    "relations_ended", "new_retirements", "dependency"], "分险种参保关系（所选月份）",
                   width=6, height=60), SRC)],
        [cal(district_table("oq_table", r, ["relations_insured", "relations_active", "relations_retired",
                                            "relations_new", "relations_ended", "new_retirements", "dependency"],
                            "分区县参保关系统计（所选月份）"), SRC)],
    ], r, r, "社保中心公务查询：参保关系统计（有效、在职、领取待遇、新建、终止、新增退休），按险种与区县（正式版，DMP 数据）",
        extra_filters=[("insurance", "险种", "insurance_type_name", r, False, "险种（不选为三项养老保险合计）")])]
