"""Run the cube service in the background.

    python -m cube.serve start | stop | status | restart | url

uvicorn on 127.0.0.1:${CUBE_PORT:-8089} (loopback only; put a reverse proxy in front to publish it),
pid file var/cube/server.pid, log var/cube/server.log, database role wh_cube (foundation/web_service.py).
``start`` generates the access tokens on first use (var/secrets/cube_tokens.json, one per role, see
cube/access.py), waits until /health answers and prints the URL and where the tokens are; it does nothing
if the service is already running.
"""
from __future__ import annotations

import sys

from foundation import settings
from foundation.web_service import WebService

SERVICE = WebService(
    label="cube service", app="cube.app:app", component="cube", run_dir_name="cube",
    health_path="/health", healthy=lambda body: body.decode().strip() == "ok",  # "ok" and nothing else about it
    port=lambda: settings.get().cube_port, workers=lambda: settings.get().cube_workers,
    host=lambda: settings.get().cube_host,
    running_note=lambda url: f"(API docs {url}/docs; database role wh_cube)")
LOG_FILE = SERVICE.log_file


def url() -> str:
    return SERVICE.url()


def _prepare() -> None:
    from cube import access

    tokens = access.ensure_tokens(log=print)
    print(f"cube access tokens (Authorization: Bearer <token>, one per role): {tokens}")


def start() -> int:
    return SERVICE.start(_prepare)


def main(argv: list[str]) -> int:
    return SERVICE.main(argv, __doc__, _prepare)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
