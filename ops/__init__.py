"""Operations glue: the PostgreSQL the warehouse runs on, settings shared by every part."""
