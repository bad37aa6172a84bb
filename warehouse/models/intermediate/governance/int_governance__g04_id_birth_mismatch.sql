-- G04 出生日期与身份证号不符: the birth-date field of a record differs from the date in the ID number (digits 7–14).
-- Month-incremental: which (interface, month) pairs a build rewrites is stated in macros/governance.sql.
{{ id_field_mismatch('G04', 'birth_date', id_birth_date('id_number'), '出生日期') }}
