"""Stand-ins for the dbt functions sqlfluff's jinja templater does not provide, so `make lint` renders every model
offline (no database): `return` hands a macro's value back as dbt's does; `run_query` (used by macros that look at
the database while dbt compiles) returns an empty table. Used only by sqlfluff (warehouse/.sqlfluff library_path),
never by dbt."""

globals()["return"] = lambda value=None: value


class _Column:
    def values(self) -> list:
        return []


class _Table:
    columns = (_Column(),)
    rows = ()


def run_query(sql: str | None = None) -> _Table:
    return _Table()
