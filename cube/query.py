"""The cube's aggregate query: a parsed request (cube/parse.py) planned (cube/plan.py), turned into SQL by the builder
of each storage it reads (cube/sqlbuild/) and its rows formatted (cube/format.py).

``build_request`` parses the request parameters into the cells query and the summary query; ``AggregateQuery`` is
the parsed request (``plan()`` / ``path``: where it reads, ``build()``: the statement, ``format_rows()``: the cells).
``build_facts`` is drill-through (/facts). The request syntax is described in cube/parse.py, aggregate awareness and
the distinct-count structures in cube/plan.py, the measures' rules over time in cube/sqlbuild/cells.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from psycopg import sql

from cube import format as formatting
from cube import plan as planning
from cube import sqlbuild
from cube.model import AggregateTable, Cube, DistinctAggregate, Measure
from cube.parse import (  # noqa: F401 — the parsing API, re-exported for the service and the tests
    DEFAULT_FACTS_PAGE_SIZE,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_SET_SIZE,
    MAX_VALUE_LEN,
    Cut,
    Drilldown,
    Order,
    QueryError,
    parse_cut,
    parse_cuts,
    parse_drilldowns,
    parse_fact_order,
    parse_fields,
    parse_measures,
    parse_order,
    parse_paging,
    split_escaped,
    sql_measure_name,
    unescape,
)
from cube.plan import MASK_YEARS, Plan  # noqa: F401
from cube.sqlbuild import fact
from cube.sqlbuild.common import Attr, Params  # noqa: F401


@dataclass
class AggregateQuery:
    """One aggregate statement of a request (the cells, the summary, or one a calculated member needs)."""
    cube: Cube
    schema: str
    cuts: list[Cut]
    drilldowns: list[Drilldown]
    measures: list[str]
    order: list[Order] = field(default_factory=list)
    page: int = 0
    pagesize: int | None = None         # None = no LIMIT (summary)
    available: frozenset = frozenset()  # aggregate tables present in the schema (none: always the fact)
    use: str = "auto"                   # auto | fact | aggregate (forced; QueryError if not exact)
    # months with data per calendar year ({year: 12-bit mask}) of the period-count tables present, when known:
    # a time cut that selects exactly the data of whole years/quarters can then be answered from their counts
    data_months: dict | None = field(default=None, repr=False, compare=False)

    # -- planning (cube/plan.py) ---------------------------------------------------------------------
    def the_plan(self) -> Plan:
        """Where the statement reads (planned once per query)."""
        if getattr(self, "_plan", None) is None:
            self._plan = planning.plan(self)
        return self._plan

    def plan_full(self) -> tuple[AggregateTable | None, DistinctAggregate | None, str]:
        """(aggregate for the cells and the summed measures, or None for the fact; distinct aggregate for the
        count-distinct measures, or None when they come from the same source; why)."""
        p = self.the_plan()
        return p.aggregate, p.distinct, p.why

    def plan(self) -> tuple[AggregateTable | None, str]:
        """(aggregate to read for the cells, or None for the fact; why)."""
        p = self.the_plan()
        return p.aggregate, p.why

    @property
    def path(self) -> str:
        """``aggregate:<table>`` or ``fact``: where the statement reads; ``… + distinct:<table>`` when the
        count-distinct measures come from a distinct aggregate."""
        return self.the_plan().path

    def uncovered(self, agg: AggregateTable, skip_distinct: bool = False) -> str | None:
        return planning.uncovered(self, agg, skip_distinct)

    def uncovered_distinct(self, dagg: DistinctAggregate) -> str | None:
        return planning.uncovered_distinct(self, dagg)

    def month_masks(self) -> tuple[list[int], list[int]]:
        return planning.month_masks(self)

    def spell_ranges(self) -> list[tuple[tuple, int, int]] | None:
        return planning.spell_ranges(self)

    def sql_measures(self) -> list[str]:
        return planning.sql_measures(self)

    def base_measures(self) -> list[Measure]:
        return planning.base_measures(self)

    # -- SQL (cube/sqlbuild/) and rows (cube/format.py) ----------------------------------------------------
    def attributes(self) -> list[Attr]:
        return sqlbuild.attributes(self)

    def build(self) -> tuple[sql.Composed, dict[str, Any]]:
        return sqlbuild.build(self, self.the_plan())

    def format_rows(self, names: list[str], rows: list[tuple]) -> tuple[list[dict], int, Any]:
        return formatting.format_rows(self, names, rows)

    @staticmethod
    def opening_month(names: list[str], rows: list[tuple]) -> Any:
        return formatting.opening_month(names, rows)

    def level_refs(self) -> dict[str, list[str]]:
        return formatting.level_refs(self)


def build_request(cube: Cube, schema: str, *, cut=None, drilldown=None, measures=None, order=None,
                  page: int | None = None, pagesize: int | None = None,
                  restrict: list[Cut] = (), available: Iterable[str] = (),
                  use: str = "auto", data_months: dict | None = None) -> tuple[AggregateQuery, AggregateQuery]:
    """Parse the request parameters → (cells query, summary query). Raises QueryError.

    ``restrict``: cuts imposed by the caller's role (district); they are added to the user's cuts (AND),
    so no user cut can widen them. ``available``: the cube's aggregate tables present in the schema;
    ``use``: auto (the planner decides, each query on its own), fact or aggregate (forced); ``data_months``:
    {year: month mask} of the months with data of the cube's period-count tables (see AggregateQuery)."""
    cuts = parse_cuts(cube, cut) + list(restrict)
    drills = parse_drilldowns(cube, drilldown, cuts)
    names = parse_measures(cube, measures)
    orders = parse_order(cube, order, drills, names)
    page, pagesize = parse_paging(page, pagesize)
    available = frozenset(available)
    cells = AggregateQuery(cube, schema, cuts, drills, names, orders, page, pagesize, available, use,
                           data_months=data_months)
    summary = AggregateQuery(cube, schema, cuts, [], names, available=available, use=use, data_months=data_months)
    return cells, summary



def build_facts(cube: Cube, schema: str, *, cut=None, fields=None, order=None, page: int | None = None,
                pagesize: int | None = None, restrict: list[Cut] = (), masked: frozenset[str] = frozenset()
                ) -> tuple[sql.Composed, dict, list[str]]:
    """Drill-through statement: declared fact columns of the facts inside the cuts, paged.
    Returns (statement, parameters, field names); the statement also yields ``__total``. Fields in ``masked``
    (shown as pseudonyms) can be neither ordered by nor used to break ties: the order would reveal them."""
    cuts = parse_cuts(cube, cut) + list(restrict)
    names = parse_fields(cube, fields)
    page, pagesize = parse_paging(page, DEFAULT_FACTS_PAGE_SIZE if pagesize is None else pagesize)
    orders = parse_fact_order(cube, order, masked)
    stmt, params = fact.facts_statement(AggregateQuery(cube, schema, cuts, [], []), names, orders, masked, page, pagesize)
    return stmt, params, names
