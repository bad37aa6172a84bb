{{ code_dimension('code_economic_type', 'economic_type', '99') }}
