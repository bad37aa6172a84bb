"""The database side of 名单比对 and 自助分析: the reference population (identity models and staging views of the
warehouse), the returnable fields as of a month, and the jobs / reviews tables (schema `listmatch`).

Connection: `connect()` logs in as the component `listmatch` (database role wh_listmatch: SELECT on the identity
models, the staging views and the code tables; owner of schema listmatch only) when the roles are set up.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import psycopg

from foundation import settings
from listmatch.engine import Reference

SCHEMA = "listmatch"
COMPONENT = "listmatch"
PERSONS = "intermediate.int_identity__natural_person"
UNITS = "intermediate.int_identity__legal_unit"

DDL = f"""
create table if not exists {SCHEMA}.job (
    job_id        bigserial primary key,
    created_at    timestamptz not null default now(),
    created_by    text not null,
    role          text not null,
    kind          text not null,                 -- compare | analysis
    name          text not null,                 -- file name or analysis code
    input_sha256  text,
    settings      jsonb not null,
    status        text not null,                 -- running | done | failed
    rows_in       int,
    summary       jsonb,
    output_sha256 text,
    output_path   text,
    finished_at   timestamptz,
    error         text,
    progress      text,
    audit_seq     bigint                         -- the row of services' audit log, when recorded there
);
create table if not exists {SCHEMA}.job_row (
    job_id      bigint not null references {SCHEMA}.job on delete cascade,
    row_no      int not null,                     -- the data row in the upload (header = 1)
    part        text not null,                    -- person | unit
    status      text not null,
    score       numeric(5, 4) not null,
    reason      text not null,
    match_key   text,
    cand_name   text,
    note        text,
    alternatives jsonb,
    primary key (job_id, row_no, part)
);
create unlogged table if not exists {SCHEMA}.job_input (   -- unlogged: after a crash it is empty and
                                                               -- re-imported from the kept upload (jobs.load_input)
    job_id      bigint not null references {SCHEMA}.job on delete cascade,
    row_no      int not null,                     -- as in the upload: 1 = the header
    cells       text not null,                    -- the row's cells, a JSON array of strings
    row_key     bytea,                            -- digest of the trimmed cells (duplicate rows), data rows only
    primary key (job_id, row_no)
);
create table if not exists {SCHEMA}.review (
    job_id      bigint not null,
    row_no      int not null,
    part        text not null,
    decision    text not null check (decision in ('accept', 'reject')),
    chosen_key  text,
    decided_by  text not null,
    decided_at  timestamptz not null default now(),
    primary key (job_id, row_no, part),
    foreign key (job_id, row_no, part) references {SCHEMA}.job_row on delete cascade
);
"""


def connect(autocommit: bool = True) -> psycopg.Connection:
    """As wh_listmatch (whatever component the process runs as, e.g. inside the portal's wh_portal process)."""
    return psycopg.connect(settings.component_url(COMPONENT), autocommit=autocommit)


def setup(url: str | None = None) -> None:
    """As the administrator (make portal / python -m cli listmatch setup; idempotent): schema listmatch owned by
    wh_listmatch with its tables, and the services' audit log with wh_listmatch as an appending writer."""
    from services import audit

    with psycopg.connect(url or settings.admin_url(), autocommit=True) as conn:
        has_role = conn.execute("select 1 from pg_roles where rolname = 'wh_listmatch'").fetchone()
        conn.execute(f"create schema if not exists {SCHEMA}" + (" authorization wh_listmatch" if has_role else ""))
        if has_role:
            conn.execute("set role wh_listmatch")
        conn.execute(DDL)
        conn.execute("reset role")
        audit.setup(conn, writers=("wh_listmatch",) if has_role else ())


def ensure_schema(conn) -> None:
    """The jobs tables and the audit log exist (else: created when this login may, or a clear error)."""
    from services import audit

    missing, input_missing = conn.execute(
        f"select to_regclass('{SCHEMA}.review') is null or to_regclass('{audit.TABLE}') is null, "
        f"to_regclass('{SCHEMA}.job_input') is null").fetchone()
    if not missing and input_missing and conn.execute(f"select has_schema_privilege('{SCHEMA}', 'CREATE')").fetchone()[0]:
        conn.execute(DDL)                  # an install from before the streamed lists: its new table
    elif missing:
        if conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]:
            conn.execute(f"create schema if not exists {SCHEMA}")
            conn.execute(DDL)
            audit.setup(conn)
        else:
            raise RuntimeError("名单比对的数据表或审计日志尚未建立: 请先运行 python -m cli listmatch setup(或 make portal)")


