"""Superset dashboard spec: 区县宏观 · 稽核 — audit suspects and their follow-up (DMP)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal, sibling, where  # noqa: E402

from bundle_kit import cat_bar, district_table, kpi, table, trend  # noqa: E402

SRC = "来源：社保业务数据库备份（DMP）稽核疑点清单，规则模块 = 稽核（A01–A03）；rpt_dmp_audit_by_rule。"


def dashboards() -> list:
    a = sibling("130_internal_control.py").audit_ds()

    def au(c):
        return where(c, "rule_module", "==", "稽核")
    return [ModuleDash("dmp_audit", "dmp-audit", "区县宏观：稽核", [
        [cal(au(kpi("au_suspects", a, "suspects", "稽核疑点数")), "所选月份发现的稽核疑点条数。" + SRC),
         cal(au(kpi("au_amount", a, "amount_wan", "疑点涉及金额（万元）", ",.2f")), "疑点涉及金额之和（元 ÷ 10000）。" + SRC),
         cal(au(kpi("au_pending", a, "pending", "待核查")), "核查状态 1 待核查的疑点数（待跟进）。" + SRC),
         cal(au(kpi("au_confirmed", a, "confirmed", "核查属实")), "核查状态 2 核查属实的疑点数。" + SRC)],
        [cal(au(cat_bar("au_rule_status", a, "rule_name", ["pending", "confirmed", "excluded"],
                        "各稽核规则疑点的跟进情况（所选月份）", stack=True, horizontal=True)),
             "每条规则的疑点按核查状态分列：待核查 / 核查属实 / 已排除。" + SRC),
         cal(au(cat_bar("au_rule_amount", a, "rule_name", ["amount_wan", "confirmed_amount_wan"],
                        "各稽核规则疑点涉及金额与核查属实金额（万元）", fmt=",.2f", horizontal=True)),
             "疑点涉及金额与其中核查属实的金额（元 ÷ 10000）。" + SRC)],
        [cal(au(cat_bar("au_district", a, "district_name", ["pending", "confirmed", "excluded"],
                        "各区县稽核疑点跟进情况（所选月份）", stack=True)), "按疑点所属区县。" + SRC),
         cal(au(trend("au_trend", a, ["suspects", "confirmed", "pending"], "稽核疑点、属实与待核查月度趋势")),
             "各月发现的疑点及其核查状态，全部月份。" + SRC)],
        [cal(au(district_table("au_table", a, ["suspects", "pending", "confirmed", "excluded", "handled_rate",
                                                "confirmed_rate", "amount_wan", "confirmed_amount_wan"],
                               "分区县稽核疑点与跟进（所选月份）")), SRC)],
        [cal(au(table("au_rule_table", a, ["rule_code", "rule_name"],
                      ["suspects", "pending", "confirmed", "excluded", "amount_wan", "confirmed_amount_wan"],
                      "稽核规则汇总（所选月份）", height=40)), SRC)],
    ], a, a, "社保中心稽核：死亡后领取、重复领取、缴费基数异常等疑点及其核查跟进（正式版，DMP 数据）")]
