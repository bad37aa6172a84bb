{{ code_dimension('code_unit_category', 'unit_category', '99') }}
