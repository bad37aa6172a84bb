{#-
  Conformance test on a dimension: every code that the facts using it carry is a member, so a join from
  any of them never loses rows. Returns each (fact, code) not in the dimension.

      - name: dim_hukou_type
        data_tests:
          - dimension_covers:
              arguments:
                key: hukou_type_code
                used_in: [{model: ref('fct_unemployment_person_month'), column: hukou_type_code}, ...]
-#}
{% test dimension_covers(model, key, used_in) %}
{%- for u in used_in %}
select '{{ u.model.identifier if u.model.identifier is defined else u.model }}' as used_in, f.code
from (select distinct {{ u.column }}::text as code from {{ u.model }} where {{ u.column }} is not null) f
where not exists (select 1 from {{ model }} d where d.{{ key }}::text = f.code)
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
