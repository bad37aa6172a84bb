{#- The 人社电子画像 person tags, one boolean column each, in column order. topic_profile__status defines how each
    is derived; the models built on it (its population, 自助分析) take the list from here, so a new tag is added in
    two places (here and its derivation), not five. -#}
{% macro profile_tag_columns() %}
    {{ return(['tag_beijing_hukou', 'tag_residence_permit', 'tag_employee_insured', 'tag_residents_insured',
               'tag_pensioner', 'tag_registered_unemployed', 'tag_unemployment_benefit', 'tag_job_seeker',
               'tag_trained', 'tag_skill_subsidy', 'tag_points_applicant', 'tag_low_income', 'tag_disabled']) }}
{% endmacro %}
