"""Superset dashboard spec: 专题库运行监控 (the topic libraries' rows, freshness, last refresh, entered / left)."""
from __future__ import annotations

from bundle_kit import DS, Dash, M, cat_bar, kpi_total, raw_table

VERBOSE = {"library": "专题库", "schema_name": "模式", "population_model": "主模型", "rule_version": "口径版本",
           "population_rows": "入库行数", "as_of_month": "口径月份", "source_business_month": "来源业务月份",
           "freshness_target_months": "新鲜度目标（月）", "freshness_lag_months": "滞后月数", "is_fresh": "是否达标",
           "freshness": "新鲜度", "last_refresh": "最近刷新时间", "entered_last_refresh": "最近一次刷新进入",
           "left_last_refresh": "最近一次刷新离开"}


def dashboards() -> list[Dash]:
    t = DS("topic_monitor_freshness", "topic_monitor_freshness",
           "专题库运行监控（topic_monitor.topic_monitor__freshness：每个专题库一行；仅计数，不含个人信息）", [
               M("libraries", "专题库个数", "COUNT(*)", ",d"),
               M("rows", "入库行数", "SUM(population_rows)", ",d"),
               M("stale", "未达新鲜度目标的专题库", "COUNT(*) FILTER (WHERE NOT is_fresh)", ",d",
                 "口径月份落后来源业务月份超过目标的专题库个数"),
               M("entered", "最近一次刷新进入", "SUM(entered_last_refresh)", ",d"),
               M("left", "最近一次刷新离开", "SUM(left_last_refresh)", ",d")],
           schema="topic_monitor", dttm="last_refresh",
           sql="select library, schema_name, population_model, rule_version, population_rows,\n"
               "       to_char(as_of_month, 'YYYY-MM') as as_of_month,\n"
               "       to_char(as_of_month, 'YYYY\"年\"MM\"月\"') as month_label,\n"
               "       to_char(source_business_month, 'YYYY-MM') as source_business_month,\n"
               "       freshness_target_months, freshness_lag_months, is_fresh,\n"
               "       case when is_fresh then '达标' else '滞后' || freshness_lag_months || '个月' end as freshness,\n"
               "       last_refresh, entered_last_refresh, left_last_refresh\n"
               "  from topic_monitor.topic_monitor__freshness",
           calc={("verbose", k): v for k, v in VERBOSE.items()},
        unmodelled="专题库运行监控（每个专题库一行，无月份维度），是运维计数，不是统计指标")
    return [Dash("topic_monitor", "topic-monitor", "专题库运行监控", [
        [kpi_total("tm_libraries", t, "libraries", "专题库个数", width=3),
         kpi_total("tm_rows", t, "rows", "入库总行数", width=3),
         kpi_total("tm_stale", t, "stale", "未达新鲜度目标", width=3),
         kpi_total("tm_entered", t, "entered", "最近一次刷新进入", width=3)],
        [cat_bar("tm_rows_bar", t, "library", ["rows"], "各专题库入库行数", horizontal=True, width=6, height=70,
                 district=False),
         cat_bar("tm_changes_bar", t, "library", ["entered", "left"], "各专题库最近一次刷新进入 / 离开",
                 horizontal=True, width=6, height=70, district=False)],
        [raw_table("tm_table", t, ["library", "rule_version", "population_rows", "as_of_month", "source_business_month",
                                   "freshness", "last_refresh", "entered_last_refresh", "left_last_refresh",
                                   "schema_name", "population_model"],
                   "专题库运行状态（口径版本、行数、口径月份与来源业务月份、新鲜度、最近刷新、进入 / 离开）", "last_refresh")],
    ], t, None, "十二个专题库：入库口径版本、行数、口径月份相对来源业务月份的新鲜度、最近刷新时间和最近一次刷新的进入 / 离开人数"
                "（成员变动明细在各专题库的变动日志中，不在看板上）。", month_required=False)]
