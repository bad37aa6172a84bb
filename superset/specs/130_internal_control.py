"""Superset dashboard spec: 区县宏观 · 内控监督办公 — internal-control findings by rule and status (DMP)."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal, once, where  # noqa: E402

from bundle_kit import COUNT, DS, cat_bar, flow, kpi, ratio, table, trend, wan  # noqa: E402

SRC = "来源：社保业务数据库备份（DMP）稽核疑点清单，规则模块 = 内控监督（A04–A06）；rpt_dmp_audit_by_rule。"


@once
def audit_ds() -> DS:
    return DS("dmp_audit_by_rule", "rpt_dmp_audit_by_rule", "稽核与内控监督疑点：月份 × 区县 × 规则（official）", [
        flow("suspects", "疑点数"), wan("amount", "涉及金额（万元）"), flow("pending", "待核查"),
        flow("confirmed", "核查属实"), flow("excluded", "已排除"), wan("confirmed_amount", "核查属实金额（万元）"),
        ratio("handled_rate", "核查完成率", "confirmed + excluded", "suspects"),
        ratio("confirmed_rate", "属实率", "confirmed", "confirmed + excluded")])


def dashboards() -> list:
    a = audit_ds()
    bc = DS("dmp_benefit_changes", "rpt_dmp_benefit_changes", "待遇变更统计：月份 × 区县 × 险种 × 变更类型（official）", [
        flow("changes", "待遇变更笔数"), wan("amount_change", "月待遇变动额（万元）"),
        flow("large_increases", "增幅超过20%笔数（A04）"), flow("off_hours_changes", "非工作时间办理笔数（A05）"),
        flow("self_approved_changes", "经办与复核同一人笔数（A06）"), COUNT,
        ratio("flag_rate", "内控标志占比", "large_increases + off_hours_changes + self_approved_changes", "changes")])

    def ic(c):
        return where(c, "rule_module", "==", "内控监督")
    return [ModuleDash("internal_control", "dmp-internal-control", "区县宏观：内控监督办公", [
        [cal(ic(kpi("ic_suspects", a, "suspects", "内控疑点数")), "所选月份发现的内控疑点条数。" + SRC),
         cal(ic(kpi("ic_pending", a, "pending", "待核查")), "核查状态 1 待核查的疑点数。" + SRC),
         cal(ic(kpi("ic_confirmed", a, "confirmed", "核查属实")), "核查状态 2 核查属实的疑点数。" + SRC),
         cal(ic(kpi("ic_excluded", a, "excluded", "已排除")), "核查状态 3 已排除的疑点数。" + SRC)],
        [cal(ic(cat_bar("ic_rule_status", a, "rule_name", ["pending", "confirmed", "excluded"],
                        "各内控规则疑点按核查状态（所选月份）", stack=True, horizontal=True)),
             "每条规则的疑点按核查状态分列：待核查 / 核查属实 / 已排除。" + SRC),
         cal(ic(cat_bar("ic_district", a, "district_name", ["suspects"], "各区县内控疑点数（所选月份）",
                        groupby=["rule_name"], stack=True)), "按疑点所属区县。" + SRC)],
        [cal(cat_bar("ic_changes", bc, "change_type_name", ["large_increases", "off_hours_changes",
                                                             "self_approved_changes"],
                     "待遇变更内控标志（按变更类型，所选月份）", stack=True),
             "待遇变更日志中触发内控规则的笔数：A04 调整/重新核定增幅超过20%，A05 非工作时间办理，"
             "A06 经办与复核为同一人；来源：DMP 待遇变更日志（rpt_dmp_benefit_changes）。"),
         cal(ic(trend("ic_trend", a, ["suspects", "pending"], "内控疑点与待核查月度趋势")),
             "各月疑点数与月末待核查数，全部月份。" + SRC)],
        [cal(ic(table("ic_table", a, ["rule_code", "rule_name"],
                      ["suspects", "pending", "confirmed", "excluded", "handled_rate", "amount_wan",
                       "confirmed_amount_wan"], "内控规则疑点与处理情况（所选月份）", height=40)), SRC)],
        [cal(table("ic_changes_table", bc, ["district_name", "change_type_name"],
                   ["changes", "amount_change_wan", "large_increases", "off_hours_changes", "self_approved_changes",
                    "flag_rate"], "分区县、变更类型的待遇变更与内控标志（所选月份）", order_by="changes", order_desc=True),
             "待遇变更笔数、月待遇变动额与三类内控标志；标志占比 = 标志笔数合计 ÷ 变更笔数。")],
    ], a, a, "社保中心内控监督：待遇变更内控规则（A04–A06）的疑点、核查状态与分布（正式版，DMP 数据）")]
