"""The audit log of every service call and list comparison: append-only and hash-chained.

    append_event(conn, caller=…, key_id=…, service=…, purpose=…, params=…, fields=…, row_count=…,
                 latency_ms=…, status=…, identifiers=[…])  -> event id
    verify_chain(conn)                                      -> [] when intact, else the problems, first one first
    python -m cli services audit-verify                     names the first tampered row (exit 1)

Each row holds `row_hash = SHA-256(prev_hash || canonical content of the row)`, where prev_hash is the previous
row's row_hash (64 zeros for the first). Changing, deleting or inserting a row anywhere breaks the chain at that
row: verify_chain recomputes every hash in event order and reports the first row whose stored hash or link
disagrees.

Personal identifiers never reach the log in clear: `identifiers` (the ID numbers / credit codes a call asked
about) and every ID-like parameter value are stored as keyed hashes (HMAC-SHA256 with the salt in
var/secrets/audit_id_salt, 0600), so the same person gives the same hash (the enumeration alert counts distinct
hashes per key) but nothing of the number can be read back.

Writers (the service application's role, the portal's) get INSERT and SELECT only, through the NOLOGIN group
`wh_audit_writer`; UPDATE, DELETE and TRUNCATE are neither granted nor possible for anyone but the owner (a
trigger refuses them as well). Appends are serialised by a transaction-scoped advisory lock, so concurrent
callers never fork the chain: each append reads the last hash and inserts its row while holding the lock, and
the lock is released by the commit. (The lock is held until the caller's transaction ends: append in a short
transaction, or on an autocommit connection.)
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import psycopg

from foundation import settings

SCHEMA = "svc_audit"
TABLE = f"{SCHEMA}.event"
WRITER_GROUP = "wh_audit_writer"
GENESIS = "0" * 64
LOCK_KEY = 0x53564341_5544_4954 & 0x7FFF_FFFF_FFFF_FFFF     # one bigint for pg_advisory_xact_lock
STATUSES = ("ok", "refused", "error", "invalid", "rate_limited", "accepted")

DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {TABLE} (
    event_id     bigint primary key,
    at           timestamptz not null,
    caller       text not null,
    key_id       text,
    service      text not null,
    purpose      text,
    params       text not null,          -- canonical JSON, ID-like values hashed
    fields       text[] not null,
    row_count    integer not null,
    latency_ms   numeric(12, 3) not null,
    status       text not null,
    id_hashes    text[] not null,        -- keyed hashes of the identifiers asked about
    prev_hash    char(64) not null,
    row_hash     char(64) not null unique
);
comment on table {TABLE} is '数据服务审计日志：每次服务调用与名单比对一行；只追加，哈希链（row_hash = SHA-256(prev_hash || 本行规范内容)）';
create sequence if not exists {SCHEMA}.event_seq;
create index if not exists event_key_at on {TABLE} (key_id, at);
create index if not exists event_service_at on {TABLE} (service, at);
create or replace function {SCHEMA}.refuse_change() returns trigger language plpgsql as $$
begin
    raise exception '审计日志只允许追加 (append-only): % refused on %', tg_op, tg_table_name;
end $$;
drop trigger if exists event_append_only on {TABLE};
create trigger event_append_only before update or delete on {TABLE}
    for each row execute function {SCHEMA}.refuse_change();
drop trigger if exists event_no_truncate on {TABLE};
create trigger event_no_truncate before truncate on {TABLE}
    for each statement execute function {SCHEMA}.refuse_change();
"""


def setup(conn, writers: tuple[str, ...] = ()) -> None:
    """Create the log (idempotent) as the administrator and let `writers` (login roles) append to it:
    INSERT + SELECT through the group wh_audit_writer, nothing else."""
    from psycopg import sql

    conn.execute(DDL)
    if not conn.execute("select 1 from pg_roles where rolname = %s", (WRITER_GROUP,)).fetchone():
        conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(WRITER_GROUP)))
    g = sql.Identifier(WRITER_GROUP)
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(SCHEMA), g))
    conn.execute(sql.SQL("revoke all on {} from {}").format(sql.SQL(TABLE), g))
    conn.execute(sql.SQL("grant select, insert on {} to {}").format(sql.SQL(TABLE), g))
    conn.execute(sql.SQL("grant usage on sequence {} to {}").format(sql.SQL(f"{SCHEMA}.event_seq"), g))
    for w in writers:
        if conn.execute("select 1 from pg_roles where rolname = %s", (w,)).fetchone():
            conn.execute(sql.SQL("grant {} to {}").format(g, sql.Identifier(w)))


