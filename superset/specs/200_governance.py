"""Superset dashboard spec: 数据治理：异常按规则与来源 (governance anomalies per rule and source, open vs resolved)."""
from __future__ import annotations

from bundle_kit import DS, Dash, M, cat_bar, flow, kpi_total, table, trend

VERBOSE = {"rule_id": "规则编号", "rule_label": "治理规则", "rule_name": "规则名称", "category": "治理分类",
           "severity": "严重程度", "interface": "接口", "provider": "数据提供方", "anomalies": "异常记录数",
           "open_anomalies": "未解决", "resolved_anomalies": "已解决(后续交付已更正)", "data_month": "数据月份"}


def _with(chart, **params):
    chart.params.update(params)
    return chart


def dashboards() -> list[Dash]:
    g = DS("governance_anomaly_summary", "governance_anomaly_summary",
           "数据治理异常统计（official.rpt_governance_anomaly_summary：规则 × 接口 × 数据月份，未解决 / 已解决；不含个人信息）", [
               flow("anomalies", "异常记录数"), flow("open_anomalies", "未解决异常"),
               flow("resolved_anomalies", "已解决异常"),
               M("rules_firing", "触发的规则数", "COUNT(DISTINCT rule_id) FILTER (WHERE anomalies > 0)", ",d",
                 "所选范围内至少有一条异常的治理规则数",
                 why="按规则去重的个数（至少一条异常的规则），不能跨行相加，不是度量"),
               M("resolved_share", "已解决占比", "SUM(resolved_anomalies)::numeric / NULLIF(SUM(anomalies), 0)", ".2%",
                 "已解决 ÷ 全部异常（先求和再相除）")],
           schema="official",
           sql="select data_month as month_start, to_char(data_month, 'YYYY\"年\"MM\"月\"') as month_label,\n"
               "       rule_id, rule_id || ' ' || rule_name as rule_label, rule_name, category, severity,\n"
               "       nullif(interface, '') as interface, nullif(provider, '') as provider,\n"
               "       anomalies, open_anomalies, resolved_anomalies\n"
               "  from official.rpt_governance_anomaly_summary",
           calc={("verbose", k): v for k, v in VERBOSE.items()})
    return [Dash("governance", "governance-anomalies", "数据治理：跨源核查异常与反馈", [
        [kpi_total("gv_total", g, "anomalies", "异常记录数", width=3),
         kpi_total("gv_open", g, "open_anomalies", "未解决", width=3),
         kpi_total("gv_resolved", g, "resolved_anomalies", "已解决（后续交付已更正）", width=3),
         kpi_total("gv_rules", g, "rules_firing", "触发的规则数", width=3)],
        [cat_bar("gv_by_rule", g, "rule_label", ["open_anomalies", "resolved_anomalies"], "各治理规则异常数（未解决 / 已解决）",
                 stack=True, horizontal=True, width=6, height=70, district=False),
         _with(cat_bar("gv_by_provider", g, "provider", ["open_anomalies", "resolved_anomalies"],
                       "各数据提供方待更正异常数（未解决 / 已解决）", stack=True, horizontal=True, width=6, height=70,
                       district=False),
               adhoc_filters=[{"clause": "WHERE", "subject": "provider", "operator": "IS NOT NULL",
                               "expressionType": "SIMPLE"}])],
        [_with(trend("gv_trend", g, ["open_anomalies", "resolved_anomalies"], "异常数按数据月份趋势（未解决 / 已解决）",
                     bar=True, width=12), stack="Stack", show_value=True)],
        [table("gv_table", g, ["rule_id", "rule_name", "category", "severity", "provider", "interface"],
               ["anomalies", "open_anomalies", "resolved_anomalies", "resolved_share"],
               "异常明细（规则 × 提供方 × 接口；记录清单见各提供方的数据治理反馈文件）", order_by="anomalies",
               order_desc=True, district=False)],
    ], g, None, "跨源治理规则（G01 起）按规则、数据提供方和数据月份统计的异常；一条异常在后续交付更正后计为已解决。"
                "明细记录（含需更正的记录）只在发给各提供方的数据治理反馈 XLSX 中，不在看板上。", month_required=False)]
