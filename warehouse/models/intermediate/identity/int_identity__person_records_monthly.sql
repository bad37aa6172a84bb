-- The latest record of each natural person in each source delivered monthly only (no 按日 state; social insurance,
-- 残联, 民政, 卫健委, 技能提升补贴): what int_identity__person_records adds to the daily sources' records. Downstream
-- of no daily source, so the daily refresh of the topic libraries does not rebuild it (the monthly build does).
{{ identity_person_records(daily=false) }}
