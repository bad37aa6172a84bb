"""Review and official releases (审核版 / 正式版): atomic publish and one-step rollback, without copying the
unchanged months of the review release.

dbt builds into schema `marts`: that is the review release, what reviewers see. Publishing assembles a new
schema and then, in ONE transaction, renames the current `official` to `official_previous` and the new schema to
`official`. Readers (Superset, the cube) only ever name `official.*`, so a query sees either the old release or
the new one, never a mix. `rollback` swaps `official` and `official_previous` back in one transaction. Every
release carries `official.release_info`.

No whole-schema copy: a month-grained table of the review release (columns month_start and source_batch_id: the
facts and month aggregates, nearly all the volume) is published as an empty parent table whose rows live in one
chunk table per month in schema `release_store` (inheritance children with a CHECK on the month, so a query on
one month reads one chunk). A chunk is identified by the review table it came from (its oid: a full refresh makes
a new one), its columns, the month, its row count, newest load batch and the newest transaction that wrote its
rows (a month restated with the same batch and count is still new); a month the build did not rewrite has
the same identity as in the current release, and its chunk is attached to the new parent as well (a child may
have several parents) instead of being copied. Only new or rebuilt months are copied; the other tables (small:
dimensions, reports, spell counts) are copied whole as before. Grants and district row security are on the
parents (a query through a parent applies the parent's policies to the children's rows); readers have no access
to `release_store`. Chunks no release uses any more are dropped after the swap.

    python -m pipeline.release publish --month 202408 [--force]
    python -m pipeline.release rollback
    python -m pipeline.release info
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time

import psycopg
from psycopg import sql

from foundation import settings, signoff
from pipeline.roles import READ_OFFICIAL
from runtime import runlog

REVIEW, OFFICIAL, PREVIOUS = "marts", "official", "official_previous"
STORE = "release_store"          # the month chunks shared by the releases (owned by wh_publish, no readers)
MONTH_COLUMNS = {"month_start", "source_batch_id"}   # a table with both is published month by month


class PublishRefused(Exception):
    pass


def _tables(conn, schema: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select table_name from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE' "
        "order by table_name", (schema,))]


def _fingerprint(conn, schema: str, counts: dict[str, int]) -> dict:
    """Row counts of every table, and totals of the pension overview: what a reader must see whole. The counts
    are those the assembly copied or attached (a count(*) here would read the whole release — every month — on
    each publish)."""
    totals = {}
    if "rpt_pension_overview" in counts:
        for month, active, paid in conn.execute(
                f"select month_key, insured_active, pension_paid from {schema}.rpt_pension_overview "
                f"where district_code = '110000' order by 1"):     # the Beijing row (= Σ districts)
            totals[str(month)] = [int(active), str(paid)]
    return {"row_counts": counts, "pension_totals": totals}


def _columns(conn, schema: str, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = to_regclass(%s) and a.attnum > 0 and not a.attisdropped order by a.attnum",
        (f'{schema}."{table}"',)).fetchall()


def _children(conn, schema: str, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select i.inhrelid::regclass::text from pg_inherits i where i.inhparent = to_regclass(%s)",
        (f'{schema}."{table}"',))]


def _publish_by_month(conn, staging: str, table: str, known: set[str]) -> dict:
    """The review table `table` as an empty parent in `staging` with one child per month in STORE: a month
    whose chunk exists (same review table, columns, row count and newest batch) is attached, not copied."""
    oid = conn.execute("select to_regclass(%s)::oid", (f'{REVIEW}."{table}"',)).fetchone()[0]
    columns = ",".join(f"{n}:{t}" for n, t in _columns(conn, REVIEW, table))
    conn.execute(f'create table {staging}."{table}" (like {REVIEW}."{table}")')
    # The newest transaction that wrote the month's rows is part of its identity: a model may restate a month
    # without a newer batch of its own (the flows of t + 1 after a re-delivery of t keep t + 1's batch and row count).
    months = conn.execute(f'select month_start, count(*), max(source_batch_id), max(xmin::text::bigint) '
                          f'from {REVIEW}."{table}" group by 1 order by 1').fetchall()
    out = {"reused": 0, "copied": 0, "rows_copied": 0, "rows": 0}
    for month, rows, batch, written in months:
        out["rows"] += rows
        ident = hashlib.sha1(f"{oid}|{columns}|{month}|{rows}|{batch}|{written}".encode()).hexdigest()[:10]
        chunk = f"{table[:40]}__{month.strftime('%Y%m') if month else 'none'}__{ident}"
        rel = f'{STORE}."{chunk}"'
        if chunk not in known:
            where = "month_start is null" if month is None else f"month_start = date '{month.isoformat()}'"
            with conn.transaction():    # a chunk exists whole or not at all (its name says it is complete)
                conn.execute(f'create table {rel} (like {REVIEW}."{table}")')
                conn.execute(f'alter table {rel} add constraint one_month check ({where})')
                conn.execute(f'insert into {rel} select * from {REVIEW}."{table}" where {where}')
                conn.execute(sql.SQL("comment on table {} is {}").format(
                    sql.Identifier(STORE, chunk),
                    sql.Literal(f"{table} {month} ({rows} rows, batch {batch}): month chunk of the official releases")))
                conn.execute(f'revoke all on {rel} from public, {READ_OFFICIAL}')   # read only through a parent
                conn.execute(f"analyze {rel}")
            known.add(chunk)
            out["copied"] += 1
            out["rows_copied"] += rows
        else:
            out["reused"] += 1
        conn.execute(f'alter table {rel} inherit {staging}."{table}"')
    return out


def _drop_release(conn, schema: str) -> None:
    """Drop a release schema, first detaching its parents' chunks (a DROP … CASCADE would drop them too)."""
    for t in _tables(conn, schema):
        for child in _children(conn, schema, t):
            conn.execute(f'alter table {child} no inherit {schema}."{t}"')
    conn.execute(f"drop schema if exists {schema} cascade")


