{#-
  口径: a contribution or payment of a person without a status row in its month (a late contribution after
  leaving, a funeral grant after death) is attributed to the person's LAST KNOWN district: the district of
  his latest status row before that month. Only when the person was never seen before does the caller fall
  back (the paying unit's district, then 999999 未知区县).

  unmatched_sql: a query returning (month_start, person_id) of those rows; status_model: the person × month
  status model (columns month_start, person_id, district_code). Returns (month_start, person_id,
  district_code), one row per unmatched person and month that has an earlier status row.
-#}
{% macro last_known_district(unmatched_sql, status_model) -%}
    select distinct on (u.month_start, u.person_id) u.month_start, u.person_id, h.district_code
    from ({{ unmatched_sql }}) u
    join {{ status_model }} h on h.person_id = u.person_id and h.month_start < u.month_start
    order by u.month_start, u.person_id, h.month_start desc
{%- endmacro %}
