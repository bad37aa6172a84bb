"""Superset dashboard spec: 宏观决策 · 数据质量报告 — per insurance (业务 filter): files, rows read / loaded / rejected,
findings by validation rule (load audit), and the DMP-vs-interface balance of 人社部数据核查."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal, sibling  # noqa: E402

from bundle_kit import DS, cat_bar, flow, kpi, ratio, table, trend  # noqa: E402

SRC = "来源：加载审计（audit.load_batch，不含被替换的批次）汇总为 rpt_modules_quality；仅计数，不含交付行内容。"


def dashboards() -> list:
    q = DS("modules_quality", "rpt_modules_quality", "数据质量报告：月份 × 业务 × 接口 × 校验规则（official）", [
        flow("files", "文件数"), flow("rows_read", "读取行数"), flow("rows_loaded", "入库行数"),
        flow("rows_rejected", "拒收行数"), flow("findings", "问题记录数"),
        ratio("reject_rate", "拒收率", "rows_rejected", "rows_read", fmt=".3%"),
        ratio("load_rate", "入库率", "rows_loaded", "rows_read", fmt=".3%")])
    c = sibling("180_ministry_check.py").check_ds()
    csrc = "平衡核对：业务库（DMP）与接口数据逐项比较（rpt_modules_data_check）。"
    return [ModuleDash("quality_report", "macro-quality-report", "宏观决策：数据质量报告", [
        [cal(kpi("qr_files", q, "files", "加载文件数"), "所选月份、业务的在用批次数。" + SRC),
         cal(kpi("qr_read", q, "rows_read", "读取行数"), SRC),
         cal(kpi("qr_rejected", q, "rows_rejected", "拒收行数"), "未通过校验、写入拒收文件的行数。" + SRC),
         cal(kpi("qr_rate", q, "reject_rate", "拒收率", ".3%"), "拒收行数 ÷ 读取行数（先求和再相除）。" + SRC)],
        [cal(cat_bar("qr_business", q, "business_name", ["rows_loaded", "rows_rejected"],
                     "各业务入库与拒收行数（所选月份）", stack=True, horizontal=True, district=False), SRC),
         cal(cat_bar("qr_rules", q, "rule", ["findings"], "问题记录数（按校验规则）", groupby=["business_name"],
                     stack=True, district=False, rotate=30), "每条校验规则发现的问题行数；“（无问题）”表示该批次无问题。" + SRC)],
        [cal(trend("qr_trend", q, ["rows_read", "rows_rejected"], "读取与拒收行数月度趋势"), "全部月份。" + SRC),
         cal(table("qr_check", c, ["insurance_type_name", "check_name"],
                   ["dmp_total", "interface_total", "difference_total", "is_discrepant"],
                   "平衡核对：业务库与接口数据（全市，所选月份）", width=6, height=60, district=False), csrc)],
        [cal(table("qr_interfaces", q, ["business_name", "interface_title", "provider"],
                   ["files", "rows_read", "rows_loaded", "rows_rejected", "reject_rate", "findings"],
                   "各接口数据质量（所选月份）", height=80, district=False), SRC)],
    ], q, None, "宏观决策数据质量报告：按业务（险种）的文件、读取、入库、拒收与校验问题，及业务库与接口数据平衡核对（正式版）",
        extra_filters=[("business", "业务（险种）", "business_name", q, False, "业务领域（不选为全部）")])]
