-- 信访按形式与事项(数据挖掘): month × district × channel × matter (only combinations that occur);
-- sums equal rpt_petition_overview.
select
    f.month_start,
    f.month_key,
    f.district_code,
    f.channel_code,
    coalesce(ch.name, '未知')                        as channel_name,
    f.matter_type_code,
    coalesce(mt.name, '未知')                        as matter_type_name,
    count(*)::bigint                                 as petitions,
    sum(f.persons)::bigint                           as persons,
    sum(f.is_collective)::bigint                     as collective,
    sum(f.is_repeat)::bigint                         as repeated,
    sum(f.is_handled)::bigint                        as handled,
    round(sum(f.is_handled)::numeric / nullif(count(*), 0), 4)::numeric(10,4) as handled_rate
from {{ ref('fct_petition_case') }} f
-- the HR code seeds are loaded with integer codes: compare as zero-padded text
left join {{ ref('code_petition_channel') }} ch on ch.code::text = f.channel_code
left join {{ ref('code_petition_matter') }} mt on lpad(mt.code::text, 2, '0') = f.matter_type_code
group by 1, 2, 3, 4, 5, 6, 7
