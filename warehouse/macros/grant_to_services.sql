{#- The data services' role (wh_services, services/) reads exactly the topic-library relations its catalogue
    declares (services/catalogue/*/*.yaml `reads`). dbt recreates a table on every build, which drops its grants:
    this post-hook gives SELECT back to that role, when the role exists (WAREHOUSE_ROLES=off has none).
    tests/integration/test_services_api.py checks the role can read every declared relation and nothing else. -#}
{% macro grant_to_services() %}
    do $grant$ begin
        if exists (select 1 from pg_roles where rolname = 'wh_services') then
            execute 'grant select on {{ this }} to wh_services';
        end if;
    end $grant$
{% endmacro %}