class DbReference(Reference):
    def __init__(self, conn):
        self.conn = conn

    def _temp(self, name: str, typ: str, values) -> None:
        self.conn.execute(f"create temp table if not exists {name} (v {typ} primary key) on commit preserve rows")
        self.conn.execute(f"truncate {name}")
        with self.conn.cursor().copy(f"copy {name} (v) from stdin") as cp:
            for v in values:
                cp.write_row((v,))
        self.conn.execute(f"analyze {name}")

    # one statement per chunk, the keys as an array parameter: index probes (the hash join a temporary table of
    # 10⁴ keys got read the whole population on every chunk)
    def _by_key(self, sql: str, keys) -> dict:
        """key → the rest of the row. The planner, costing random reads as from disk (random_page_cost 4), reads all
        2 M persons (a parallel sequential scan: ~1.3 s of the database's CPU per chunk of 15 000 identifiers)
        rather than probe the primary key; the identity models are read from cache, so the lookup is costed so."""
        with self.conn.transaction():
            before = self.conn.execute("select current_setting('random_page_cost'), "
                                       "set_config('random_page_cost', '1.1', true)").fetchone()[0]
            rows = self.conn.execute(sql, (list(keys),)).fetchall()
            # back at once: inside a caller's transaction a SET LOCAL would last to its end (other plans, other orders)
            self.conn.execute("select set_config('random_page_cost', %s, true)", (before,))
        return {r[0]: r[1:] for r in rows}

    def persons_by_id(self, ids):
        if not ids:
            return {}
        return self._by_key(f"select p.id_number, p.person_name, p.birth_date, p.district_code from {PERSONS} p "
                            "where p.id_number = any(%s::text[])", ids)

    def persons_by_birth(self, dates):
        out = defaultdict(list)
        if not dates:
            return out
        # fetchall: the rows (~10⁵ a call) loaded in one C call, not one Python cursor step each
        for pid, name, bd, dist in self.conn.execute(
                f"select p.id_number, p.person_name, p.birth_date, p.district_code from {PERSONS} p "
                "where p.birth_date = any(%s::date[])", (list(dates),)).fetchall():
            out[bd].append((pid, name, dist))
        return out

    def units_by_code(self, codes):
        if not codes:
            return {}
        return self._by_key(f"select u.credit_code, u.unit_name, u.district_code from {UNITS} u "
                            "where u.credit_code = any(%s::text[])", codes)

    def units(self):
        return self.conn.execute(f"select credit_code, unit_name from {UNITS} where unit_name is not null "
                                 "order by credit_code").fetchall()      # the index's order: reproducible ties


def district_codes(conn) -> dict[str, str]:
    """name → code (朝阳区, 朝阳 and the code itself)."""
    out = {}
    for code, name in conn.execute("select code, name from codes.code_district where is_current"):
        out[name] = out[name.removesuffix("区")] = out[code] = code
    return out


def latest_month(conn) -> date:
    return conn.execute("select max(month_start) from staging.stg_pension__persons").fetchone()[0]


def months(conn) -> list[date]:
    return [r[0] for r in conn.execute("select distinct month_start from staging.stg_pension__persons order by 1")]


# --- returnable fields, as of a month -------------------------------------------------------------------------

