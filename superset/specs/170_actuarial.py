"""Superset dashboard spec: 区县宏观 · 统计精算 — age × gender pyramids of the pension schemes and projections of
their retirees (cohort roll-forward, marts.rpt_modules_retiree_projection)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, asc, cal  # noqa: E402

from bundle_kit import DS, M, cat_bar, flow, kpi, ratio, stock, table  # noqa: E402

PSRC = "来源：DMP 精算人群统计（rpt_dmp_actuarial_pyramid，全市，按险种 × 周岁 × 性别）。"
JSRC = ("方法：在职参保人按法定基准退休年龄（男 60 岁、女 55 岁）逐年进入退休；现有和新增退休人员按基期观察死亡率"
        "（当月死亡 ÷ 退休人数 × 12，上限 20%）逐年存活；不含新参保与提前退休、延迟退休改革的逐步调整。"
        "来源：rpt_modules_retiree_projection（由 rpt_dmp_actuarial_pyramid 计算）。")


def dashboards() -> list:
    p = DS("dmp_actuarial_pyramid", "rpt_dmp_actuarial_pyramid", "统计精算人口金字塔：月份 × 险种 × 周岁 × 性别（全市，official）", [
        stock("active_count", "在职参保人数"), stock("retired_count", "待遇领取人数"),
        stock("insured_count", "参保人数"), M("pyramid", "参保人数（男为负）", "SUM(pyramid_value)", ",d",
                                               "金字塔绘图值：男性取负值"),
        flow("new_retirees", "本月新增待遇领取人数"), flow("deaths", "本月死亡人数"),
        ratio("support_ratio", "在职人数 ÷ 领取人数", "active_count", "retired_count", fmt=",.2f"),
        M("avg_pension_w", "人均月待遇（元）", "SUM(pension_total) / NULLIF(SUM(retired_count), 0)", ",.2f",
          "月待遇总额 ÷ 待遇领取人数（先求和再相除）"),
        M("band_order", "年龄段排序", "MIN(band_sort)", None, "用于按年龄段顺序排序",
          why="排序键：只用于按年龄段顺序排列，不是指标")])
    j = DS("modules_retiree_projection", "rpt_modules_retiree_projection",
           "离退休人数预测：基期月份 × 险种 × 性别 × 预测年度（全市，official）", [
               M("projected_retirees", "预测离退休人数", "SUM(projected_retirees)", ",d", "预测年末离退休人数（存量）"),
               flow("new_retirees", "预测年度新增退休人数"),
               M("retired_base", "基期离退休人数", "SUM(retired_base) FILTER (WHERE projection_year = 1)", ",d",
                 "基期离退休人数（每个险种、性别只计一次）"),
               M("projected_year10", "十年后离退休人数", "SUM(projected_retirees) FILTER (WHERE projection_year = 10)",
                 ",d", "预测年度 10 的年末离退休人数"),
               M("target_year_order", "预测年份排序", "MIN(target_year)", None, "用于按年份排序",
          why="排序键：只用于按预测年份排列，不是指标")])
    return [ModuleDash("actuarial", "dmp-actuarial", "区县宏观：统计精算", [
        [cal(kpi("ac_active", p, "active_count", "在职参保人数", width=3), "在职（缴费期）参保人数，月末。" + PSRC),
         cal(kpi("ac_retired", p, "retired_count", "待遇领取人数", width=3), "待遇领取人数，月末。" + PSRC),
         cal(kpi("ac_support", p, "support_ratio", "在职人数 ÷ 领取人数", ",.2f", width=3),
             "制度赡养比的倒数：在职参保人数 ÷ 待遇领取人数（先求和再相除）。" + PSRC),
         cal(kpi("ac_avg", p, "avg_pension_w", "人均月待遇（元）", ",.2f", width=3),
             "月待遇总额 ÷ 待遇领取人数。" + PSRC)],
        [cal(asc(cat_bar("ac_pyramid", p, "age_band_name", ["pyramid"], "参保人口金字塔（年龄段 × 性别，男为负值）",
                     groupby=["gender_name"], stack=True, horizontal=True, sort_metric="band_order",
                     width=6, height=70, district=False)),
             "参保人数 = 在职 + 待遇领取；男性取负值绘于左侧。" + PSRC),
         cal(asc(cat_bar("ac_age_status", p, "age_band_name", ["active_count", "retired_count"],
                     "各年龄段在职与待遇领取人数", stack=True, sort_metric="band_order", width=6, height=70,
                     district=False)), PSRC)],
        [cal(asc(cat_bar("ac_projection", j, "target_year_label", ["projected_retirees"],
                     "未来十年离退休人数预测（按性别）", groupby=["gender_name"], stack=True,
                     sort_metric="target_year_order", width=6, height=60, district=False, rotate=0)), JSRC),
         cal(asc(cat_bar("ac_projection_new", j, "target_year_label", ["new_retirees"],
                     "未来十年每年新增退休人数预测（按险种）", groupby=["insurance_type_name"], stack=True,
                     sort_metric="target_year_order", width=6, height=60, district=False, rotate=0)), JSRC)],
        [cal(table("ac_projection_table", j, ["insurance_type_name", "gender_name"],
                   ["retired_base", "projected_year10"], "各险种、性别基期与十年后离退休人数（所选基期月份）",
                   width=5, height=60, district=False), "十年后 = 预测年度 10 的年末。" + JSRC),
         cal(table("ac_projection_years", j, ["target_year_label"], ["new_retirees", "projected_retirees"],
                   "逐年预测：新增退休与年末离退休人数", width=7, height=60, order_by="target_year_order",
                   district=False), JSRC)],
    ], p, None, "社保中心统计精算：三项养老保险参保人口金字塔与未来十年离退休人数预测（全市，正式版，DMP 数据）",
        extra_filters=[("insurance", "险种", "insurance_type_name", p, True, "险种（默认第一个）")])]
