"""Run dbt (and MetricFlow's `mf`) against the warehouse with the connection from foundation.settings.

    python -m runtime.dbt build [dbt args...]
    python -m runtime.dbt mf validate-configs
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from foundation import settings


def env() -> dict:
    s = settings.get()
    e = {**os.environ, **settings.dbt_env(),
         "DBT_PROFILES_DIR": str(settings.WAREHOUSE_DBT),
         "DBT_PROJECT_DIR": str(settings.WAREHOUSE_DBT),
         "DBT_TARGET_PATH": str(s.dbt_target_path),  # mf only reads warehouse/target
         "DBT_LOG_PATH": str(s.dbt_log_path),
         "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return e


def run(args: list[str], check: bool = True, url: str | None = None, capture: bool = False
        ) -> int | tuple[int, str]:
    """Run dbt (or `mf …`) in the project. `url`: the database to build instead of the configured one (the daily
    refresh builds the database it was given); `capture`: return (exit code, stdout) instead of printing."""
    venv_bin = Path(sys.executable).parent
    if args and args[0] == "mf":
        cmd = [str(venv_bin / "mf"), *args[1:]]
    else:
        cmd = [str(venv_bin / "dbt"), *args]
    e = {**env(), **settings.dbt_env(url)} if url else env()
    res = subprocess.run(cmd, cwd=settings.WAREHOUSE_DBT, env=e, capture_output=capture, text=capture)
    if check and res.returncode != 0:
        raise SystemExit(res.returncode)
    return (res.returncode, res.stdout) if capture else res.returncode


def run_results() -> list[dict] | None:
    """The node results of the last dbt invocation (run_results.json in DBT_TARGET_PATH, as env() sets it),
    one dict per node: unique_id, resource (model, test, seed, snapshot…), name, status (success, pass,
    fail, error, warn, skipped…), failures (rows a test found; 0 when none) and message (may be empty).
    None when dbt has not written the file or it cannot be read."""
    path = settings.get().dbt_target_path / "run_results.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [{"unique_id": r["unique_id"], "resource": r["unique_id"].split(".")[0],
             "name": r["unique_id"].split(".")[2], "status": r["status"],
             "failures": r.get("failures") or 0, "message": r.get("message") or ""} for r in raw]


def manifest() -> dict | None:
    """The dbt project's manifest.json of the last parse (in DBT_TARGET_PATH, as env() sets it); None when dbt has
    not written it or it cannot be read."""
    try:
        return json.loads((settings.get().dbt_target_path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    settings.use_component("dbt")  # the build role wh_dbt, never the owner
    return run(list(sys.argv[1:] if argv is None else argv), check=False)


if __name__ == "__main__":
    sys.exit(main())
