"""Superset dashboard spec: 系统管理：运行日志与数据质量."""
from __future__ import annotations

from bundle_kit import COUNT, DS, Dash, M, cat_bar, flow, kpi_total, ratio, raw_table


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    rl = DS("audit_run_log", "run_log", "运行日志（audit.run_log）：加载、构建、发布、回滚", [
        COUNT, M("failed_runs", "失败的运行次数", "COUNT(*) FILTER (WHERE result = 'failed')", ",d",
                 "result = failed 的运行次数"),
        M("avg_duration_s", "平均耗时（秒）", "AVG(duration_s)", ",.1f")],
        schema="audit", dttm="started_at", calc={
            "month_label": ("月份", "TEXT",
                            "CASE WHEN data_month ~ '^[0-9]{6}$' THEN substr(data_month, 1, 4) || '年' "
                            "|| substr(data_month, 5, 2) || '月' END"),
            ("verbose", "run_id"): "运行号", ("verbose", "action"): "操作", ("verbose", "data_month"): "数据月份",
            ("verbose", "started_at"): "开始时间", ("verbose", "finished_at"): "结束时间",
            ("verbose", "duration_s"): "耗时（秒）", ("verbose", "run_by"): "执行人", ("verbose", "result"): "结果",
            ("verbose", "detail"): "详情"},
        unmodelled="运行审计表（audit 模式，由加载与构建程序写入），不是 dbt 数仓模型，不在语义层")
    lb = DS("audit_load_batch", "load_batch", "加载批次（audit.load_batch）：每个接口文件每月一批", [
        M("batches", "批次数", "COUNT(*)", ",d"), flow("rows_read", "读取行数"), flow("rows_loaded", "入库行数"),
        flow("rows_rejected", "拒收行数"), ratio("reject_rate", "拒收率", "rows_rejected", "rows_read")],
        schema="audit", dttm="started_at", calc={
            "month_label": ("月份", "TEXT", "to_char(data_month, 'YYYY\"年\"MM\"月\"')"),
            ("verbose", "batch_id"): "批次号", ("verbose", "run_id"): "加载运行号", ("verbose", "interface"): "接口",
            ("verbose", "provider"): "数据提供方", ("verbose", "data_month"): "数据月份",
            ("verbose", "file_name"): "文件名", ("verbose", "file_sha256"): "文件 SHA-256",
            ("verbose", "file_bytes"): "文件字节数", ("verbose", "rows_read"): "读取行数",
            ("verbose", "rows_loaded"): "入库行数", ("verbose", "rows_rejected"): "拒收行数",
            ("verbose", "findings_by_rule"): "按规则的问题数", ("verbose", "status"): "状态",
            ("verbose", "message"): "消息", ("verbose", "run_by"): "执行人", ("verbose", "started_at"): "开始时间",
            ("verbose", "finished_at"): "结束时间", ("verbose", "duration_s"): "耗时（秒）"},
        unmodelled="运行审计表（audit 模式，由加载与构建程序写入），不是 dbt 数仓模型，不在语义层")
    lf = DS("audit_load_finding_counts", "load_finding_counts",
            "校验问题计数（audit.load_finding 按月份 × 接口 × 规则汇总；无问题的批次记为“（无问题）”，计数 0）", [
                flow("findings", "问题记录数"), M("files", "文件数", "COUNT(DISTINCT file_name)", ",d")],
            schema="audit", dttm="data_month",
            sql="select b.data_month, to_char(b.data_month, 'YYYY\"年\"MM\"月\"') as month_label, b.interface,\n"
                "       b.provider, b.file_name, coalesce(f.rule, '（无问题）') as rule,\n"
                "       coalesce(f.severity, '-') as severity, coalesce(f.findings, 0) as findings\n"
                "  from audit.load_batch b\n"
                "  left join (select batch_id, rule, severity, count(*) as findings\n"
                "               from audit.load_finding group by batch_id, rule, severity) f\n"
                "    on f.batch_id = b.batch_id\n"
                " where b.status <> 'superseded'",
            calc={("verbose", "interface"): "接口", ("verbose", "provider"): "数据提供方",
                  ("verbose", "file_name"): "文件名", ("verbose", "rule"): "校验规则",
                  ("verbose", "severity"): "严重程度", ("verbose", "findings"): "问题记录数",
                  ("verbose", "data_month"): "数据月份"},
        unmodelled="运行审计表（audit 模式，由加载与构建程序写入），不是 dbt 数仓模型，不在语义层")
    dashes.append(Dash("ops", "ops-run-log-quality", "系统管理：运行日志与数据质量", [
        [kpi_total("op_failed", rl, "failed_runs", "失败的运行次数", width=3),
         kpi_total("op_batches", lb, "batches", "加载批次数", width=3),
         kpi_total("op_loaded", lb, "rows_loaded", "入库行数", width=3),
         kpi_total("op_rejected", lb, "rows_rejected", "拒收行数", width=3)],
        [cat_bar("op_provider_status", lb, "provider", ["batches"], "各数据提供方加载批次（按状态）",
                 groupby=["status"], stack=True, horizontal=True, width=6, height=70, district=False),
         cat_bar("op_rules", lf, "rule", ["findings"], "拒收 / 问题记录数（按校验规则）",
                 groupby=["severity"], stack=True, width=6, height=70, district=False, rotate=30)],
        [raw_table("op_run_log", rl, ["run_id", "action", "data_month", "result", "started_at", "finished_at",
                                      "duration_s", "run_by", "detail"],
                   "运行日志（最新在前）", "started_at")],
        [raw_table("op_batches_table", lb, ["batch_id", "month_label", "provider", "interface", "file_name",
                                            "status", "rows_read", "rows_loaded", "rows_rejected", "duration_s",
                                            "run_by", "started_at"],
                   "加载批次明细（最新在前）", "started_at")],
    ], lb, None, "运行日志（加载、构建、发布、回滚）、加载批次与校验问题（audit 模式，实时）",
        month_required=False))
    return dashes
