"""python -m cli services <command> — the data services' operator commands.

    start | stop | status | restart | url      the service application on 127.0.0.1:$SERVICES_PORT (8091)
    setup                                      schemas svc / svc_audit, grants of wh_services (as administrator)
    caller add ID AGENCY [--department D]      a calling agency / department
    request approve ID --caller C --title T --purpose P --services a,b [--fields JSON] [--role verify]
                    --expires YYYY-MM-DD       record an approved sharing request
    key issue REQUEST [--label L] [--rate N] [--out FILE]   a new key (printed once, or written 0600 to FILE)
    key revoke KEY_ID --reason R               revoke now
    key rotate KEY_ID [--out FILE]             a new key for the same request; the old one is revoked
    key list                                   keys (never their secrets)
    demo-keys                                  the demo callers, requests and keys → var/secrets/services_keys.json
    audit-verify                               recompute the audit hash chain; names the first tampered row (exit 1)
    alerts [--check]                           recorded alerts (enumeration, volume spikes)
    feeds [--month YYYYMM]                     produce the sharing feeds into var/outbox/<recipient>/<month>/
    catalogue                                  validate the catalogue and list the services
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

from foundation import settings
from foundation.web_service import WebService

from . import audit, store


def _healthy(body: bytes) -> bool:
    try:
        return bool(json.loads(body).get("ok"))
    except (ValueError, AttributeError):
        return False


SERVICE = WebService(
    label="data services", app="services.app:app", component="services", run_dir_name="services",
    health_path="/health", healthy=_healthy,
    port=lambda: int(os.environ.get("SERVICES_PORT", "8091")),
    workers=lambda: int(os.environ.get("SERVICES_WORKERS", "2")),
    running_note=lambda url: f"(OpenAPI {url}/docs; demo keys in {settings.get().secrets / 'services_keys.json'})")


def keys_file():
    return settings.get().secrets / "services_keys.json"


def prepare(log=print) -> None:
    store.setup(log=log)
    if not _demo_keys_valid():
        demo_keys(log=log)


def _demo_keys_valid() -> bool:
    """The demo keys file exists and its keys are active in this database (a recreated database has none)."""
    if not keys_file().exists():
        return False
    try:
        keys = json.loads(keys_file().read_text(encoding="utf-8"))
        with store.connect(admin=True) as conn:
            return all(store.lookup_key(conn, k["key"]) and not store.lookup_key(conn, k["key"])["revoked_at"]
                       for k in keys.values())
    except (ValueError, KeyError, TypeError):
        return False


DEMO = [
    # (caller id, agency, department, request id, title, purpose, role, services, expires in days)
    ("mca_assist", "市民政局", "社会救助处", "GX-2026-001", "低保审核核查参保缴费与人口信息",
     "低保、特困人员认定审核时核查申请人户籍、死亡和社保缴费情况(《社会救助暂行办法》)", "verify",
     ["ps_hukou", "ps_death", "ps_hukou_multi", "ps_death_multi", "ss_contribution_months_5", "ss_contribution_latest_5",
      "ca_low_income", "ca_cremation", "dp_disabled", "ss_person_in_unit", "le_basic", "le_fuzzy"], 365),
    ("hrss_employment", "市人社局", "就业促进处", "GX-2026-002", "就失业登记与失业金审核",
     "就失业登记、失业保险金申领审核(局内业务)", "full",
     None, 365),
    ("stats_bureau", "市统计局", "人口和就业统计处", "GX-2026-003", "法人单位名录核对",
     "经济普查法人单位名录核对(统计用途, 不含个人身份信息)", "statistics",
     ["le_basic", "le_multi_exact", "le_fuzzy", "le_by_district_industry", "le_names_exact", "ss_unit_basic",
      "ss_new_pension_units", "ss_contribution_months_5"], 365),
    ("expired_demo", "市住建委", "住房保障处", "GX-2025-017", "购房资格审核(已到期)",
     "购房资格审核核查养老保险缴费信息", "verify", ["ss_contribution_months_5"], -30),
]


def demo_keys(log=print) -> dict:
    """Demo callers, approved requests and one key each, written to var/secrets/services_keys.json (0600):
    never printed, never committed."""
    from .catalogue import catalogue

    services, _ = catalogue()
    out = {}
    with store.connect(admin=True) as conn:
        for cid, agency, dept, rid, title, purpose, role, svcs, days in DEMO:
            svcs = svcs or sorted(services)
            store.add_caller(conn, cid, agency, dept)
            store.approve_request(conn, rid, cid, title=title, purpose=purpose, services=svcs, caller_role=role,
                                  expires_on=dt.date.today() + dt.timedelta(days=days), approved_by="演示管理员",
                                  legal_basis="《政务数据共享条例》有条件共享")
            key_id, token = store.issue_key(conn, rid, label=f"demo {cid}", issued_by="make demo")
            out[cid] = {"key": token, "key_id": key_id, "request_id": rid, "caller": f"{agency}-{dept}",
                        "role": role, "services": svcs}
    settings.write_private(keys_file(), json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    log(f"[services] demo callers and keys written to {keys_file()} (0600)")
    return out


def smoke(log=print) -> None:
    """After a start: one answered call per demo caller, the expired request's refusal and a malformed parameter,
    through HTTP like any client — recorded in the audit log like any call, so the monitoring dashboard shows
    the service working from the first minute."""
    import urllib.error
    import urllib.request

    if not keys_file().exists():
        return
    keys = json.loads(keys_file().read_text(encoding="utf-8"))
    with store.connect(admin=True) as conn:
        row = conn.execute("select id_number, credit_code from topic_natural_person.topic_natural_person__persons p "
                           "cross join lateral (select credit_code from topic_legal_person.topic_legal_person__units "
                           "limit 1) u where population_group = '本市户籍' limit 1").fetchone() \
            if conn.execute("select to_regclass('topic_natural_person.topic_natural_person__persons') is not null "
                            "and to_regclass('topic_legal_person.topic_legal_person__units') is not null"
                            ).fetchone()[0] else None
    if not row:
        return
    base = SERVICE.url() + "/api/v1/services/"
    calls = [("mca_assist", f"ps_hukou?id_number={row[0]}"), ("hrss_employment", f"ss_contribution_months_5?id_number={row[0]}"),
             ("stats_bureau", f"le_basic?credit_code={row[1]}"), ("expired_demo", f"ss_contribution_months_5?id_number={row[0]}"),
             ("mca_assist", "ps_hukou?id_number=110105199001011235")]
    seen = []
    for who, path in calls:
        if who not in keys:
            continue
        req = urllib.request.Request(base + path, headers={"X-API-Key": keys[who]["key"]})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                seen.append(r.status)
        except urllib.error.HTTPError as e:
            seen.append(e.code)
        except OSError:
            seen.append("unreachable")
    log(f"[services] smoke calls of the demo callers (audited): {seen}")


def main(argv: list[str] | None = None) -> int:  # noqa: C901 — one dispatcher
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] and args[0] in ("start", "stop", "status", "restart", "url"):
        already = args[0] == "start" and SERVICE.pid() is not None
        rc = SERVICE.main(args, __doc__, prepare)
        if rc == 0 and args[0] in ("start", "restart") and not already:
            smoke()
        return rc
    ap = argparse.ArgumentParser(prog="python -m cli services", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("setup")
    sub.add_parser("demo-keys")
    sub.add_parser("audit-verify")
    sub.add_parser("catalogue")
    al = sub.add_parser("alerts")
    al.add_argument("--check", action="store_true", help="check every key now")
    fd = sub.add_parser("feeds")
    fd.add_argument("--month", help="YYYYMM (default: the official release's month)")
    ca = sub.add_parser("caller").add_subparsers(dest="sub", required=True).add_parser("add")
    ca.add_argument("caller_id")
    ca.add_argument("agency")
    ca.add_argument("--department")
    ca.add_argument("--contact")
    rq = sub.add_parser("request").add_subparsers(dest="sub", required=True).add_parser("approve")
    rq.add_argument("request_id")
    rq.add_argument("--caller", required=True)
    rq.add_argument("--title", required=True)
    rq.add_argument("--purpose", required=True)
    rq.add_argument("--services", required=True, help="service codes, comma-separated")
    rq.add_argument("--fields", help='JSON {"service_code": ["field", …]} (default: every field)')
    rq.add_argument("--role", default="verify", choices=("full", "verify", "statistics"))
    rq.add_argument("--expires", required=True, help="YYYY-MM-DD")
    rq.add_argument("--legal-basis")
    ky = sub.add_parser("key").add_subparsers(dest="sub", required=True)
    ki = ky.add_parser("issue")
    ki.add_argument("request_id")
    ki.add_argument("--label")
    ki.add_argument("--rate", type=int)
    ki.add_argument("--out", help="write the key to this file (0600) instead of printing it")
    kr = ky.add_parser("revoke")
    kr.add_argument("key_id")
    kr.add_argument("--reason", required=True)
    kt = ky.add_parser("rotate")
    kt.add_argument("key_id")
    kt.add_argument("--out")
    ky.add_parser("list")
    a = ap.parse_args(args)

    if a.cmd == "setup":
        store.setup()
    elif a.cmd == "demo-keys":
        demo_keys()
    elif a.cmd == "catalogue":
        from .catalogue import catalogue

        services, feeds = catalogue()
        for s in services.values():
            print(f"{s.code:28} {s.category:10} {s.mode:5} {s.name}")
        for f in feeds.values():
            print(f"{f.code:28} feed → {f.recipient}: {f.name}")
        print(f"{len(services)} services, {len(feeds)} feeds: catalogue valid")
    elif a.cmd == "audit-verify":
        anchors_file = settings.get().var / "services" / "audit_anchors.jsonl"
        anchors = [tuple(json.loads(x)) for x in anchors_file.read_text(encoding="utf-8").splitlines() if x.strip()] \
            if anchors_file.exists() else []
        with store.connect(admin=True) as conn:
            problems = audit.verify_chain(conn) + audit.check_anchors(conn, anchors[-100:])
            n = audit.chain_length(conn)
            head = audit.head(conn)
        if problems:
            print(f"audit chain BROKEN: first tampered row is event {problems[0].event_id} ({problems[0].kind}: "
                  f"{problems[0].detail})")
            for p in problems[1:]:
                print(f"  also: {p}")
            return 1
        if head and (not anchors or list(anchors[-1]) != list(head)):
            settings.private_dir(anchors_file.parent)
            with open(anchors_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(list(head)) + "\n")
        print(f"audit chain intact: {n} events verified" + (f"; head event {head[0]} anchored in {anchors_file}"
                                                            if head else ""))
    elif a.cmd == "alerts":
        from . import alerts

        with store.connect(admin=True) as conn:
            if a.check:
                for key_id, caller in conn.execute(
                        f"select distinct key_id, caller from {audit.TABLE} where key_id is not null "
                        "and at > now() - interval '65 minutes'").fetchall():
                    alerts.check(conn, key_id, caller)
            for row in conn.execute(f"select at, kind, caller, observed, threshold, detail from {store.SCHEMA}.alert "
                                    "order by at desc limit 50"):
                print(f"{row[0]:%Y-%m-%d %H:%M:%S}  {row[1]:13} {row[2]}  {row[5]}")
    elif a.cmd == "feeds":
        from . import feeds

        return feeds.main(a.month)
    elif a.cmd == "caller":
        with store.connect(admin=True) as conn:
            store.add_caller(conn, a.caller_id, a.agency, a.department, a.contact)
        print(f"caller {a.caller_id} recorded")
    elif a.cmd == "request":
        with store.connect(admin=True) as conn:
            store.approve_request(conn, a.request_id, a.caller, title=a.title, purpose=a.purpose,
                                  services=[s for s in a.services.split(",") if s],
                                  fields=json.loads(a.fields) if a.fields else None, caller_role=a.role,
                                  expires_on=dt.date.fromisoformat(a.expires), legal_basis=a.legal_basis)
        print(f"sharing request {a.request_id} approved until {a.expires}")
    elif a.cmd == "key":
        with store.connect(admin=True) as conn:
            if a.sub == "list":
                for r in conn.execute(f"select k.key_id, k.request_id, c.agency, k.label, k.issued_at, k.revoked_at, "
                                      f"k.revoked_reason, k.replaced_by from {store.SCHEMA}.api_key k join "
                                      f"{store.SCHEMA}.sharing_request using (request_id) join {store.SCHEMA}.caller c "
                                      "using (caller_id) order by k.issued_at"):
                    state = f"revoked {r[5]:%Y-%m-%d} ({r[6]}{', → ' + r[7] if r[7] else ''})" if r[5] else "active"
                    print(f"{r[0]}  {r[1]}  {r[2]}  {r[3] or ''}  issued {r[4]:%Y-%m-%d}  {state}")
                return 0
            if a.sub == "revoke":
                store.revoke_key(conn, a.key_id, a.reason)
                print(f"key {a.key_id} revoked")
                return 0
            key_id, token = (store.issue_key(conn, a.request_id, label=a.label, rate_per_minute=a.rate)
                             if a.sub == "issue" else store.rotate_key(conn, a.key_id))
        if a.out:
            settings.write_private(Path(a.out), token + "\n")
            print(f"key {key_id} written to {a.out} (0600)")
        else:
            print(f"key {key_id} (shown once; only its hash is stored):\n{token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
