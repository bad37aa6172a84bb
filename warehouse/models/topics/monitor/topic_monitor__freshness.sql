-- 专题库新鲜度: the lag in months between each library's as-of month and its sources' business month (0 = fresh).
select
    library, schema_name, population_model, rule_version, as_of_month, source_business_month, freshness_target_months,
    ((extract(year from source_business_month) - extract(year from as_of_month)) * 12
     + extract(month from source_business_month) - extract(month from as_of_month))::int as freshness_lag_months,
    ((extract(year from source_business_month) - extract(year from as_of_month)) * 12
     + extract(month from source_business_month) - extract(month from as_of_month))::int <= freshness_target_months
                                                                                          as is_fresh,
    population_rows, last_refresh, entered_last_refresh, left_last_refresh
from {{ ref('topic_monitor__libraries') }}
