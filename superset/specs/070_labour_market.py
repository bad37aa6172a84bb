"""Superset dashboard spec: 人力资源市场."""
from __future__ import annotations

from bundle_kit import (
    DS,
    Dash,
    M,
    cat_bar,
    district_bar,
    district_map,
    district_table,
    flow,
    kpi,
    ratio,
    stock,
    trend,
    wan,
    with_district_shape,
)


def dashboards() -> list[Dash]:
    dashes: list[Dash] = []
    reg = DS("unemployed_registry_overview", "rpt_unemployed_registry_overview",
             "登记失业概览：月份 × 区县（official）", [
                 stock("registered", "期末登记失业人数"), flow("new_registrations", "新增失业登记人数"),
                 flow("to_employment", "实现就业人数"), stock("hard_to_employ", "就业困难人员数"),
                 M("registered_unemployment_rate", "城镇登记失业率",
                   "SUM(registered)::numeric / NULLIF(SUM(urban_employed) + SUM(registered), 0)", ".2%",
                   "期末登记失业人数 ÷ (城镇从业人员 + 期末登记失业人数)（先求和再相除）")])
    job = DS("job_market_overview", "rpt_job_market_overview", "职业介绍概览：月份 × 区县（official）", [
        flow("vacancies", "需求人数"), flow("seekers", "求职人数"), flow("placements", "介绍成功人数"),
        ratio("vacancy_seeker_ratio", "求人倍率", "vacancies", "seekers", ".2f",
              "需求人数 ÷ 求职人数（先求和再相除）"),
        ratio("placement_rate", "介绍成功率", "placements", "seekers")])
    occ = DS("job_market_by_occupation", "rpt_job_market_by_occupation",
             "职业介绍按职业大类：月份 × 区县 × 职业（official）", [
                 flow("vacancies", "需求人数"), flow("seekers", "求职人数"), flow("placements", "介绍成功人数")])
    tr = DS("training_overview", "rpt_training_overview", "职业培训概览：月份 × 区县（official）", [
        flow("trainees_enrolled", "开班学员人数"), flow("trainees_completed", "结业合格人数"),
        flow("certificates", "取得证书人数"), wan("subsidy_amount", "培训补贴（万元）"),
        M("completion_rate", "结业合格率",
          "SUM(trainees_completed)::numeric / NULLIF(SUM(trainees_completed) + SUM(trainees_failed) "
          "+ SUM(trainees_dropped), 0)", ".2%", "结业合格 ÷ (合格 + 不合格 + 退学)（先求和再相除）")])
    for d in (reg, job, tr):   # the district map's outlines (district_shape)
        with_district_shape(d)
    with_district_shape(occ, add_name=True)
    dashes.append(Dash("labour_market", "labour-market-overview", "人力资源市场：登记失业、职业介绍与职业培训", [
        [kpi("lm_registered", reg, "registered", "期末登记失业人数", good="down"),
         kpi("lm_rate", reg, "registered_unemployment_rate", "城镇登记失业率", ".2%", good="down"),
         kpi("lm_vs_ratio", job, "vacancy_seeker_ratio", "求人倍率", ".2f", good="up"),
         kpi("lm_trained", tr, "trainees_completed", "职业培训结业合格人数", good="up")],
        [district_map("lm_map", reg, "registered", "区县地图：期末登记失业人数（所选月份，点击区县筛选本页）"),
         district_bar("lm_job_district", job, ["vacancies", "seekers", "placements"],
                      "各区县需求、求职与介绍成功人数（所选月份）")],
        [trend("lm_trend", reg, ["registered", "new_registrations", "to_employment"],
               "登记失业人数、新增登记与实现就业月度趋势", width=12)],
        [cat_bar("lm_occupation", occ, "occupation_major_name", ["vacancies", "seekers"],
                 "分职业大类需求与求职人数（所选月份）", horizontal=True, width=6, height=60),
         district_table("lm_training_table", tr, ["trainees_enrolled", "trainees_completed", "completion_rate",
                                                  "certificates", "subsidy_amount_wan"],
                        "分区县职业培训（所选月份）")],
    ], reg, reg, "登记失业、职业介绍、职业培训（正式版）"))
    dashes[-1].rows[3][1].width = 6
    dashes[-1].rows[3][1].height = 60
    return dashes
