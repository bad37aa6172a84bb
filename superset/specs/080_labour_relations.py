"""Superset dashboard spec: 劳动关系."""
from __future__ import annotations

from bundle_kit import (
    DS,
    Chart,
    Dash,
    M,
    city_wide,
    district_bar,
    district_map,
    district_table,
    flow,
    kpi,
    pie,
    ratio,
    stock,
    trend,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    ar = DS("arbitration_overview", "rpt_arbitration_overview", "劳动人事争议仲裁概览：月份 × 区县（official）", [
        flow("accepted", "本期受理案件数"), flow("closed", "本期结案数"), stock("pending", "期末未结案件数"),
        flow("mediated", "调解结案数"), flow("workers_involved", "涉及劳动者人数"),
        M("closure_rate", "结案率", "SUM(closed)::numeric / NULLIF(SUM(carried_over) + SUM(accepted), 0)", ".2%",
          "本期结案数 ÷ (上期结转 + 本期受理)（先求和再相除）"),
        ratio("mediation_rate", "调解率", "mediated", "closed")])
    pe = DS("petition_overview", "rpt_petition_overview", "信访概览：月份 × 区县（official）", [
        flow("petitions", "信访件数"), flow("persons", "信访人次"), flow("collective", "集体访件数"),
        flow("handled", "办结件数"), ratio("handled_rate", "办结率", "handled", "petitions")])
    hs = DS("hotline_by_service", "rpt_hotline_by_service", "12333 咨询按服务类型：月份 × 服务类型（全市，official）", [
        flow("total_calls", "呼入总量"), flow("agent_calls", "人工接听量"),
        M("connect_rate", "接通率", "(SUM(agent_calls) + SUM(self_service_calls))::numeric / NULLIF(SUM(total_calls), 0)",
          ".2%", "(人工接听 + 自助服务) ÷ 呼入总量（先求和再相除）"),
        ratio("satisfaction_rate", "满意率", "satisfied_calls", "rated_calls")])
    with_district_shape(ar)   # the district map's outlines (district_shape)
    with_district_shape(pe)
    city_wide(hs)             # 12333 is city-wide: outside the 区县 filter (district=False)
    dashes.append(Dash("labour_relations", "labour-relations-overview", "劳动关系：仲裁、信访与 12333 咨询", [
        [kpi("lr_accepted", ar, "accepted", "仲裁受理案件数", good="down"),
         kpi("lr_closure", ar, "closure_rate", "仲裁结案率", ".2%", good="up"),
         kpi("lr_petitions", pe, "petitions", "信访件数", good="down"),
         Chart("lr_calls", hs, "12333 呼入总量（全市）", "big_number_total",
               {"metric": "total_calls", "adhoc_filters": [], "header_font_size": 0.4, "subheader_font_size": 0.15,
                "y_axis_format": ",d", "time_format": "smart_date", "subheader": ""}, 3, 26, district=False)],
        [district_map("lr_map", ar, "accepted", "区县地图：仲裁受理案件数（所选月份，点击区县筛选本页）"),
         district_bar("lr_district_bar", pe, ["petitions", "handled"], "各区县信访件数与办结件数（所选月份）")],
        [trend("lr_trend", ar, ["accepted", "closed"], "仲裁受理与结案月度趋势", width=12, bar=True)],
        [pie("lr_hotline_pie", hs, "service_type_name", "total_calls", "12333 呼入量按服务类型（全市，所选月份）",
             district=False),
         district_table("lr_district_table", ar, ["accepted", "closed", "pending", "closure_rate", "mediation_rate",
                                                  "workers_involved"],
                        "分区县劳动人事争议仲裁（所选月份）")],
    ], ar, ar, "劳动人事争议仲裁、信访、12333 咨询服务（正式版）。12333 为全市数据，不受区县筛选影响。"))
    dashes[-1].rows[3][1].width = 6
    dashes[-1].rows[3][1].height = 60
    return dashes
