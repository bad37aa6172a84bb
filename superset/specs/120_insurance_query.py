"""Superset dashboard spec: 区县宏观 · 社保查询 — query the insured population by insurance, district, gender and
age band (aggregates only; person-level lookups stay in the audited query services with masked identifiers)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, asc, cal, sibling  # noqa: E402

from bundle_kit import Chart, cat_bar, kpi  # noqa: E402

SRC = ("来源：各险种人员月度事实汇总（rpt_modules_insurance_profile），仅汇总数，不含个人明细；"
       "查询个人参保情况请使用数据服务（身份标识脱敏、访问留痕）。")


def pivot(key, ds, rows, cols, metrics, name, height=80):
    return Chart(key, ds, name, "pivot_table_v2", {
        "groupbyRows": rows, "groupbyColumns": cols, "metrics": metrics, "metricsLayout": "COLUMNS",
        "aggregateFunction": "Sum", "rowTotals": True, "colTotals": True, "rowSubTotals": False,
        "colSubTotals": False, "transposePivot": False, "combineMetric": False, "adhoc_filters": [],
        "row_limit": 10000, "valueFormat": ",d", "date_format": "smart_date", "rowOrder": "key_a_to_z",
        "colOrder": "key_a_to_z", "order_desc": True}, 12, height)


def dashboards() -> list:
    p = sibling("185_mining.py").profile_ds()
    return [ModuleDash("insurance_query", "district-insurance-query", "区县宏观：社保查询", [
        [cal(kpi("iq_insured", p, "insured", "参保人数（所选条件）"), "月末参保人数；按险种、区县、性别、年龄段筛选。" + SRC),
         cal(kpi("iq_beneficiaries", p, "beneficiaries", "领取待遇人数"), "养老离退休、居民待遇领取人数，月末。" + SRC),
         cal(kpi("iq_contributors", p, "contributors", "缴费人数"), "当月有缴费到账的人数。" + SRC),
         cal(kpi("iq_income", p, "contribution_income_wan", "缴费收入（万元）", ",.2f"), "当月缴费收入（元 ÷ 10000）。" + SRC)],
        [cal(pivot("iq_pivot", p, ["insurance_type_name", "age_band_name"], ["gender_name"],
                   ["insured", "beneficiaries", "contributors"], "参保查询：险种 × 年龄段 × 性别（所选月份）"),
             "行：险种、年龄段；列：性别；含合计。" + SRC)],
        [cal(cat_bar("iq_ins", p, "insurance_type_name", ["insured", "beneficiaries", "contributors"],
                     "各险种参保、领待遇与缴费人数（所选条件）", width=6), SRC),
         cal(asc(cat_bar("iq_age", p, "age_band_name", ["insured"], "各年龄段参保人数（按险种）",
                         groupby=["insurance_type_name"], stack=True, sort_metric="band_order", width=6)), SRC)],
        [cal(pivot("iq_district", p, ["district_name"], ["insurance_type_name"], ["insured"],
                   "分区县各险种参保人数（所选月份）", height=70), SRC)],
    ], p, p, "区县宏观社保查询：按险种、区县、性别、年龄段查询参保、领待遇与缴费人数（正式版，仅汇总数）",
        extra_filters=[
            ("insurance", "险种", "insurance_type_name", p, False, "险种（不选为全部）"),
            ("gender", "性别", "gender_name", p, False, "性别（不选为全部）"),
            ("age_band", "年龄段", "age_band_name", p, False, "年龄段（不选为全部）")])]
