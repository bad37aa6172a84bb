"""Run dbt (and MetricFlow's `mf`) against the warehouse with the connection from ops.settings.

    python -m ops.dbt build [dbt args...]
    python -m ops.dbt mf validate-configs
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ops import settings


def env() -> dict:
    e = {**os.environ, **settings.dbt_env(),
         "DBT_PROFILES_DIR": str(settings.WAREHOUSE_DBT),
         "DBT_PROJECT_DIR": str(settings.WAREHOUSE_DBT),
         "DBT_TARGET_PATH": os.environ.get("DBT_TARGET_PATH", str(settings.WAREHOUSE_DBT / "target")),  # mf only reads warehouse/target
         "DBT_LOG_PATH": os.environ.get("DBT_LOG_PATH", str(settings.VAR / "dbt" / "logs")),
         "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return e


def run(args: list[str], check: bool = True) -> int:
    venv_bin = Path(sys.executable).parent
    if args and args[0] == "mf":
        cmd = [str(venv_bin / "mf"), *args[1:]]
    else:
        cmd = [str(venv_bin / "dbt"), *args]
    res = subprocess.run(cmd, cwd=settings.WAREHOUSE_DBT, env=env())
    if check and res.returncode != 0:
        raise SystemExit(res.returncode)
    return res.returncode


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:], check=False))
