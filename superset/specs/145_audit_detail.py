"""Superset dashboard spec: 区县宏观 · 稽核疑点明细 — the suspicion list itself, for drill to detail (查看明细).

The charts count the rows of rpt_dmp_audit_suspect_detail (one row per suspicion), so Superset's drill to detail
(right-click a bar → 查看明细 / Drill to detail) lists the suspicions behind it. The identifiers are masked in the
table at build time (warehouse/macros/masking.sql: 公民身份号码 110105********1234, 姓名 张*; no 个人编号), the rows are
cut to the user's district by Superset's row-level security and by the district's database login, and only the
groups with drill-through rights in access/model.yaml (analyst, district) are given the dashboard
(superset/manage.py DASHBOARD_ROLES); leadership reads the aggregates (区县宏观：稽核 / 内控监督办公).
"""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import ModuleDash, cal  # noqa: E402

from bundle_kit import DS, M, cat_bar, raw_table  # noqa: E402

SRC = ("来源：社保业务数据库备份（DMP）稽核疑点清单，一行一条疑点（rpt_dmp_audit_suspect_detail；条数与金额按月、区县、规则"
       "等于 rpt_dmp_audit_by_rule，dbt 测试 sums_match）。身份证号、姓名已脱敏。")
ROWS = "明细数据集：一行一条疑点"

DETAIL_COLUMNS = ["month_label", "district_name", "suspect_id", "rule_code", "rule_name", "insurance_type_name",
                  "id_number_masked", "person_name_masked", "amount", "detect_date", "check_status_name"]


def detail_ds() -> DS:
    return DS("dmp_audit_suspect_detail", "rpt_dmp_audit_suspect_detail",
              "稽核与内控监督疑点明细：一行一条疑点，身份标识已脱敏（official）", [
                  M("suspects", "疑点数", "COUNT(*)", ",d", why=ROWS + "，疑点数即行数（各月之和）"),
                  M("amount_wan", "涉及金额（万元）", "SUM(amount) / 10000", ",.2f",
                    why=ROWS + "，涉及金额之和（元 ÷ 10000，各月之和）")])


def dashboards() -> list:
    d = detail_ds()
    listing = cal(raw_table("ad_list", d, DETAIL_COLUMNS, "疑点明细（所选月份，身份标识已脱敏）", "detect_date",
                            row_limit=1000),
                  "所选月份、区县、规则模块的疑点逐条列出，按发现日期倒序，至多 1000 条（更多请缩小筛选或右键图表查看明细）。" + SRC)
    listing.district = True   # raw_table leaves the 区县 filter out (tables without districts); this one has them
    return [ModuleDash("dmp_audit_detail", "dmp-audit-detail", "区县宏观：稽核疑点明细", [
        [cal(cat_bar("ad_rule_status", d, "rule_name", ["suspects"], "各规则疑点数（按核查状态，所选月份）",
                     groupby=["check_status_name"], stack=True, horizontal=True),
             "右键点击柱条 → 查看明细：列出该规则、该核查状态的疑点。" + SRC),
         cal(cat_bar("ad_district", d, "district_name", ["suspects"], "各区县疑点数（按规则模块，所选月份）",
                     groupby=["rule_module"], stack=True),
             "按疑点所属区县；右键点击柱条 → 查看明细：该区县、该模块的疑点。" + SRC)],
        [listing],
    ], d, d, "稽核与内控监督疑点逐条明细（正式版，DMP 数据）：右键图表“查看明细”；身份证号、姓名脱敏，区县用户只见本区",
        extra_filters=[("module", "规则模块", "rule_module", d, False, "稽核（A01–A03）/ 内控监督（A04–A06），不选为全部")],
        markdown=["**查看明细**：右键点击任一柱条，选“查看明细”（Drill to detail），即列出该柱条背后的疑点，每条一行。"
                  "身份证号只显示前 6 位和后 4 位、姓名只显示姓氏首字（构建时脱敏，明文不进入本表）；"
                  "区县用户只看到本区的疑点。需要明文身份信息的核查，请通过经审计的数据接口服务查询。"])]
