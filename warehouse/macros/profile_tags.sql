{#- The 人社电子画像 person tags, one boolean column each, in column order. topic_profile__status defines how each
    is derived (and fails to compile if its list drifts from this one); the models built on it (its population,
    自助分析) select them with profile_tag_select, so a new tag is added in two places, not five. Plain text rather
    than `return`ed lists, so that sqlfluff's offline templater renders the models as dbt does. -#}
{% macro profile_tag_names() -%}
tag_beijing_hukou,tag_residence_permit,tag_employee_insured,tag_residents_insured,tag_pensioner,tag_registered_unemployed,tag_unemployment_benefit,tag_job_seeker,tag_trained,tag_skill_subsidy,tag_points_applicant,tag_low_income,tag_disabled
{%- endmacro %}

{#- One select-list line per tag: `<prefix><tag><suffix>,` (e.g. prefix 'p.', or suffix '::boolean' for a contract). -#}
{% macro profile_tag_select(prefix='', suffix='') -%}
{%- for t in profile_tag_names().split(',') %}
    {{ prefix }}{{ t }}{{ suffix }},
{%- endfor %}
{%- endmacro %}
