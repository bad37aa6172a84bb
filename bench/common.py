"""Helpers shared by the benchmarks: machine description, peak RSS of a child process, result files."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gib": round(mem, 1), "cpu": cpu,
            "python": platform.python_version(), "date": dt.datetime.now().isoformat(timespec="seconds")}


def run_child(code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh Python; it prints one JSON line last, which is returned."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, cwd=Path(__file__).resolve().parent.parent)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def read_result(name: str) -> dict | None:
    """The figures a benchmark last wrote (bench/results/<name>.json), or None."""
    try:
        return json.loads((RESULTS / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None


def write_result(name: str, command: str, data: dict, table_md: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"command": command, "machine": machine(), **data}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    md = RESULTS / f"{name}.md"
    m = payload["machine"]
    md.write_text(f"# {name}\n\nReproduce: `{command}`\n\nMachine: {m['cores']} cores, {m['memory_gib']} GiB, "
                  f"{m['cpu']}, Python {m['python']}, run {m['date']}.\n\n{table_md}\n", encoding="utf-8")
    return md
