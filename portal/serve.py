"""Run the portal in the background.

    python -m portal.serve start | stop | status | restart | url

uvicorn on 127.0.0.1:${PORTAL_PORT:-8090} (loopback only), pid file var/portal/server.pid, log
var/portal/server.log, database role wh_portal (foundation/web_service.py). ``start`` creates schema history
and the catalogue if missing (as the administrator), loads the published figures once, generates the demo
users' passwords (var/secrets/portal_users.json) and waits for /api/health.
"""
from __future__ import annotations

import json
import sys

from foundation import settings
from foundation.web_service import WebService


def _healthy(body: bytes) -> bool:
    try:
        return bool(json.loads(body))
    except ValueError:
        return False


SERVICE = WebService(
    label="portal", app="portal.app:app", component="portal", run_dir_name="portal",
    health_path="/api/health", healthy=_healthy,
    port=lambda: settings.get().portal_port, workers=lambda: settings.get().portal_workers,
    running_note=lambda url: f"(API {url}/docs; users and passwords in {settings.SECRETS / 'portal_users.json'})")


def prepare(log=print) -> None:
    from history import load, store
    from portal import access

    with store.connect() as conn:
        store.sync_catalogue(conn)
        if not conn.execute(f"select 1 from {store.SCHEMA}.load where kind = 'published' limit 1").fetchone():
            load.load_published(conn, log=log)
    access.ensure_users(log=log)
    from listmatch import store as listmatch_store

    listmatch_store.setup()                 # 名单比对: its schema (owned by wh_listmatch) and the audit log


def main(argv: list[str]) -> int:
    return SERVICE.main(argv, __doc__, prepare)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
