"""Superset dashboard spec: 区县宏观 · 综合情况 — every insurance of a district on one page, with the 收缴固定报表."""
from __future__ import annotations

import sys
from pathlib import Path

if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))

from _modules_kit import PORTAL_URL, ModuleDash, cal  # noqa: E402

from bundle_kit import (  # noqa: E402
    DS,
    cat_bar,
    district_map,
    district_table,
    flow,
    kpi,
    stock,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list:
    ov = DS("modules_district_overview", "rpt_modules_district_overview",
            "综合情况：月份 × 区县，全部险种并列（official）", [
                stock("ent_pension_insured", "企业职工养老保险参保人数"),
                flow("ent_pension_contributors", "企业职工养老保险缴费人数"),
                wan("ent_pension_income", "企业职工养老保险征缴收入（万元）"),
                wan("ent_pension_paid", "企业职工养老保险待遇支出（万元）"),
                stock("pub_pension_insured", "机关事业单位养老保险参保人数"),
                wan("pub_pension_income", "机关事业单位养老保险征缴收入（万元）"),
                wan("pub_pension_paid", "机关事业单位养老保险待遇支出（万元）"),
                stock("res_pension_insured", "城乡居民养老保险参保人数"),
                stock("res_pension_beneficiaries", "城乡居民养老保险待遇领取人数"),
                wan("res_pension_income", "城乡居民养老保险缴费收入（万元）"),
                wan("res_pension_paid", "城乡居民养老保险待遇支出（万元）"),
                stock("unemp_insured", "失业保险参保人数"), wan("unemp_income", "失业保险征缴收入（万元）"),
                stock("unemp_recipients", "领取失业保险金人数"), wan("unemp_paid", "失业保险金发放（万元）"),
                stock("injury_insured", "工伤保险参保人数"), wan("injury_income", "工伤保险缴费收入（万元）"),
                wan("injury_paid", "工伤保险待遇结算支付（万元）"),
                stock("maternity_insured", "生育保险参保人数"), wan("maternity_income", "生育保险缴费收入（万元）"),
                wan("total_collection", "收缴合计（万元）"),
                wan("total_collection_ytd", "本年累计收缴（万元）", stock_=True),
                stock("pension_insured_all", "三项养老保险参保人数合计")])
    with_district_shape(ov)   # the district map's outlines (district_shape)
    insured = ["ent_pension_insured", "pub_pension_insured", "res_pension_insured", "unemp_insured",
               "injury_insured", "maternity_insured"]
    income = ["ent_pension_income_wan", "pub_pension_income_wan", "res_pension_income_wan", "unemp_income_wan",
              "injury_income_wan", "maternity_income_wan"]
    paid = ["ent_pension_paid_wan", "pub_pension_paid_wan", "res_pension_paid_wan", "unemp_paid_wan",
            "injury_paid_wan"]
    src = "来源：各险种概览报表的区县行（marts.rpt_modules_district_overview = 各 rpt_*_overview，dbt 测试逐月逐区核对）。"
    link = (f"**收缴固定报表**（审核版 / 正式版，XLSX 与 PDF，按月份、区县）："
            f"[到门户下载收缴固定报表]({PORTAL_URL}/fixed-reports) 。"
            "本页“收缴合计”与固定报表同源（基金收支明细账科目1101 + 1102 + 1105）。"
            "参保人数为月末存量，按所选月份取数；收入、支出为当月发生额。不选区县为全市（各区县之和）。")
    return [ModuleDash("district_overview_all", "district-overview-all", "区县宏观：综合情况", [
        [cal(kpi("dov_ent", ov, "ent_pension_insured", "企业职工养老保险参保人数"),
             "企业职工基本养老保险在职 + 离退休人数，月末存量。" + src),
         cal(kpi("dov_pub", ov, "pub_pension_insured", "机关事业单位养老保险参保人数"),
             "机关事业单位养老保险在职 + 离退休人数，月末存量。" + src),
         cal(kpi("dov_res", ov, "res_pension_insured", "城乡居民养老保险参保人数"),
             "城乡居民基本养老保险参保状态有效人数，月末存量。" + src),
         cal(kpi("dov_collect", ov, "total_collection_wan", "收缴合计（万元）", ",.2f"),
             "三项养老保险征缴收入 + 补缴 + 职业年金（基金收支明细账科目1101、1102、1105），当月发生额，"
             "与收缴固定报表一致。")],
        [cal(kpi("dov_unemp", ov, "unemp_insured", "失业保险参保人数"), "失业保险参保状态有效人数，月末存量。" + src),
         cal(kpi("dov_injury", ov, "injury_insured", "工伤保险参保人数"), "工伤保险参保状态有效人数，月末存量。" + src),
         cal(kpi("dov_mat", ov, "maternity_insured", "生育保险参保人数"), "生育保险参保人数，月末存量。" + src),
         cal(kpi("dov_ytd", ov, "total_collection_ytd_wan", "本年累计收缴（万元）", ",.2f"),
             "同一年度库内各月收缴合计之和（年初月份不在库时少计）。")],
        [cal(district_map("dov_map", ov, "total_collection_wan", "区县地图：收缴合计（万元，所选月份，点击区县筛选本页）",
                          fmt=",.2f", width=12, height=70),
             "各区县当月收缴合计（三项养老保险征缴收入 + 补缴 + 职业年金，元 ÷ 10000），颜色越深越多（最小至最大等分五级）；点击区县，"
             "本页按该区筛选（区县筛选器设为该区，清除筛选器回到全市）。区县用户只看到本区。边界为本地数据（不连互联网）。" + src)],
        [cal(district_table("dov_table", ov, [*insured, "total_collection_wan"], "分区县各险种参保人数与收缴合计（所选月份）"),
             "每行一个区县；参保人数为月末存量，收缴合计为当月发生额。" + src)],
        [cal(cat_bar("dov_income_bar", ov, "district_name", income, "分区县各险种缴费收入（万元，所选月份）",
                     fmt=",.2f", width=6, stack=True), "各险种当月征缴 / 缴费收入（元 ÷ 10000）。" + src),
         cal(cat_bar("dov_paid_bar", ov, "district_name", paid, "分区县各险种待遇支出（万元，所选月份）",
                     fmt=",.2f", width=6, stack=True), "各险种当月待遇支出（元 ÷ 10000）。" + src)],
        [cal(trend("dov_trend_income", ov, income, "各险种缴费收入月度趋势（万元）", ",.2f"),
             "各月发生额，全部月份（不受月份筛选影响）。" + src),
         cal(trend("dov_trend_insured", ov, insured, "各险种参保人数月度趋势"),
             "各月月末存量，全部月份（不受月份筛选影响）。" + src)],
    ], ov, ov, "区县宏观决策：一个区县全部险种的参保、收支与收缴（正式版）；收缴固定报表在门户下载",
        markdown=[link])]
