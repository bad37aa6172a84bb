"""The platform's own tables (schema svc), its database role's grants, and the key management.

Tables: caller (agency / department), sharing_request (an approved 共享申请: services, fields per service, purpose,
caller role for masking, expiry), api_key (only the SHA-256 of the secret; issued / revoked / rotated), rate_window
(per-key calls per minute, shared by every worker), alert, job (async batch queries), feed_delivery. The audit log
is services.audit (schema svc_audit).

`setup()` runs as the administrator (`make services`, like the portal's history schema): creates the schemas,
grants the service role (wh_services) exactly what it needs — SELECT on the relations the catalogue reads,
SELECT on callers / requests / keys, INSERT on alerts, jobs and deliveries, INSERT+SELECT on the audit log —
and gives Superset's role the monitoring views (no identifiers).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets

import psycopg
from psycopg import sql

from foundation import settings

from . import audit
from .catalogue import catalogue, relations_read

SCHEMA = "svc"
ROLE = "wh_services"
MONITOR_READERS = ("wh_superset",)
KEY_PREFIX = "svc"

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.caller (
    caller_id   text primary key,
    agency      text not null,
    department  text,
    contact     text,
    created_at  timestamptz not null default now()
);
comment on table {SCHEMA}.caller is '数据服务调用方(委办局 / 处室)';
create table if not exists {SCHEMA}.sharing_request (
    request_id   text primary key,
    caller_id    text not null references {SCHEMA}.caller,
    title        text not null,
    purpose      text not null,
    legal_basis  text,
    services     text[] not null,
    fields       jsonb not null,
    caller_role  text not null check (caller_role in ('full', 'verify', 'statistics')),
    approved_by  text not null,
    approved_at  timestamptz not null default now(),
    expires_on   date not null,
    status       text not null default 'approved' check (status in ('approved', 'withdrawn'))
);
comment on table {SCHEMA}.sharing_request is '已批准的共享申请(《政务数据共享条例》): 服务、字段、用途、到期日';
create table if not exists {SCHEMA}.api_key (
    key_id          text primary key,
    request_id      text not null references {SCHEMA}.sharing_request,
    secret_sha256   char(64) not null,
    label           text,
    rate_per_minute integer,
    issued_at       timestamptz not null default now(),
    issued_by       text not null,
    revoked_at      timestamptz,
    revoked_by      text,
    revoked_reason  text,
    replaced_by     text
);
comment on table {SCHEMA}.api_key is '接口密钥：只保存密钥的 SHA-256；签发、吊销、轮换';
create table if not exists {SCHEMA}.rate_window (
    key_id  text not null,
    minute  timestamptz not null,
    calls   integer not null,
    primary key (key_id, minute)
);
create table if not exists {SCHEMA}.alert (
    alert_id   bigint generated always as identity primary key,
    at         timestamptz not null default now(),
    kind       text not null check (kind in ('enumeration', 'volume_spike')),
    key_id     text,
    caller     text,
    observed   integer not null,
    threshold  integer not null,
    window_min integer not null,
    detail     text not null
);
comment on table {SCHEMA}.alert is '数据服务告警：枚举(短时间内大量不同身份证号)与调用量突增';
create table if not exists {SCHEMA}.job (
    job_id      text primary key,
    key_id      text not null,
    caller      text not null,
    service     text not null,
    status      text not null check (status in ('queued', 'running', 'done', 'failed')),
    items       integer not null,
    row_count   integer,
    created_at  timestamptz not null default now(),
    finished_at timestamptz,
    error       text,
    result_sha256 char(64)
);
create table if not exists {SCHEMA}.feed_delivery (
    delivery_id bigint generated always as identity primary key,
    feed_code   text not null,
    feed_name   text not null,
    recipient   text not null,
    data_month  text not null,
    status      text not null check (status in ('delivered', 'failed')),
    row_count   integer,
    sha256      char(64),
    file_name   text,
    message     text,
    at          timestamptz not null default now()
);
comment on table {SCHEMA}.feed_delivery is '数据共享推送记录：每个共享流程每次发布后一次(已送达 / 失败)';
create or replace view {SCHEMA}.monitor_calls as
    select event_id, at, date_trunc('hour', at) as hour, caller, service, status, row_count,
           latency_ms::double precision as latency_ms, (status = 'refused') as refused,
           (status in ('error', 'invalid')) as failed
    from {audit.TABLE};
comment on view {SCHEMA}.monitor_calls is '服务监控(无身份标识)：每次调用的调用方、服务、状态、行数、耗时';
create or replace view {SCHEMA}.monitor_feeds as
    select delivery_id, at, feed_code, feed_name, recipient, data_month, status, row_count, message
    from {SCHEMA}.feed_delivery;
create or replace view {SCHEMA}.monitor_alerts as
    select alert_id, at, kind, caller, observed, threshold, window_min, detail from {SCHEMA}.alert
    union all      -- the dashboard's list says so when there has been none (count alerts with COUNT(alert_id))
    select null, now(), '（无告警）', null, 0, 0, 0, '至今没有告警' where not exists (select 1 from {SCHEMA}.alert);
"""


