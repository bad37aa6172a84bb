"""Running a catalogue service: the statement (the service's SQL wrapped with the approved fields, its order and
the page), the connection pool of the service role, and masking of personal identifiers per caller role."""
from __future__ import annotations

import datetime as dt
import decimal
import os
import queue
import threading

import psycopg
from psycopg import sql

from foundation import settings

from .catalogue import Service

STATEMENT_TIMEOUT_MS = int(os.environ.get("SERVICES_STATEMENT_TIMEOUT_MS", "15000"))


class Unavailable(RuntimeError):
    """The database cannot answer (down, relation not built, timeout): 503, never a traceback."""


class Pool:
    """At most `size` connections per worker process (the role's connection limit covers every worker); a request
    waits up to `wait` seconds for one, then answers 503."""

    def __init__(self, size: int = 8, wait: float = 10.0) -> None:
        self.size = size
        self._q: queue.LifoQueue = queue.LifoQueue(maxsize=size)
        self._slots = threading.BoundedSemaphore(size)
        self._wait = wait

    def _new(self) -> psycopg.Connection:
        try:
            conn = psycopg.connect(settings.warehouse_url(), connect_timeout=10, autocommit=True,
                                   application_name="hrss-services")
        except psycopg.OperationalError as exc:
            print(f"[services] cannot connect to the warehouse database: {exc}", flush=True)
            raise Unavailable("database_unavailable") from None
        conn.execute(sql.SQL("set statement_timeout = {}").format(sql.Literal(STATEMENT_TIMEOUT_MS)))
        # rate counters, job states and alerts need no fsync of their own; the audit log sets
        # synchronous_commit = on for its own appends (services/audit.py)
        conn.execute("set synchronous_commit = off")
        # plan every call with its values: a service's parameters differ by orders of magnitude in how many rows they
        # select (按名称模糊查询: a rare keyword → the name pieces' index, a common one → the name index in page order),
        # and the generic plan psycopg's prepared statements move to after a few calls cannot tell them apart
        conn.execute("set plan_cache_mode = force_custom_plan")
        return conn

    def get(self) -> psycopg.Connection:
        if not self._slots.acquire(timeout=self._wait):
            raise Unavailable("pool_exhausted")
        try:
            try:
                conn = self._q.get_nowait()
            except queue.Empty:
                return self._new()
            if conn.closed or conn.broken:
                return self._new()
            return conn
        except BaseException:
            self._slots.release()
            raise

    def put(self, conn: psycopg.Connection, ok: bool = True) -> None:
        try:
            if ok and not conn.closed and not conn.broken:
                try:
                    self._q.put_nowait(conn)
                    return
                except queue.Full:
                    pass
            conn.close()
        finally:
            self._slots.release()


def statement(service: Service, fields: list[str], paged: bool) -> sql.Composable:
    cols = sql.SQL(", ").join(sql.Identifier(f) for f in fields)
    order = [o.split() for o in service.order_by] or [[fields[0]]]
    order_sql = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(o[0]), sql.SQL("desc" if o[1:] == ["desc"] else "asc"))
        for o in order)
    body = sql.SQL(service.sql.strip())          # reviewed catalogue SQL with named parameters only
    return sql.SQL("select {} from ({}) as q order by {} limit %(_limit)s offset %(_offset)s").format(
        cols, body, order_sql)


def run(conn, service: Service, fields: list[str], values: dict) -> tuple[list[tuple], bool]:
    """Rows of one call (at most max_rows, or one page) and whether more exist."""
    paged = bool(service.limits.page_size)
    if paged:
        limit = values["page_size"]
        offset = (values["page"] - 1) * limit
    else:
        limit, offset = service.limits.max_rows, 0
    params = {k: v for k, v in values.items() if k not in ("page", "page_size")}
    params.update(_limit=limit + 1, _offset=offset)
    try:
        rows = conn.execute(statement(service, fields, paged), params).fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege,
            psycopg.errors.QueryCanceled, psycopg.OperationalError) as exc:
        print(f"[services] {service.code}: {type(exc).__name__}: {str(exc).splitlines()[0]}", flush=True)
        raise Unavailable(type(exc).__name__) from None
    return rows[:limit], len(rows) > limit


# ------------------------------------------------------------------------------------------------ masking
def mask_value(value, pii: str | None, mode: str):
    if value is None or pii is None or mode == "clear":
        return value
    if mode == "hidden":
        return None
    s = str(value)
    if pii in ("id_number", "credit_code"):
        return s[:6] + "*" * max(0, len(s) - 10) + s[-4:] if len(s) > 10 else "*" * len(s)
    if pii == "name":
        return s[:1] + "*" * max(1, len(s) - 1)
    return "*" * max(0, len(s) - 4) + s[-4:]          # household_no, certificate, phone: last four


def jsonable(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    return v


def shape(service: Service, fields: list[str], rows: list[tuple], role: str) -> list[dict]:
    pii = {f.name: f.pii for f in service.fields}
    mode = service.mask_mode(role)
    return [{f: jsonable(mask_value(v, pii[f], mode)) for f, v in zip(fields, r)} for r in rows]
