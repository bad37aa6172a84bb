-- Balance (trainees roll forward): for every district and every month whose previous month is loaded,
--   trainees on file(t) − trainees of courses started in t = trainees still in training at the end of t−1.
-- Returns each month × district that does not roll forward, with both sides.
with r as (
    select month_start, district_code, trainees, trainees_enrolled, trainees_in_training
    from {{ ref('rpt_training_overview') }}
)
select cur.month_start, cur.district_code, prev.trainees_in_training as in_training_previous,
       cur.trainees, cur.trainees_enrolled,
       (cur.trainees - cur.trainees_enrolled) - prev.trainees_in_training as difference
from r cur
join r prev on prev.district_code = cur.district_code
           and prev.month_start = (cur.month_start - interval '1 month')::date
where cur.trainees - cur.trainees_enrolled <> prev.trainees_in_training
