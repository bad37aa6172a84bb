-- G03 性别与身份证号不符: the gender field of a record differs from the gender the ID number carries (17th digit:
-- Month-incremental: which (interface, month) pairs a build rewrites is stated in macros/governance.sql.
-- odd male, even female), in every source that delivers both (police, 残联, 民政, the pension registers).
{{ id_field_mismatch('G03', 'gender_code', id_gender('id_number'), '性别') }}
