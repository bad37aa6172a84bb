-- 数据质量报告 (宏观决策, per insurance): per month × business area (险种 / 业务) × interface × validation rule —
-- the files loaded, the rows read, loaded and rejected, and the findings of each rule (a batch without
-- findings has one row with rule '（无问题）'). From the load audit (audit.load_batch, only the batches in force:
-- superseded re-deliveries are left out); counts only, no delivered row and no identifier.
with batches as (
    select b.batch_id, b.data_month as month_start, b.interface, b.provider, b.status,
           b.rows_read, b.rows_loaded, b.rows_rejected, b.findings_by_rule, i.source, i.title
    from {{ source('audit', 'load_batch') }} b
    left join {{ source('audit', 'interface') }} i on i.interface = b.interface
    where b.status <> 'superseded'
),
rules as (
    select b.batch_id, f.key as rule, f.value::bigint as findings
    from batches b
    cross join lateral jsonb_each_text(coalesce(b.findings_by_rule, '{}'::jsonb)) as f(key, value)
),
per_batch as (
    -- the batch's counts on its first rule row only, so that summing over rules never repeats them
    select b.*, coalesce(r.rule, '（无问题）') as rule, coalesce(r.findings, 0) as findings,
           row_number() over (partition by b.batch_id order by r.rule) as rule_no
    from batches b
    left join rules r on r.batch_id = b.batch_id
)
select
    p.month_start,
    to_char(p.month_start, 'YYYYMM')::int                               as month_key,
    to_char(p.month_start, 'YYYY"年"MM"月"')                             as month_label,
    coalesce(p.source, 'other')                                         as business_code,
    case p.source
        when 'pension' then '企业职工养老保险'
        when 'public_pension' then '机关事业单位养老保险'
        when 'residents_pension' then '城乡居民养老保险'
        when 'unemployment' then '失业保险'
        when 'injury' then '工伤保险'
        when 'maternity' then '生育保险'
        when 'medical_account' then '医疗保险个人账户'
        when 'dmp' then '社保业务数据库备份(DMP)'
        when 'unemployed_registry' then '失业登记'
        when 'job_market' then '职业介绍'
        when 'training' then '职业培训'
        when 'hotline' then '12333电话咨询'
        when 'arbitration' then '劳动人事争议仲裁'
        when 'petition' then '劳动人事信访'
        else '其他数据源'
    end                                                                 as business_name,
    (p.source in ('pension', 'public_pension', 'residents_pension', 'unemployment', 'injury', 'maternity',
                  'medical_account', 'dmp'))::int                       as is_insurance,
    p.interface,
    coalesce(p.title, p.interface)                                      as interface_title,
    p.provider,
    p.status                                                            as batch_status,
    p.rule,
    (case when p.rule_no = 1 then 1 else 0 end)::int                    as files,
    (case when p.rule_no = 1 then p.rows_read else 0 end)::bigint       as rows_read,
    (case when p.rule_no = 1 then p.rows_loaded else 0 end)::bigint     as rows_loaded,
    (case when p.rule_no = 1 then p.rows_rejected else 0 end)::bigint   as rows_rejected,
    p.findings::bigint                                                  as findings
from per_batch p