# ---------------------------------------------------------------------------------------------- identifiers
_ID_CARD = re.compile(r"^\d{15}$|^\d{17}[\dXx]$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ID_KEYS = re.compile(r"(id_?(number|no|card)|sfzh|zjhm|credit_?code|tyshxydm|uscc|identifier|person_id|"
                      r"social_?security_?no|passport)", re.I)


def salt_file() -> Path:
    return settings.get().secrets / "audit_id_salt"


@lru_cache(maxsize=4)
def _salt(path: str) -> bytes:
    p = Path(path)
    if not p.exists():
        settings.write_private(p, secrets.token_hex(32) + "\n")
    return bytes.fromhex(p.read_text(encoding="utf-8").strip())


def hash_identifier(value: str, key: bytes | None = None) -> str:
    """Keyed hash of one identifier (normalised: trimmed, upper-case X): 'h:' + 32 hex digits.

    `key` is the salt read once by a caller hashing many (reading settings per identifier costs ~2 ms)."""
    norm = str(value).strip().upper()
    key = key if key is not None else _salt(str(salt_file()))
    return "h:" + hmac.new(key, norm.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def looks_like_identifier(value) -> bool:
    return isinstance(value, str) and bool(_ID_CARD.match(value.strip()) or _CREDIT_CODE.match(value.strip().upper()))


def redact(params, key: str = ""):
    """Parameters as stored: every ID-like value (by its name or its shape) replaced by its keyed hash."""
    if isinstance(params, dict):
        return {str(k): redact(v, str(k)) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return [redact(v, key) for v in params]
    if isinstance(params, str) and (looks_like_identifier(params) or (key and _ID_KEYS.search(key))):
        return hash_identifier(params)
    if params is None or isinstance(params, (bool, int, float, str)):
        return params
    return str(params)


# ---------------------------------------------------------------------------------------------- the chain
def _canonical(event_id: int, at: datetime, caller: str, key_id: str | None, service: str, purpose: str | None,
               params: str, fields: list[str], row_count: int, latency_ms, status: str,
               id_hashes: list[str]) -> bytes:
    content = {
        "event_id": int(event_id),
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "caller": caller, "key_id": key_id, "service": service, "purpose": purpose, "params": params,
        "fields": list(fields), "row_count": int(row_count), "latency_ms": f"{float(latency_ms):.3f}",
        "status": status, "id_hashes": list(id_hashes),
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _row_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def append_event(conn, *, caller: str, key_id: str | None, service: str, purpose: str | None, params: dict,
                 fields: list[str], row_count: int, latency_ms: float, status: str,
                 identifiers: list[str] = ()) -> int:
    """Append one event to the chain; returns its event id. `identifiers` and ID-like parameter values are
    stored only as keyed hashes. Safe under any number of concurrent callers (advisory lock)."""
    if status not in STATUSES:
        raise ValueError(f"audit status {status!r} is not one of {', '.join(STATUSES)}")
    params_text = json.dumps(redact(dict(params or {})), ensure_ascii=False, sort_keys=True,
                             separators=(",", ":"), default=str)
    key = _salt(str(salt_file()))
    id_hashes = sorted({hash_identifier(i, key) for i in identifiers if i is not None and str(i).strip()})
    fields = [str(f) for f in fields]
    latency = round(float(latency_ms), 3)
    # The chain is extended under the advisory lock and committed without waiting for the disk; a second, empty
    # transaction with synchronous commit then waits until the WAL is flushed past its own commit record — which
    # lies after this event's (the WAL is one sequence), so the event is durable before the caller is answered.
    # The lock is no longer held during the flush: concurrent appenders share one flush (group commit) instead of
    # queueing behind each other's. A crash before the flush loses this event and every later one together (a
    # prefix of the WAL survives), never a link in the middle. Each transaction is one round trip (a pipeline);
    # the last hash is read by the statement after the lock's (its own snapshot, taken once the lock is held).
    # Inside a caller's own transaction the event simply commits (synchronously) with it.
    outer = conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    with conn.pipeline():
        with conn.transaction():
            conn.execute(f"set local synchronous_commit = {'on' if outer else 'off'}")
            conn.execute("select pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            last, event_id, at = conn.execute(
                f"select (select row_hash from {TABLE} order by event_id desc limit 1), nextval('{SCHEMA}.event_seq'), "
                "clock_timestamp()").fetchone()
            prev = last or GENESIS
            digest = _row_hash(prev, _canonical(event_id, at, caller, key_id, service, purpose, params_text, fields,
                                                row_count, latency, status, id_hashes))
            conn.execute(
                f"insert into {TABLE} (event_id, at, caller, key_id, service, purpose, params, fields, row_count, "
                "latency_ms, status, id_hashes, prev_hash, row_hash) "
                "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (event_id, at, caller, key_id, service, purpose, params_text, fields, int(row_count), latency, status,
                 id_hashes, prev, digest))
        if not outer:                                # the flush barrier
            with conn.transaction():
                conn.execute("set local synchronous_commit = on")
                conn.execute("select pg_current_xact_id()")      # a transaction id: its commit is flushed
    return int(event_id)


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    kind: str          # 'hash' (content changed), 'link' (a row removed / inserted / reordered)
    detail: str

    def __str__(self) -> str:
        return f"event {self.event_id}: {self.kind} — {self.detail}"


def verify_chain(conn, limit: int = 20) -> list[ChainProblem]:
    """Recompute the chain in event order; [] when intact, else up to `limit` problems (the first tampered
    row first)."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    cur = conn.cursor(name="audit_verify") if not conn.autocommit else conn.cursor()
    cur.execute(f"select event_id, at, caller, key_id, service, purpose, params, fields, row_count, latency_ms, "
                f"status, id_hashes, prev_hash, row_hash from {TABLE} order by event_id")
    for (event_id, at, caller, key_id, service, purpose, params, fields, row_count, latency, status, id_hashes,
         prev_hash, row_hash) in cur:
        if prev_hash != prev:
            problems.append(ChainProblem(event_id, "link", "prev_hash does not match the row before it: a row was "
                                                           "removed, inserted or reordered before this one"))
        expected = _row_hash(prev_hash, _canonical(event_id, at, caller, key_id, service, purpose, params,
                                                   fields or [], row_count, latency, status, id_hashes or []))
        if expected != row_hash:
            problems.append(ChainProblem(event_id, "hash", "the row's content no longer matches its row_hash"))
        prev = row_hash
        if len(problems) >= limit:
            break
    cur.close()
    return problems


def head(conn) -> tuple[int, str] | None:
    """The last event (id, row_hash): an anchor to keep outside the database."""
    row = conn.execute(f"select event_id, row_hash from {TABLE} order by event_id desc limit 1").fetchone()
    return (int(row[0]), row[1]) if row else None


def check_anchors(conn, anchors: list[tuple[int, str]]) -> list[ChainProblem]:
    """A hash chain alone cannot see its last rows removed: anchors (event id, row_hash) written down at earlier
    verifications must still be in the log, unchanged."""
    problems = []
    for event_id, row_hash in anchors:
        row = conn.execute(f"select row_hash from {TABLE} where event_id = %s", (event_id,)).fetchone()
        if row is None:
            problems.append(ChainProblem(event_id, "anchor", "an event verified earlier is missing (rows removed "
                                                             "from the end of the log?)"))
        elif row[0] != row_hash:
            problems.append(ChainProblem(event_id, "anchor", "an event verified earlier has another hash now"))
    return problems


def chain_length(conn) -> int:
    return int(conn.execute(f"select count(*) from {TABLE}").fetchone()[0])
