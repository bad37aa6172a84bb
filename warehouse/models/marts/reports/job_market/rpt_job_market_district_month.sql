-- The district rows of rpt_job_market_overview (without its Beijing row 110000): the fact of the job_market cube
-- and of its semantic model, which add districts up themselves and must never count the Beijing row twice.
{{ config(materialized='table') }}   -- a table: the publish copies tables into the official release
select * from {{ ref('rpt_job_market_overview') }}
where district_code <> {{ beijing_code() }}