def connect(admin: bool = False, **kw) -> psycopg.Connection:
    return psycopg.connect(settings.admin_url() if admin else settings.warehouse_url(), autocommit=True, **kw)


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def role_exists(conn, role: str) -> bool:
    return bool(conn.execute("select 1 from pg_roles where rolname = %s", (role,)).fetchone())


def grant_reads(conn, role: str = ROLE, log=print) -> list[str]:
    """SELECT on exactly the relations the catalogue reads (re-run after a build: `make services` does)."""
    missing = []
    r = sql.Identifier(role)
    for rel in relations_read():
        schema, name = rel.split(".")
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), r))
        if _exists(conn, rel):
            conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(schema, name), r))
        else:
            missing.append(rel)
    if missing:
        log(f"[services] not built yet (services reading them answer 503 until `make build`): {', '.join(missing)}")
    return missing


def setup(log=print) -> None:
    with connect(admin=True) as conn:
        if not role_exists(conn, ROLE):
            raise SystemExit(f"database role {ROLE} missing: run `make db` (python -m cli roles setup) first")
        audit.setup(conn, writers=(ROLE, "wh_portal"))
        conn.execute(DDL)
        r = sql.Identifier(ROLE)
        s = sql.Identifier(SCHEMA)
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(s, r))
        conn.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(s, r))
        for table, privs in (("caller", "select"), ("sharing_request", "select"), ("api_key", "select"),
                             ("rate_window", "select, insert, update, delete"), ("alert", "select, insert"),
                             ("job", "select, insert, update"), ("feed_delivery", "select, insert"),
                             ("monitor_calls", "select"), ("monitor_feeds", "select"), ("monitor_alerts", "select")):
            conn.execute(sql.SQL("grant " + privs + " on {} to {}").format(sql.Identifier(SCHEMA, table), r))
        for reader in MONITOR_READERS:
            if role_exists(conn, reader):
                conn.execute(sql.SQL("grant usage on schema {} to {}").format(s, sql.Identifier(reader)))
                conn.execute(sql.SQL("grant select on {}, {}, {} to {}").format(
                    sql.Identifier(SCHEMA, "monitor_calls"), sql.Identifier(SCHEMA, "monitor_feeds"),
                    sql.Identifier(SCHEMA, "monitor_alerts"), sql.Identifier(reader)))
                # the view reads the audit log as its owner; the reader needs nothing on the log itself
        grant_reads(conn, log=log)
    log(f"[services] schema {SCHEMA} and audit log ready; {ROLE} reads {len(relations_read())} catalogue relations")


# ------------------------------------------------------------------------------------------------ keys
def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_key(token: str) -> tuple[str, str] | None:
    parts = (token or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def issue_key(conn, request_id: str, *, label: str | None = None, rate_per_minute: int | None = None,
              issued_by: str | None = None) -> tuple[str, str]:
    """A new key for an approved request: returns (key_id, the full key). Only its hash is stored."""
    req = conn.execute(f"select status, expires_on from {SCHEMA}.sharing_request where request_id = %s",
                       (request_id,)).fetchone()
    if not req:
        raise SystemExit(f"no sharing request {request_id!r}")
    if req[0] != "approved":
        raise SystemExit(f"sharing request {request_id!r} is {req[0]}: no key")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    conn.execute(f"insert into {SCHEMA}.api_key (key_id, request_id, secret_sha256, label, rate_per_minute, issued_by) "
                 "values (%s, %s, %s, %s, %s, %s)",
                 (key_id, request_id, _sha(secret), label, rate_per_minute, issued_by or settings.get().operator))
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}"


