"""Prove a refactor changes no figure: build the same drop into two databases, then compare every relation
of the two with EXCEPT ALL both ways.

    python -m bench.compare_builds build BEFORE_DB [--drop var/exchange] [--full-refresh | --by-month]
    python -m bench.compare_builds compare BEFORE_DB AFTER_DB [--schemas a,b] [--ignore-column NAME ...]

`build` creates the database on the warehouse server (the embedded cluster, or the server of WAREHOUSE_URL),
and runs the monthly build (`make build`: load every month of the drop, dbt build, quality reports) into it,
with its own var folder (var/compare/<db>: run log reports, dbt target and logs) so the demo database and
warehouse/target are untouched. Run it once in the checkout before the change and once in the checkout after
it (same drop, same seed), under two database names. `--by-month` builds the incremental path instead: one
`make build MONTH=<m>` per month of the drop, oldest first (each loads its month and builds), as the monthly
runs do — so a month-incremental model is compared after its incremental months, not only after one build.

`compare` imports every schema of the second database into the first through postgres_fdw (schemas
cmp__<schema>, dropped afterwards) and, for every table, view and materialised view present in either,
counts rows, rows only in the first (EXCEPT ALL) and rows only in the second. Columns whose values depend on
when the build ran (load timestamps, dbt snapshot validity, run ids) are left out of the comparison and listed;
add more with --ignore-column (a column left out may exist on one side only: a column the change adds). Relations
or other columns present on one side only are differences. Exit status 0
when every relation is identical, 1 otherwise; the table is printed and written to var/compare/<a>__<b>.md.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent

# Columns that hold the wall-clock time or the identity of a run, not a figure: they differ between any two
# builds of the same drop. Compared by name (case-insensitive), in every relation.
RUN_DEPENDENT_COLUMNS = {
    "loaded_at", "load_started_at", "load_finished_at", "started_at", "finished_at", "built_at", "created_at",
    "updated_at", "published_at", "generated_at", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to",
    "dbt_scd_id", "invocation_id", "_loaded_at", "run_at", "at", "duration_s", "seconds", "operator",
    "host", "pid", "backed_up_at", "checked_at", "snapshot_at",
    # the topic libraries and governance stamp the build's time on their rows
    "refreshed_at", "evaluated_at", "last_refresh", "recorded_at", "resolved_at",
}
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


def _settings():
    from foundation import settings  # the bottom layer; imported late so `--help` works without the project on the path
    return settings


def server_url(db: str) -> str:
    return _settings().warehouse_url().rsplit("/", 1)[0] + f"/{db}"


def build(db: str, drop: Path, full_refresh: bool, by_month: bool = False) -> int:
    """Create `db` (dropped first if it exists) and build the drop into it through `make build`."""
    admin = server_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(db)))
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(db)))
    var = ROOT / "var" / "compare" / db
    var.mkdir(parents=True, exist_ok=True)
    link = var / "exchange"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(drop.resolve())
    env = {**os.environ, "WAREHOUSE_URL": server_url(db), "WAREHOUSE_VAR": str(var),
           "DBT_TARGET_PATH": str(var / "target"), "DBT_LOG_PATH": str(var / "logs"),
           "WAREHOUSE_OPERATOR": "compare_builds"}
    cmd = ["make", "--no-print-directory", "build"] + (["FULL_REFRESH=1"] if full_refresh else [])
    if not by_month:
        print(f"[compare] building {drop} into database {db}: {' '.join(cmd)}", flush=True)
        return subprocess.run(cmd, cwd=ROOT, env=env).returncode
    months = sorted(p.name for p in drop.resolve().iterdir() if p.is_dir() and p.name.isdigit() and len(p.name) == 6)
    for month in months:
        print(f"[compare] building {month} of {drop} into database {db}: {' '.join(cmd)} MONTH={month}", flush=True)
        rc = subprocess.run(cmd + [f"MONTH={month}"], cwd=ROOT, env=env).returncode
        if rc:
            return rc
    return 0


def _relations(conn, schemas: list[str] | None) -> dict[tuple[str, str], dict[str, str]]:
    """(schema, relation) -> {column: type} for every table, view, materialised view and foreign table. A partition
    is compared through its parent (the foreign schema the comparison imports holds parents only)."""
    rows = conn.execute(
        """select n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
           join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
           where c.relkind in ('r', 'v', 'm', 'p', 'f') and not c.relispartition
             and n.nspname <> all(%s) and n.nspname not like 'pg\\_%%' and n.nspname not like 'cmp\\_\\_%%'
           order by 1, 2, a.attnum""", (list(SYSTEM_SCHEMAS),)).fetchall()
    out: dict[tuple[str, str], dict[str, str]] = {}
    for schema, rel, col, typ in rows:
        if schemas and schema not in schemas:
            continue
        out.setdefault((schema, rel), {})[col] = typ
    return out


def _expr(col: str, typ: str) -> sql.Composable:
    """A comparable expression: types without an equality operator (json, xml, point…) compared as text."""
    ident = sql.Identifier(col)
    if typ in ("json", "xml", "point", "line", "polygon", "box", "path", "circle") or typ.endswith("json[]"):
        return sql.SQL("{}::text").format(ident)
    return ident


def compare(a: str, b: str, schemas: list[str] | None, ignore: set[str]) -> int:
    ignore = {c.lower() for c in ignore}
    url_b = psycopg.conninfo.conninfo_to_dict(server_url(b))
    with psycopg.connect(server_url(a), autocommit=True) as conn:
        rel_a = _relations(conn, schemas)
        with psycopg.connect(server_url(b), autocommit=True) as conn_b:
            rel_b = _relations(conn_b, schemas)
        conn.execute("create extension if not exists postgres_fdw")
        conn.execute("drop server if exists cmp__other cascade")
        conn.execute(sql.SQL("create server cmp__other foreign data wrapper postgres_fdw "
                             "options (host {}, port {}, dbname {})").format(
            sql.Literal(url_b.get("host", "127.0.0.1")), sql.Literal(str(url_b.get("port", 5432))), sql.Literal(b)))
        conn.execute(sql.SQL("create user mapping for current_user server cmp__other "
                             "options (user {}, password {})").format(
            sql.Literal(url_b.get("user", "")), sql.Literal(url_b.get("password", ""))))
        lines = ["| relation | rows A | rows B | only in A | only in B | columns left out |",
                 "|---|---:|---:|---:|---:|---|"]
        differing = 0
        try:
            for schema in sorted({s for s, _ in rel_b}):
                conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(f"cmp__{schema}")))
                conn.execute(sql.SQL("create schema {}").format(sql.Identifier(f"cmp__{schema}")))
                conn.execute(sql.SQL("import foreign schema {} from server cmp__other into {}").format(
                    sql.Identifier(schema), sql.Identifier(f"cmp__{schema}")))
            for key in sorted(set(rel_a) | set(rel_b)):
                schema, rel = key
                name = f"{schema}.{rel}"
                if key not in rel_a or key not in rel_b:
                    differing += 1
                    lines.append(f"| {name} | {'-' if key not in rel_a else '?'} | {'-' if key not in rel_b else '?'} "
                                 f"| relation only in {'B' if key not in rel_a else 'A'} | | |")
                    continue
                cols_a, cols_b = rel_a[key], rel_b[key]
                kept = [c for c in cols_a if c.lower() not in ignore]
                if kept != [c for c in cols_b if c.lower() not in ignore]:
                    differing += 1
                    only = sorted(set(cols_a) ^ set(cols_b)) or ["(column order)"]
                    lines.append(f"| {name} | | | columns differ: {', '.join(only)} | | |")
                    continue
                # a column left out may exist on one side only (--ignore-column: e.g. a column a change adds)
                left_out = [c for c in cols_a if c.lower() in ignore and c in cols_b] + [
                    f"{c} (B only)" for c in cols_b if c.lower() in ignore and c not in cols_a] + [
                    f"{c} (A only)" for c in cols_a if c.lower() in ignore and c not in cols_b]
                cols = sql.SQL(", ").join(_expr(c, cols_a[c]) for c in kept) if kept else sql.SQL("1")
                ta = sql.Identifier(schema, rel)
                tb = sql.Identifier(f"cmp__{schema}", rel)
                q = sql.SQL("select (select count(*) from {ta}), (select count(*) from {tb}), "
                            "(select count(*) from (select {c} from {ta} except all select {c} from {tb}) x), "
                            "(select count(*) from (select {c} from {tb} except all select {c} from {ta}) y)"
                            ).format(ta=ta, tb=tb, c=cols)
                try:
                    na, nb, da, db_ = conn.execute(q).fetchone()
                except psycopg.Error as e:
                    differing += 1
                    lines.append(f"| {name} | | | error: {str(e).splitlines()[0]} | | |")
                    continue
                if da or db_:
                    differing += 1
                lines.append(f"| {name} | {na} | {nb} | {da} | {db_} | {', '.join(left_out)} |")
        finally:
            for schema in sorted({s for s, _ in rel_b}):
                conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(f"cmp__{schema}")))
            conn.execute("drop server if exists cmp__other cascade")
    verdict = (f"{len(set(rel_a) | set(rel_b))} relations compared, "
               + ("all identical" if not differing else f"{differing} DIFFER"))
    out = ROOT / "var" / "compare" / f"{a}__{b}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = (f"# {a} vs {b}\n\n`python -m bench.compare_builds compare {a} {b}`\n\n" + "\n".join(lines)
            + f"\n\n{verdict}\n")
    out.write_text(text, encoding="utf-8")
    print("\n".join(lines))
    print(f"\n[compare] {verdict} (written to {out.relative_to(ROOT)})")
    return 0 if not differing else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.compare_builds", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the drop into a fresh database")
    b.add_argument("db")
    b.add_argument("--drop", type=Path, default=ROOT / "var" / "exchange", help="the drop zone (default var/exchange)")
    b.add_argument("--full-refresh", action="store_true")
    b.add_argument("--by-month", action="store_true",
                   help="load and build one month at a time, oldest first (the incremental path)")
    c = sub.add_parser("compare", help="compare every relation of two databases, EXCEPT ALL both ways")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--schemas", help="comma-separated schemas to compare (default: every schema)")
    c.add_argument("--ignore-column", action="append", default=[],
                   help="a run-dependent column to leave out (in addition to the built-in list)")
    a = ap.parse_args(argv)
    if a.cmd == "build":
        return build(a.db, a.drop, a.full_refresh, a.by_month)
    return compare(a.a, a.b, a.schemas.split(",") if a.schemas else None,
                   RUN_DEPENDENT_COLUMNS | set(a.ignore_column))


if __name__ == "__main__":
    sys.exit(main())
