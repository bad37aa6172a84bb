{{ code_dimension('code_hukou_type', 'hukou_type', '99', ['is_agricultural', 'is_beijing'], ['null::boolean', 'null::boolean']) }}
