select
    to_date(data_month, 'YYYYMM')   as month_start,
    data_month,
    petition_id,
    channel                         as channel_code,
    receive_date,
    district_code,
    matter_type                     as matter_type_code,
    nullif(upper(petitioner_id_number), '') as petitioner_id_number,
    nullif(petitioner_name, '')     as petitioner_name,
    persons,
    collective_flag,
    repeat_flag,
    nullif(respondent_credit_code, '') as respondent_credit_code,
    handled_flag,
    response_days,
    _batch_id                       as batch_id
from {{ source('raw_petition', 'petition_case') }}
