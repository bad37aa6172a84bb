"""Superset dashboard spec: 历史数据库 · 固定图表查询 — long series of key indicators and the 京津冀 comparisons over
the history indicator database (history.v_observation_latest: the newest vintage of every value, with its vintage)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _modules_kit import ModuleDash, asc, cal, where  # noqa: E402

from bundle_kit import DS, Chart, M, cat_bar, echart_options, raw_table, table  # noqa: E402

SRC = ("区县用户只看到本区县的序列与公开发布的全市、天津、河北、全国统计资料。来源：历史数据库（history.v_observation_latest：每个指标 × 地区 × 期别取最新版本，即 known_from 最大者；"
       "“数据版本”列出各值的版本时间与版本数）。按某一日期的版本（as of）查询请用门户的自由组合查询（asof 参数）。")


def series(key, ds, indicators, name, regions=("110000",), by="indicator_name", grain="P1Y", fmt=",.2f",
           width=6, height=60, caliber=""):
    """A long series: value by period (year or month), one line per indicator or per region."""
    c = Chart(key, ds, name, "echarts_timeseries_line", {
        "x_axis": "period_start", "time_grain_sqla": grain, "metrics": ["value"], "groupby": [by],
        "adhoc_filters": [{"clause": "WHERE", "subject": "period_start", "operator": "TEMPORAL_RANGE",
                           "comparator": "No filter", "expressionType": "SIMPLE"}],
        "row_limit": 10000, "order_desc": True, "x_axis_time_format": "%Y" if grain == "P1Y" else "%Y-%m",
        "y_axis_format": fmt, "rich_tooltip": True, "tooltipTimeFormat": "%Y" if grain == "P1Y" else "%Y-%m",
        "show_legend": True, "legendOrientation": "top", "legendType": "scroll", "markerEnabled": True,
        "markerSize": 5, "truncateYAxis": False, "y_axis_bounds": [None, None], "zoomable": False,
        "color_scheme": "supersetColors", "connectNulls": True, "annotation_layers": [], "rolling_type": None,
        "comparison_type": "values", "only_total": True, "show_value": False,
        "echart_options": echart_options(fmt, "yAxis", "xAxis")}, width, height,   # counts: whole ticks; both ends labelled
        month=False, district=False)
    where(c, "indicator_code", "IN", list(indicators))
    where(c, "region_code", "IN", list(regions))
    where(c, "freq", "==", "Y" if grain == "P1Y" else "M")
    return cal(c, caliber + SRC)


def wh_districts(key, ds, indicators, name, caliber=""):
    """The warehouse's monthly district series summed over the districts the reader may see (a district login: its
    own district only — row security of history.observation)."""
    c = series(key, ds, indicators, name, regions=(), grain="P1M", fmt=",d", caliber=caliber)
    c.params["metrics"] = ["value_sum"]
    c.params["adhoc_filters"] = [f for f in c.params["adhoc_filters"] if f["subject"] != "region_code"]
    return where(c, "region_level", "==", "district")


def jjj_bar(key, ds, indicator, name, regions=("110000", "120000", "130000"), fmt=",.2f", width=6, caliber=""):
    """A 京津冀 comparison: one bar per region for every year."""
    c = asc(cat_bar(key, ds, "period", ["value"], name, fmt=fmt, width=width, groupby=["region_name"],
                    sort_metric="period_order", month=False, district=False, rotate=0))
    where(c, "indicator_code", "==", indicator)
    where(c, "region_code", "IN", list(regions))
    where(c, "freq", "==", "Y")
    return cal(c, caliber + SRC)


def dashboards() -> list:
    h = DS("history_observation_latest", "v_observation_latest",
           "历史数据库：指标 × 地区 × 期别的最新版本（history 模式，含版本时间、版本数、标志与来源）", [
               M("value", "数值", "MAX(value)", ",.2f", "一个指标 × 地区 × 期别只有一个最新值（MAX 即该值）"),
               M("value_sum", "各地区合计", "SUM(value)", ",d", "同一指标、期别各地区之和：只用于可相加的人数、金额"),
               M("series_values", "数值个数", "COUNT(*)", ",d"),
               M("latest_vintage", "最新版本时间", "MAX(vintage_label)", None, "known_from 的最大值（北京时间）"),
               M("latest_period", "最新期别", "MAX(period)", None),
               M("first_period", "最早期别", "MIN(period)", None),
               M("period_order", "期别排序", "MIN(period_start)", None, "用于按期别排序")],
           schema="history", dttm="period_start", calc={
               ("verbose", "indicator_code"): "指标代码", ("verbose", "indicator_name"): "指标",
               ("verbose", "unit"): "单位", ("verbose", "kind"): "类型", ("verbose", "decimals"): "小数位",
               ("verbose", "origin"): "来源类别", ("verbose", "class_name"): "分类", ("verbose", "region_code"): "地区代码",
               ("verbose", "region_name"): "地区", ("verbose", "region_level"): "地区级别",
               ("verbose", "region_sort"): "地区排序", ("verbose", "freq"): "频度", ("verbose", "period"): "期别",
               ("verbose", "period_start"): "期别起始日", ("verbose", "value"): "数值",
               ("verbose", "known_from"): "版本时间（known_from）", ("verbose", "vintage_label"): "数据版本",
               ("verbose", "vintages"): "版本数", ("verbose", "flags"): "标志", ("verbose", "source"): "资料来源",
               ("verbose", "footnote"): "注释"},
        unmodelled="历史数据库视图（history 模式，按版本的指标值），不是 dbt 数仓模型，不在语义层")
    jjj = ("110000", "120000", "130000", "100000")
    return [ModuleDash("history_fixed", "history-fixed-charts", "历史数据库：固定图表查询", [
        [series("hi_insured", h, ["ins_pension_ent", "ins_unemp", "ins_injury", "ins_maternity"],
                "北京市年末参保人数（万人）", caliber="年末参加企业职工养老、失业、工伤、生育保险人数（万人）。"),
         series("hi_gdp", h, ["gdp"], "北京市地区生产总值（亿元）", caliber="地区生产总值，现价（亿元）。")],
        [series("hi_wage", h, ["avg_wage_monthly_social", "min_wage_monthly"], "北京市职工月平均工资与最低工资标准（元）",
                caliber="职工月平均工资（社平口径）与月最低工资标准（元/月）。"),
         series("hi_unemp_rate", h, ["unemp_rate_survey"], "城镇调查失业率：北京、天津与全国（%）",
                regions=("110000", "120000", "100000"), by="region_name", grain="P1M",
                caliber="城镇调查失业率（月度，%）。")],
        [jjj_bar("hi_jjj_injury", h, "ins_injury", "京津冀：年末参加工伤保险人数（万人）",
                 caliber="年末参加工伤保险人数（万人）；全国数见“最新值明细”（量级不同，不同图）。"),
         jjj_bar("hi_jjj_pension_fund", h, "fund_income_pension_urban_emp",
                 "京津冀：城镇职工基本养老保险基金收入（亿元）",
                 caliber="城镇职工基本养老保险基金收入（亿元）。")],
        [jjj_bar("hi_jjj_wage", h, "avg_wage_private", "京津冀与全国：城镇私营单位就业人员年平均工资（元）", regions=jjj,
                 fmt=",d", caliber="城镇私营单位就业人员年平均工资（元）。"),
         wh_districts("hi_wh_pension", h, ["wh_pension_insured_active", "wh_pension_insured_retired"],
                      "企业职工养老保险在职与离退休人数（数据仓库月度，各区县合计）",
                      caliber="每次发布后由数据仓库正式版写入的月度指标，各区县之和（区县用户为本区县）。")],
        [cal(table("hi_vintages", h, ["origin", "class_name"],
                   ["series_values", "first_period", "latest_period", "latest_vintage"],
                   "数据版本：各来源与分类的最新期别与版本时间", width=12, height=50, month=False, district=False),
             "每个来源类别（published 公开发布资料 / warehouse 数据仓库发布 / import 导入）与分类的数值个数、期别范围与最新版本时间。"
             + SRC)],
        [cal(raw_table("hi_values", h, ["indicator_name", "region_name", "period", "value", "unit", "vintage_label",
                                         "vintages", "flags", "source"],
                       "最新值明细（按版本时间倒序）", "known_from", month=False), SRC)],
    ], h, None, "历史数据库固定图表查询：北京人社与经济长序列、京津冀对比，每个值取最新版本并列出版本时间（as of）",
        extra_filters=[("region", "地区", "region_name", h, False, "地区（不选为图表默认地区）"),
                       ("indicator", "指标", "indicator_name", h, False, "指标（不选为图表默认指标）")],
        replace_filters=True)]
