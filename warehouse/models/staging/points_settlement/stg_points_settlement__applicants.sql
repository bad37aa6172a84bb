-- 积分落户申报人员信息: typed, renamed view of raw.points_applicant with the daily state raw.points_applicant_daily after the latest roll-up (macros/daily_state.sql; ID numbers normalised).
select
    {{ stg_month_columns() }},
    apply_year,
    {{ stg_person_columns('id_number', 'person_name', none, none) }},
    credit_code,
    apply_date,
    score,
    apply_status as apply_status_code,
    _batch_id as batch_id
from {{ with_daily_state(source('raw_points_settlement', 'points_applicant'), source('raw_points_settlement', 'points_applicant_daily'), ['id_number'], 'snapshot') }}