def _drop_unused_chunks(conn) -> int:
    orphans = [r[0] for r in conn.execute(
        "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind = 'r' "
        "and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)", (STORE,))]
    for name in orphans:
        conn.execute(f'drop table {STORE}."{name}"')
    return len(orphans)


def publish(month: str, force: bool = False, url: str | None = None, log=print) -> int:
    url = url or settings.warehouse_url()
    with runlog.logged("publish", month, url) as entry:
        build = runlog.last("build", None, url)
        if build is None or build["result"] != "ok":
            why = "没有成功的构建记录" if build is None else \
                f"最近一次构建(#{build['run_id']})未通过: {build['detail'].get('failed_tests') or build['detail'].get('error')}"
            if not force:
                entry["result"] = "refused"
                entry["detail"]["reason"] = why
                raise PublishRefused(f"拒绝发布 {month}: {why}。修正后重新构建, 或 FORCE=1 强制发布(将被记录)")
            entry["result"] = "forced"
            entry["detail"]["forced_over"] = why
            log(f"[publish] 强制发布: {why}")
        # 审核确认: every department has confirmed its modules of this build's review release (foundation/signoff.py)
        with psycopg.connect(url, autocommit=True) as conn:
            st = signoff.state(conn, build["run_id"]) if build else {"build": None, "modules": {}}
        missing_signoff, rejected = signoff.outstanding(st)
        entry["detail"]["signoff"] = _signoff_summary(st)
        if build is not None and (missing_signoff or rejected):
            why = "; ".join(filter(None, [
                f"{len(missing_signoff)} 个模块未确认: " + "、".join(missing_signoff) if missing_signoff else "",
                f"{len(rejected)} 个模块被驳回: " + "; ".join(rejected) if rejected else ""]))
            if not force:
                entry["result"] = "refused"
                entry["detail"]["reason"] = f"审核确认未完成 — {why}"
                raise PublishRefused(f"拒绝发布 {month}: 审核确认未完成 (构建 #{build['run_id']}) — {why}。"
                                     f"各处室在门户 /signoff 确认后重试, 或 FORCE=1 强制发布(将被记录)")
            entry["result"] = "forced"
            entry["detail"]["signoff_forced_over"] = why
            log(f"[publish] 强制发布: 审核确认未完成 — {why}")
        # what this release lacks, stated exactly: models the build did not rebuild (their tables are those of an
        # earlier build, or absent) and files the month was loaded without (their models are empty)
        stale = list((build or {}).get("detail", {}).get("stale_models") or [])
        missing = list((build or {}).get("detail", {}).get("missing_files") or [])
        entry["detail"].update({"stale_models": stale, "missing_files": missing})
        if stale:
            log(f"[publish] 注意: 以下 {len(stale)} 个模型未在最近一次构建中更新, 本次发布的是其旧数据(或缺失): "
                + ", ".join(stale))
        if missing:
            log(f"[publish] 注意: 本期有 {len(missing)} 个文件未交付, 其来源的报表为空: "
                + ", ".join(f"{x['month']} {x['file']}" for x in missing))
        t0 = time.time()
        with psycopg.connect(url, autocommit=True) as conn:
            if not _tables(conn, REVIEW):
                raise PublishRefused("审核版(schema marts)为空: 先运行 make build")
            release_id = conn.execute("select coalesce(max(run_id), 0) from audit.run_log where action='publish'"
                                      ).fetchone()[0]
            staging_schema = f"release_{release_id}"
            for (left_over,) in conn.execute("select nspname from pg_namespace where nspname ~ '^release_[0-9]+$'"
                                             ).fetchall():   # of a publish that failed half-way
                _drop_release(conn, left_over)
            conn.execute(f"create schema {staging_schema}")
            conn.execute(f"create schema if not exists {STORE}")
            known = {r[0] for r in conn.execute(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relkind = 'r'", (STORE,))}
            # Assemble the new release (outside the swap: readers are not affected): month-grained tables from
            # their month chunks (only new or rebuilt months copied), the others copied whole.
            copied = _tables(conn, REVIEW)
            chunks = {"reused": 0, "copied": 0, "rows_copied": 0, "tables_by_month": 0, "tables_whole": 0}
            counts: dict[str, int] = {}
            for t in copied:
                if MONTH_COLUMNS <= {c for c, _ in _columns(conn, REVIEW, t)}:
                    done = _publish_by_month(conn, staging_schema, t, known)
                    counts[t] = done.pop("rows")
                    for k, v in done.items():
                        chunks[k] += v
                    chunks["tables_by_month"] += 1
                else:
                    counts[t] = conn.execute(f'create table {staging_schema}."{t}" as table {REVIEW}."{t}"').rowcount
                    chunks["tables_whole"] += 1
            fingerprint = _fingerprint(conn, staging_schema, counts)
            conn.execute(f"create table {staging_schema}.release_info (release_id bigint, data_month text, "
                         f"published_at timestamptz default now(), published_by text, forced boolean, "
                         f"fingerprint jsonb, stale_models jsonb, missing_files jsonb, signoff jsonb)")
            conn.execute(f"comment on column {staging_schema}.release_info.signoff is "
                         f"'审核确认: 构建号、各模块的确认人与时间、是否演示签核、强制发布时未完成的模块'")
            conn.execute(f"comment on column {staging_schema}.release_info.stale_models is "
                         f"'未在最近一次构建中更新的模型(发布的是旧数据或缺失)'")
            conn.execute(f"comment on column {staging_schema}.release_info.missing_files is "
                         f"'本期未交付的文件(强制加载; 其来源的报表为空)'")
            conn.execute(f"insert into {staging_schema}.release_info (release_id, data_month, published_by, forced, "
                         f"fingerprint, stale_models, missing_files, signoff) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                         (release_id, month, runlog.operator(), entry["result"] == "forced", json.dumps(fingerprint),
                          json.dumps(stale, ensure_ascii=False), json.dumps(missing, ensure_ascii=False),
                          json.dumps({**entry["detail"]["signoff"],
                                      "forced_over": entry["detail"].get("signoff_forced_over")},
                                     ensure_ascii=False, default=str)))
            # Planner statistics for the new tables only (not the whole database: raw, audit and the review
            # release are not touched by a publish).
            conn.execute("analyze " + ", ".join(f'{staging_schema}."{t}"' for t in [*copied, "release_info"]))
            # Grants and district row security are per table: the copy gets them before it becomes official.
            from pipeline.roles import apply_release_security

            protected = apply_release_security(conn, staging_schema)
            copy_s = time.time() - t0
            # The swap: one short transaction.
            with conn.transaction():
                _drop_release(conn, PREVIOUS)
                if conn.execute("select 1 from pg_namespace where nspname = %s", (OFFICIAL,)).fetchone():
                    conn.execute(f"alter schema {OFFICIAL} rename to {PREVIOUS}")
                conn.execute(f"alter schema {staging_schema} rename to {OFFICIAL}")
            chunks["dropped_unused"] = _drop_unused_chunks(conn)
            swap_s = time.time() - t0 - copy_s
        from pipeline import caches, dashboard_defaults

        caches.invalidate(log=lambda *_: None)
        # the dashboards' 月份 filters default to the month just published (Superset's metadata; issue 19)
        entry["detail"]["month_default_refreshed"] = dashboard_defaults.refresh(url, log=log)
        # …and every dashboard's default charts computed into Superset's emptied result cache (city-wide logins), in
        # the background
        entry["detail"]["result_cache_warm_up_started"] = dashboard_defaults.warm(url, log=log)
        entry["detail"].update({"release_id": release_id, "tables": len(fingerprint["row_counts"]),
                                "copy_seconds": round(copy_s, 2), "swap_seconds": round(swap_s, 2),
                                "chunks": chunks,
                                "row_security_tables": len(protected)})
        # 历史数据库: the official release's indicators as a new vintage, reconciled with the marts, and the
        # 监测月报 of the month (history/load.py). The release stands even if this fails; the failure is logged.
        try:
            from history import load as history_load

            entry["detail"]["history"] = history_load.after_publish(month, release_id, log=log, url=url)
        except Exception as e:  # noqa: BLE001 — recorded in the run log and printed
            entry["detail"]["history_error"] = str(e)
            log(f"[publish] 历史数据库未更新: {e}")
        # 正式版 fixed reports and the 监督快报 of the month (archived under var/reports/<month>/); the release stands
        # if they fail, the failure is logged
        entry["detail"]["documents"] = _after_publish_documents(month, url, log)
        log(f"[publish] {month}: 审核版已发布为正式版 (release {release_id}, {len(fingerprint['row_counts'])} 张表, "
            f"复制 {copy_s:.1f}s: 按月 {chunks['tables_by_month']} 张表, 新复制 {chunks['copied']} 个月块 "
            f"({chunks['rows_copied']:,} 行), 沿用 {chunks['reused']} 个; 整表复制 {chunks['tables_whole']} 张); 上一正式版保留为 {PREVIOUS}; 缓存已失效")
        return release_id


def _signoff_summary(st: dict) -> dict:
    build = st.get("build") or {}
    mods = {}
    for m, v in st["modules"].items():
        d = v["decision"]
        mods[m] = None if d is None else {"decision": d["decision"], "signer": d["signer_name"],
                                          "account": d["signed_by"], "at": str(d["signed_at"]), "demo": d["demo"]}
    return {"build_run_id": build.get("run_id"), "modules": mods,
            "demo": bool(mods) and all(v and v["demo"] for v in mods.values())}


def _after_publish_documents(month: str, url: str, log) -> dict:
    out = {}
    if not settings.fixed_reports_enabled():
        return {"skipped": "WAREHOUSE_FIXED_REPORTS=off"}
    try:
        from pipeline.fixedreports import archive

        idx = archive.generate(month, "official", url=url, log=log)
        out["fixed_reports"] = {"reports": len(idx["reports"]), "books": len(idx["books"])}
    except Exception as e:  # noqa: BLE001 — recorded in the run log and printed
        out["fixed_reports_error"] = str(e)
        log(f"[publish] 正式版固定报表未生成: {e}")
    try:
        from pipeline import bulletin

        out["bulletin"] = [p.name for p in bulletin.generate(month, url=url, log=log)]
    except Exception as e:  # noqa: BLE001
        out["bulletin_error"] = str(e)
        log(f"[publish] 监督快报未生成: {e}")
    return out


def rollback(url: str | None = None, log=print) -> None:
    url = url or settings.warehouse_url()
    with runlog.logged("rollback", None, url) as entry:
        with psycopg.connect(url, autocommit=True) as conn:
            if not conn.execute("select 1 from pg_namespace where nspname = %s", (PREVIOUS,)).fetchone():
                entry["result"] = "refused"
                raise PublishRefused("没有可回滚的上一正式版")
            before = info(conn)
            with conn.transaction():
                conn.execute(f"alter schema {OFFICIAL} rename to official_swap")
                conn.execute(f"alter schema {PREVIOUS} rename to {OFFICIAL}")
                conn.execute(f"alter schema official_swap rename to {PREVIOUS}")
            after = info(conn)
        from pipeline import caches, dashboard_defaults

        caches.invalidate(log=lambda *_: None)
        entry["detail"]["month_default_refreshed"] = dashboard_defaults.refresh(url, log=log)
        entry["detail"]["result_cache_warm_up_started"] = dashboard_defaults.warm(url, log=log)
        entry["detail"].update({"from_release": before.get("release_id"), "to_release": after.get("release_id")})
        log(f"[rollback] 正式版已回滚: release {before.get('release_id')} ({before.get('data_month')}) → "
            f"release {after.get('release_id')} ({after.get('data_month')}); 缓存已失效")


def info(conn=None) -> dict:
    own = conn is None
    conn = conn or psycopg.connect(settings.warehouse_url())
    try:
        if not conn.execute("select to_regclass('official.release_info')").fetchone()[0]:
            return {}
        cols = ["release_id", "data_month", "published_at", "published_by", "forced"]
        have = {r[0] for r in conn.execute("select column_name from information_schema.columns "
                                           "where table_schema = 'official' and table_name = 'release_info'")}
        cols += [c for c in ("stale_models", "missing_files", "signoff") if c in have]   # releases before these columns
        row = conn.execute(f"select {', '.join(cols)} from official.release_info").fetchone()
        return dict(zip(cols, row))
    finally:
        if own:
            conn.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.release")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("publish")
    p.add_argument("--month", required=True)
    p.add_argument("--force", action="store_true")
    sub.add_parser("rollback")
    sub.add_parser("info")
    a = ap.parse_args(argv)
    settings.use_component("publish")  # wh_publish owns the official releases, nothing else
    try:
        if a.cmd == "publish":
            publish(a.month, a.force)
        elif a.cmd == "rollback":
            rollback()
        else:
            print(json.dumps(info(), ensure_ascii=False, default=str))
    except PublishRefused as e:
        print(f"[release] {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
