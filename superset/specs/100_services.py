"""Superset dashboard spec: 数据接口服务监控 (issue 18) — calls, errors, refused calls, p95 latency per service and per
caller, alerts and sharing-feed deliveries. Reads the views svc.monitor_calls / monitor_feeds / monitor_alerts,
which hold no identifiers (services/store.py grants them to Superset's official connection)."""
from __future__ import annotations

from bundle_kit import DS, Dash, M, cat_bar, kpi_total, raw_table, table

MONTH = ("月份", "TEXT", "to_char(at, 'YYYY\"年\"MM\"月\"')")


def dashboards() -> list[Dash]:
    calls = DS("svc_monitor_calls", "monitor_calls", "数据接口服务调用(svc.monitor_calls，来自哈希链审计日志；不含身份标识)", [
        M("calls", "调用次数", "COUNT(*)", ",d"),
        M("ok_calls", "成功调用次数", "COUNT(*) FILTER (WHERE status = 'ok')", ",d"),
        M("failed_calls", "错误次数", "COUNT(*) FILTER (WHERE failed)", ",d", "status 为 error(数据不可用) 或 invalid(参数错误)"),
        M("refused_calls", "拒绝次数", "COUNT(*) FILTER (WHERE status IN ('refused', 'rate_limited'))", ",d",
          "超出共享申请范围、密钥无效/吊销/到期(401/403)或超频(429)"),
        M("p95_latency_ms", "P95 耗时(毫秒)", "percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)", ",.1f"),
        M("avg_latency_ms", "平均耗时(毫秒)", "AVG(latency_ms)", ",.1f"),
        M("rows_returned", "返回行数", "SUM(row_count)", ",d"),
        M("error_rate", "错误率", "COUNT(*) FILTER (WHERE failed)::float / NULLIF(COUNT(*), 0)", ".2%")],
        schema="svc", dttm="at", calc={
            "month_label": MONTH,
            ("verbose", "event_id"): "审计事件号", ("verbose", "at"): "调用时间", ("verbose", "hour"): "小时",
            ("verbose", "caller"): "调用方", ("verbose", "service"): "服务", ("verbose", "status"): "结果",
            ("verbose", "row_count"): "返回行数", ("verbose", "latency_ms"): "耗时(毫秒)",
            ("verbose", "refused"): "是否拒绝", ("verbose", "failed"): "是否错误"},
        unmodelled="数据接口服务的运行记录（svc 模式），不是 dbt 数仓模型，不在语义层")
    feeds = DS("svc_monitor_feeds", "monitor_feeds", "数据共享推送记录(svc.monitor_feeds)：每个共享流程每次发布后一次", [
        M("deliveries", "推送次数", "COUNT(*)", ",d"),
        M("delivered", "已送达", "COUNT(*) FILTER (WHERE status = 'delivered')", ",d"),
        M("failed_deliveries", "推送失败", "COUNT(*) FILTER (WHERE status = 'failed')", ",d"),
        M("rows_delivered", "推送行数", "SUM(row_count)", ",d")],
        schema="svc", dttm="at", calc={
            "month_label": MONTH,
            ("verbose", "delivery_id"): "推送号", ("verbose", "at"): "推送时间", ("verbose", "feed_code"): "共享流程代码",
            ("verbose", "feed_name"): "共享流程", ("verbose", "recipient"): "接收方", ("verbose", "data_month"): "数据月份",
            ("verbose", "status"): "状态", ("verbose", "row_count"): "行数", ("verbose", "message"): "说明"},
        unmodelled="数据接口服务的运行记录（svc 模式），不是 dbt 数仓模型，不在语义层")
    alerts = DS("svc_monitor_alerts", "monitor_alerts", "数据接口服务告警(svc.monitor_alerts)：枚举查询与调用量突增", [
        M("alerts", "告警次数", "COUNT(alert_id)", ",d")],
        schema="svc", dttm="at", calc={
            "month_label": MONTH,
            ("verbose", "alert_id"): "告警号", ("verbose", "at"): "告警时间", ("verbose", "kind"): "类型",
            ("verbose", "caller"): "调用方", ("verbose", "observed"): "观测值", ("verbose", "threshold"): "阈值",
            ("verbose", "window_min"): "窗口(分钟)", ("verbose", "detail"): "说明"},
        unmodelled="数据接口服务的运行记录（svc 模式），不是 dbt 数仓模型，不在语义层")
    not_ok = raw_table("svc_recent_refused", calls, ["at", "caller", "service", "status", "latency_ms"],
                       "最近的拒绝与错误调用", "at", height=50)
    not_ok.params["adhoc_filters"] = [{"clause": "WHERE", "subject": "status", "operator": "NOT IN",
                                       "comparator": ["ok", "accepted"], "expressionType": "SIMPLE"}]
    per = ["calls", "failed_calls", "refused_calls", "p95_latency_ms", "avg_latency_ms", "rows_returned"]
    return [Dash("services", "data-services-monitor", "数据接口服务监控", [
        [kpi_total("svc_calls", calls, "calls", "调用次数", width=2),
         kpi_total("svc_failed", calls, "failed_calls", "错误次数", width=2),
         kpi_total("svc_refused", calls, "refused_calls", "拒绝次数", width=2),
         kpi_total("svc_p95", calls, "p95_latency_ms", "P95 耗时(毫秒)", fmt=",.1f", width=2),
         kpi_total("svc_alerts", alerts, "alerts", "告警次数", width=2),
         kpi_total("svc_feed_failed", feeds, "failed_deliveries", "共享推送失败", width=2)],
        [table("svc_per_service", calls, ["service"], per, "各服务调用、错误、拒绝与 P95 耗时", width=7, order_by="calls",
               order_desc=True, district=False),
         table("svc_per_caller", calls, ["caller"], per, "各调用方调用、错误、拒绝与 P95 耗时", width=5, order_by="calls",
               order_desc=True, district=False)],
        [cat_bar("svc_status_by_caller", calls, "caller", ["calls"], "各调用方调用结果", groupby=["status"], stack=True,
                 horizontal=True, width=6, height=60, district=False),
         table("svc_feeds", feeds, ["recipient", "feed_name", "data_month", "status"], ["deliveries", "rows_delivered"],
               "数据共享推送(已送达 / 失败)", width=6, district=False)],
        [raw_table("svc_alert_list", alerts, ["at", "kind", "caller", "observed", "threshold", "window_min", "detail"],
                   "告警(最新在前)", "at", height=50)],
        [not_ok],
    ], calls, None, "数据接口服务的调用量、错误、拒绝、P95 耗时(按服务、按调用方)、告警与数据共享推送(来自审计日志，实时；不含身份标识)",
        month_required=False)]