def revoke_key(conn, key_id: str, reason: str, by: str | None = None) -> None:
    n = conn.execute(f"update {SCHEMA}.api_key set revoked_at = now(), revoked_by = %s, revoked_reason = %s "
                     "where key_id = %s and revoked_at is null", (by or settings.get().operator, reason, key_id)).rowcount
    if not n:
        raise SystemExit(f"no active key {key_id!r}")


def rotate_key(conn, key_id: str, by: str | None = None) -> tuple[str, str]:
    row = conn.execute(f"select request_id, label, rate_per_minute from {SCHEMA}.api_key where key_id = %s "
                       "and revoked_at is null", (key_id,)).fetchone()
    if not row:
        raise SystemExit(f"no active key {key_id!r}")
    with conn.transaction():
        new_id, token = issue_key(conn, row[0], label=row[1], rate_per_minute=row[2], issued_by=by)
        conn.execute(f"update {SCHEMA}.api_key set revoked_at = now(), revoked_by = %s, revoked_reason = 'rotated', "
                     "replaced_by = %s where key_id = %s", (by or settings.get().operator, new_id, key_id))
    return new_id, token


def lookup_key(conn, token: str) -> dict | None:
    """The key's caller and approved request, or None when the token is not a key; revoked keys are returned
    (the caller is told it was revoked)."""
    parts = split_key(token)
    if not parts:
        return None
    row = conn.execute(
        f"select k.key_id, k.secret_sha256, k.revoked_at, k.revoked_reason, k.rate_per_minute, r.request_id, "
        f"r.purpose, r.services, r.fields, r.caller_role, r.expires_on, r.status, c.caller_id, c.agency, "
        f"c.department from {SCHEMA}.api_key k join {SCHEMA}.sharing_request r using (request_id) "
        f"join {SCHEMA}.caller c using (caller_id) where k.key_id = %s", (parts[0],)).fetchone()
    if not row or not hmac.compare_digest(row[1], _sha(parts[1])):
        return None
    cols = ("key_id", "secret_sha256", "revoked_at", "revoked_reason", "rate_per_minute", "request_id", "purpose",
            "services", "fields", "caller_role", "expires_on", "request_status", "caller_id", "agency", "department")
    out = dict(zip(cols, row))
    out.pop("secret_sha256")
    out["caller"] = out["agency"] + (f"-{out['department']}" if out["department"] else "")
    return out


def add_caller(conn, caller_id: str, agency: str, department: str | None = None, contact: str | None = None) -> None:
    conn.execute(f"insert into {SCHEMA}.caller (caller_id, agency, department, contact) values (%s, %s, %s, %s) "
                 "on conflict (caller_id) do update set agency = excluded.agency, department = excluded.department, "
                 "contact = excluded.contact", (caller_id, agency, department, contact))


def approve_request(conn, request_id: str, caller_id: str, *, title: str, purpose: str, services: list[str],
                    fields: dict[str, list[str]] | None = None, caller_role: str = "verify",
                    expires_on: dt.date, approved_by: str | None = None, legal_basis: str | None = None) -> None:
    """Record an approved request; services and fields are checked against the catalogue."""
    cat, _ = catalogue()
    unknown = [s for s in services if s not in cat]
    if unknown:
        raise SystemExit(f"unknown service code(s): {', '.join(unknown)}")
    fields = fields or {s: [f.name for f in cat[s].fields] for s in services}
    for s, fs in fields.items():
        bad = [f for f in fs if f not in {x.name for x in cat[s].fields}]
        if bad:
            raise SystemExit(f"service {s}: no field(s) {', '.join(bad)}")
    conn.execute(
        f"insert into {SCHEMA}.sharing_request (request_id, caller_id, title, purpose, legal_basis, services, fields, "
        "caller_role, approved_by, expires_on) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "on conflict (request_id) do update set title = excluded.title, purpose = excluded.purpose, "
        "legal_basis = excluded.legal_basis, services = excluded.services, fields = excluded.fields, "
        "caller_role = excluded.caller_role, expires_on = excluded.expires_on, status = 'approved'",
        (request_id, caller_id, title, purpose, legal_basis, services, json.dumps(fields, ensure_ascii=False),
         caller_role, approved_by or settings.get().operator, expires_on))