def _status_sql(model: str, status: str, codes: str) -> str:
    return (f"select s.id_number, coalesce(c.name, s.{status}) from staging.{model} s "
            f"left join codes.{codes} c on c.code = s.{status} "
            "join lm_ret on lm_ret.v = s.id_number where s.month_start = %(m)s")


# key → (label, kind, SQL returning (key, value) for the keys in temp table lm_ret at month %(m)s)
RETURNS: dict[str, tuple[str, str, str]] = {
    "pension_status": ("企业职工养老保险参保状态", "person",
                       "select id_number, v from (" + _status_sql("stg_pension__persons", "insured_status_code", "code_insured_status")
                       + " union all select r.id_number, '离退休(领取待遇)' from staging.stg_pension__retirees r "
                         "join lm_ret on lm_ret.v = r.id_number where r.month_start = %(m)s) x(id_number, v)"),
    "public_pension_status": ("机关事业养老保险参保状态", "person",
                              _status_sql("stg_public_pension__persons", "insured_status_code", "code_insured_status")),
    "residents_pension_status": ("城乡居民养老保险参保状态", "person",
                                 _status_sql("stg_residents_pension__enrolments", "enrol_status_code", "code_resident_status")),
    "unemployment_status": ("失业保险参保状态", "person",
                            _status_sql("stg_unemployment__insured_persons", "insured_status_code", "code_insured_status")),
    "injury_status": ("工伤保险参保状态", "person",
                      _status_sql("stg_injury__insured_persons", "insured_status_code", "code_insured_status")),
    "maternity_status": ("生育保险参保状态", "person",
                         _status_sql("stg_maternity__insured_persons", "insured_status_code", "code_insured_status")),
    "medical_status": ("医疗保险个人账户", "person",
                       "select s.id_number, '有个人账户(余额 ' || s.balance_end || ' 元)' from staging.stg_medical_account__monthly_accounts s "
                       "join lm_ret on lm_ret.v = s.id_number where s.month_start = %(m)s"),
    "contribution_months": ("养老保险缴费月数(按首次参保日期推算)", "person",
                            "select distinct on (s.id_number) s.id_number, "
                            "greatest(0, (extract(year from age(%(m)s::date, date_trunc('month', s.first_insured_date)::date)) * 12 "
                            "+ extract(month from age(%(m)s::date, date_trunc('month', s.first_insured_date)::date)) + 1)::int) "
                            "from (select id_number, first_insured_date, month_start from staging.stg_pension__persons "
                            "      union all select id_number, first_insured_date, month_start from staging.stg_public_pension__persons) s "
                            "join lm_ret on lm_ret.v = s.id_number where s.month_start <= %(m)s and s.first_insured_date is not null "
                            "order by s.id_number, s.month_start desc"),
    "last_fee_month": ("最近缴费月(养老/失业)", "person",
                       "select p.id_number, to_char(max(c.fee_month_start), 'YYYYMM') from "
                       "(select person_id, fee_month_start, month_start from staging.stg_pension__contributions "
                       " union all select person_id, fee_month_start, month_start from staging.stg_unemployment__contributions) c "
                       "join (select distinct person_id, id_number from staging.stg_pension__persons "
                       "      union select distinct person_id, id_number from staging.stg_unemployment__insured_persons) p using (person_id) "
                       "join lm_ret on lm_ret.v = p.id_number where c.month_start <= %(m)s group by p.id_number"),
    "hukou_nature": ("户籍性质", "person",
                     "select distinct on (h.id_number) h.id_number, coalesce(c.name, h.hukou_nature_code) "
                     "from staging.stg_police__hukou_register h left join codes.code_hukou_nature c on c.code = h.hukou_nature_code "
                     "join lm_ret on lm_ret.v = h.id_number where h.month_start <= %(m)s order by h.id_number, h.month_start desc"),
    "hukou_district": ("户籍区", "person",
                       "select distinct on (h.id_number) h.id_number, coalesce(d.name, h.district_code) "
                       "from staging.stg_police__hukou_register h left join codes.code_district d on d.code = h.district_code "
                       "join lm_ret on lm_ret.v = h.id_number where h.month_start <= %(m)s order by h.id_number, h.month_start desc"),
    "death": ("死亡(注销日期)", "person",
              "select d.id_number, '已死亡 ' || to_char(min(d.death_date), 'YYYY-MM-DD') from staging.stg_police__death_cancellations d "
              "join lm_ret on lm_ret.v = d.id_number where d.death_date < (%(m)s::date + interval '1 month') group by d.id_number"),
    "low_income": ("低保/特困", "person",
                   "select distinct on (l.id_number) l.id_number, coalesce(c.name, l.assist_type_code) "
                   "from staging.stg_civil_affairs__low_income_persons l left join codes.code_assist_type c on c.code = l.assist_type_code "
                   "join lm_ret on lm_ret.v = l.id_number where l.month_start = %(m)s order by l.id_number"),
    "disabled": ("残疾(类别/等级)", "person",
                 "select distinct on (d.id_number) d.id_number, coalesce(t.name, d.disability_type_code) || '/' || coalesce(l.name, d.disability_level_code) "
                 "from staging.stg_disabled_persons__disabled_persons d "
                 "left join codes.code_disability_type t on t.code = d.disability_type_code "
                 "left join codes.code_disability_level l on l.code = d.disability_level_code "
                 "join lm_ret on lm_ret.v = d.id_number where d.month_start <= %(m)s order by d.id_number, d.month_start desc"),
    "unit_insured": ("单位企业养老参保人数", "unit",
                     "select u.credit_code, count(distinct p.id_number)::text from staging.stg_pension__units u "
                     "join lm_ret on lm_ret.v = u.credit_code "
                     "join staging.stg_pension__persons p on p.unit_id = u.unit_id and p.month_start = u.month_start "
                     "and p.insured_status_code in ('1', '2') where u.month_start = %(m)s group by u.credit_code"),
    "unit_industry": ("单位行业门类", "unit",
                      "select u.credit_code, coalesce(c.name, u.industry_section) from " + UNITS + " u "
                      "left join codes.code_industry_section c on c.code = u.industry_section "
                      "join lm_ret on lm_ret.v = u.credit_code"),
    "unit_district": ("单位所在区", "unit",
                      "select u.credit_code, coalesce(d.name, u.district_code) from " + UNITS + " u "
                      "left join codes.code_district d on d.code = u.district_code join lm_ret on lm_ret.v = u.credit_code"),
    "unit_status": ("单位登记状态", "unit",
                    "select u.credit_code, case when u.deregister_date is not null and u.deregister_date < (%(m)s::date + interval '1 month') "
                    "then '注销(' || to_char(u.deregister_date, 'YYYY-MM-DD') || ')' else '存续' end from " + UNITS + " u "
                    "join lm_ret on lm_ret.v = u.credit_code"),
}
DEFAULT_RETURNS = ("pension_status", "unemployment_status", "contribution_months", "last_fee_month", "hukou_nature",
                   "death", "unit_insured", "unit_industry")


def fetch_returns(conn, keys: dict[str, list[str]], fields: list[str], month: date) -> dict[str, dict[str, str]]:
    """field → {identifier → value} for the person / unit identifiers given per kind."""
    out: dict[str, dict[str, str]] = {}
    ref = DbReference(conn)
    for kind in ("person", "unit"):
        wanted = [f for f in fields if RETURNS[f][1] == kind]
        if not wanted or not keys.get(kind):
            continue
        ref._temp("lm_ret", "text", sorted(set(keys[kind])))
        for f in wanted:
            out[f] = {k: v for k, v in conn.execute(RETURNS[f][2], {"m": month})}
    return out
