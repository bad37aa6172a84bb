"""Result rows of an aggregate statement → the cells of the API (keys, labels, measures)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cube import plan
from cube.sqlbuild.common import attributes

if TYPE_CHECKING:
    from cube.query import AggregateQuery


def format_rows(q: AggregateQuery, names: list[str], rows: list[tuple]) -> tuple[list[dict], int, Any]:
    """Rows of the statement → (cells, total cell count, stock month of the first row)."""
    idx = {n: i for i, n in enumerate(names)}
    attrs = attributes(q)
    measures = plan.sql_measures(q)
    cells: list[dict] = []
    total = 0
    stock_t = None
    for row in rows:
        cell: dict[str, Any] = {}
        for a in attrs:
            key = row[idx[a.key]]
            cell[a.ref] = key
            cell[f"{a.ref}.label"] = a.level.format_label(key, tuple(row[idx[lbl]] for lbl in a.labels))
        for name in measures:
            cell[name] = row[idx[f"x_{name}"]]
        cells.append(cell)
        total = row[idx["__total"]]
        if "__stock_t" in idx and stock_t is None:
            stock_t = row[idx["__stock_t"]]
    return cells, total, stock_t


def opening_month(names: list[str], rows: list[tuple]) -> Any:
    """The month (month_start) whose value the opening balances of the first row took, or None."""
    if "__opening_t" not in names or not rows:
        return None
    return rows[0][names.index("__opening_t")]


def level_refs(q: AggregateQuery) -> dict[str, list[str]]:
    """{drilled dimension: the level names along its path}."""
    out: dict[str, list[str]] = {}
    for dd in q.drilldowns:
        dim = q.cube.dimensions[dd.dimension]
        out[dim.name] = [lv.name for lv in dim.path_to(dd.level)]
    return out
