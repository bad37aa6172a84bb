{{ code_dimension('code_insurance_type', 'insurance_type', '999') }}
