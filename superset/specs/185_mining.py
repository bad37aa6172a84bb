"""Superset dashboard spec: 宏观决策 · 数据挖掘分析 — per insurance (险种 filter): distributions by age and gender,
cohorts, and the flows in and out of insurance (marts.rpt_modules_insurance_profile)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, asc, cal, once  # noqa: E402

from bundle_kit import DS, M, cat_bar, district_table, flow, kpi, pie, ratio, stock, trend, wan  # noqa: E402

SRC = ("来源：各险种人员月度事实汇总（rpt_modules_insurance_profile：企业职工养老、机关事业养老、城乡居民养老、失业、工伤），"
       "dbt 测试与各险种概览报表逐月逐区核对。")


@once
def profile_ds() -> DS:
    return DS("modules_insurance_profile", "rpt_modules_insurance_profile",
              "险种人群画像与流动：月份 × 区县 × 险种 × 性别 × 年龄段（official）", [
                  stock("insured", "参保人数"), stock("beneficiaries", "领取待遇人数"), flow("contributors", "缴费人数"),
                  wan("contribution_income", "缴费收入（万元）"), wan("benefit_paid", "待遇支出（万元）"),
                  flow("entries", "新增参保人数"), flow("exits", "减少参保人数"),
                  M("net_flow", "参保净增人数", "SUM(entries) - SUM(exits)", "+,d", "新增 − 减少",
          why="两个已认证指标之差（新增参保人数 − 减少人数），展示用"),
                  ratio("contributor_rate", "缴费率（缴费人数 ÷ 参保人数）", "contributors", "insured"),
                  ratio("beneficiary_share", "领待遇人数占比", "beneficiaries", "insured"),
                  M("avg_contribution", "人均缴费（元）", "SUM(contribution_income) / NULLIF(SUM(contributors), 0)",
                    ",.2f", "缴费收入 ÷ 缴费人数（先求和再相除）"),
                  M("band_order", "年龄段排序", "MIN(band_sort)", None, "用于按年龄段顺序排序",
          why="排序键：只用于按年龄段顺序排列，不是指标")])


def dashboards() -> list:
    p = profile_ds()
    return [ModuleDash("mining", "macro-data-mining", "宏观决策：数据挖掘分析", [
        [cal(kpi("mn_insured", p, "insured", "参保人数"), "所选险种月末参保人数。" + SRC),
         cal(kpi("mn_entries", p, "entries", "新增参保人数"), "本月参保且上月未参保该险种者（上月不在库时为空）。" + SRC),
         cal(kpi("mn_exits", p, "exits", "减少参保人数"), "上月参保且本月未参保该险种者，计入其上月所在区县。" + SRC),
         cal(kpi("mn_rate", p, "contributor_rate", "缴费率", ".1%"), "缴费人数 ÷ 参保人数（先求和再相除）。" + SRC)],
        [cal(asc(cat_bar("mn_age_gender", p, "age_band_name", ["insured"], "年龄段 × 性别分布（参保人数，所选月份）",
                         groupby=["gender_name"], stack=True, sort_metric="band_order")), "分布：参保人数按年龄段与性别。" + SRC),
         cal(pie("mn_gender", p, "gender_name", "insured", "性别构成（参保人数）"), SRC)],
        [cal(asc(cat_bar("mn_cohort_rate", p, "age_band_name", ["contributor_rate", "beneficiary_share"],
                         "各年龄段缴费率与领待遇人数占比", fmt=".1%", sort_metric="band_order")),
             "群组（年龄段）比较：缴费人数 ÷ 参保人数，领待遇人数 ÷ 参保人数。" + SRC),
         cal(asc(cat_bar("mn_cohort_contrib", p, "age_band_name", ["avg_contribution"], "各年龄段人均缴费（元）",
                         fmt=",.2f", sort_metric="band_order")), "缴费收入 ÷ 缴费人数（先求和再相除）。" + SRC)],
        [cal(trend("mn_flow_trend", p, ["entries", "exits"], "参保流入与流出月度趋势", bar=True),
             "流动：各月新增与减少参保人数（全部月份；首个库内月份无上月可比，为空）。" + SRC),
         cal(cat_bar("mn_flow_district", p, "district_name", ["entries", "exits", "net_flow"],
                     "各区县参保流入、流出与净增（所选月份）"), SRC)],
        [cal(district_table("mn_table", p, ["insured", "beneficiaries", "contributors", "contributor_rate", "entries",
                                            "exits", "net_flow", "contribution_income_wan", "benefit_paid_wan"],
                            "分区县人群与流动（所选险种、月份）"), SRC)],
    ], p, p, "宏观决策数据挖掘：按险种的年龄性别分布、年龄段群组比较与参保流入流出（正式版，仅汇总数）",
        extra_filters=[("insurance", "险种", "insurance_type_name", p, True, "险种（默认第一个；每次查看一个险种）")])]
