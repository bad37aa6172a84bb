"""Superset dashboard spec: 企业职工养老保险概览 (the first dashboard; its UUIDs are the ones it was published with,
so existing installations update it in place)."""
from __future__ import annotations

from bundle_kit import (
    DS,
    Dash,
    M,
    cat_bar,
    district_map,
    district_table,
    kpi,
    ratio,
    stock,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    p = DS("pension_overview", "rpt_pension_overview", "企业职工养老保险概览：月份 × 区县（official.rpt_pension_overview）", [
        stock("insured_active", "在职参保人数", "sum_insured_active"),
        stock("insured_retired", "离退休人数", "sum_insured_retired"),
        stock("insured_total", "参保总人数", "sum_insured_total"),
        M("sum_contributors", "缴费人数", "SUM(contributors)", ",d", "人；按月份取数"),
        wan("contribution_income", "基金征缴收入（万元）"), wan("pension_paid", "养老金发放（万元）"),
        ratio("dependency_ratio", "制度抚养比", "insured_active", "insured_retired", ".2f",
              "在职参保人数 ÷ 离退休人数（先求和再相除）")],
        uuid="6289ec01-26a1-54ea-b0f8-c74fb277ea81")
    with_district_shape(p)   # the district map's outlines (district_shape)
    bar = cat_bar("district_bar", p, "district_name", ["sum_insured_active", "sum_insured_retired"],
                  "各区县参保人数（所选月份）", stack=True, sort_metric="sum_insured_active")
    bar.uuid = "c8170364-d6d1-58f0-a7f6-0eff4398d791"
    tr = trend("trend_insured", p, ["sum_insured_active", "sum_insured_retired"], "参保人数月度趋势（在职 / 离退休）")
    tr.uuid = "9ca5effc-bfb6-5346-a4ff-9982c9aae3db"
    tr.width = 12
    dt = district_table("district_table", p, ["sum_insured_active", "sum_insured_retired", "sum_insured_total",
                                               "sum_contributors", "contribution_income_wan", "pension_paid_wan",
                                               "dependency_ratio"], "分区县养老保险指标（所选月份）")
    dt.uuid = "7598c401-0295-57d0-8af8-a264a24af3f6"
    mp = district_map("district_map", p, "sum_insured_total", "区县地图：参保总人数（所选月份，点击区县筛选本页）")
    return [Dash("pension_overview", "pension-overview", "企业职工养老保险概览", [
        [kpi("kpi_insured_active", p, "sum_insured_active", "在职参保人数", width=2, good="up",
             uuid="ee77c68e-4150-5585-ac8c-210c5205abfe"),
         kpi("kpi_insured_retired", p, "sum_insured_retired", "离退休人数", width=2,
             uuid="c59e7495-4585-54d7-89fd-1a17c54b56d3"),
         kpi("kpi_contributors", p, "sum_contributors", "缴费人数", width=2, good="up",
             uuid="db3c296e-3a6e-591d-8bde-ecb8b3013d45"),
         kpi("kpi_contribution_income", p, "contribution_income_wan", "基金征缴收入（万元）", ",.2f", width=2, good="up",
             uuid="90a86931-8212-5eb5-8a35-df08ec0e33e0"),
         kpi("kpi_pension_paid", p, "pension_paid_wan", "养老金发放（万元）", ",.2f", width=2,
             uuid="d64f5bc2-ca55-53a8-a0b2-3976f2bfc4a2"),
         kpi("kpi_dependency_ratio", p, "dependency_ratio", "制度抚养比", ".2f", width=2, good="up",
             uuid="12ada7ae-25c1-50bd-886f-33aa0eccc476")],
        [mp, bar],
        [tr],
        [dt],
    ], p, p, None, uuid="7a4fb8b9-ac67-5e7b-9577-8162afde921e")]
